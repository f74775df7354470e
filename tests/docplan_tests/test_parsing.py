"""The plan file: the real plan parses; every malformation gets a located message."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from docplan.parsing import load_plan, parse_plan

from .minisite import PLAN

ROOT = Path(__file__).resolve().parents[2]


def messages(text: str) -> list[str]:
    plan, findings = parse_plan(text, "plan.yaml")
    assert plan is None, "a malformed plan must not produce a plan"
    return [f.format() for f in findings]


def test_the_real_plan_lists_fifty_pages_with_the_true_counts():
    plan, findings = load_plan(ROOT / "docs" / "training-plan.yaml")
    assert findings == []
    assert len(plan.pages) == 50
    by_type = Counter(p.content_type for p in plan.pages if p.parent is not None)
    assert by_type == {"explanation": 8, "how-to": 30, "reference": 11}
    assert Counter(p.phase for p in plan.pages) == {1: 11, 2: 11, 3: 10, 4: 18}
    integration = [p for p in plan.pages if p.directory == "integration"]
    assert len(integration) == 7
    assert plan.hub().page == "index.md"


def test_the_minisite_plan_parses_with_parents_from_the_tree():
    plan, findings = parse_plan(PLAN, "plan.yaml")
    assert findings == []
    assert [(p.page, p.parent) for p in plan.pages] == [
        ("index.md", None), ("topic/index.md", "index.md"),
        ("topic/do-it.md", "topic/index.md"), ("topic/facts.md", "topic/index.md")]
    assert [p.page for p in plan.children("topic/index.md")] == ["topic/do-it.md", "topic/facts.md"]
    assert plan.page("topic/facts.md").week == (3, 4)
    assert plan.page("topic/index.md").template == "topic-index"
    # Each entry is located at its key, where a finding about the page points.
    assert plan.page("topic/do-it.md").line == PLAN.splitlines().index("    do-it.md:") + 1


def test_a_nested_directory_hangs_under_the_index_above_it():
    sub = ("      deeper/:\n        index.md: {title: Deeper, content_type: explanation, jtbd: Go deeper, "
           "phase: 1, week: 1}\n        leaf.md: {title: Leaf, content_type: how-to, jtbd: Do a leaf, "
           "phase: 1, week: 1}\n")
    text = PLAN.replace("    facts.md:\n", sub.replace("      ", "    ", 1).replace("\n        ", "\n      ")
                        + "    facts.md:\n").replace("pages: 4", "pages: 6").replace(
        "{explanation: 2, how-to: 1, reference: 1}", "{explanation: 3, how-to: 2, reference: 1}").replace(
        "{1: 3, 2: 1}", "{1: 5, 2: 1}")
    plan, findings = parse_plan(text, "plan.yaml")
    assert findings == []
    assert plan.page("topic/deeper/index.md").parent == "topic/index.md"
    assert plan.page("topic/deeper/leaf.md").parent == "topic/deeper/index.md"
    assert [p.page for p in plan.children("topic/index.md")] == [
        "topic/do-it.md", "topic/deeper/index.md", "topic/facts.md"]


def test_invalid_yaml_points_at_the_line():
    text = PLAN.replace("    do-it.md:\n", "    do-it.md: [\n")
    [message] = messages(text)
    assert message.startswith("plan.yaml:")
    assert "WARNING: the plan is not valid YAML" in message
    assert message.endswith("Fix: correct the YAML syntax at this line. [docplan.plan-syntax]")


def test_unknown_page_key_is_located():
    text = PLAN.replace("      jtbd: Do the thing\n", "      jtbd: Do the thing\n      owner: me\n")
    line = text.splitlines().index("      owner: me") + 1
    assert messages(text) == [
        f"plan.yaml:{line}: WARNING: unknown key 'owner' in page 'topic/do-it.md'; expected one of: "
        "title, content_type, template, jtbd, phase, week. Fix: remove 'owner' or correct its spelling. "
        "[docplan.plan-schema]"
    ]


@pytest.mark.parametrize("key", ["page", "parent"])
def test_a_path_or_parent_key_is_derived_so_it_is_reported(key):
    text = PLAN.replace("      jtbd: Do the thing\n", f"      jtbd: Do the thing\n      {key}: topic/index.md\n")
    line = text.splitlines().index(f"      {key}: topic/index.md") + 1
    assert messages(text) == [
        f"plan.yaml:{line}: WARNING: page 'topic/do-it.md' has a '{key}' key; the {'path' if key == 'page' else key} "
        f"comes from the entry's place in the tree. Fix: remove '{key}'. [docplan.plan-schema]"
    ]


def test_duplicate_page():
    text = PLAN.replace("    facts.md:\n", "    do-it.md: {title: Again, content_type: how-to, jtbd: Again, "
                        "phase: 1, week: 1}\n    facts.md:\n")
    line = text.splitlines().index("    do-it.md: {title: Again, content_type: how-to, jtbd: Again, "
                                   "phase: 1, week: 1}") + 1
    first = PLAN.splitlines().index("    do-it.md:") + 1
    assert (f"plan.yaml:{line}: WARNING: duplicate key 'do-it.md' (first at line {first}). "
            "Fix: remove one of the two keys. [docplan.plan-schema]") in messages(text)


def test_unknown_content_type():
    text = PLAN.replace("      content_type: how-to\n", "      content_type: tutorial\n")
    line = text.splitlines().index("      content_type: tutorial") + 1
    found = messages(text)
    assert (f"plan.yaml:{line}: WARNING: page 'topic/do-it.md' has content_type 'tutorial', which is not one of: "
            "explanation, how-to, reference. Fix: use one of the content types, or add it under "
            "'content_types'. [docplan.plan-schema]") in found


def test_a_directory_without_an_index_page():
    start = PLAN.index("    index.md:\n      title: Topic")
    end = PLAN.index("    do-it.md:")
    text = PLAN[:start] + PLAN[end:]
    line = text.splitlines().index("  topic/:") + 1
    assert (f"plan.yaml:{line}: WARNING: directory 'topic/' has no 'index.md'; the pages of a directory are "
            "listed in the toctree of its index page. Fix: add an 'index.md:' entry to directory 'topic/'. "
            "[docplan.plan-schema]") in messages(text)


@pytest.mark.parametrize(("key", "message"), [
    ("notes.txt", "'notes.txt' in directory 'topic/' is neither a page ('name.md') nor a directory ('name/')."),
    ("a/b.md", "'a/b.md' in directory 'topic/' is neither a page ('name.md') nor a directory ('name/')."),
    ("a/b/", "'a/b/' in directory 'topic/' must name one directory, such as 'datasets/'."),
])
def test_an_entry_that_is_neither_a_page_nor_one_directory(key, message):
    text = PLAN.replace("    do-it.md:\n", f"    {key}:\n")
    line = text.splitlines().index(f"    {key}:") + 1
    assert any(m.startswith(f"plan.yaml:{line}: WARNING: {message}") for m in messages(text)), messages(text)


def test_a_flat_version_1_plan_gets_one_message_saying_how_to_convert():
    text = PLAN.replace("schema_version: 2", "schema_version: 1")
    assert messages(text) == [
        "plan.yaml:1: WARNING: schema_version is 1; this docplan reads version 2, whose 'pages' nest by directory "
        "('name/:' holding its 'name.md:' entries). Fix: nest the pages by directory, drop their 'page' and "
        "'parent' keys, and set schema_version: 2. [docplan.plan-schema]"
    ]


def test_counts_that_disagree_with_the_pages():
    text = PLAN.replace("by_phase: {1: 3, 2: 1}", "by_phase: {1: 2, 2: 2}")
    line = text.splitlines().index("  by_phase: {1: 2, 2: 2}") + 1
    assert messages(text) == [
        f"plan.yaml:{line}: WARNING: counts.by_phase says {{1: 2, 2: 2}}, but the page list gives {{1: 3, 2: 1}}. "
        "Fix: set counts.by_phase to {1: 3, 2: 1}. [docplan.plan-schema]"
    ]


def test_duplicate_key_and_missing_key():
    text = PLAN.replace("      title: Facts\n", "      title: Facts\n      title: Facts again\n")
    found = messages(text)
    assert any("duplicate key 'title' (first at line" in m for m in found)
    text = PLAN.replace("      jtbd: Look things up\n", "")
    line = text.splitlines().index("    facts.md:") + 1
    assert (f"plan.yaml:{line}: WARNING: page 'topic/facts.md' has no 'jtbd' key. Fix: add 'jtbd: ...' to "
            "page 'topic/facts.md'. [docplan.plan-schema]") in messages(text)


def test_week_outside_its_phase():
    text = PLAN.replace("      week: [3, 4]", "      week: 9")
    assert any("page 'topic/facts.md' is planned for week 9, outside phase 2 (weeks 3-4)." in m
               for m in messages(text))


@pytest.mark.parametrize("text", ["", "just a string", "- a\n- list\n"])
def test_degenerate_files_are_findings_not_tracebacks(text):
    found = messages(text)
    assert found and all(m.startswith("plan.yaml:") for m in found)


def test_unreadable_plan_file(tmp_path):
    plan, findings = load_plan(tmp_path / "missing.yaml")
    assert plan is None
    assert "cannot read the plan file" in findings[0].message
    assert findings[0].subtype == "plan-syntax"


def test_the_json_schema_accepts_the_real_plan():
    jsonschema = pytest.importorskip("jsonschema")
    import json

    import yaml

    schema = json.loads((ROOT / "tools" / "docplan" / "plan.schema.json").read_text())
    # JSON has string keys only; round-trip so phase numbers validate as they would in an editor.
    data = json.loads(json.dumps(yaml.safe_load((ROOT / "docs" / "training-plan.yaml").read_text())))
    jsonschema.validate(data, schema)
    bad = dict(data, surprise=True)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_every_subtype_is_documented_for_contributors():
    from docplan.subtypes import PROSE_SUBTYPES, SUBTYPES

    text = (ROOT / "docs" / "contributing.md").read_text()
    for name, description in SUBTYPES.items():
        where = "`make check`" if name in PROSE_SUBTYPES else "build, `make check`"
        assert f"| `docplan.{name}` | {where} | {description} |" in text, name


ODD_VALUES = ["[a]", "{a: 1}", "", "~", "true", "-1", "0", "'x'", "3.5"]


def test_any_odd_value_anywhere_is_a_finding_not_a_crash():
    """Every 'key: value' line of the plan, with each odd value in turn: parsing never raises,
    and whatever it reports is located in the plan file."""
    lines = PLAN.splitlines()
    tried = 0
    for index, line in enumerate(lines):
        match = re.match(r"^(\s*-?\s*[\w-]+:)\s*(.+)$", line)
        if not match:
            continue
        for value in ODD_VALUES:
            text = "\n".join([*lines[:index], f"{match.group(1)} {value}", *lines[index + 1:]])
            plan, findings = parse_plan(text, "plan.yaml")
            assert plan is not None or findings, (line, value)
            assert all(f.format().startswith("plan.yaml:") for f in findings), (line, value)
            tried += 1
    assert tried > 300


@pytest.mark.parametrize("section", ["content_types", "templates", "phases", "pages", "counts"])
@pytest.mark.parametrize("value", ["[a, b]", "7", "~"])
def test_a_top_level_section_of_the_wrong_type_is_a_finding(section, value):
    text = "\n".join(f"{section}: {value}" if line.startswith(f"{section}:") else line for line in PLAN.splitlines())
    lines = text.splitlines()
    start = lines.index(f"{section}: {value}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    text = "\n".join(lines[: start + 1] + lines[end:]) + "\n"
    plan, findings = parse_plan(text, "plan.yaml")
    assert plan is None and findings
    assert all(f.format().startswith("plan.yaml:") for f in findings)
