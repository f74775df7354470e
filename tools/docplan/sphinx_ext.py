"""The Sphinx hooks of docplan, and nothing else.

The settings are validated and the plan is parsed once per build
(``builder-inited``) and kept on the environment so that a plan edit re-reads
only the pages whose entry changed (``env-get-outdated``). The whole-site
plan check runs at ``env-updated``, which fires on every build, incremental and
no-op ones included, so a drift keeps failing the build until it is fixed. The
prose checks (``subtypes.PROSE_SUBTYPES``) are left to ``docplan check``: they
compare every page's words with every other page's, a cost that grows with the
site on every build and every live-preview save.

A build that warned (docplan's warnings or Sphinx's own) removes its saved
environment at ``build-finished``, so the next build reads every page again
and repeats every warning instead of passing as a no-op. A page that is not
UTF-8 is left out of the read (``env-before-read-docs``), where Sphinx would
otherwise stop with a traceback, and reported with the other findings.
Nothing is written into the sources.
"""

from __future__ import annotations

import html
import os
import weakref
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_parser.config.main import TopmatterReadError, merge_file_level, read_topmatter
from myst_parser.mdit_to_docutils.sphinx_ import SphinxRenderer
from myst_parser.parsers.mdit import create_md_parser
from myst_parser.parsers.sphinx_ import MystParser
from myst_parser.warnings_ import create_warning
from sphinx import addnodes
from sphinx.application import ENV_PICKLE_FILENAME, Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import __version__
from .checks import Site, check_site, unreadable_finding
from .config import DEFAULTS
from .gcpause import cyclic_gc_paused
from .model import Finding, Plan, ReaderPath
from .pages import UnreadablePage, located, parse_page, unreadable_reason
from .parsing import load_plan
from .report import build_report, write_report
from .routes import next_steps
from .settings import myst_config, validate
from .styles import badge_class, badge_css
from .subtypes import WARNING_TYPE

logger = logging.getLogger(__name__)


