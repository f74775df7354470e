"""Reader paths, the duplication check and the prose-word measure, on the small site."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from docplan.checks import Site, check_site
from docplan.duplicates import MIN_PARAGRAPH_WORDS
from docplan.parsing import load_plan, parse_plan
from docplan.prose import prose_words, read_prose
from docplan.routes import next_steps

from .minisite import PAGES, PLAN, write_minisite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # findings print paths relative to the working directory


def findings(tmp_path, pages=None, plan=PLAN):
    docs = write_minisite(tmp_path, pages, plan)
    parsed, problems = load_plan(docs / "plan.yaml")
    assert problems == [], [p.format() for p in problems]
    return [f.format() for f in check_site(parsed, Site.scan(parsed, docs), 2)]


def of_kind(lines, subtype):
    return [line for line in lines if line.endswith(f"[docplan.{subtype}]")]


# -- The prose-word measure ---------------------------------------------------------------------

def test_prose_words_count_only_what_a_reader_reads():
    text = """---
content_type: how-to
sources: [a.py, b.py, c.py]
---

(an-anchor)=
# Two words

% docs-check: skip (a comment is not prose)
Read [the guide](other.md#part) and {doc}`the reference <ref>` now.

```console
$ gym eval run --lots --of --code
```

:::{note} Mind this
:class: dropdown

Three more words.
:::

```{glossary}
term
  A definition that the glossary keeps out of the count.
```

| Key | Meaning |
| --- | --- |
| `limit` | rows read |
"""
    # "Two words" 2, "Read the guide and the reference now." 7, "Mind this" 2,
    # "Three more words." 3, table: Key Meaning limit rows read 5.
    assert prose_words(text) == 19


def test_prose_words_of_a_page_without_prose_is_zero():
    assert prose_words("---\ncontent_type: how-to\n---\n\n```python\nprint('hi')\n```\n") == 0


def test_tables_and_links_are_read_with_their_lines():
    prose = read_prose("# T\n\nSee {doc}`../a/b` and [x](c.md#y).\n\n| Name | Type |\n| --- | --- |\n"
                       "| `alpha` | int |\n| **beta** | str |\n")
    assert [(t.line, t.header, t.keys) for t in prose.tables] == [(5, ("name", "type"), ("alpha", "beta"))]
    assert [target for _, target in prose.links] == ["../a/b", "c.md#y"]


# -- The duplication check ----------------------------------------------------------------------

TABLE = """| Class | Meaning |
| --- | --- |
| `timeout` | The request timed out. |
| `http_error` | The server answered with an error. |
| `bad_json` | The reply was not JSON. |
| `verify_error` | The verifier raised. |
"""


def with_text(page, text):
    return {**PAGES, page: PAGES[page] + "\n" + text}


def test_a_copied_table_is_reported_on_the_page_that_is_not_its_home(tmp_path):
    pages = with_text("topic/facts.md", TABLE)
    pages = with_text("topic/do-it.md", TABLE.replace("timed out", "took too long")) | {
        "topic/facts.md": pages["topic/facts.md"]}
    lines = of_kind(findings(tmp_path, pages), "duplicate-table")
    do_it = pages["topic/do-it.md"].splitlines().index("| Class | Meaning |") + 1
    facts = pages["topic/facts.md"].splitlines().index("| Class | Meaning |") + 1
    # The reference page is the table's home, whatever the plan order.
    assert lines == [
        f"docs/guide/topic/do-it.md:{do_it}: WARNING: this table repeats 4 keys of the table at "
        f"docs/guide/topic/facts.md:{facts} (bad_json, http_error, timeout, ...); a reference table has "
        f"one home. Fix: keep the table on one page and link to its anchor from the other "
        f"(docs/guide/topic/facts.md:{facts}). [docplan.duplicate-table]"
    ]


def test_tables_that_share_few_keys_are_not_copies(tmp_path):
    other = TABLE.replace("`bad_json`", "`gone`").replace("`verify_error`", "`slow`")
    pages = with_text("topic/facts.md", TABLE) | {"topic/do-it.md": PAGES["topic/do-it.md"] + "\n" + other}
    assert of_kind(findings(tmp_path, pages), "duplicate-table") == []


PARAGRAPH = ("Set the concurrency before a long run, because an unset value sends every task at once "
             "and the model server queues them until requests time out and the run records them as "
             "failures in the sidecar file.")


def test_a_near_duplicate_paragraph_is_reported(tmp_path):
    assert len(PARAGRAPH.split()) >= MIN_PARAGRAPH_WORDS
    reworded = PARAGRAPH.replace("Set the concurrency", "Always set the concurrency")
    pages = with_text("topic/index.md", PARAGRAPH) | {
        "topic/do-it.md": PAGES["topic/do-it.md"] + "\n" + reworded + "\n"}
    lines = of_kind(findings(tmp_path, pages), "duplicate-paragraph")
    home = pages["topic/index.md"].splitlines().index(PARAGRAPH) + 1
    copy = pages["topic/do-it.md"].splitlines().index(reworded) + 1
    assert len(lines) == 1
    assert lines[0].startswith(f"docs/guide/topic/do-it.md:{copy}: WARNING: this paragraph is ")
    assert f"the same as the one at docs/guide/topic/index.md:{home}." in lines[0]


def test_different_paragraphs_on_the_same_subject_pass(tmp_path):
    other = ("Concurrency caps how many tasks the driver sends at once; raise it while rollouts per "
             "hour still grow, and lower it when the failures sidecar fills with timeouts from the "
             "model server during a long collection.")
    pages = with_text("topic/index.md", PARAGRAPH) | {"topic/do-it.md": PAGES["topic/do-it.md"] + "\n" + other}
    assert of_kind(findings(tmp_path, pages), "duplicate-paragraph") == []


def test_the_real_site_has_no_copied_table_or_paragraph():
    docs = ROOT / "docs"
    plan, problems = load_plan(docs / "training-plan.yaml")
    assert problems == []
    found = [f.format() for f in check_site(plan, Site.scan(plan, docs), 4)
             if f.subtype in ("duplicate-table", "duplicate-paragraph", "card-duplicate")]
    assert found == []


# -- Reader paths -------------------------------------------------------------------------------

PATHS = """
paths:
  - id: short
    title: The short way
    needs: A laptop.
    ends_with: "`out.jsonl`"
    steps:
      - index.md
      - topic/index.md
      - [topic/do-it.md, topic/facts.md]
"""


def plan_with(extra):
    return PLAN.replace("\npages:\n", extra + "\npages:\n", 1)


def test_paths_parse_into_steps_with_alternatives():
    plan, problems = parse_plan(plan_with(PATHS), "plan.yaml")
    assert problems == []
    (path,) = plan.paths
    assert path.steps == (("index.md",), ("topic/index.md",), ("topic/do-it.md", "topic/facts.md"))
    assert [(s.path.id, s.pages) for s in next_steps(plan, "topic/index.md")] == [
        ("short", ("topic/do-it.md", "topic/facts.md"))]
    assert [s.pages for s in next_steps(plan, "topic/facts.md")] == [()]  # the end of the path
    assert next_steps(plan, "nowhere.md") == []


@pytest.mark.parametrize(("steps", "message"), [
    ("[index.md, topic/index.md]", "reader path 'short' visits 2 pages; a path visits 4 to 6."),
    ("[index.md, topic/index.md, topic/do-it.md, 3]", "reader path 'short' has step 3; a step is a page"),
    ("index.md", "reader path 'short' steps must be a list"),
])
def test_malformed_paths_are_located_plan_findings(steps, message):
    text = plan_with(PATHS.split("    steps:")[0] + f"    steps: {steps}\n")
    plan, problems = parse_plan(text, "plan.yaml")
    assert plan is None
    line = text.splitlines().index(f"    steps: {steps}") + 1
    assert [(p.line, p.subtype) for p in problems] == [(line, "plan-schema")]
    assert message in problems[0].message


def test_a_path_page_that_is_not_planned(tmp_path):
    plan = plan_with(PATHS.replace("- topic/index.md", "- topic/elsewhere.md"))
    lines = of_kind(findings(tmp_path, plan=plan), "path-unplanned")
    line = plan.splitlines().index("  - id: short") + 1
    assert lines == [f"docs/plan.yaml:{line}: WARNING: reader path 'short' names 'topic/elsewhere.md', which is "
                     "not a planned page. Fix: correct the page's path, or add the page to the plan. "
                     "[docplan.path-unplanned]"]


def _with_other_how_to(plan):
    """The small site with a second how-to, topic/other.md, listed after do-it."""
    plan = plan.replace("pages: 4\n", "pages: 5\n").replace("how-to: 1,", "how-to: 2,").replace(
        "by_phase: {1: 3, 2: 1}", "by_phase: {1: 4, 2: 1}")
    entry = ("    other.md:\n      title: Other\n      content_type: how-to\n      jtbd: Do another thing\n"
             "      phase: 1\n      week: 2\n")
    plan = plan.replace("    facts.md:\n", entry + "    facts.md:\n")
    pages = {**PAGES, "topic/other.md": PAGES["topic/do-it.md"].replace("# Do it", "# Other"),
             "topic/index.md": PAGES["topic/index.md"].replace("do-it\nfacts", "do-it\nother\nfacts")}
    return plan, pages


def test_a_how_to_off_every_path_and_unlinked_is_an_orphan(tmp_path):
    plan, pages = _with_other_how_to(plan_with(PATHS.replace("[topic/do-it.md, topic/facts.md]",
                                                             "topic/do-it.md\n      - topic/facts.md")))
    # topic/index.md is on the path and lists other only in its toctree, which is not a link.
    assert of_kind(findings(tmp_path, pages, plan), "path-orphan") == [
        "docs/guide/topic/other.md:1: WARNING: this how-to is on no reader path, and no page on a path links to "
        "it (paths: short). Fix: add it to a path under 'paths' in docs/plan.yaml, or link to it from a page on "
        "one. [docplan.path-orphan]"]
    # A link from a page on the path is enough.
    linked = pages | {"topic/do-it.md": pages["topic/do-it.md"] + "\nSee {doc}`other`.\n"}
    assert of_kind(findings(tmp_path, linked, plan), "path-orphan") == []
    assert all(not line.endswith("]") or "[docplan.path-" not in line for line in findings(tmp_path, linked, plan))


# -- Word budgets -------------------------------------------------------------------------------

def test_word_budgets_are_findings_only_when_enforced(tmp_path):
    budgets = "\nword_budgets:\n  total: 20\n  by_template: {how-to: 3}\n  enforced: {enforced}\n"
    long_page = with_text("topic/do-it.md", "One two three four five six seven eight nine ten eleven.")
    assert of_kind(findings(tmp_path, long_page, plan_with(budgets.replace("{enforced}", "false"))),
                   "word-budget") == []
    lines = of_kind(findings(tmp_path, long_page, plan_with(budgets.replace("{enforced}", "true"))), "word-budget")
    words = prose_words(long_page["topic/do-it.md"])
    assert f"docs/guide/topic/do-it.md:1: WARNING: this how-to page has {words} prose words; the budget is 3." \
        in lines[0]
    total = sum(prose_words(t) for t in long_page.values())
    assert any(f"the section has {total} prose words; the budget is 20." in line for line in lines)
    # Each budget can be enforced on its own.
    pages_only = of_kind(findings(tmp_path, long_page, plan_with(budgets.replace("{enforced}", "[by_template]"))),
                         "word-budget")
    assert pages_only == [lines[0]] or pages_only == [line for line in lines if "how-to page" in line]
    assert len(pages_only) == 1 and "how-to page" in pages_only[0]


def test_make_check_reports_words_per_page_and_total(tmp_path):
    budgets = "\nword_budgets:\n  total: 20\n  by_template: {how-to: 3}\n  enforced: false\n"
    docs = write_minisite(tmp_path, with_text("topic/do-it.md", "One two three four."), plan_with(budgets))
    args = [sys.executable, "-m", "docplan", "--docs", str(docs), "--conf", str(tmp_path / "none.py")]
    env = {"PYTHONPATH": str(ROOT / "tools"), "PATH": "/usr/bin:/bin"}
    check = subprocess.run([*args, "check"], capture_output=True, text=True, env=env)
    words = subprocess.run([*args, "words"], capture_output=True, text=True, env=env)
    assert check.returncode == 0, check.stderr
    assert "1 page(s) over their budget; budgets not enforced yet." in check.stdout
    assert "topic/do-it.md: " in check.stdout
    rows = {line.split()[0]: line.split()[1:] for line in words.stdout.splitlines()[2:]}
    assert rows["topic/do-it.md"][1] == "3" and rows["topic/do-it.md"][2] == "over"
    assert int(rows["total"][0]) == sum(int(r[0]) for k, r in rows.items() if k != "total")


# -- Rendering, in a Sphinx build of the small site ---------------------------------------------

def test_pages_on_a_path_end_with_its_next_step_and_the_hub_shows_the_path(tmp_path):
    import re

    pages = {**PAGES, "index.md": PAGES["index.md"].replace("## Topics", "## Topics\n\n```{reader-paths}\n```")}
    docs = write_minisite(tmp_path, pages, plan_with(PATHS))
    (tmp_path / "conf.py").write_text('extensions = ["myst_parser", "docplan.sphinx_ext"]\n'
                                      'docplan_plan = "plan.yaml"\ndocplan_enforce_phase = 2\n'
                                      'root_doc = "guide/index"\n')
    result = subprocess.run([sys.executable, "-m", "sphinx", "-c", ".", "-W", "-q", "-b", "html", str(docs),
                             "out"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "tools"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr

    def next_links(page):
        html = (tmp_path / "out" / page).read_text()
        box = re.search(r'<div class="docplan-next.*?</div>', html, re.DOTALL)
        return re.findall(r'href="([^"]+)"', box.group(0)) if box else None, html

    assert next_links("guide/index.html")[0] == ["topic/index.html"]
    assert next_links("guide/topic/index.html")[0] == ["do-it.html", "facts.html"]
    links, html = next_links("guide/topic/facts.html")
    assert links == [] and "the end of this path. Your trainer reads <code" in html
    hub = (tmp_path / "out" / "guide/index.html").read_text()
    assert 'id="path-short"' in hub and "A laptop." in hub
    assert re.findall(r'docplan-path-steps.*?</ol>', hub, re.DOTALL)[0].count("<li>") == 3


def _card(title, link):
    return f"```{{grid-item-card}} {title}\n:link: {link}\n:link-type: doc\n\nWhat it does.\n```\n"


def test_an_index_that_links_a_page_from_two_cards(tmp_path):
    grid = "````{grid} 2\n\n" + _card("Do it", "do-it") + "\n" + _card("Facts", "facts") + "````\n"
    again = "````{grid} 2\n\n" + _card("Do it again", "./do-it.md") + "````\n"
    pages = with_text("topic/index.md", grid + "\n" + again)
    second = pages["topic/index.md"].splitlines().index("```{grid-item-card} Do it again") + 1
    first = pages["topic/index.md"].splitlines().index("```{grid-item-card} Do it") + 1
    assert of_kind(findings(tmp_path, pages), "card-duplicate") == [
        f"docs/guide/topic/index.md:{second}: WARNING: this card links './do-it.md', which the card at line "
        f"{first} already links. Fix: remove one of the two cards; for a quick task, link the page from a list "
        "instead. [docplan.card-duplicate]"]
    assert of_kind(findings(tmp_path, with_text("topic/index.md", grid)), "card-duplicate") == []


@pytest.mark.parametrize("value", ["[pages]", "yes please", "3"])
def test_an_unknown_enforced_value_is_a_located_plan_finding(value):
    text = plan_with(f"\nword_budgets:\n  total: 20\n  enforced: {value}\n")
    plan, problems = parse_plan(text, "plan.yaml")
    assert plan is None
    line = text.splitlines().index(f"  enforced: {value}") + 1
    assert [(p.line, p.subtype) for p in problems] == [(line, "plan-schema")]
    assert "word_budgets enforced must be true, false or a list of total and by_template" in problems[0].message


def test_tables_of_the_same_files_under_other_directories_are_copies(tmp_path):
    files = ["rollouts.jsonl", "rollouts_failures.jsonl", "rollouts_aggregate_metrics.json", "quality_summary.json"]
    table = lambda prefix: "| File | Contents |\n| --- | --- |\n" + "".join(  # noqa: E731
        f"| `{prefix}/{name}` | what it holds |\n" for name in files)
    pages = with_text("topic/facts.md", table("results/run1")) | {
        "topic/do-it.md": PAGES["topic/do-it.md"] + "\n" + table("results/example")}
    (line,) = of_kind(findings(tmp_path, pages), "duplicate-table")
    assert line.startswith("docs/guide/topic/do-it.md:") and "repeats 4 keys" in line
