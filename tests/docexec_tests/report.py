"""The docs-exec report (``_build/exec-report.json``) and its totals at the end of the run.

A pytest plugin, named in ``tests/conftest.py``: under pytest-xdist the controller collects no
tests, so it never loads this folder's conftest, yet it alone sees every worker's results. Each
worker hands its report entries and retries to the controller (``workeroutput``), which writes
one report and one summary.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docexec.run import summary_line, totals, write_entries
from docexec.sandbox import BlockResult

ROOT = Path(__file__).resolve().parents[2]
# DOCEXEC_REPORT: another place for it, for the test of this plugin
REPORT = Path(os.environ.get("DOCEXEC_REPORT") or ROOT / "_build" / "exec-report.json")
_results: list[BlockResult] = []
_retries: list[tuple[str, str]] = []  # (page, first failure) of pages that passed on a second run


@pytest.fixture(scope="session")
def exec_results() -> list[BlockResult]:
    """Every block result of this session, in page order; written to the report at the end."""
    return _results


@pytest.fixture(scope="session")
def exec_retries() -> list[tuple[str, str]]:
    """Pages that failed once and passed on their second run, with the first failure."""
    return _retries


_worker_entries: list[dict] = []  # on the xdist controller: what the workers reported


def _entries() -> list[dict]:
    # page, then line: the page order of a serial run, whichever worker ran a page
    entries = [r.as_report(ROOT) for r in _results] + _worker_entries
    return sorted(entries, key=lambda e: (e["page"], e["line"]))


def pytest_sessionfinish(session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller writes the report
        workeroutput["docexec"] = {"entries": [r.as_report(ROOT) for r in _results], "retries": _retries}
    elif _results or _worker_entries:
        write_entries(_entries(), REPORT)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """On the xdist controller, as each worker ends: keep its entries and retries."""
    output = getattr(node, "workeroutput", {}).get("docexec")
    if output:
        _worker_entries.extend(output["entries"])
        _retries.extend(tuple(retry) for retry in output["retries"])


def pytest_terminal_summary(terminalreporter) -> None:
    entries = _entries()
    if entries:
        terminalreporter.write_sep("-", "docs-exec")
        terminalreporter.write_line(f"{summary_line(totals(entries))}; report: {_shown(REPORT)}")
        for page, failure in sorted(_retries):
            # the whole first failure, printed output included: it is what tells a flaky
            # release apart from a page that is only sometimes right
            terminalreporter.write_line(f"passed on a second run: {page}; the first run: {failure}")


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
