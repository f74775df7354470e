"""The site checks: pure functions from a plan and the page sources to findings.

Nothing here knows about Sphinx. The extension and the command-line tool both
call :func:`check_site`, so a build and ``docplan check`` report the same
findings, worded the same way.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from myst_parser.config.main import MdParserConfig

from .model import Finding, Plan, PlannedPage, display_path
from .pages import FrontMatter, PageSource, UnreadablePage, read_page
from .routes import check_path_pages, check_prose, site_prose


@dataclass(frozen=True)
class Site:
    """The pages Sphinx builds under the plan's root directory, read once."""

    docs_dir: Path
    pages: dict[str, PageSource]  # plan-relative path ("datasets/index.md") -> source
    unreadable: dict[str, UnreadablePage]  # plan-relative path -> why it could not be read
    prose: bool = True  # the pages were read with their prose, for the prose checks

    @classmethod
    def scan(cls, plan: Plan, docs_dir: Path, files: dict[str, str | Path] | None = None,
             myst: MdParserConfig | None = None,
             cache: dict[str, tuple[tuple[int, int], PageSource]] | None = None, prose: bool = True) -> Site:
        """Read the pages among ``files`` (docname -> path, as Sphinx lists them) that lie under
        the plan's root; without ``files``, every page a MyST site without exclusions builds.
        With ``cache`` (path -> (stat key, page)), pages whose modification time and size are
        unchanged are not read again. Without ``prose``, pages are read for the plan checks only."""
        if files is None:
            from .settings import list_pages, plain_myst_config

            files = list_pages(docs_dir, plain_myst_config())
        base = docs_dir / plan.root
        prefix = os.path.join(os.path.abspath(base), "")  # the root with one separator after it
        base_name = "" if str(base) == "." else os.path.join(str(base), "")  # as findings name pages
        pages: dict[str, PageSource] = {}
        unreadable: dict[str, UnreadablePage] = {}
        seen: set[str] = set()
        # Strings, not Paths, for every page: building Path objects was most of a scan's time.
        # Sorted by path components, as Paths sort.
        for name in sorted((os.path.abspath(p) for p in files.values()), key=lambda n: n.split(os.sep)):
            if not name.startswith(prefix):
                continue
            native = name[len(prefix):]
            relative = native.replace(os.sep, "/")
            key = base_name + native
            seen.add(key)
            try:
                stat = os.stat(key)
                stamp = (stat.st_mtime_ns, stat.st_size)
                if cache is not None and key in cache and cache[key][0] == stamp:
                    pages[relative] = cache[key][1]
                    continue
                path = Path(key)
                pages[relative] = read_page(path, myst, prose) if path.suffix == ".md" else _foreign(path)
                if cache is not None:
                    cache[key] = (stamp, pages[relative])
            except UnreadablePage as exc:
                unreadable[relative] = exc
            except OSError as exc:
                unreadable[relative] = UnreadablePage.from_os_error(Path(key), exc)
        if cache is not None:
            for stale in set(cache) - seen:
                del cache[stale]
        return cls(docs_dir, pages, unreadable, prose)


    def has(self, relative: str) -> bool:
        """True when the page exists, readable or not."""
        return relative in self.pages or relative in self.unreadable


def _foreign(path: Path) -> PageSource:
    """A page in another source format (such as reStructuredText): present, but not read."""
    return PageSource(path, FrontMatter(), [], [], [])


def check_site(plan: Plan, site: Site, enforce_phase: int) -> list[Finding]:
    """Every way the pages in ``site`` drift from ``plan``, sorted by location. On a site read
    without prose, the plan checks only: the prose checks (``PROSE_SUBTYPES``) read every page's
    words and compare every paragraph with every other, which a Sphinx build leaves to
    ``docplan check``."""
    findings: list[Finding] = []
    findings += check_missing_pages(plan, site, enforce_phase)
    findings += check_unplanned_pages(plan, site)
    findings += check_unreadable_pages(site)
    for relative, source in site.pages.items():
        entry = plan.page(relative)
        if entry is None:
            continue
        findings += check_front_matter(plan, entry, source)
        findings += check_sections(plan, entry, source)
        findings += check_placeholders(source)
    findings += check_toctrees(plan, site)
    findings += check_path_pages(plan)
    if site.prose:
        planned = {page: text for page, text in site_prose(site).items() if plan.page(page)}
        findings += check_prose(plan, planned, lambda page: _page_file(site, plan, page))
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.subtype, f.message))