def setup(app: Sphinx) -> dict[str, Any]:
    # Rebuild "": neither value changes how a page is read, so editing them must not re-read the site.
    # Any type: docplan validates the values itself, with a message located in conf.py.
    for name, default in DEFAULTS.items():
        app.add_config_value(name, default, "", types=Any)
    # MyST's parser, keeping the tokens it makes for docplan's checks (read once, not twice).
    app.setup_extension("myst_parser")
    app.add_source_parser(PlanReadingParser, override=True)
    app.connect("env-merge-info", merge_read_pages)
    app.connect("builder-inited", load_plan_into_env)
    app.connect("builder-inited", add_stylesheet)
    app.connect("env-get-outdated", pages_with_changed_entries)
    app.connect("env-before-read-docs", leave_out_unreadable_pages)
    app.add_directive("reader-paths", ReaderPaths)
    # At write time, not read time: the line is then neither pickled with the doctree nor walked by
    # every transform, a cost that grows with the site (make bench).
    app.connect("doctree-resolved", add_badge_and_job)
    app.connect("doctree-read", add_next_steps)
    app.connect("env-updated", check_whole_site)
    # Before sphinxext-opengraph (priority 500), which reads the description offered here.
    app.connect("html-page-context", add_meta_description, priority=400)
    app.connect("build-finished", write_matrix_report)
    app.connect("build-finished", forget_environment_after_warnings)
    app.connect("build-finished", write_stylesheet)
    return {
        "version": __version__,
        "env_version": 6,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def load_plan_into_env(app: Sphinx) -> None:
    env = app.env
    values = {name: getattr(app.config, name) for name in DEFAULTS}
    settings, findings = validate(values, Path(app.confdir) / "conf.py")
    plan, plan_findings = load_plan(Path(app.srcdir) / settings.plan)
    env.docplan_previous_plan = getattr(env, "docplan_plan", None)
    env.docplan_plan = plan
    env.docplan_plan_findings = findings + plan_findings
    env.docplan_enforce_phase = settings.enforce_phase
    env.docplan_myst = myst_config(app.config)  # the settings the checks read pages with
    env.docplan_root_prefix = str(Path(app.srcdir) / plan.root) + os.sep if plan else "\0"
    env.docplan_same_read = None  # decided at the first page read (_reads_as_the_checks_read)
    if getattr(env, "docplan_page_cache", None) is None:
        env.docplan_page_cache = {}


# The front matter keys that give a page MyST settings of its own (``merge_file_level``).
FILE_LEVEL_KEYS = frozenset({"myst", "html_meta", "substitutions"})


class PlanReadingParser(MystParser):
    """MyST's Sphinx parser (myst-parser 5.2's ``MystParser.parse``), which also keeps what
    docplan's checks need from each page it reads, taken from the tokens MyST made.

    A page is kept (path -> (stat key, page), the cache the whole-site check reads) only when
    the checks would read the same text with the same settings: the text Sphinx parsed is the
    file's, and the page sets no MyST settings of its own. Any other page is read again by the
    check, as the command-line tool reads it, so both give the same findings.
    """

    def parse(self, inputstring: str, document: nodes.document) -> None:
        env = document.settings.env
        config = env.myst_config
        topmatter = None
        try:
            topmatter = read_topmatter(inputstring)
        except TopmatterReadError:
            pass  # reported during the render
        else:
            if topmatter:
                warning = lambda wtype, msg: create_warning(  # noqa: E731
                    document, msg, wtype, line=1, append_to=document)
                config = merge_file_level(config, topmatter, warning)
        parser = create_md_parser(config, SphinxRenderer)
        parser.options["document"] = document
        md_env: dict[str, Any] = {}
        tokens = parser.parse(inputstring, md_env)
        if not (topmatter and FILE_LEVEL_KEYS & topmatter.keys()):  # the site's MyST settings
            _keep_page(env, inputstring, tokens, topmatter)
        parser.renderer.render(tokens, parser.options, md_env)


def _keep_page(env: BuildEnvironment, text: str, tokens: list, topmatter: dict[str, Any] | None) -> None:
    """Keep what the plan checks need from the page Sphinx is reading."""
    plan: Plan | None = getattr(env, "docplan_plan", None)
    cache = getattr(env, "docplan_page_cache", None)
    if plan is None or cache is None or not _reads_as_the_checks_read(env):
        return
    # The key Site.scan looks the page up by (its docs directory / root / relative path); a
    # page named otherwise is not found there, and the check reads it again.
    source = getattr(env, "docplan_sources", {}).get(env.docname) or str(env.doc2path(env.docname))
    if not source.startswith(env.docplan_root_prefix) or not source.endswith(".md"):
        return
    try:
        stat = os.stat(source)  # after Sphinx read the file, as Sphinx stamps it (all_docs)
    except OSError:
        return
    settings = env.docplan_myst
    page = parse_page(text, source, settings, list(located(tokens, settings, plan_only=True)), prose=False,
                      topmatter=topmatter)
    cache[source] = ((stat.st_mtime_ns, stat.st_size), page)


def _reads_as_the_checks_read(env: BuildEnvironment) -> bool:
    """True when the text MyST parses is the file's text, decoded as the checks decode it, and
    MyST parses it with the settings the checks use; decided once per process and build."""
    same = getattr(env, "docplan_same_read", None)
    if same is None:
        same = env.docplan_same_read = (
            getattr(env, "docplan_myst", None) == env.myst_config
            and env.config.source_encoding == "utf-8-sig"
            and not env.events.listeners.get("source-read"))  # nothing rewrites the text
    return same


def merge_read_pages(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """A parallel build: keep the pages a worker process read."""
    mine = env.docplan_page_cache
    for key, (stamp, page) in (getattr(other, "docplan_page_cache", None) or {}).items():
        if key not in mine or mine[key][0] != stamp:  # the check validates each stamp again
            mine[key] = (stamp, page)


STYLESHEET = "docplan.css"


def add_stylesheet(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(STYLESHEET)


def write_stylesheet(app: Sphinx, exception: Exception | None) -> None:
    """The badge styles for the plan's content types, written after Sphinx copied the static files."""
    plan: Plan | None = app.env.docplan_plan
    if exception is not None or plan is None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    css = badge_css(plan.content_types)
    target = static / STYLESHEET
    if not target.is_file() or target.read_text(encoding="utf-8") != css:
        target.write_text(css, encoding="utf-8")


def pages_with_changed_entries(app: Sphinx, env: BuildEnvironment, added: set[str],
                               changed: set[str], removed: set[str]) -> list[str]:
    """Docnames whose plan entry changed what the page shows (badge label, job, title)."""
    old: Plan | None = getattr(env, "docplan_previous_plan", None)
    new: Plan | None = env.docplan_plan
    if old is None or new is None:
        return []
    outdated = []
    for entry in new.pages:
        docname = new.docname(entry)
        before = old.by_docname(docname)
        if before is None or docname not in env.all_docs:
            continue
        if _shown(old, before) != _shown(new, entry):
            outdated.append(docname)
    return outdated


def _shown(plan: Plan, entry) -> tuple[str, ...]:
    labels = tuple(sorted((name, t.label) for name, t in plan.content_types.items()))
    # A page on a path shows its next steps; the hub shows every path.
    paths = plan.paths if entry.parent is None else tuple(s.path for s in next_steps(plan, entry.page))
    titles = {p: plan.page(p).title if plan.page(p) else p for path in paths for p in path.pages()}
    return (entry.jtbd, entry.title, entry.content_type, str(labels), repr(paths), repr(sorted(titles.items())))


def leave_out_unreadable_pages(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Take each page to be read that is not UTF-8 out of the read: Sphinx itself would stop
    with a traceback. The whole-site check reports it, and it stays out until it is fixed."""
    env.docplan_unreadable = {}  # absolute path -> (line, reason)
    env.docplan_sources = sources = {}  # docname -> the path Sphinx reads it from, for _keep_page
    for docname in list(docnames):
        source = sources[docname] = str(env.doc2path(docname))
        problem = unreadable_reason(source)
        if problem is not None:
            env.docplan_unreadable[os.path.abspath(source)] = problem
            docnames.remove(docname)
            env.project.docnames.discard(docname)


def add_badge_and_job(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Show the content type (from the front matter) and the job (from the plan) under the title."""
    env = app.env
    plan: Plan | None = env.docplan_plan
    entry = plan.by_docname(docname) if plan else None
    if entry is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    declared = env.metadata.get(docname, {}).get("content_type")
    content_type = plan.content_types.get(declared) if isinstance(declared, str) else None
    meta = nodes.paragraph(classes=["docplan-meta"])
    if content_type:
        # "no-search": Sphinx's search index skips it; the label is on every page of its type.
        meta += nodes.inline(content_type.label, content_type.label,
                             classes=["docplan-badge", badge_class(content_type.name), "no-search"])
        meta += nodes.Text(" ")  # so copied text and search snippets read "How-to Speed up ..."
    # The job is left out of the search index too: it restates the page's title and lede, the
    # findability benchmark finds the same pages without it, and indexing it cost 0.5% of a build.
    meta += nodes.inline(entry.jtbd, entry.jtbd, classes=["docplan-job", "no-search"])
    section.insert(1, meta)


def _page_link(plan: Plan, page: str, refdoc: str) -> nodes.Node:
    """A checked link to a planned page, with the page's planned title."""
    entry = plan.page(page)
    title = entry.title if entry else page
    docname = plan.docname(entry) if entry else page.removesuffix(".md")
    return addnodes.pending_xref("", nodes.inline(title, title), refdomain="std", reftype="doc",
                                 reftarget=f"/{docname}", refexplicit=True, refwarn=True, refdoc=refdoc)


def _inline_code(text: str) -> list[nodes.Node]:
    """Plain text with `code` spans, for the plan's short texts."""
    parts = text.split("`")
    return [nodes.literal(part, part) if i % 2 else nodes.Text(part) for i, part in enumerate(parts) if part]


def _step_links(plan: Plan, pages: tuple[str, ...], refdoc: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for i, page in enumerate(pages):
        if i:
            out.append(nodes.Text(", or " if i == len(pages) - 1 else ", "))
        out.append(_page_link(plan, page, refdoc))
    return out


def add_next_steps(app: Sphinx, doctree: nodes.document) -> None:
    """End each page that is on a reader path with that path's next step (or its end)."""
    env = app.env
    plan: Plan | None = env.docplan_plan
    entry = plan.by_docname(env.docname) if plan else None
    steps = next_steps(plan, entry.page) if entry else []
    section = next(iter(doctree.findall(nodes.section)), None)
    if not steps or section is None:
        return
    # Not indexed for search ("no-search"): the box names the next page, which would make this
    # page a match for that page's title.
    box = nodes.container(classes=["docplan-next", "no-search"])
    box += nodes.rubric("Next step", "Next step")
    for step in steps:
        para = nodes.paragraph(classes=["docplan-next-step", f"docplan-path-{step.path.id}"])
        para += nodes.strong(step.path.title, step.path.title)
        para += nodes.Text(": ")
        if step.pages:
            para += _step_links(plan, step.pages, env.docname)
            para += nodes.Text(".")
        else:
            para += nodes.Text("the end of this path. Your trainer reads ")
            para += _inline_code(step.path.ends_with)
            para += nodes.Text(".")
        box += para
    section += box


class ReaderPaths(SphinxDirective):
    """``{reader-paths}``: every reader path of the plan, with what it needs and its steps."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        plan: Plan | None = self.env.docplan_plan
        if plan is None:
            return []
        return [node for path in plan.paths for node in self._path(plan, path)]

    def _path(self, plan: Plan, path: ReaderPath) -> list[nodes.Node]:
        box = nodes.container(classes=["docplan-path", f"docplan-path-{path.id}"], ids=[f"path-{path.id}"])
        box += nodes.rubric(path.title, path.title)
        box += self.parse_text_to_nodes(path.needs)
        steps = nodes.enumerated_list(classes=["docplan-path-steps"])
        for step in path.steps:
            item = nodes.list_item()
            item += nodes.paragraph("", "", *_step_links(plan, step, self.env.docname))
            steps += item
        box += steps
        box += nodes.paragraph("", "", nodes.Text("Ends with "), *_inline_code(path.ends_with), nodes.Text("."))
        return [box]


def check_whole_site(app: Sphinx, env: BuildEnvironment) -> None:
    findings: list[Finding] = list(env.docplan_plan_findings)
    plan: Plan | None = env.docplan_plan
    if plan is not None:
        with cyclic_gc_paused():
            site = _SITES[app] = _scan(app)
            findings += check_site(plan, site, env.docplan_enforce_phase)
    # Pages left out of the read that the plan checks did not cover (outside the plan's root).
    covered = {os.path.abspath(f.path) for f in findings if f.subtype == "page-unreadable"}
    findings += [unreadable_finding(UnreadablePage(Path(path), line, reason))
                 for path, (line, reason) in getattr(env, "docplan_unreadable", {}).items() if path not in covered]
    for finding in findings:
        logger.warning(finding.text, location=finding.location, type=WARNING_TYPE, subtype=finding.subtype)
    # The report counts what fails the build: a kind silenced in suppress_warnings is left out.
    suppressed = set(app.config.suppress_warnings)
    env.docplan_findings = [f for f in findings
                            if not {WARNING_TYPE, f"{WARNING_TYPE}.{f.subtype}"} & suppressed]


_SITES: weakref.WeakKeyDictionary[Sphinx, Site] = weakref.WeakKeyDictionary()


def _scan(app: Sphinx) -> Site:
    """The pages on disk; the parse of each is kept on the environment and reused while the
    file's modification time and size are unchanged, so a no-op build only stats the pages."""
    env = app.env
    cache = getattr(env, "docplan_page_cache", None)
    if cache is None:
        cache = env.docplan_page_cache = {}
    # The paths this build's read looked up already, then Sphinx's for the pages it did not read.
    read = getattr(env, "docplan_sources", {})
    files = {docname: read.get(docname) or env.doc2path(docname) for docname in env.found_docs}
    files |= {f"unreadable:{path}": path for path in getattr(env, "docplan_unreadable", {})}
    return Site.scan(env.docplan_plan, Path(app.srcdir), files, myst_config(app.config), cache=cache, prose=False)


def add_meta_description(app: Sphinx, pagename: str, templatename: str,
                         context: dict[str, Any], doctree: nodes.document | None) -> None:
    plan: Plan | None = app.env.docplan_plan
    entry = plan.by_docname(pagename) if plan else None
    if entry is not None:
        tag = f'<meta name="description" content="{html.escape(entry.jtbd, quote=True)}" />'
        context["metatags"] = f"{context.get('metatags', '')}\n    {tag}"
        # The same description for link previews: sphinxext-opengraph uses a page's
        # "og:*" metadata as given. A copy, so the environment's metadata is untouched.
        context["meta"] = {**(context.get("meta") or {}), "og:description": entry.jtbd}


def write_matrix_report(app: Sphinx, exception: Exception | None) -> None:
    plan: Plan | None = app.env.docplan_plan
    if exception is not None or plan is None:
        return
    site = _SITES.pop(app, None) or _scan(app)  # the pages the check read in this build
    report = build_report(plan, site, app.env.docplan_enforce_phase, getattr(app.env, "docplan_findings", []))
    write_report(report, Path(app.outdir))


def forget_environment_after_warnings(app: Sphinx, exception: Exception | None) -> None:
    """After a build that warned or failed, remove the saved environment.

    A no-op rebuild re-reads nothing, so Sphinx would not repeat the warnings of pages it
    does not read again, and the second build would pass. Without the saved environment
    the next build starts fresh, reads every page and warns again until the cause is fixed.
    Builds without warnings keep the environment, so their no-op rebuilds stay fast.
    """
    if exception is None and not getattr(app, "_warncount", 0):  # Sphinx's own warning count
        return
    (Path(app.doctreedir) / ENV_PICKLE_FILENAME).unlink(missing_ok=True)
