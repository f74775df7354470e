"""The extension inside real Sphinx builds of small fixture sites (``sites/``).

Each case folder is the base site with a few files changed and the exact
docplan lines the build must print, located and with their fix. The build and
``docplan check`` must say the same. The Sphinx machinery (no-op and
incremental rebuilds, parallel builds, the stylesheet) is tested on the base
site. Sites are built in process with ``sphinx.testing``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import tree_digest
from docplan.cli import main as docplan_main
from docplan.styles import badge_css
from sphinx.util.console import strip_escape_sequences

SITES = Path(__file__).resolve().parent / "sites"
BASE = SITES / "base"
CASES = sorted(p.name for p in SITES.iterdir() if p.is_dir() and p.name != "base")


def assemble(target: Path, case: str | None = None) -> Path:
    """The base site with the case's files laid over it and its removed files deleted."""
    shutil.copytree(BASE, target)
    if case:
        overlay = SITES / case
        for path in overlay.rglob("*"):
            if path.is_file() and path.name not in {"expected.txt", "removed.txt"}:
                destination = target / path.relative_to(overlay)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
        removed = overlay / "removed.txt"
        for relative in removed.read_text().split() if removed.exists() else []:
            (target / relative).unlink()
    return target


def docplan_lines(output: str) -> list[str]:
    return [line for line in strip_escape_sequences(output).splitlines() if "[docplan." in line]


@pytest.fixture
def site(tmp_path, monkeypatch):
    """Build sites from inside them, so messages name files relative to the site, as in expected.txt."""
    def make(case: str | None = None) -> Path:
        path = assemble(tmp_path / "site", case)
        monkeypatch.chdir(path)
        return path
    return make


def build(make_app, srcdir: Path, **kwargs):
    app = make_app("html", srcdir=srcdir, warningiserror=True, **kwargs)
    app.build()
    app.cleanup()  # unregister its roles and directives, so the next build in the test starts clean
    return app


def test_the_base_site_builds_clean(make_app, site):
    app = build(make_app, site())
    assert app.statuscode == 0, app.warning.getvalue()
    assert strip_escape_sequences(app.warning.getvalue()) == ""


