from __future__ import annotations

import json
from pathlib import Path

import pytest
from accuracy.checks import Checker
from accuracy.cli import SCHEMA, load_facts
from accuracy.gym_release import pinned_version


@pytest.fixture(scope="session")
def facts(gym_release: Path):
    """Facts of the pinned release (gym_release downloads it first)."""
    return load_facts(pinned_version())


@pytest.fixture
def checker(facts):
    schema = json.loads(SCHEMA.read_text()) if SCHEMA.exists() else None
    return Checker(facts, schema)
