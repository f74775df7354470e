"""The page reader sees what MyST sees, and the checks cover the pages Sphinx builds.

Each hidden-drift trial plants one construct in the small site and expects the
exact located finding; the reader tests pin down what counts as a section or a
toctree; the listing tests compare the checked pages with Sphinx's own list.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docplan.checks import Site, check_site
from docplan.pages import parse_page, read_page
from docplan.parsing import load_plan
from docplan.settings import list_pages, read_config
from myst_parser.config.main import MdParserConfig

from .minisite import PAGES, site_files, write_minisite

ROOT = Path(__file__).resolve().parents[2]
SITE_MYST = MdParserConfig(enable_extensions={"colon_fence", "deflist", "attrs_block"}, heading_anchors=3)
DOCPLAN = str(Path(sys.executable).with_name("docplan"))
DUPLICATE = ("WARNING: toctree lists 'facts', which is already listed in the toctree of docs/guide/topic/index.md "
             "(line 19); a page belongs in one toctree. Fix: remove this entry; the plan places it under "
             "'topic/index.md'. [docplan.toctree-duplicate]")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # findings print paths relative to the working directory


def check(tmp_path, pages, phase=2):
    docs = write_minisite(tmp_path, pages)
    plan, findings = load_plan(docs / "plan.yaml")
    assert findings == []
    return [f.format() for f in check_site(plan, Site.scan(plan, docs, site_files(docs), SITE_MYST), phase)]


def with_tail(tail: str) -> dict[str, str]:
    """The small site, with ``tail`` appended to topic/do-it.md (which has no children)."""
    return {**PAGES, "topic/do-it.md": PAGES["topic/do-it.md"] + tail}


def line_after(tail: str, needle: str) -> int:
    text = PAGES["topic/do-it.md"] + tail
    return text.splitlines().index(needle) + 1


# -- The three toctrees the line scanner missed: each gives a page a second parent ------------


@pytest.mark.parametrize("tail, entry", [
    ("\n````{note}\n```{toctree}\nfacts\n```\n````\n", "facts"),  # nested in a four-backtick directive
    ("\n```{eval-rst}\n.. toctree::\n   :hidden:\n\n   facts\n```\n", "   facts"),  # reStructuredText
    ("\n- A list item\n\n  ```{toctree}\n  facts\n  ```\n", "  facts"),  # indented in a list item
    ("\n:::{dropdown} More\n```{toctree}\nfacts\n```\n:::\n", "facts"),  # nested in a colon fence
], ids=["nested-directive", "eval-rst", "list-item", "colon-fence"])
def test_a_hidden_toctree_is_found_and_its_second_listing_reported(tmp_path, tail, entry):
    found = check(tmp_path, with_tail(tail))
    assert found == [f"docs/guide/topic/do-it.md:{line_after(tail, entry)}: {DUPLICATE}"]


def test_a_toctree_inside_an_html_comment_is_not_a_toctree(tmp_path):
    assert check(tmp_path, with_tail("\n<!--\n```{toctree}\nfacts\n```\n-->\n")) == []


# -- Sections ----------------------------------------------------------------------------------


def test_a_setext_heading_is_a_section(tmp_path):
    text = PAGES["topic/do-it.md"].replace("## Related\n", "Related\n-------\n")
    assert check(tmp_path, {**PAGES, "topic/do-it.md": text}) == []


def test_a_heading_inside_an_html_comment_is_not_a_section(tmp_path):
    text = PAGES["topic/do-it.md"].replace("## Related\n", "<!--\n## Related\n-->\n")
    title = text.splitlines().index("# Do it") + 1
    assert check(tmp_path, {**PAGES, "topic/do-it.md": text}) == [
        f"docs/guide/topic/do-it.md:{title}: WARNING: page has no '## Related' section, which the how-to template "
        "requires (required: Before you start, Related). Fix: add a '## Related' section. [docplan.section-missing]"]


def test_sections_keep_their_lines_and_plain_text():
    page = parse_page("---\na: 1\n---\n# Title\n\nSetext\n======\n\n## `code` heading {#anchor}\n\nTwo\n---\n",
                      config=SITE_MYST)
    assert [(h.level, h.text, h.line) for h in page.headings] == [
        (1, "Title", 4), (1, "Setext", 6), (2, "code heading", 9), (2, "Two", 11)]


def test_a_myst_comment_is_not_a_heading():
    page = parse_page("# T\n\n% ## Related\n", config=SITE_MYST)
    assert page.sections() == []


# -- Front matter and encodings ---------------------------------------------------------------


def test_a_page_starting_with_a_byte_order_mark_has_its_front_matter(tmp_path):
    path = tmp_path / "page.md"
    path.write_bytes("\ufeff---\ncontent_type: how-to\n---\n# T\n".encode())
    page = read_page(path)
    assert page.front_matter.values == {"content_type": "how-to"}
    assert page.front_matter.lines == {"content_type": 2}


def test_a_page_with_a_byte_order_mark_passes_the_checks(tmp_path):
    docs = write_minisite(tmp_path)
    path = docs / "guide" / "topic" / "do-it.md"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    plan, _ = load_plan(docs / "plan.yaml")
    assert check_site(plan, Site.scan(plan, docs, site_files(docs), SITE_MYST), 2) == []


@pytest.mark.parametrize("planned", [True, False], ids=["planned", "unplanned"])
def test_a_page_that_is_not_utf8_is_a_located_finding(tmp_path, planned):
    docs = write_minisite(tmp_path)
    name = "topic/do-it.md" if planned else "topic/extra.md"
    (docs / "guide" / name).write_bytes(b"---\ncontent_type: how-to\n---\n# Caf\xe9\n")
    plan, _ = load_plan(docs / "plan.yaml")
    found = [f.format() for f in check_site(plan, Site.scan(plan, docs, site_files(docs), SITE_MYST), 2)]
    unreadable = (f"docs/guide/{name}:4: WARNING: this page is not UTF-8 text (byte 0xe9). Fix: save the file "
                  "as UTF-8 text. [docplan.page-unreadable]")
    assert unreadable in found
    if planned:
        assert found == [unreadable]
    else:
        assert any("[docplan.page-unplanned]" in f and f.startswith(f"docs/guide/{name}:1:") for f in found)


def test_front_matter_that_is_a_list_is_a_located_finding(tmp_path):
    text = PAGES["topic/do-it.md"].replace("content_type: how-to\n", "- content_type\n- how-to\n")
    assert check(tmp_path, {**PAGES, "topic/do-it.md": text}) == [
        "docs/guide/topic/do-it.md:2: WARNING: front matter must be a mapping of 'key: value' lines. Fix: write the "
        "front matter as '---', 'content_type: how-to', '---'. [docplan.front-matter]"]


# Front matter a build reads from MyST's own parse of the page instead of parsing it again:
# the result must be what the command-line tool's parse gives, whatever the block holds.
FRONT_MATTERS = [
    "content_type: how-to\n",
    "content_type: how-to\nkeywords: [a, b]\n",
    "# a comment\ncontent_type: reference  # trailing comment\n",
    "content_type: how-to\ndescription: |\n  text\n  more: text\n",
    "content_type: how-to\nkeywords: [a,\nb]\n",
    "content_type: how-to\ncontent_type: reference\n",
    "yes: 1\ncontent_type: how-to\n",
    "\"content_type\": how-to\n",
    "content_type: how-to   \n",
    "content_type: how-to\n...\nkeywords: [a]\n",
    "content_type: how-to\ntitle: a --- b\n",
    "a: {b: 1,\nc: 2}\ncontent_type: how-to\n",
    "content_type :  how-to\n",
    "html_meta:\n  description lang=en: text\ncontent_type: how-to\n",
]


@pytest.mark.parametrize("block", FRONT_MATTERS)
def test_front_matter_read_from_myst_is_what_the_check_parses(block):
    from docplan.pages import _front_matter
    from myst_parser.config.main import TopmatterReadError, read_topmatter

    try:
        topmatter = read_topmatter(f"---\n{block}---\n\n# Title\n")
    except TopmatterReadError:
        topmatter = None
    assert _front_matter(block, 1, topmatter) == _front_matter(block, 1)


# -- Which pages are checked -------------------------------------------------------------------


def test_a_page_in_an_underscore_folder_is_checked(tmp_path):
    found = check(tmp_path, {**PAGES, "_drafts/x.md": "# Draft\n"})
    assert found == [
        "docs/guide/_drafts/x.md:1: WARNING: this page is not in the plan, which lists every page under guide/. "
        "Fix: add an entry for '_drafts/x.md' to docs/plan.yaml, or move the page out of guide/. "
        "[docplan.page-unplanned]"]


def test_an_excluded_folder_is_not_checked(tmp_path):
    docs = write_minisite(tmp_path, {**PAGES, "_drafts/x.md": "# Draft\n"})
    (tmp_path / "conf.py").write_text('extensions = ["myst_parser"]\nexclude_patterns = ["guide/_drafts"]\n')
    files = list_pages(docs, read_config(tmp_path))
    assert "guide/_drafts/x" not in files and "guide/topic/do-it" in files


def test_the_real_sites_pages_are_the_pages_sphinx_builds():
    """list_pages (used by docplan check and the accuracy check) against Sphinx's own discovery,
    in a separate process so that the Sphinx application leaves nothing registered here."""
    script = (
        "import sys\nfrom sphinx.application import Sphinx\n"
        "root, out = sys.argv[1], sys.argv[2]\n"
        "app = Sphinx(root + '/docs', root, out, out + '/.doctrees', 'html', status=None, warning=None, "
        "freshenv=True)\n"
        "app.env.find_files(app.config, app.builder)\n"
        "import json\nprint('FOUND ' + json.dumps(sorted(app.env.found_docs)))\n")
    output = subprocess.run([sys.executable, "-c", script, str(ROOT), str(ROOT / "_build" / "listing")],
                            capture_output=True, text=True, check=True).stdout
    found = json.loads(next(line for line in output.splitlines() if line.startswith("FOUND "))[len("FOUND "):])
    listed = sorted(list_pages(ROOT / "docs", read_config(ROOT)))
    assert listed == found
    assert "training/index" in listed and len(listed) >= 50


@pytest.mark.slow
def test_a_checkout_under_an_underscore_folder_checks_every_page(tmp_path):
    """A clone in a runner's '_work' (or any '_x') folder: make check must still check all pages."""
    clone = tmp_path / "_x" / "repo"
    clone.mkdir(parents=True)
    shutil.copy2(ROOT / "conf.py", clone / "conf.py")
    shutil.copy2(ROOT / "pyproject.toml", clone / "pyproject.toml")
    shutil.copytree(ROOT / "docs", clone / "docs")
    docplan = subprocess.run([DOCPLAN, "check"], cwd=clone, capture_output=True, text=True)
    assert docplan.returncode == 0, docplan.stderr
    assert docplan.stdout.startswith("docplan: 50/50 planned pages written")
    accuracy = subprocess.run([str(Path(sys.executable).with_name("docs-accuracy")), "--docs", "docs", "--conf",
                               "conf.py", "check", "--cached-only"], cwd=clone, capture_output=True, text=True)
    assert " 0 pages" not in accuracy.stdout
    assert accuracy.stdout.startswith(f"accuracy: {len(list_pages(ROOT / 'docs', read_config(ROOT)))} pages"), \
        accuracy.stdout + accuracy.stderr
    # A drift planted in the clone is seen there.
    (clone / "docs" / "training" / "_drafts").mkdir()
    (clone / "docs" / "training" / "_drafts" / "x.md").write_text("# Draft\n")
    drift = subprocess.run([DOCPLAN, "check"], cwd=clone, capture_output=True, text=True)
    assert drift.returncode == 1
    assert drift.stderr.startswith("docs/training/_drafts/x.md:1: WARNING: this page is not in the plan")


def test_paths_print_relative_to_the_working_directory(tmp_path):
    os.chdir(tmp_path)
    found = check(tmp_path, {**PAGES, "_drafts/x.md": "# Draft\n"})
    assert found[0].startswith("docs/guide/_drafts/x.md:1:")
