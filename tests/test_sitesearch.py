"""sitesearch: what it adds to the search index (status codes, message and keyword
index entries), and that incremental builds keep the index entries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sitesearch.messages import entry_text

pytestmark = pytest.mark.slow

PAGES = {
    "index.md": "# Home\n\n```{toctree}\nerrors\nports\n```\n",
    "errors.md": (
        "# Errors\n\n| Message | Fix |\n| --- | --- |\n"
        "| `Input file not found: '<path>' (--input).` | Check the path. |\n"
        "| plain text, not a quoted message | ignored |\n\n"
        "| Value | Meaning |\n| --- | --- |\n| `skipped` | not a message table |\n\n"
        "A server answers 429 when it is rate limited.\n"
    ),
    "ports.md": '---\nkeywords:\n  - "address already in use"\n---\n\n# Ports\n\nKeep ports apart.\n',
}


def build(docs: Path, out: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(docs), str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    text = (out / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


@pytest.fixture
def site(tmp_path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text('extensions = ["myst_parser", "sitesearch"]\n', encoding="utf-8")
    for name, text in PAGES.items():
        (docs / name).write_text(text, encoding="utf-8")
    return docs


def test_messages_keywords_and_status_codes_are_in_the_index(site, tmp_path):
    index = build(site, tmp_path / "out")
    errors, ports = index["docnames"].index("errors"), index["docnames"].index("ports")
    assert index["indexentries"] == {
        "input file not found: ' … ' (--input).": [[errors, "message-0-0", False]],
        "address already in use": [[ports, "", False]],
    }
    assert "429" in index["terms"]
    html = (tmp_path / "out" / "errors.html").read_text(encoding="utf-8")
    assert 'id="message-0-0"' in html  # the entry links to the message's own row


def test_an_incremental_build_keeps_the_index_entries_of_unchanged_pages(site, tmp_path):
    out = tmp_path / "out"
    first = build(site, out)["indexentries"]
    (site / "ports.md").write_text(PAGES["ports.md"] + "\nMore text.\n", encoding="utf-8")  # errors.md unchanged
    assert build(site, out)["indexentries"] == first


@pytest.mark.parametrize(("message", "entry"), [
    ("Process `<name>` finished unexpectedly!", "Process ` … ` finished unexpectedly!"),
    ("Request validation failed;", "Request validation failed"),
    ("<n> model endpoint(s) never answered within <seconds>s:", "… model endpoint(s) never answered within … s:"),
])
def test_entry_text(message, entry):
    assert entry_text(message) == entry
