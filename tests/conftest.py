"""Shared fixtures: the project paths and the pinned nemo-gym release."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gym_release import ReleaseUnavailable, pinned_version, release_dir

# Sphinx colours its output when CI=true; the tests read that output, so keep it plain.
os.environ["NO_COLOR"] = "1"

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


@pytest.fixture(scope="session")
def gym_release() -> Path:
    """The unpacked nemo-gym wheel the docs describe (downloaded once, cached)."""
    try:
        return release_dir(pinned_version())
    except ReleaseUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def example_rollout_files(gym_release: Path) -> list[Path]:
    """Every ``resources_servers/*/data/example_rollouts.jsonl`` shipped in the wheel."""
    files = sorted(gym_release.glob("resources_servers/*/data/example_rollouts.jsonl"))
    assert files, f"no example_rollouts.jsonl files under {gym_release}/resources_servers"
    return files
