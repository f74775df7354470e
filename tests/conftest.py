"""Shared fixtures: the project paths and the pinned nemo-gym release."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from accuracy.gym_release import ReleaseUnavailable, pinned_version, release_dir

# make_app and friends, for the tests that build small fixture sites in process; the real
# NeMo Gym runtime and the stand-in policy (gym_runtime/fixtures.py), for every test module;
# the docs-exec report, whose hooks must also run on the pytest-xdist controller.
pytest_plugins = ["sphinx.testing.fixtures", "gym_runtime.fixtures", "docexec_tests.report"]

# Sphinx colours its output when CI=true; the tests read that output, so keep it plain.
os.environ["NO_COLOR"] = "1"

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The pages' console blocks run first, in page order: they are the longest tests, and
    under pytest-xdist's worksteal a long test left for last keeps one worker busy alone.
    Every other module keeps its place and order, so its fixtures are set up once."""
    items.sort(key=lambda item: not item.nodeid.startswith(_PAGE_TESTS))


_PAGE_TESTS = "tests/docexec_tests/test_console_blocks.py::test_console_blocks_print_what_the_page_shows"


@pytest.fixture(scope="session")
def gym_release() -> Path:
    """The unpacked nemo-gym wheel the docs describe (downloaded once, cached)."""
    try:
        return release_dir(pinned_version())
    except ReleaseUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


# Where the wheel keeps servers, environments, agents and benchmarks; each has a data/ folder.
RELEASE_FOLDERS = ("resources_servers", "environments", "responses_api_agents", "benchmarks")


@pytest.fixture(scope="session")
def example_rollout_files(gym_release: Path) -> list[Path]:
    """Every ``<folder>/*/data/example_rollouts.jsonl`` shipped in the wheel, in all four folders."""
    files = sorted(
        path
        for folder in RELEASE_FOLDERS
        for path in gym_release.glob(f"{folder}/*/data/example_rollouts.jsonl")
    )
    assert files, f"no example_rollouts.jsonl files under {gym_release}"
    return files


@pytest.fixture(scope="session")
def example_task_files(gym_release: Path) -> list[Path]:
    """Every example task file in the wheel: ``<folder>/*/data/example*.jsonl`` except rollouts."""
    files = sorted(
        path
        for folder in RELEASE_FOLDERS
        for path in gym_release.glob(f"{folder}/*/data/example*.jsonl")
        if not path.name.startswith("example_rollouts")
    )
    assert files, f"no example task files under {gym_release}"
    return files


def tree_digest(directory: Path, exclude: str | None = None) -> str:
    """A digest of every file's path and bytes under ``directory`` (skipping the folder ``exclude``)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if exclude and path.relative_to(directory).parts[0] == exclude:
            continue
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class RealBuild:
    result: subprocess.CompletedProcess
    html: Path
    docs_digest_before: str


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> RealBuild:
    """The real site, built once per test run with -W from the repository's own docs into a
    temporary directory; the build tests and the browser tests both read it.

    Under pytest-xdist the workers share one build: the first to take the lock builds it and
    records the result beside it, and the others read that record."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "real"
    record = out / "build.json"
    with open(shared / "real.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.is_file():
            _build_real_site(out, record)
    saved = json.loads(record.read_text(encoding="utf-8"))
    result = subprocess.CompletedProcess(saved["args"], saved["returncode"], saved["stdout"], saved["stderr"])
    return RealBuild(result, out / "html", saved["docs_digest_before"])


def _build_real_site(out: Path, record: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    before = tree_digest(DOCS)
    # The 404 page links from the site root; the browser tests serve the site at "/".
    env = {**os.environ, "DOCS_SITE_ROOT": "/"}
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-c", str(ROOT), "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
    record.write_text(json.dumps({"args": result.args, "returncode": result.returncode, "stdout": result.stdout,
                                  "stderr": result.stderr, "docs_digest_before": before}), encoding="utf-8")
