"""The docplan command: check, matrix, status and new, on the small site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docplan.prose import prose_words

from .minisite import PAGES, write_minisite

DOCPLAN = str(Path(sys.executable).with_name("docplan"))  # the installed console script


def run(site: Path, *args: str) -> subprocess.CompletedProcess:
    conf = site / "conf.py"
    if not conf.exists():
        conf.write_text('extensions = ["myst_parser"]\ndocplan_plan = "plan.yaml"\ndocplan_enforce_phase = 2\n')
    return subprocess.run([DOCPLAN, *args], cwd=site, capture_output=True, text=True)


def test_check_passes_on_a_complete_site(tmp_path):
    write_minisite(tmp_path)
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "docplan: 4/4 planned pages written, phases up to 2 enforced: no drift.",
        f"prose: {sum(prose_words(text) for text in PAGES.values())} words in 4 pages (no word budgets in the plan).",
    ]


def test_check_fails_with_the_builds_message(tmp_path):
    pages = dict(PAGES)
    pages["topic/do-it.md"] = pages["topic/do-it.md"].replace("content_type: how-to", "content_type: reference")
    write_minisite(tmp_path, pages)
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert result.stderr.startswith("docs/guide/topic/do-it.md:2: WARNING: content_type is 'reference'")
    assert result.stderr.rstrip().endswith("[docplan.content-type-mismatch]")


def test_check_reports_a_malformed_plan_without_a_traceback(tmp_path):
    write_minisite(tmp_path)
    (tmp_path / "docs" / "plan.yaml").write_text("pages: [\n")
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert "[docplan.plan-syntax]" in result.stderr and "Traceback" not in result.stderr


def test_matrix_and_status(tmp_path):
    write_minisite(tmp_path, {k: v for k, v in PAGES.items() if k != "topic/facts.md"})
    matrix = run(tmp_path, "matrix")
    assert matrix.returncode == 0
    rows = {line.split()[0]: line.split()[1:] for line in matrix.stdout.splitlines() if line.strip()}
    assert rows["topic/"] == ["1", "1", "1", "3", "2/3"]
    assert rows["total"] == ["2", "1", "1", "4", "3/4"]
    status = run(tmp_path, "status")
    assert status.stdout.splitlines()[3].split() == ["2", "Second", "3-4", "0/1", "1", "to", "write", "(enforced)"]
    assert "week   3-4: 0/1 written; to write: guide/topic/facts.md" in status.stdout


def test_new_creates_a_planned_page_and_never_overwrites(tmp_path):
    write_minisite(tmp_path, {k: v for k, v in PAGES.items() if k != "topic/facts.md"})
    created = run(tmp_path, "new", "topic/facts.md")
    assert created.returncode == 0, created.stderr
    text = (tmp_path / "docs/guide/topic/facts.md").read_text()
    assert text.startswith("---\ncontent_type: reference\nsources: []\n---\n\n# Facts\n")
    assert "## Overview" in text
    # A new page is not done: the checker flags its TODO markers until they are written.
    check = run(tmp_path, "check")
    assert check.returncode == 1 and "[docplan.placeholder]" in check.stderr
    again = run(tmp_path, "new", "topic/facts.md")
    assert again.returncode == 1 and "already exists; not overwriting it" in again.stderr
    assert (tmp_path / "docs/guide/topic/facts.md").read_text() == text
    unplanned = run(tmp_path, "new", "topic/other.md")
    assert unplanned.returncode == 1 and "is not in the plan" in unplanned.stderr


def test_a_closed_output_pipe_ends_the_command_quietly(tmp_path):
    """`docplan status | head`: the reader is gone before docplan writes; no traceback."""
    write_minisite(tmp_path)
    run(tmp_path, "check")  # writes conf.py
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to the pipe now fails, as after `head` has exited
    try:
        result = subprocess.run([DOCPLAN, "status"], cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE,
                                text=True)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141  # as a shell reports a process that SIGPIPE ended