@pytest.mark.parametrize("case", CASES)
def test_a_drift_fails_the_build_with_its_located_message(case, make_app, site, capsys):
    expected = (SITES / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert expected, f"sites/{case}/expected.txt is empty: write the message the site must get"
    path = site(case)
    app = build(make_app, path)
    assert app.statuscode == 1
    assert docplan_lines(app.warning.getvalue()) == expected
    assert "Traceback" not in app.warning.getvalue()
    # The command line reads the same site without Sphinx and prints the same lines.
    capsys.readouterr()
    assert docplan_main(["--docs", ".", "--conf", "conf.py", "check"]) == 1
    assert docplan_lines(capsys.readouterr().err) == expected


COPIED = ("Set the concurrency before a long run, because an unset value sends every task at once and "
          "the model server queues them until requests time out and the run records them as failures.")


def test_a_copied_paragraph_passes_the_build_and_fails_docplan_check(make_app, site, capsys):
    """The prose checks compare every page with every other, so the build leaves them to the
    command (make check, CI); the plan checks run in both."""
    path = site()
    for page in ("guide/topic/do-it.md", "guide/topic/facts.md"):
        (path / page).write_text((path / page).read_text() + "\n" + COPIED + "\n")
    app = build(make_app, path)
    assert app.statuscode == 0, app.warning.getvalue()
    assert docplan_lines(app.warning.getvalue()) == []
    capsys.readouterr()
    assert docplan_main(["--docs", ".", "--conf", "conf.py", "check"]) == 1
    lines = docplan_lines(capsys.readouterr().err)
    assert len(lines) == 1 and lines[0].startswith("guide/topic/do-it.md:15: WARNING: this paragraph is 100% "
                                                   "the same as the one at guide/topic/facts.md:11.")


def test_a_drift_keeps_failing_on_a_no_op_rebuild(make_app, site):
    path = site("content-type-mismatch")
    first = build(make_app, path)
    second = build(make_app, path)
    assert first.statuscode == second.statuscode == 1
    # The failed build left no saved environment, so the unchanged site is read again in full.
    assert not (path / "_build" / "doctrees" / "environment.pickle").exists()
    assert re.search(r"\b[1-9]\d* added, 0 changed, 0 removed", strip_escape_sequences(second.status.getvalue()))
    assert docplan_lines(first.warning.getvalue()) == docplan_lines(second.warning.getvalue()) != []


def reads_and_writes(status: str) -> tuple[int, int]:
    status = strip_escape_sequences(status)
    match = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", status)
    assert match, status
    outdated = re.search(r"looking for now-outdated files\.\.\. (\d+) found", status)
    written = len(re.findall(r"writing output\.\.\. \[\s*\d+%\] ", status))
    return int(match[1]) + int(match[2]) + (int(outdated[1]) if outdated else 0), written


def test_editing_one_page_rereads_only_that_page_and_fixing_it_passes_again(make_app, site):
    path = site()
    assert build(make_app, path).statuscode == 0
    page = path / "guide/topic/do-it.md"
    page.write_text(page.read_text().replace("Nothing.", "Nothing at all.", 1))
    app = build(make_app, path)
    assert app.statuscode == 0, app.warning.getvalue()
    read, written = reads_and_writes(app.status.getvalue())
    assert read == 1 and 1 <= written <= 2  # the page, and its parent whose toctree shows its title
    page.write_text(page.read_text().replace("content_type: how-to", "content_type: reference"))
    assert build(make_app, path).statuscode == 1
    page.write_text(page.read_text().replace("content_type: reference", "content_type: how-to"))
    assert build(make_app, path).statuscode == 0


def test_editing_one_plan_entry_rereads_only_that_page(make_app, site):
    path = site()
    assert build(make_app, path).statuscode == 0
    plan = path / "plan.yaml"
    plan.write_text(plan.read_text().replace("jtbd: Do the thing", "jtbd: Do the thing well"))
    app = build(make_app, path)
    assert app.statuscode == 0, app.warning.getvalue()
    read, _ = reads_and_writes(app.status.getvalue())
    assert read == 1
    html = (path / "_build/html/guide/topic/do-it.html").read_text()
    assert '<span class="docplan-job no-search">Do the thing well</span>' in html
    assert '<meta name="description" content="Do the thing well" />' in html


def test_a_parallel_build_reports_what_a_serial_one_does(make_app, site, tmp_path):
    path = site("toctree-unexpected")
    serial = build(make_app, path, builddir=tmp_path / "serial", freshenv=True)
    parallel = build(make_app, path, builddir=tmp_path / "parallel", freshenv=True, parallel=2)
    assert serial.statuscode == parallel.statuscode == 1
    assert docplan_lines(serial.warning.getvalue()) == docplan_lines(parallel.warning.getvalue()) != []


def test_pages_show_their_badge_and_job_and_the_build_writes_only_its_output(make_app, site):
    path = site()
    before = tree_digest(path)
    app = build(make_app, path)
    assert app.statuscode == 0
    assert tree_digest(path, exclude="_build") == before
    html = (path / "_build/html/guide/topic/facts.html").read_text()
    assert ('<p class="docplan-meta"><span class="docplan-badge docplan-badge-reference no-search">Reference</span> '
            '<span class="docplan-job no-search">Look things up</span></p>') in html
    assert '<link rel="stylesheet" type="text/css" href="../../_static/docplan.css' in html
    # Neither the badge's label nor the job is in the search index; the page's own words are.
    index = json.loads((path / "_build/html/searchindex.js").read_text().removeprefix("Search.setIndex(")[:-1])
    assert "look" not in index["terms"] and "refer" not in index["terms"]  # stems of "Look" and "Reference"
    assert "fact" in index["terms"] | index["titleterms"]  # the page's own words: "Facts."


def test_the_stylesheet_follows_the_plans_content_types(make_app, site):
    path = site()
    plan = path / "plan.yaml"
    plan.write_text(plan.read_text().replace(
        "  reference: {label: Reference, default_template: reference}\n",
        "  reference: {label: Reference, default_template: reference}\n"
        "  tutorial: {label: Tutorial, default_template: how-to}\n"))
    app = build(make_app, path)
    assert app.statuscode == 0, app.warning.getvalue()
    css = (path / "_build/html/_static/docplan.css").read_text()
    assert css == badge_css(["explanation", "how-to", "reference", "tutorial"])
    assert ".docplan-badge-tutorial {" in css


# Cases whose pages hold what a second parser could read differently: nested directives,
# eval-rst, HTML comments, list items, broken front matter.
READ_CASES = [None, "toctree-in-nested-directive", "toctree-in-eval-rst", "section-in-html-comment",
              "toctree-in-list-item", "front-matter-invalid", "placeholder", "toctree-self-and-url"]


@pytest.mark.parametrize("case", READ_CASES)
@pytest.mark.parametrize("parallel", [0, 2])
def test_the_build_keeps_each_page_as_docplan_check_reads_it(case, parallel, make_app, site, tmp_path):
    """The build takes each page from the tokens MyST made while reading it (no second parse);
    what it keeps must be exactly what the command-line tool reads from the file for the plan
    checks (the build leaves the prose checks to the tool)."""
    from docplan.pages import read_page
    from docplan.settings import myst_config

    path = site(case)
    app = build(make_app, path, builddir=tmp_path / "out", freshenv=True, parallel=parallel)
    cache = app.env.docplan_page_cache
    pages = sorted((path / "guide").rglob("*.md"))
    assert pages and sorted(Path(key) for key in cache) == pages
    settings = myst_config(app.config)
    for page in pages:
        kept = cache[str(page)][1]
        assert kept == read_page(page, settings, prose=False) and str(kept.path) == str(page), page


def test_a_page_with_its_own_myst_settings_is_read_again_by_the_check(make_app, site, tmp_path, monkeypatch):
    """MyST reads such a page with other settings than the check uses, so the build does not
    keep MyST's reading of it; the check reads the file itself."""
    import docplan.sphinx_ext as extension

    kept: list[str] = []
    parse = extension.parse_page
    monkeypatch.setattr(extension, "parse_page", lambda text, path, *rest, **options: kept.append(Path(path).name)
                        or parse(text, path, *rest, **options))
    path = site()
    page = path / "guide/topic/facts.md"
    text = page.read_text()
    assert text.startswith("---\n")
    page.write_text(text.replace("---\n", "---\nmyst:\n  enable_extensions: [deflist]\n", 1))
    app = build(make_app, path, builddir=tmp_path / "out", freshenv=True)
    assert app.statuscode == 0, app.warning.getvalue()
    assert "do-it.md" in kept and "facts.md" not in kept
    assert str(page) in app.env.docplan_page_cache
