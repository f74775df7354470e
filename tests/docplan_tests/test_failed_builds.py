"""A failed build fails again on the next, unchanged build, for Sphinx's own warnings as well
as docplan's; a clean site keeps its fast no-op rebuilds.

The sites are the fixture sites of ``sites/``, built in process with ``sphinx.testing``.
"""

from __future__ import annotations

import re

from docplan.cli import main as docplan_main
from sphinx.util.console import strip_escape_sequences

from .test_sites import build, docplan_lines, site  # noqa: F401 (site is a fixture)


def warning_lines(app) -> list[str]:
    return [line for line in strip_escape_sequences(app.warning.getvalue()).splitlines() if "WARNING" in line]


def environment(path):
    return path / "_build" / "doctrees" / "environment.pickle"


def test_a_stray_page_fails_the_no_op_rebuild_too(make_app, site):  # noqa: F811
    path = site()
    assert build(make_app, path).statuscode == 0
    (path / "stray.md").write_text("# Stray\n", encoding="utf-8")
    first, second = build(make_app, path), build(make_app, path)
    assert first.statuscode == second.statuscode == 1
    expected = [f"{path}/stray.md: WARNING: document isn't included in any toctree [toc.not_included]"]
    assert warning_lines(first) == warning_lines(second) == expected
    # Fixed: the build passes and keeps its environment, so the next build reads nothing.
    (path / "stray.md").unlink()
    assert build(make_app, path).statuscode == 0
    assert environment(path).is_file()
    again = build(make_app, path)
    assert again.statuscode == 0
    assert "0 added, 0 changed, 0 removed" in strip_escape_sequences(again.status.getvalue())


def test_a_broken_doc_link_fails_the_no_op_rebuild_too(make_app, site):  # noqa: F811
    path = site()
    page = path / "guide" / "topic" / "do-it.md"
    page.write_text(page.read_text() + "\nSee {doc}`nowhere`.\n")
    line = len(page.read_text().splitlines())
    first, second = build(make_app, path), build(make_app, path)
    assert first.statuscode == second.statuscode == 1
    expected = [f"{page}:{line}: WARNING: unknown document: 'nowhere' [ref.doc]"]
    assert warning_lines(first) == warning_lines(second) == expected


def test_a_warning_removes_the_saved_environment_and_a_clean_build_keeps_it(make_app, site):  # noqa: F811
    path = site()
    assert build(make_app, path).statuscode == 0
    assert environment(path).is_file()
    clean = build(make_app, path)
    assert "0 added, 0 changed, 0 removed" in strip_escape_sequences(clean.status.getvalue())
    page = path / "guide" / "topic" / "do-it.md"
    page.write_text(page.read_text().replace("content_type: how-to", "content_type: reference"))
    assert build(make_app, path).statuscode == 1
    assert not environment(path).exists()
    repeat = build(make_app, path)
    assert repeat.statuscode == 1
    assert re.search(r"\b[1-9]\d* added, 0 changed, 0 removed", strip_escape_sequences(repeat.status.getvalue()))
    assert any("[docplan.content-type-mismatch]" in line for line in docplan_lines(repeat.warning.getvalue()))


def test_a_page_that_is_not_utf8_fails_every_build_without_a_traceback(make_app, site):  # noqa: F811
    path = site("page-not-utf8")
    for app in (build(make_app, path), build(make_app, path)):
        assert app.statuscode == 1
        assert "Traceback" not in app.warning.getvalue() and "Exception occurred" not in app.warning.getvalue()
        assert docplan_lines(app.warning.getvalue()) == [
            "guide/topic/do-it.md:9: WARNING: this page is not UTF-8 text (byte 0xe9). Fix: save the file as UTF-8 "
            "text. [docplan.page-unreadable]"]


def test_a_page_with_a_byte_order_mark_builds_clean(make_app, site):  # noqa: F811
    path = site()
    page = path / "guide" / "topic" / "do-it.md"
    page.write_bytes(b"\xef\xbb\xbf" + page.read_bytes())
    app = build(make_app, path)
    assert app.statuscode == 0, app.warning.getvalue()


def test_a_page_outside_the_plans_root_that_is_not_utf8_is_reported_too(make_app, site, capsys):  # noqa: F811
    path = site()
    (path / "notes.md").write_bytes(b"# Notes\n\n\xff\n")
    app = build(make_app, path)
    assert app.statuscode == 1
    assert "Traceback" not in app.warning.getvalue()
    expected = ["notes.md:3: WARNING: this page is not UTF-8 text (byte 0xff). Fix: save the file as UTF-8 text. "
                "[docplan.page-unreadable]"]
    assert docplan_lines(app.warning.getvalue()) == expected
    capsys.readouterr()
    assert docplan_main(["--docs", ".", "--conf", "conf.py", "check"]) == 1
    assert docplan_lines(capsys.readouterr().err) == expected
