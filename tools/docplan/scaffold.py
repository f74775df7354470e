"""New pages from their template: front matter, title and required sections.

A new page holds TODO markers on purpose: the placeholder check keeps failing
the build until every section is written.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from .model import Plan, PlannedPage


class PageExists(FileExistsError):
    """The page is already there; scaffolding never overwrites an author's file."""


def render_page(plan: Plan, entry: PlannedPage, existing: set[str] | None = None) -> str:
    """The text of a new page for ``entry``; ``existing`` are the pages already written."""
    template = plan.templates[entry.template]
    lines = ["---", f"content_type: {entry.content_type}", "sources: []", "---", "",
             f"# {entry.title}", "", f"TODO: one paragraph on how this page helps you {_lower_first(entry.jtbd)}.", ""]
    for section in template.required_sections:
        lines += [f"## {section}", "", f"TODO: write the '{section}' section.", ""]
    children = [c for c in plan.children(entry.page) if existing is None or c.page in existing]
    if children:
        base = posixpath.dirname(entry.page) or "."
        lines += ["```{toctree}", ":hidden:", ""]
        lines += [posixpath.relpath(c.page, base)[: -len(".md")] for c in children]
        lines += ["```", ""]
    return "\n".join(lines)


def create_page(plan: Plan, docs_dir: Path, page: str) -> Path:
    """Write the new page for planned ``page``; refuse when it is unplanned or exists."""
    entry = plan.page(page)
    if entry is None:
        raise KeyError(page)
    path = docs_dir / plan.root / entry.page
    root = docs_dir / plan.root
    existing = {p.relative_to(root).as_posix() for p in root.rglob("*.md")} if root.is_dir() else set()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:  # "x": fail rather than overwrite
            f.write(render_page(plan, entry, existing))
    except FileExistsError as exc:
        raise PageExists(str(path)) from exc
    return path


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
