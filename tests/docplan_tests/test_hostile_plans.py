"""Plan files and settings written to hurt: each gives a short located message, never a
traceback or a hang, and every fix can be followed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docplan.parsing import parse_plan
from docplan.settings import validate

from .minisite import PAGES, PLAN, write_minisite

DOCPLAN = str(Path(sys.executable).with_name("docplan"))


def messages(text: str) -> list[str]:
    plan, findings = parse_plan(text, "plan.yaml")
    assert plan is None
    return [f.format() for f in findings]


def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_is_refused_within_two_seconds(levels):
    start = time.perf_counter()
    found = messages(alias_bomb(levels))
    assert time.perf_counter() - start < 2
    assert found[0] == ("plan.yaml:1: WARNING: the plan defines the YAML anchor '&a0'; the plan does not allow "
                        "anchors and aliases. Fix: remove the anchor, and write its value out wherever an alias "
                        "used it. [docplan.plan-syntax]")
    assert ("plan.yaml:2: WARNING: the plan uses the YAML alias '*a0'; the plan does not allow anchors and aliases. "
            "Fix: write the value out in full here. [docplan.plan-syntax]") in found
    assert len(found) <= 20


def test_a_list_that_contains_itself_is_refused():
    assert messages("x: &a [*a]\n") == [
        "plan.yaml:1: WARNING: the plan defines the YAML anchor '&a'; the plan does not allow anchors and aliases. "
        "Fix: remove the anchor, and write its value out wherever an alias used it. [docplan.plan-syntax]",
        "plan.yaml:1: WARNING: the plan uses the YAML alias '*a'; the plan does not allow anchors and aliases. "
        "Fix: write the value out in full here. [docplan.plan-syntax]"]


def test_a_complex_key_is_located():
    text = PLAN.replace("templates:\n", "templates:\n  ? [a, b]\n  : {required_sections: [X]}\n", 1)
    line = text.splitlines().index("  ? [a, b]") + 1
    assert (f"plan.yaml:{line}: WARNING: a key here is a list; every key in the plan is a plain name. Fix: write "
            "the key as a name followed by a colon, such as 'title:'. [docplan.plan-schema]") in messages(text)


def test_non_string_keys_are_located_as_unknown_keys():
    text = PLAN.replace("schema_version: 2\n", "schema_version: 2\n1.5: x\ntrue: y\n")
    found = messages(text)
    assert any(f.startswith("plan.yaml:2: WARNING: unknown key '1.5' in the plan") for f in found)
    assert any(f.startswith("plan.yaml:3: WARNING: unknown key 'true' in the plan") for f in found)


@pytest.mark.parametrize("replacement", [
    "      title: [" + ", ".join(f"item{n}" for n in range(3000)) + "]",
    "      title: {" + ", ".join(f"k{n}: v{n}" for n in range(3000)) + "}",
    "      title: " + "x" * 20000 + ": y",
    "      " + "k" * 20000 + ": 1",
    "      phase: [" + ", ".join(f"p{n}" for n in range(3000)) + "]",
])
def test_a_huge_value_gives_a_short_message_in_plain_words(replacement):
    text = PLAN.replace("      title: Do it", replacement)
    found = messages(text)
    assert found
    for message in found:
        assert len(message) < 400, message
        assert "Value(" not in message


def test_a_plan_that_is_not_utf8(tmp_path):
    from docplan.parsing import load_plan

    path = tmp_path / "plan.yaml"
    path.write_bytes(PLAN.encode().replace(b"title: Facts", b"title: F\xe4cts"))
    line = PLAN.splitlines().index("      title: Facts") + 1
    plan, findings = load_plan(path)
    assert plan is None
    assert [f.format() for f in findings] == [
        f"{path}:{line}: WARNING: the plan file is not UTF-8 text (byte 0xe4). Fix: save the file as UTF-8 text. "
        "[docplan.plan-syntax]"]


# -- Toctree entries the plan cannot place ------------------------------------------------------


def _check_pages(tmp_path, pages):
    from docplan.checks import Site, check_site
    from docplan.parsing import load_plan

    from .minisite import site_files

    docs = write_minisite(tmp_path, pages)
    plan, _ = load_plan(docs / "plan.yaml")
    return [f.format() for f in check_site(plan, Site.scan(plan, docs, site_files(docs)), 2)]


def test_self_and_web_address_toctree_entries_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = PAGES["topic/index.md"].replace("do-it\nfacts\n", "self\ndo-it\nfacts\nNVIDIA <https://www.nvidia.com/>\n")
    lines = text.splitlines()
    assert _check_pages(tmp_path, {**PAGES, "topic/index.md": text}) == [
        f"docs/guide/topic/index.md:{lines.index('self') + 1}: WARNING: toctree lists 'self', which puts this page "
        "inside its own navigation. Fix: delete the 'self' line; the page's title already leads to it. "
        "[docplan.toctree-unexpected]",
        f"docs/guide/topic/index.md:{lines.index('NVIDIA <https://www.nvidia.com/>') + 1}: WARNING: toctree lists "
        "the web address 'https://www.nvidia.com/'; a toctree holds only the pages the plan places under this page. "
        "Fix: delete the line, and link the address from the page's text instead, for example in its 'Related' "
        "section. [docplan.toctree-unexpected]"]


def test_an_entry_outside_the_governed_directory_is_not_told_to_join_the_plan(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = PAGES["topic/index.md"].replace("do-it\nfacts\n", "do-it\nfacts\n../../contributing\n")
    found = _check_pages(tmp_path, {**PAGES, "topic/index.md": text})
    assert len(found) == 1 and "which lies outside guide/, the directory the plan governs" in found[0]
    assert "add the page to the plan" not in found[0]


# -- Settings ---------------------------------------------------------------------------------


def run_cli(site: Path, conf: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    (site / "conf.py").write_text(conf)
    return subprocess.run([DOCPLAN, *args, "check"], cwd=site, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


CONF = 'extensions = ["myst_parser"]\ndocplan_plan = "plan.yaml"\n'


def test_the_phase_as_a_string_is_located_in_conf_py(tmp_path):
    write_minisite(tmp_path)
    result = run_cli(tmp_path, CONF + 'docplan_enforce_phase = "2"\n')
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "conf.py:3: WARNING: docplan_enforce_phase is '2' (a string); it must be a whole number (0 enforces no "
        "phase). Fix: write it as docplan_enforce_phase = 2 in conf.py. [docplan.config]")


@pytest.mark.parametrize("value, shown", [("True", "True (true/false)"), ("2.5", "2.5 (a fraction)"),
                                           ("-1", "-1 (a negative number)"), ("[2]", "[2] (a list)"), ("None", "None (nothing)")])
def test_other_wrong_phases(value, shown, tmp_path):
    settings, findings = validate({"docplan_enforce_phase": eval(value)}, tmp_path / "conf.py")
    assert settings.enforce_phase == 1
    assert [f.message for f in findings] == [
        f"docplan_enforce_phase is {shown}; it must be a whole number (0 enforces no phase)."]


def test_a_computed_phase_is_the_value_the_build_uses(tmp_path):
    """conf.py computes the phase from the environment: the CLI executes conf.py as Sphinx does."""
    pages = {k: v for k, v in PAGES.items() if k != "topic/facts.md"}
    pages["topic/index.md"] = pages["topic/index.md"].replace("do-it\nfacts\n", "do-it\n")
    write_minisite(tmp_path, pages)
    conf = CONF + 'import os\ndocplan_enforce_phase = int(os.environ.get("DOCS_PHASE", "1"))\n'
    assert run_cli(tmp_path, conf, env={"DOCS_PHASE": "1"}).returncode == 0
    strict = run_cli(tmp_path, conf, env={"DOCS_PHASE": "2"})
    assert strict.returncode == 1
    assert "planned page docs/guide/topic/facts.md does not exist; it belongs to phase 2" in strict.stderr


def test_a_conf_py_that_fails_is_a_located_message(tmp_path):
    write_minisite(tmp_path)
    result = run_cli(tmp_path, CONF + "raise RuntimeError('no')\n")
    assert result.returncode == 1
    assert result.stderr.startswith("conf.py:1: WARNING: conf.py cannot be executed: ")
    assert "Traceback" not in result.stderr.splitlines()[0][:40]
    assert result.stderr.rstrip().endswith("[docplan.config]")
