"""Real Sphinx builds of the small site: what fails once fails again, and bad input is a
located message, never a traceback.

Each test builds a fresh copy of the small site with ``-W --keep-going`` (about a second a
build), changes one thing, and builds again without changing anything else.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from .minisite import PAGES, write_minisite

pytestmark = pytest.mark.slow

CONF = """\
extensions = ["myst_parser", "docplan.sphinx_ext"]
docplan_plan = "plan.yaml"
docplan_enforce_phase = 2
myst_enable_extensions = ["colon_fence"]
"""
ROOT_PAGE = "# Site\n\n```{toctree}\nguide/index\n```\n"


def make_site(tmp_path: Path, pages: dict[str, str] | None = None, conf: str = CONF) -> Path:
    docs = write_minisite(tmp_path, pages)
    (docs / "index.md").write_text(ROOT_PAGE, encoding="utf-8")
    (tmp_path / "conf.py").write_text(conf, encoding="utf-8")
    return tmp_path


def build(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", "-c", ".", "-W", "--keep-going", "-q", "-b", "html",
                           "docs", "_build/html"], cwd=site, capture_output=True, text=True, timeout=300)


def warnings(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if "WARNING" in line or "ERROR" in line]


def test_a_stray_page_fails_the_no_op_rebuild_too(tmp_path):
    site = make_site(tmp_path)
    assert build(site).returncode == 0
    (site / "docs" / "stray.md").write_text("# Stray\n", encoding="utf-8")
    first, second = build(site), build(site)
    assert first.returncode == second.returncode == 1
    expected = f"{site}/docs/stray.md: WARNING: document isn't included in any toctree [toc.not_included]"
    assert warnings(first) == warnings(second) == [expected]
    # Fixed: the build passes, and its environment is kept, so the next no-op build reads nothing.
    (site / "docs" / "stray.md").unlink()
    assert build(site).returncode == 0
    assert (site / "_build" / "html" / ".doctrees" / "environment.pickle").is_file()
    assert build(site).returncode == 0


def test_a_broken_doc_link_fails_the_no_op_rebuild_too(tmp_path):
    pages = {**PAGES, "topic/do-it.md": PAGES["topic/do-it.md"] + "\nSee {doc}`nowhere`.\n"}
    site = make_site(tmp_path, pages)
    first, second = build(site), build(site)
    assert first.returncode == second.returncode == 1
    line = len(pages["topic/do-it.md"].splitlines())
    expected = (f"{site}/docs/guide/topic/do-it.md:{line}: WARNING: unknown document: 'nowhere' "
                "[ref.doc]")
    assert warnings(first) == warnings(second) == [expected]


def test_a_docplan_drift_fails_every_rebuild(tmp_path):
    site = make_site(tmp_path, {**PAGES, "topic/extra.md": "# Extra\n"})
    results = [build(site) for _ in range(2)]
    assert [r.returncode for r in results] == [1, 1]
    assert all(any("[docplan.page-unplanned]" in w for w in warnings(r)) for r in results)


def test_a_clean_no_op_rebuild_stays_fast(tmp_path):
    site = make_site(tmp_path)
    assert build(site).returncode == 0
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "sphinx", "-c", ".", "-W", "--keep-going", "-b", "html",
                             "docs", "_build/html"], cwd=site, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    assert "0 source files that are out of date" in result.stdout or "no targets are out of date" in result.stdout
    assert time.perf_counter() - start < 30  # generous: the machine is shared; the point is no full read


def test_the_phase_as_a_string_fails_the_build_with_a_located_message(tmp_path):
    site = make_site(tmp_path, conf=CONF.replace("docplan_enforce_phase = 2", 'docplan_enforce_phase = "4"'))
    result = build(site)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "ExtensionError" not in result.stderr
    assert warnings(result) == [
        "conf.py:3: WARNING: docplan_enforce_phase is '4' (a string); it must be a whole number (0 enforces no "
        "phase). Fix: write it as docplan_enforce_phase = 4 in conf.py. [docplan.config]"]


@pytest.mark.parametrize("name", ["topic/do-it.md", "topic/extra.md"], ids=["planned", "unplanned"])
def test_a_page_that_is_not_utf8_fails_the_build_with_a_located_message(tmp_path, name):
    pages = {**PAGES, name: "placeholder"}
    site = make_site(tmp_path, pages)
    (site / "docs" / "guide" / name).write_bytes(b"---\ncontent_type: how-to\n---\n# Caf\xe9\n")
    for result in (build(site), build(site)):
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and "Exception occurred" not in result.stderr
        assert (f"docs/guide/{name}:4: WARNING: this page is not UTF-8 text (byte 0xe9). Fix: save the file as "
                "UTF-8 text. [docplan.page-unreadable]") in warnings(result)


def test_a_page_with_a_byte_order_mark_builds(tmp_path):
    site = make_site(tmp_path)
    path = site / "docs" / "guide" / "topic" / "do-it.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = build(site)
    assert result.returncode == 0, result.stderr


def test_the_build_sees_a_toctree_nested_in_a_directive(tmp_path):
    tail = "\n````{note}\n```{toctree}\nfacts\n```\n````\n"
    pages = {**PAGES, "topic/do-it.md": PAGES["topic/do-it.md"] + tail}
    site = make_site(tmp_path, pages)
    line = pages["topic/do-it.md"].splitlines().index("facts") + 1
    result = build(site)
    assert result.returncode == 1
    assert (f"docs/guide/topic/do-it.md:{line}: WARNING: toctree lists 'facts', which is already listed in the "
            "toctree of docs/guide/topic/index.md (line 19); a page belongs in one toctree. Fix: remove this entry; "
            "the plan places it under 'topic/index.md'. [docplan.toctree-duplicate]") in warnings(result)
