"""Every kind of finding docplan reports, with what it means.

A finding prints as ``path:line: WARNING: message Fix: ... [docplan.<subtype>]``;
``suppress_warnings = ["docplan.<subtype>"]`` in conf.py silences one kind.
"""

from __future__ import annotations

WARNING_TYPE = "docplan"

SUBTYPES: dict[str, str] = {
    "plan-syntax": "The plan file is not valid YAML, or cannot be read.",
    "plan-schema": (
        "The plan file does not follow the schema: an unknown or missing key, a value of "
        "the wrong type, a duplicate page, an unknown content type, template or phase, a "
        "directory without an index page, or counts that disagree with the page list."
    ),
    "config": "A docplan setting in conf.py has a value of the wrong kind, or conf.py cannot be executed.",
    "page-missing": "A planned page of an enforced phase does not exist.",
    "page-unplanned": "A page under the governed directory is not in the plan.",
    "page-unreadable": "A page Sphinx would build cannot be read as UTF-8 text.",
    "front-matter": "A page's front matter is missing, is not valid YAML, or is not a mapping.",
    "content-type-missing": "A page's front matter has no content_type.",
    "content-type-unknown": "A page's content_type is not one of the plan's content types.",
    "content-type-mismatch": "A page's content_type differs from the plan's.",
    "keywords": "A page's front-matter keywords are not a list of words or phrases.",
    "toctree-absent": "A page with planned children that exist has no toctree.",
    "toctree-missing": "A toctree leaves out a planned child page that exists.",
    "toctree-unexpected": "A toctree lists a page the plan does not place under this page.",
    "toctree-order": "A toctree lists its planned children in an order other than the plan's.",
    "toctree-duplicate": "A page is listed twice, in one toctree or in two.",
    "toctree-glob": "A toctree uses a glob, which hides drift from the plan.",
    "section-missing": "A page lacks a section its template requires.",
    "placeholder": "A page still holds placeholder text.",
    "path-unplanned": "A reader path names a page the plan does not list.",
    "path-orphan": "A how-to is on no reader path, and no page on a path links to it.",
    "duplicate-table": "A table keyed by the same identifiers as a table on another page.",
    "duplicate-paragraph": "A paragraph repeats, nearly word for word, a paragraph on another page.",
    "card-duplicate": "A page links the same page from two cards.",
    "word-budget": "A page, or the section, has more prose words than the plan's budget allows.",
}


# The prose checks: they read every page's words and compare every paragraph with every other,
# so `docplan check` runs them and a Sphinx build does not (its cost would grow with the site's
# words on every build and every live-preview save). The other kinds are the plan checks, which
# both run.
PROSE_SUBTYPES = frozenset({"path-orphan", "duplicate-table", "duplicate-paragraph", "card-duplicate",
                            "word-budget"})


def qualified(subtype: str) -> str:
    """``docplan.<subtype>``, as printed after a warning and used in suppress_warnings."""
    if subtype not in SUBTYPES:
        raise KeyError(f"unknown docplan subtype {subtype!r}")
    return f"{WARNING_TYPE}.{subtype}"
