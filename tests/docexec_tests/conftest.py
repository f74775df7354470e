"""The console-block harness in the test suite: the environment the blocks run in, and the
report (``_build/exec-report.json``) with its totals at the end of the run.

Under pytest-xdist each worker runs some of the pages; a worker hands its report entries and
retries to the controller (``workeroutput``), which writes one report and one summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docexec.run import default_environment, summary_line, totals, write_entries
from docexec.sandbox import BlockResult, Environment
from gym_runtime.runtime import RUN_MARKER as RUNTIME_MARKER

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "_build" / "exec-report.json"
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


@pytest.fixture(scope="session")
def exec_environment(request) -> Iterator[Environment]:
    """The pinned release's ``python`` and ``gym`` first on PATH and, when the real runtime
    and its stand-in policy are available, their variables and ``env.yaml`` in every sandbox.
    Servers a page starts may keep running for the next page; all stop at session end."""
    environment = default_environment(ROOT)
    try:
        make_sandbox = request.getfixturevalue("gym_sandbox")
    except (pytest.FixtureLookupError, pytest.skip.Exception):
        yield environment
        return
    gym = make_sandbox("docexec")
    # The runtime's run id too: the session's cleanup then stops anything a page left running.
    environment.variables.update(
        {k: v for k, v in gym.environ.items()
         # SSL_CERT_*: uv reaches PyPI over TLS to build a server venv on a first start
         if k.startswith(("UV_", "RAY_", "SSL_CERT_")) or k in ("PATH", RUNTIME_MARKER)})
    environment.files["env.yaml"] = (gym.path / "env.yaml").read_text(encoding="utf-8")
    environment.rewrites.update(documented_rewrites(gym.policy_url, gym.head_port))
    try:
        yield environment
    finally:
        environment.servers.stop()


def documented_rewrites(policy_url: str | None, head_port: int) -> dict[str, str]:
    """The substitutions docs/contributing.md documents: the policy URL the pages assume
    becomes the stand-in policy's, and the default head-server port the sandbox's own."""
    rewrites = {}
    if policy_url:
        # 8001: the judge endpoint of multi-model-setups; the stand-in answers it too.
        for page_url in ("http://localhost:8000/v1", "http://127.0.0.1:8000/v1",
                         "http://localhost:8001/v1"):
            rewrites[page_url] = policy_url
    for host in ("127.0.0.1", "localhost"):
        rewrites[f"{host}:11000"] = f"127.0.0.1:{head_port}"
    return rewrites


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
        terminalreporter.write_line(f"{summary_line(totals(entries))}; report: {REPORT.relative_to(ROOT)}")
        for page, failure in sorted(_retries):
            # the whole first failure, printed output included: it is what tells a flaky
            # release apart from a page that is only sometimes right
            terminalreporter.write_line(f"passed on a second run: {page}; the first run: {failure}")
