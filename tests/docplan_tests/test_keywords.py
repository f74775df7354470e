"""Front-matter ``keywords``: checked by docplan, turned into index entries by sitesearch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sitesearch.keywords import parse_keywords

from .minisite import PAGES
from .test_checks import _in_tmp, check, with_page  # noqa: F401 (the fixture is used by name)

PAGE = "topic/do-it.md"


def with_keywords(lines: str) -> dict[str, str]:
    text = PAGES[PAGE].replace("content_type: how-to\n", f"content_type: how-to\n{lines}", 1)
    assert text != PAGES[PAGE]
    return with_page(PAGE, text)


def test_a_list_of_phrases_is_accepted(tmp_path):
    assert check(tmp_path, with_keywords('keywords:\n  - "address already in use"\n  - ng_run\n')) == []


@pytest.mark.parametrize("value", ["keywords: address already in use\n", "keywords: []\n",
                                   "keywords:\n  - 429\n", "keywords:\n  - ''\n"])
def test_anything_else_is_a_located_finding(tmp_path, value):
    findings = check(tmp_path, with_keywords(value))
    assert len(findings) == 1, findings
    assert findings[0].startswith("docs/guide/topic/do-it.md:3: WARNING: keywords is ")
    assert findings[0].endswith("[docplan.keywords]")


@pytest.mark.parametrize(("value", "expected"), [
    (["OOM", " address already in use "], ["OOM", "address already in use"]),
    ('["ng_run", "gym env start"]', ["ng_run", "gym env start"]),  # MyST keeps lists as JSON text
    ("not json", []), ({"a": 1}, []), (["", 3], []),
])
def test_parse_keywords(value, expected):
    assert parse_keywords(value) == expected


@pytest.mark.slow
def test_keywords_become_index_entries_that_search_finds(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text('extensions = ["myst_parser", "sitesearch"]\n', encoding="utf-8")
    (docs / "index.md").write_text(
        '---\nkeywords:\n  - "address already in use"\n  - ng_collect_rollouts\n---\n\n'
        "# Ports\n\nKeep the servers' ports apart.\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(docs), str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "out" / "searchindex.js").read_text(encoding="utf-8")
    assert '"address already in use":[[0,"",false]]' in index
    assert '"ng_collect_rollouts":[[0,"",false]]' in index
    genindex = (tmp_path / "out" / "genindex.html").read_text(encoding="utf-8")
    assert "address already in use" in genindex and 'href="index.html' in genindex  # listed for readers
