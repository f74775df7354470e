"""The pure checker, one drift kind at a time, on the small site in minisite.py."""

from __future__ import annotations

import os

import pytest
from docplan.checks import Site, check_site
from docplan.pages import parse_page
from docplan.parsing import load_plan

from .minisite import PAGES, site_files, write_minisite


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # findings print paths relative to the working directory


def plan_line(needle):
    from .minisite import PLAN

    return PLAN.splitlines().index(needle) + 1


def check(tmp_path, pages=None, phase=2):
    docs = write_minisite(tmp_path, pages)
    plan, findings = load_plan(docs / "plan.yaml")
    assert findings == []
    return [f.format() for f in check_site(plan, Site.scan(plan, docs, site_files(docs)), phase)]


def with_page(name, text):
    return {**PAGES, name: text}


def line_of(text, needle):
    return text.splitlines().index(needle) + 1


def test_a_complete_site_has_no_findings(tmp_path):
    assert check(tmp_path) == []


def test_missing_page_of_an_enforced_phase(tmp_path):
    pages = {k: v for k, v in PAGES.items() if k != "topic/facts.md"}
    pages["topic/index.md"] = pages["topic/index.md"].replace("facts\n", "")
    assert check(tmp_path, pages, phase=2) == [
        f"docs/plan.yaml:{plan_line('    facts.md:')}: WARNING: planned page docs/guide/topic/facts.md does not exist; it belongs to phase 2 "
        "(week 3-4), and phases up to 2 must be complete. Fix: create it with 'make new PAGE=topic/facts.md', "
        "or set docplan_enforce_phase in conf.py below 2. [docplan.page-missing]"
    ]
    assert check(tmp_path / "later", pages, phase=1) == []  # a later phase may be absent


def test_unplanned_page(tmp_path):
    found = check(tmp_path, with_page("topic/extra.md", "# Extra\n"))
    assert found == [
        "docs/guide/topic/extra.md:1: WARNING: this page is not in the plan, which lists every page under guide/. "
        "Fix: add an entry for 'topic/extra.md' to docs/plan.yaml, or move the page out of guide/. "
        "[docplan.page-unplanned]"
    ]


def test_content_type_missing(tmp_path):
    text = PAGES["topic/do-it.md"].replace("content_type: how-to\n", "owner: me\n")
    assert check(tmp_path, with_page("topic/do-it.md", text)) == [
        "docs/guide/topic/do-it.md:1: WARNING: front matter has no content_type; the plan says 'how-to'. "
        "Fix: set 'content_type: how-to' in the front matter. [docplan.content-type-missing]"
    ]


def test_no_front_matter_at_all(tmp_path):
    text = PAGES["topic/do-it.md"].split("---\n", 2)[2]
    assert check(tmp_path, with_page("topic/do-it.md", text)) == [
        "docs/guide/topic/do-it.md:1: WARNING: page has no front matter; the plan says it is a how-to page. "
        "Fix: start the page with '---', 'content_type: how-to', '---'. [docplan.content-type-missing]"
    ]


def test_content_type_unknown(tmp_path):
    text = PAGES["topic/do-it.md"].replace("content_type: how-to", "content_type: howto")
    assert check(tmp_path, with_page("topic/do-it.md", text)) == [
        "docs/guide/topic/do-it.md:2: WARNING: content_type 'howto' is not one of: explanation, how-to, reference; "
        "the plan says 'how-to'. Fix: set 'content_type: how-to' in the front matter. [docplan.content-type-unknown]"
    ]


def test_content_type_that_is_not_a_string(tmp_path):
    text = PAGES["topic/do-it.md"].replace("content_type: how-to", "content_type: [how-to]")
    assert check(tmp_path, with_page("topic/do-it.md", text)) == [
        "docs/guide/topic/do-it.md:2: WARNING: content_type ['how-to'] is not one of: explanation, how-to, reference; "
        "the plan says 'how-to'. Fix: set 'content_type: how-to' in the front matter. [docplan.content-type-unknown]"
    ]


def test_content_type_mismatch_names_the_plan_line(tmp_path):
    text = PAGES["topic/do-it.md"].replace("content_type: how-to", "content_type: reference")
    assert check(tmp_path, with_page("topic/do-it.md", text)) == [
        "docs/guide/topic/do-it.md:2: WARNING: content_type is 'reference', but the plan says 'how-to' "
        f"(docs/plan.yaml:{plan_line('    do-it.md:')}). Fix: set 'content_type: how-to' in the front matter, or change the page's "
        "content_type in the plan. [docplan.content-type-mismatch]"
    ]


