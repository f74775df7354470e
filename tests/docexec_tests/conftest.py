"""The console-block harness in the test suite: the environment the blocks run in, and the
report (``_build/exec-report.json``) with its totals at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from docexec.run import default_environment, summary_line, totals, write_report
from docexec.sandbox import BlockResult, Environment

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "_build" / "exec-report.json"
_results: list[BlockResult] = []


@pytest.fixture(scope="session")
def exec_results() -> list[BlockResult]:
    """Every block result of this session, in page order; written to the report at the end."""
    return _results


@pytest.fixture(scope="session")
def exec_environment(request) -> Environment:
    """The pinned release's ``python`` and ``gym`` first on PATH and, when the real runtime
    and its stand-in policy are available, their variables and ``env.yaml`` in every sandbox."""
    environment = default_environment(ROOT)
    try:
        make_sandbox = request.getfixturevalue("gym_sandbox")
    except (pytest.FixtureLookupError, pytest.skip.Exception):
        return environment
    gym = make_sandbox("docexec")
    environment.variables.update(
        {k: v for k, v in gym.environ.items() if k.startswith(("UV_", "RAY_", "SSL_CERT_")) or k == "PATH"})  # uv builds server venvs over TLS
    environment.files["env.yaml"] = (gym.path / "env.yaml").read_text(encoding="utf-8")
    if gym.policy_url:
        # 8001: the judge endpoint of multi-model-setups; the stand-in answers it too.
        for page_url in ("http://localhost:8000/v1", "http://127.0.0.1:8000/v1",
                         "http://localhost:8001/v1"):
            environment.rewrites[page_url] = gym.policy_url
    return environment


def pytest_sessionfinish(session) -> None:
    if _results:
        write_report(_results, REPORT, ROOT)


def pytest_terminal_summary(terminalreporter) -> None:
    if _results:
        terminalreporter.write_sep("-", "docs-exec")
        terminalreporter.write_line(f"{summary_line(totals(_results))}; report: {REPORT.relative_to(ROOT)}")
