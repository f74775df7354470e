"""The real site: one smoke build as the content gate, and the real conf.py on a tiny site.

The smoke build (the session-wide ``real_build``, shared with the browser
tests) must pass with zero warnings and leave the sources untouched. The
extension's behaviour on drift is tested on small fixture sites
(``test_sites.py``), so no test here depends on the pages' order or wording.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import tree_digest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_real_site_builds_with_zero_warnings(real_build):
    result, html = real_build.result, real_build.html
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (html / "training" / "index.html").is_file()


@pytest.mark.slow
def test_the_build_never_writes_into_the_docs(real_build):
    assert tree_digest(ROOT / "docs") == real_build.docs_digest_before


@pytest.mark.slow
def test_the_build_output_holds_the_matrix_report_and_every_badge(real_build):
    html = real_build.html
    report = json.loads((html / "docplan-report.json").read_text())
    pages = report["pages"]
    assert report["findings"] == {}
    assert report["totals"]["planned"] == len(pages) > 0
    enforced = [p for p in report["phases"] if p["enforced"]]
    assert enforced and all(p["complete"] for p in enforced)
    css = (html / "_static" / "docplan.css").read_text()
    for page in pages:  # each planned page shows the badge of its type, which the stylesheet styles
        out = html / (page["page"].removesuffix(".md") + ".html")
        badge = re.search(r'<span class="docplan-badge (docplan-badge-[\w-]+) no-search">', out.read_text())
        assert badge, f"{out}: no content-type badge"
        assert f".{badge[1]} {{" in css, f"{badge[1]} has no rule in docplan.css"


TINY_PLAN = """\
schema_version: 2
root: training
content_types:
  explanation: {label: Explanation, default_template: hub}
templates:
  hub: {required_sections: [Topics]}
phases:
  1: {name: Only, weeks: [1, 1]}
pages:
  index.md: {title: Tiny, content_type: explanation, jtbd: Be small, phase: 1, week: 1}
"""


def test_the_real_conf_fails_a_broken_page_link_and_a_broken_heading_anchor(tmp_path):
    """conf.py's strictness (-W, MyST heading anchors) on a one-page site, built as `make html` builds."""
    docs = tmp_path / "docs"
    (docs / "training").mkdir(parents=True)
    (docs / "training-plan.yaml").write_text(TINY_PLAN)
    (docs / "index.md").write_text("# Home\n\n```{toctree}\ntraining/index\n```\n")
    (docs / "training" / "index.md").write_text(
        "---\ncontent_type: explanation\n---\n\n# Tiny\n\n## Topics\n\n"
        "See {doc}`no-such-page` and [a heading](#no-such-heading).\n")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(ROOT), "-W", "--keep-going", "-q", "-b", "html",
         str(docs), str(tmp_path / "html")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert any("no-such-page" in w and "[ref.doc]" in w for w in warnings), result.stderr
    assert any("no-such-heading" in w for w in warnings), result.stderr
    assert len(warnings) == 2, result.stderr