def test_broken_front_matter(tmp_path):
    text = PAGES["topic/do-it.md"].replace("content_type: how-to", "content_type: [how-to")
    [found] = check(tmp_path, with_page("topic/do-it.md", text))
    assert found.startswith("docs/guide/topic/do-it.md:")
    assert "WARNING: front matter is not valid YAML" in found and found.endswith("[docplan.front-matter]")


def test_unclosed_front_matter(tmp_path):
    text = "---\ncontent_type: how-to\n\n# Do it\n"
    found = check(tmp_path, with_page("topic/do-it.md", text))
    assert ("docs/guide/topic/do-it.md:1: WARNING: front matter starts with '---' on line 1 but is never closed. "
            "Fix: write the front matter as '---', 'content_type: how-to', '---'. [docplan.front-matter]") in found


def test_toctree_missing_child(tmp_path):
    text = PAGES["topic/index.md"].replace("facts\n", "")
    line = line_of(text, "do-it")
    assert check(tmp_path, with_page("topic/index.md", text)) == [
        f"docs/guide/topic/index.md:{line}: WARNING: toctree is missing planned page 'facts'; expected it after "
        "'do-it'. Fix: add 'facts' to this toctree. [docplan.toctree-missing]"
    ]


def test_toctree_unexpected_child(tmp_path):
    text = PAGES["topic/index.md"].replace("facts\n", "facts\n../index\n")
    line = line_of(text, "../index")
    assert check(tmp_path, with_page("topic/index.md", text)) == [
        f"docs/guide/topic/index.md:{line}: WARNING: toctree lists '../index', which is the section's hub; no page "
        "of the section lists it. Fix: remove the entry. [docplan.toctree-unexpected]"
    ]


def test_toctree_lists_an_unplanned_page(tmp_path):
    text = PAGES["topic/index.md"].replace("facts\n", "facts\nnotes\n")
    line = line_of(text, "notes")
    assert check(tmp_path, with_page("topic/index.md", text)) == [
        f"docs/guide/topic/index.md:{line}: WARNING: toctree lists 'notes', which is not a planned page. Fix: remove "
        "the entry, or add the page to the plan under this page. [docplan.toctree-unexpected]"
    ]


def test_toctree_lists_a_page_from_another_branch(tmp_path):
    hub = PAGES["index.md"].replace("topic/index\n", "topic/index\ntopic/do-it\n")
    topic = PAGES["topic/index.md"].replace("do-it\n", "")
    found = check(tmp_path, {**PAGES, "index.md": hub, "topic/index.md": topic})
    assert (f"docs/guide/index.md:{line_of(hub, 'topic/do-it')}: WARNING: toctree lists 'topic/do-it', which the "
            "plan places under 'topic/index.md'. Fix: remove the entry here and list it in the toctree of "
            "'topic/index.md'. [docplan.toctree-unexpected]") in found
    assert any("toctree is missing planned page 'do-it'; expected it as the first entry." in f for f in found)


def test_the_duplicate_is_the_listing_outside_the_planned_parent(tmp_path):
    # The hub comes first in the plan, but the topic index is do-it's planned parent: the hub's entry is extra.
    hub = PAGES["index.md"].replace("topic/index\n", "topic/index\ntopic/do-it\n")
    found = check(tmp_path, with_page("index.md", hub))
    assert found == [
        f"docs/guide/index.md:{line_of(hub, 'topic/do-it')}: WARNING: toctree lists 'topic/do-it', which is already "
        f"listed in the toctree of docs/guide/topic/index.md (line {line_of(PAGES['topic/index.md'], 'do-it')}); a "
        "page belongs in one toctree. Fix: remove this entry; the plan places it under 'topic/index.md'. "
        "[docplan.toctree-duplicate]"
    ]


def test_toctree_wrong_order(tmp_path):
    text = PAGES["topic/index.md"].replace("do-it\nfacts\n", "facts\ndo-it\n")
    line = line_of(text, "facts")
    assert check(tmp_path, with_page("topic/index.md", text)) == [
        f"docs/guide/topic/index.md:{line}: WARNING: toctree lists 'facts' where the plan puts 'do-it'; the plan's "
        "order is: do-it, facts. Fix: reorder the entries to: do-it, facts. [docplan.toctree-order]"
    ]


