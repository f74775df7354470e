"""Session fixtures for the browser tests.

The real site is built once (with -W) into a temporary directory, served by
``python -m http.server`` on 127.0.0.1, and read by one headless Chromium from
Debian's packages driven by Playwright. ``make browser-deps`` installs
Chromium and axe-core; never run ``playwright install`` (it downloads browsers
from elsewhere).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from .helpers import AXE, CHROMIUM, SCREENSHOTS_FOR_REVIEW, new_tab

SERVING = re.compile(r"port (\d+)")


@pytest.fixture(scope="session")
def built_site(request) -> Path:
    """The real site, from the session's one build (tests/conftest.py).

    BROWSER_TESTS_SITE=DIR reuses a site built before (quicker while writing tests).
    """
    if os.environ.get("BROWSER_TESTS_SITE"):
        return Path(os.environ["BROWSER_TESTS_SITE"]).resolve()
    build = request.getfixturevalue("real_build")
    html = build.html
    assert build.result.returncode in (0, 1) and (html / "index.html").is_file(), (
        f"sphinx-build crashed (exit {build.result.returncode}):\n{build.result.stderr[-4000:]}")
    if build.result.returncode:
        # A warning fails the build (-W), and tests/docplan_tests/test_build.py fails on it;
        # the pages were still written (--keep-going), so the browser checks go on.
        count = sum("WARNING" in line for line in build.result.stderr.splitlines())
        warnings.warn(f"the real site built with {count} warnings (-W); see test_build.py", stacklevel=1)
    return html


@pytest.fixture(scope="session")
def base_url(built_site: Path):
    """``http://127.0.0.1:PORT/`` serving the built site."""
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(built_site)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first_line = server.stdout.readline()
        match = SERVING.search(first_line)
        assert match, f"http.server did not say where it serves: {first_line!r}"
        yield f"http://127.0.0.1:{match.group(1)}/"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium "
                    "fonts-dejavu-core) to install Chromium from Debian's packages")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: run `make venv` (it is pinned in requirements.lock)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_tab(browser, base_url):
    """``open_tab(**context_options)``: a fresh context (own storage, permissions, viewport)."""
    contexts = []

    def open_(**options):
        context, tab = new_tab(browser, base_url, **options)
        contexts.append(context)
        return tab

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _shared_tab(browser, base_url):
    context, tab = new_tab(browser, base_url)
    yield tab
    context.close()


@pytest.fixture
def shared_tab(_shared_tab):
    """One desktop tab in the light theme, reused by the read-only per-page tests (fast)."""
    _shared_tab.reset()
    return _shared_tab


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: run `make browser-deps` (npm ci installs axe-core)")
    return AXE


@pytest.fixture(scope="session")
def screenshot_dirs(built_site: Path) -> list[Path]:
    """Where screenshots go: the built site's _screenshots/ and _build/screenshots/ for review."""
    dirs = [built_site / "_screenshots", SCREENSHOTS_FOR_REVIEW]
    for directory in dirs:
        directory.mkdir(parents=True, exist_ok=True)
    return dirs

