"""The small site the checker's tests run on: a hub, one topic, two pages.

It lives as files in ``sites/base/`` (the fixture site the Sphinx tests build);
``PLAN`` and ``PAGES`` are its plan and its pages under ``guide/``, for the
tests that vary them in memory.
"""

from __future__ import annotations

from pathlib import Path

BASE = Path(__file__).resolve().parent / "sites" / "base"
PLAN = (BASE / "plan.yaml").read_text(encoding="utf-8")
PAGES = {path.relative_to(BASE / "guide").as_posix(): path.read_text(encoding="utf-8")
         for path in sorted((BASE / "guide").rglob("*.md"))}


def write_minisite(root: Path, pages: dict[str, str] | None = None, plan: str = PLAN) -> Path:
    """Write the plan and pages under ``root``/docs; return the docs directory."""
    docs = root / "docs"
    (docs / "guide").mkdir(parents=True, exist_ok=True)
    (docs / "plan.yaml").write_text(plan, encoding="utf-8")
    for relative, text in (PAGES if pages is None else pages).items():
        path = docs / "guide" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return docs


def site_files(docs: Path) -> dict[str, Path]:
    """The pages Sphinx would build from ``docs`` with MyST enabled: docname -> path."""
    from docplan.settings import list_pages, plain_myst_config

    return list_pages(docs, plain_myst_config())
