"""The gate: every page agrees with the pinned nemo-gym release."""

from __future__ import annotations

from pathlib import Path

from accuracy.blocks import read_page
from accuracy.checks import check_pages
from accuracy.cli import SCHEMA, page_paths

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_agrees_with_the_release(facts):
    import json

    schema = json.loads(SCHEMA.read_text())
    pages = [(read_page(p), str(p.relative_to(ROOT))) for p in page_paths(ROOT / "docs")]
    findings, counts = check_pages(pages, facts, schema)
    assert [f.format() for f in findings] == []
    # The gate only means something if it looked at things.
    assert counts["commands"] > 50 and counts["overrides"] > 10 and counts["field tables"] >= 2
    assert counts["messages"] > 20 and counts["Python blocks"] > 5


def test_every_training_page_names_its_sources(facts):
    for path in page_paths(ROOT / "docs" / "training"):
        sources = read_page(path).front_matter.get("sources")
        assert sources, f"{path.relative_to(ROOT)} lists no upstream sources in its front matter"