def test_page_in_two_toctrees(tmp_path):
    # The hub lists topic/do-it too; the hub is checked first, so the topic index holds the duplicate.
    text = PAGES["topic/index.md"].replace("facts\n", "facts\ndo-it\n")
    second = len(text.splitlines()) - 1
    found = check(tmp_path, with_page("topic/index.md", text))
    assert found == [
        f"docs/guide/topic/index.md:{second}: WARNING: toctree lists 'do-it', which is already listed earlier in "
        f"this toctree (line {second - 2}); a page belongs in one toctree. Fix: remove this entry; the plan places "
        "it under 'topic/index.md'. [docplan.toctree-duplicate]"
    ]


def test_glob_toctree(tmp_path):
    text = PAGES["topic/index.md"].replace(":hidden:\n", ":hidden:\n:glob:\n").replace("do-it\nfacts\n", "*\n")
    found = check(tmp_path, with_page("topic/index.md", text))
    glob_line = line_of(text, ":glob:")
    assert (f"docs/guide/topic/index.md:{glob_line}: WARNING: toctree uses ':glob:', so the plan cannot check what "
            "it lists. Fix: remove ':glob:' and list the pages: do-it, facts. [docplan.toctree-glob]") in found
    assert any("toctree entry '*' is a glob pattern." in f for f in found)


def test_toctree_absent(tmp_path):
    text = PAGES["topic/index.md"].split("```{toctree}")[0]
    assert check(tmp_path, with_page("topic/index.md", text)) == [
        "docs/guide/topic/index.md:5: WARNING: page has no toctree, but the plan places 2 existing page(s) under it: "
        "do-it, facts. Fix: end the page with a toctree listing, in this order: do-it, facts. "
        "[docplan.toctree-absent]"
    ]


def test_missing_required_section(tmp_path):
    text = PAGES["topic/do-it.md"].replace("## Before you start", "## Before starting")
    assert check(tmp_path, with_page("topic/do-it.md", text)) == [
        "docs/guide/topic/do-it.md:5: WARNING: page has no '## Before you start' section, which the how-to template "
        "requires (required: Before you start, Related). Fix: add a '## Before you start' section. "
        "[docplan.section-missing]"
    ]


@pytest.mark.parametrize("placeholder", ["[How-to content for tuning num_samples_in_parallel]", "TODO: finish",
                                         "Examples coming soon.", "TBD"])
def test_placeholder_text(tmp_path, placeholder):
    text = PAGES["topic/do-it.md"] + f"\n{placeholder}\n"
    line = len(text.splitlines())
    [found] = check(tmp_path, with_page("topic/do-it.md", text))
    assert found.startswith(f"docs/guide/topic/do-it.md:{line}: WARNING: placeholder text ")
    assert found.endswith("is still on the page. Fix: replace it with the real content. [docplan.placeholder]")


def test_headings_inside_code_blocks_and_directives_are_not_sections():
    # MyST turns a heading nested in a directive into a rubric, not a section.
    from myst_parser.config.main import MdParserConfig

    text = "# T\n\n```markdown\n## Related\n```\n\n:::{note}\n## Before you start\n:::\n\n## Real\n"
    page = parse_page(text, config=MdParserConfig(enable_extensions={"colon_fence"}))
    assert [h.text for h in page.sections()] == ["Real"]


def test_toctree_with_explicit_titles_and_options():
    from myst_parser.config.main import MdParserConfig

    page = parse_page("# T\n\n:::{toctree}\n:maxdepth: 2\n:caption: Pages\n\nFirst <a/b>\nc\n:::\n",
                      config=MdParserConfig(enable_extensions={"colon_fence"}))
    [toctree] = page.toctrees
    assert set(toctree.options) == {"maxdepth", "caption"}
    assert [(e.target, e.line) for e in toctree.entries] == [("a/b", 7), ("c", 8)]


def test_paths_outside_the_working_directory_are_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    docs = write_minisite(tmp_path / "site", with_page("topic/extra.md", "# Extra\n"))
    plan, _ = load_plan(docs / "plan.yaml")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    [finding] = check_site(plan, Site.scan(plan, docs, site_files(docs)), 2)
    assert finding.location == os.path.join(str(docs), "guide", "topic", "extra.md") + ":1"
