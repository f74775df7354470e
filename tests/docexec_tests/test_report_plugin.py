"""The docs-exec report under pytest-xdist: each worker runs some pages, and the controller,
which runs none, writes one report and one summary with every worker's blocks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

CONFTEST = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
pytest_plugins = ["docexec_tests.report"]
"""

# Four "pages" of one block each; pages c and d record a block that failed once and then passed.
PAGES = """
from pathlib import Path

import pytest
from docexec.blocks import ConsoleBlock
from docexec.sandbox import BlockResult, Failure


@pytest.mark.parametrize("name", ["a", "b", "c", "d"])
def test_page(name, exec_results, exec_retries):
    page = Path(f"/nowhere/{name}.md")
    failures = [Failure(f"{page}:3", "shows 1, printed 2")] if name == "d" else []
    exec_results.append(BlockResult(ConsoleBlock(page, 3, []), "executed", failures=failures))
    exec_results.append(BlockResult(ConsoleBlock(page, 9, [], skip_reason="GPU"), "skipped", "GPU"))
    if name == "c":
        exec_retries.append((f"{name}.md", "the first run's failure"))
"""


def _run(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_pages.py").write_text(PAGES)
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *options, "test_pages.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DOCEXEC_REPORT": str(report)})
    return result, json.loads(report.read_text())


def test_the_controller_merges_every_workers_blocks(tmp_path):
    result, entries = _run(tmp_path, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(Path(e["page"]).name, e["line"]) for e in entries] == [
        (f"{name}.md", line) for name in "abcd" for line in (3, 9)]
    assert "console blocks: 8 total, 4 executed (50%), 4 skipped, 1 failed" in result.stdout
    assert "passed on a second run: c.md; the first run: the first run's failure" in result.stdout
    # one process, without xdist, writes the same report
    serial, serial_entries = _run(tmp_path, "-p", "no:xdist")
    assert serial.returncode == 0, serial.stdout + serial.stderr
    assert serial_entries == entries