def check_missing_pages(plan: Plan, site: Site, enforce_phase: int) -> list[Finding]:
    findings = []
    for entry in plan.pages:
        if entry.page in site.pages or entry.phase > enforce_phase:
            continue
        if entry.page in site.unreadable:
            continue  # reported at the page by check_unreadable_pages
        path = display_path(_page_file(site, plan, entry.page))
        findings.append(Finding(
            str(plan.path), entry.line, "page-missing",
            f"planned page {path} does not exist; it belongs to phase {entry.phase} (week "
            f"{entry.week_label()}), and phases up to {enforce_phase} must be complete.",
            f"create it with 'make new PAGE={entry.page}', or set docplan_enforce_phase in conf.py "
            f"below {entry.phase}.",
        ))
    return findings


def check_unplanned_pages(plan: Plan, site: Site) -> list[Finding]:
    return [
        Finding(str(_page_file(site, plan, relative)), 1, "page-unplanned",
                f"this page is not in the plan, which lists every page under {plan.root}/.",
                f"add an entry for '{relative}' to {display_path(plan.path)}, or move the page out of "
                f"{plan.root}/.")
        for relative in [*site.pages, *site.unreadable] if plan.page(relative) is None
    ]


def check_unreadable_pages(site: Site) -> list[Finding]:
    return [unreadable_finding(problem) for problem in site.unreadable.values()]


def unreadable_finding(problem: UnreadablePage) -> Finding:
    return Finding(str(problem.path), problem.line, "page-unreadable", f"this page {problem.reason}.",
                   "save the file as UTF-8 text.")


def check_front_matter(plan: Plan, entry: PlannedPage, source: PageSource) -> list[Finding]:
    path = str(source.path)
    fm = source.front_matter
    expected = entry.content_type
    set_it = f"set 'content_type: {expected}' in the front matter"
    if fm.error:
        return [Finding(path, fm.error_line, "front-matter", f"{fm.error}.",
                        f"write the front matter as '---', 'content_type: {expected}', '---'.")]
    if not fm.present:
        return [Finding(path, 1, "content-type-missing",
                        f"page has no front matter; the plan says it is {_article(expected)} {expected} page.",
                        f"start the page with '---', 'content_type: {expected}', '---'.")]
    if "content_type" not in fm.values:
        return [Finding(path, 1, "content-type-missing",
                        f"front matter has no content_type; the plan says '{expected}'.", f"{set_it}.")]
    actual = fm.values["content_type"]
    line = fm.lines.get("content_type", 1)
    if not isinstance(actual, str) or actual not in plan.content_types:
        return [Finding(path, line, "content-type-unknown",
                        f"content_type {actual!r} is not one of: {', '.join(plan.content_types)}; "
                        f"the plan says '{expected}'.", f"{set_it}.")]
    if actual != expected:
        plan_at = f"{display_path(plan.path)}:{entry.line}"
        return [Finding(path, line, "content-type-mismatch",
                        f"content_type is '{actual}', but the plan says '{expected}' ({plan_at}).",
                        f"{set_it}, or change the page's content_type in the plan.")]
    return check_keywords(path, fm)


def check_keywords(path: str, fm: FrontMatter) -> list[Finding]:
    """``keywords``, when present, is a list of non-empty strings (they become index entries)."""
    if "keywords" not in fm.values:
        return []
    value = fm.values["keywords"]
    if isinstance(value, list) and value and all(isinstance(item, str) and item.strip() for item in value):
        return []
    return [Finding(path, fm.lines.get("keywords", 1), "keywords",
                    f"keywords is {value!r}; it must be a list of the words or phrases readers search with.",
                    "write each keyword as a '- item' line under 'keywords:', for example '- \"address already in use\"'.")]


def check_sections(plan: Plan, entry: PlannedPage, source: PageSource) -> list[Finding]:
    template = plan.templates[entry.template]
    present = {h.text.casefold() for h in source.sections(2)}
    findings = []
    for section in template.required_sections:
        if section.casefold() in present:
            continue
        findings.append(Finding(
            str(source.path), source.title_line, "section-missing",
            f"page has no '## {section}' section, which the {entry.template} template requires "
            f"(required: {', '.join(template.required_sections)}).",
            f"add a '## {section}' section.",
        ))
    return findings


