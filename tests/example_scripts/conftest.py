"""Fixtures for the tests of examples/ (plain helpers are in helpers.py)."""

from __future__ import annotations

import pytest

from .helpers import file_digests


@pytest.fixture()
def data_unchanged(request: pytest.FixtureRequest):
    """The test leaves its module's ``DATA`` directory exactly as it found it.

    A module opts in with ``pytestmark = pytest.mark.usefixtures("data_unchanged")``.
    """
    directory = request.module.DATA
    before = file_digests(directory)
    yield
    assert file_digests(directory) == before
