"""Reader paths and the whole-site prose checks: pure functions, no Sphinx.

A reader path (``paths`` in the plan) is a sequence of steps through existing
pages for one kind of reader. This module checks that paths name planned pages
and that every how-to is on a path or linked from a page on one; it says what
"Next step" each page on a path shows; and it runs the site-wide prose checks
(copied tables and paragraphs, word budgets) over each page's prose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .duplicates import copied_paragraphs, copied_tables
from .model import Finding, Plan, ReaderPath, display_path
from .prose import Prose, linked_pages, resolve_link


@dataclass(frozen=True)
class NextStep:
    """What a page on ``path`` shows at its end: the next step's pages, or none at the path's end."""

    path: ReaderPath
    pages: tuple[str, ...]  # plan-relative; empty at the end of the path


def next_steps(plan: Plan, page: str) -> list[NextStep]:
    """One entry per path through ``page``, in plan order."""
    steps = []
    for path in plan.paths_through(page):
        position = path.position(page)
        later = path.steps[position + 1] if position + 1 < len(path.steps) else ()
        steps.append(NextStep(path, later))
    return steps


def site_prose(site) -> dict[str, Prose]:
    """Each readable page's prose, read with the page (``PageSource.prose``)."""
    return {page: source.prose for page, source in site.pages.items()}


def check_path_pages(plan: Plan) -> list[Finding]:
    """Every page a reader path names is a planned page (a plan check: it reads no page)."""
    return [Finding(str(plan.path), path.line, "path-unplanned",
                    f"reader path '{path.id}' names '{page}', which is not a planned page.",
                    "correct the page's path, or add the page to the plan.")
            for path in plan.paths for page in path.pages() if plan.page(page) is None]


def check_orphans(plan: Plan, prose: dict[str, Prose], file_of: Callable[[str], Path]) -> list[Finding]:
    """Every how-to is on a reader path, or linked from a page on one."""
    findings: list[Finding] = []
    if not plan.paths:
        return findings
    on_paths = {page for path in plan.paths for page in path.pages()}
    reachable = set(on_paths)
    for page in on_paths:
        if page in prose:
            reachable |= linked_pages(prose[page], page)
    for entry in plan.pages:
        if entry.content_type != "how-to" or entry.page in reachable or entry.page not in prose:
            continue
        findings.append(Finding(
            str(file_of(entry.page)), 1, "path-orphan",
            f"this how-to is on no reader path, and no page on a path links to it "
            f"(paths: {', '.join(p.id for p in plan.paths)}).",
            f"add it to a path under 'paths' in {display_path(plan.path)}, or link to it from a page on one."))
    return findings


def check_duplicates(plan: Plan, prose: dict[str, Prose], file_of: Callable[[str], Path]) -> list[Finding]:
    # Reference pages come first, so a copy is always reported on the page that is not the home.
    order = sorted((p for p in plan.pages if p.page in prose), key=lambda p: p.content_type != "reference")
    order = [p.page for p in order]
    findings = []
    for copy in copied_tables(prose, order):
        home = f"{display_path(file_of(copy.home_page))}:{copy.home_table.line}"
        shown = ", ".join(_short(k) for k in copy.shared[:3]) + (", ..." if len(copy.shared) > 3 else "")
        findings.append(Finding(
            str(file_of(copy.page)), copy.table.line, "duplicate-table",
            f"this table repeats {len(copy.shared)} keys of the table at {home} ({shown}); "
            "a reference table has one home.",
            f"keep the table on one page and link to its anchor from the other ({home})."))
    for copy in copied_paragraphs(prose, order):
        home = f"{display_path(file_of(copy.home_page))}:{copy.home_block.line}"
        findings.append(Finding(
            str(file_of(copy.page)), copy.block.line, "duplicate-paragraph",
            f"this paragraph is {copy.similarity:.0%} the same as the one at {home}.",
            "keep the paragraph on one page and link to it from the other."))
    return findings


def check_cards(plan: Plan, prose: dict[str, Prose], file_of: Callable[[str], Path]) -> list[Finding]:
    """A page links each page from one card at most: a second card repeats the first."""
    findings = []
    for page, text in prose.items():
        first: dict[str, int] = {}
        for line, target in text.cards:
            resolved = resolve_link(page, target) or target
            if resolved in first:
                findings.append(Finding(
                    str(file_of(page)), line, "card-duplicate",
                    f"this card links '{target}', which the card at line {first[resolved]} already links.",
                    "remove one of the two cards; for a quick task, link the page from a list instead."))
            else:
                first[resolved] = line
    return findings


def _short(key: str, limit: int = 40) -> str:
    return key if len(key) <= limit else key[: limit - 3] + "..."


def word_counts(plan: Plan, prose: dict[str, Prose]) -> dict[str, int]:
    """Prose words per planned page that exists, in plan order."""
    return {p.page: prose[p.page].words for p in plan.pages if p.page in prose}


def check_word_budgets(plan: Plan, prose: dict[str, Prose], file_of: Callable[[str], Path]) -> list[Finding]:
    budgets = plan.word_budgets
    if budgets is None or not budgets.enforced:
        return []
    findings = []
    counts = word_counts(plan, prose)
    for entry in plan.pages if "by_template" in budgets.enforced else ():
        limit = budgets.by_template.get(entry.template)
        if limit is not None and counts.get(entry.page, 0) > limit:
            findings.append(Finding(
                str(file_of(entry.page)), 1, "word-budget",
                f"this {entry.template} page has {counts[entry.page]} prose words; the budget is {limit}.",
                f"cut {counts[entry.page] - limit} words, or move a fact to the page that is its home and link to it."))
    total = sum(counts.values())
    if "total" in budgets.enforced and budgets.total is not None and total > budgets.total:
        findings.append(Finding(
            str(plan.path), budgets.line, "word-budget",
            f"the section has {total} prose words; the budget is {budgets.total}.",
            f"cut {total - budgets.total} words across the pages ('docplan words' lists them)."))
    return findings


def check_prose(plan: Plan, prose: dict[str, Prose], file_of: Callable[[str], Path]) -> list[Finding]:
    """Every whole-site prose finding (``PROSE_SUBTYPES``): orphan how-tos, copies, cards and budgets."""
    return (check_orphans(plan, prose, file_of) + check_duplicates(plan, prose, file_of)
            + check_cards(plan, prose, file_of) + check_word_budgets(plan, prose, file_of))