def check_placeholders(source: PageSource) -> list[Finding]:
    return [
        Finding(str(source.path), line, "placeholder", f"placeholder text {text.strip()!r} is still on the page.",
                "replace it with the real content.")
        for line, text in source.placeholders
    ]


def check_toctrees(plan: Plan, site: Site) -> list[Finding]:
    findings: list[Finding] = []
    listings = _listings(plan, site)
    # A page listed twice keeps the listing in its planned parent; every other one is the duplicate.
    keep: dict[str, tuple[str, int]] = {}
    for target, places in listings.items():
        planned = plan.page(target)
        rightful = next((p for p in places if planned and p[0] == planned.parent), places[0])
        keep[target] = rightful
        for place in places:
            if place is not rightful:
                findings.append(_duplicate(site, plan, place, target, rightful))
    for entry in plan.pages:
        source = site.pages.get(entry.page)
        if source is None:
            continue
        expected = [c.page for c in plan.children(entry.page) if site.has(c.page)]
        findings += _check_one_toctree(plan, site, entry, source, expected, keep)
    return findings


def _listings(plan: Plan, site: Site) -> dict[str, list[tuple[str, int, str]]]:
    """Every page a toctree lists -> where: (listing page, line, entry as written), in site order."""
    listings: dict[str, list[tuple[str, int, str]]] = {}
    ordered = [p.page for p in plan.pages if p.page in site.pages] + [p for p in site.pages if plan.page(p) is None]
    for relative in ordered:
        for toctree in site.pages[relative].toctrees:
            for item in toctree.entries:
                if not (item.is_glob or item.is_self or item.is_url):
                    target = _resolve(relative, item.target, plan.root)
                    listings.setdefault(target, []).append((relative, item.line, item.target))
    return listings


def _check_one_toctree(plan: Plan, site: Site, entry: PlannedPage, source: PageSource,
                       expected: list[str], keep: dict[str, tuple[str, int, str]]) -> list[Finding]:
    path = str(source.path)
    findings: list[Finding] = []
    expected_names = [_entry_name(entry.page, child) for child in expected]
    if not source.toctrees:
        if expected:
            findings.append(Finding(
                path, source.title_line, "toctree-absent",
                f"page has no toctree, but the plan places {len(expected)} existing page(s) under it: "
                f"{', '.join(expected_names)}.",
                f"end the page with a toctree listing, in this order: {', '.join(expected_names)}.",
            ))
        return findings

    listed: list[tuple[str, int]] = []  # (plan-relative target, line), in page order
    for toctree in source.toctrees:
        if "glob" in toctree.options:
            findings.append(Finding(path, toctree.options["glob"], "toctree-glob",
                                    "toctree uses ':glob:', so the plan cannot check what it lists.",
                                    f"remove ':glob:' and list the pages: {', '.join(expected_names) or 'none'}."))
        for item in toctree.entries:
            if item.is_self:
                findings.append(Finding(path, item.line, "toctree-unexpected",
                                        "toctree lists 'self', which puts this page inside its own navigation.",
                                        "delete the 'self' line; the page's title already leads to it."))
                continue
            if item.is_url:
                findings.append(Finding(path, item.line, "toctree-unexpected",
                                        f"toctree lists the web address '{_short(item.target)}'; a toctree holds "
                                        "only the pages the plan places under this page.",
                                        "delete the line, and link the address from the page's text instead, "
                                        "for example in its 'Related' section."))
                continue
            if item.is_glob:
                findings.append(Finding(path, item.line, "toctree-glob",
                                        f"toctree entry '{_short(item.target)}' is a glob pattern.",
                                        f"list the pages by name: {', '.join(expected_names) or 'none'}."))
                continue
            target = _resolve(entry.page, item.target, plan.root)
            if keep.get(target)[:2] != (entry.page, item.line):
                continue  # reported as a duplicate
            if target in expected:
                listed.append((target, item.line))
            else:
                findings.append(_unexpected(plan, site, entry, item, target, expected_names))

    listed_pages = [target for target, _ in listed]
    for position, child in enumerate(expected):
        if child in listed_pages:
            continue
        before = [c for c in expected[:position] if c in listed_pages]
        anchor = (f"after '{_entry_name(entry.page, before[-1])}'" if before else "as the first entry")
        line = dict(listed).get(before[-1], 0) if before else 0
        findings.append(Finding(
            path, line or source.toctrees[-1].line, "toctree-missing",
            f"toctree is missing planned page '{_entry_name(entry.page, child)}'; expected it {anchor}.",
            f"add '{_entry_name(entry.page, child)}' to this toctree.",
        ))

    in_plan_order = [c for c in expected if c in listed_pages]
    if listed_pages != in_plan_order:
        wrong = next(i for i, (a, b) in enumerate(zip(listed_pages, in_plan_order)) if a != b)
        target, line = listed[wrong]
        order = ", ".join(_entry_name(entry.page, c) for c in in_plan_order)
        findings.append(Finding(
            path, line, "toctree-order",
            f"toctree lists '{_entry_name(entry.page, target)}' where the plan puts "
            f"'{_entry_name(entry.page, in_plan_order[wrong])}'; the plan's order is: {order}.",
            f"reorder the entries to: {order}.",
        ))
    return findings


def _unexpected(plan: Plan, site: Site, entry: PlannedPage, item, target: str,
                expected_names: list[str]) -> Finding:
    path = str(site.pages[entry.page].path)
    planned = plan.page(target)
    if target.startswith("../"):
        why = f"which lies outside {plan.root}/, the directory the plan governs"
        fix = "remove the entry; pages outside the section are linked from the text, not listed here"
    elif planned is None:
        why = "which is not a planned page"
        fix = "remove the entry, or add the page to the plan under this page"
    elif planned.parent is None:
        why = "which is the section's hub; no page of the section lists it"
        fix = "remove the entry"
    elif planned.parent != entry.page:
        why = f"which the plan places under '{planned.parent}'"
        fix = f"remove the entry here and list it in the toctree of '{planned.parent}'"
    else:
        why = f"which does not exist yet (planned for phase {planned.phase})"
        fix = f"create it with 'make new PAGE={planned.page}', or remove the entry until it exists"
    return Finding(path, item.line, "toctree-unexpected", f"toctree lists '{_short(item.target)}', {why}.", f"{fix}.")


def _duplicate(site: Site, plan: Plan, place: tuple[str, int, str], target: str,
               rightful: tuple[str, int, str]) -> Finding:
    listing, line, written = place
    where = ("earlier in this toctree" if rightful[0] == listing
             else f"in the toctree of {display_path(site.pages[rightful[0]].path)}")
    return Finding(str(site.pages[listing].path), line, "toctree-duplicate",
                   f"toctree lists '{_short(written)}', which is already listed {where} (line {rightful[1]}); "
                   f"a page belongs in one toctree.",
                   f"remove this entry; the plan places it under '{_planned_parent(plan, target)}'.")


def _planned_parent(plan: Plan, target: str) -> str:
    planned = plan.page(target)
    return planned.parent or "the site root" if planned else "no page (it is not planned)"


def _resolve(listing_page: str, target: str, root: str) -> str:
    """The plan-relative page a toctree entry in ``listing_page`` points to.

    Entries are relative to the listing page, or to the docs source directory
    when they start with '/'.
    """
    target = target.strip()
    if target.startswith("/"):
        joined = target.lstrip("/")
        joined = joined[len(root) + 1:] if root and joined.startswith(root + "/") else joined
    else:
        joined = posixpath.join(posixpath.dirname(listing_page), target)
    joined = posixpath.normpath(joined)
    return joined if joined.endswith(".md") else f"{joined}.md"


def _entry_name(listing_page: str, child: str) -> str:
    """How ``listing_page``'s toctree names ``child``: relative, without ``.md``."""
    directory = posixpath.dirname(listing_page)
    if directory and child.startswith(directory + "/"):  # the usual case, without relpath's getcwd()
        return child[len(directory) + 1: -len(".md")]
    return posixpath.relpath(child, directory or ".")[: -len(".md")]


def _page_file(site: Site, plan: Plan, relative: str) -> Path:
    """Where a plan-relative page lives (or would live) on disk."""
    return site.docs_dir / plan.root / relative


def _short(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters, so one odd value cannot flood a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
