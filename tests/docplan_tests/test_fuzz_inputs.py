"""Seeded random mutations of the plan and the pages: never a traceback, never a hang, and
every message short.

Each case applies a few mutations (deleting, repeating or swapping lines, and splicing in
hostile fragments: anchors, aliases, complex keys, nested and reStructuredText toctrees,
unclosed fences, comments, stray bytes) to the small site, then runs the whole plan and
page checks, and the accuracy reader and checks on the mutated pages. The seeds are fixed,
so a failure names a case that can be replayed.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from accuracy.blocks import parse_page as accuracy_page
from docplan.checks import Site, check_site
from docplan.model import FIX_LIMIT, MESSAGE_LIMIT
from docplan.parsing import load_plan, parse_plan
from myst_parser.config.main import MdParserConfig

from .minisite import PAGES, PLAN, site_files, write_minisite

MYST = MdParserConfig(enable_extensions={"colon_fence", "deflist", "attrs_block"})
CASES = 150
TIME_LIMIT = 2.0  # seconds per case, checks included

PLAN_FRAGMENTS = [
    "x: &a [*a]", "a: &a [1, 2]\nb: [*a, *a, *a]", "? [a, b]\n: c", "? {k: v}\n: c", "  - page: index.md",
    "    parent: topic/do-it.md", "    parent: index.md", "    parent: [a, b]", "    week: [4, 1]",
    "    phase: '1'", "    phase: 99", "    title: " + "t" * 5000, "    title: [" + ", ".join(["x"] * 2000) + "]",
    "1: one", "true: yes", "null: ~", "pages: {}", "pages: []", "templates: []", "root: /abs", "root: ../up",
    "schema_version: 2", "\t- tab", "{", "}", "[", "- ", ": ", "'unclosed", '"also', "!!python/object:os.system x",
    "!!binary AAAA", "counts: {pages: -1}", "    content_type: {a: b}", "    template: 3", "\ufeff", "\x00",
    "    page: ../../etc/passwd.md", "    page: self.md", "    page: topic/do-it.md", "  topic/:", "  other/:",
    "    x.md:", "    sub/:\n      index.md: {}", "  ../up/:", "  a/b/:", "    notes.txt:", "      parent: index.md",
]
PAGE_FRAGMENTS = [
    "```{toctree}\nfacts\n```", "````{note}\n```{toctree}\n../index\n```\n````", "```{eval-rst}\n.. toctree::\n\n   do-it\n```",
    "- item\n\n  ```{toctree}\n  self\n  ```", "```{toctree}\nhttps://example.com\n*\n```", "<!--\n## Related\n",
    "-->", "Related\n-------", "## Related", "# Title", "```", "````", ":::", ":::{note}", "---", "---\n---",
    "content_type: [x]", "% docs-check: fields nemo_gym/x.py:Nope", "% docs-check: message", "| a | b |\n|---|---|",
    "```{toctree}\n:glob:\n*\n```", "```{toctree}\n---\nmaxdepth: 2\n---\ndo-it\n```", "[How-to content for x]", "TODO",
    "```console\n$ gym eval run --nope +x=1 'unclosed\n```", "```python\nfrom nemo_gym import nope\n```",
    "```{code-block} yaml\n: : :\n```", "{#anchor}", "\t\t## tabbed", "> ## quoted", "\ufeff", "$$\n## math\n$$",
]


VALUES = ["[" + ", ".join(f"item{n}" for n in range(2000)) + "]", "{" + ", ".join(f"k{n}: v{n}" for n in range(500)) + "}",
          "x" * 10000, "-3", "4.5", "true", "null", "[]", "{}", "*nowhere", "&anchor value", "'2'", "[1, [2, [3]]]",
          "\u202e\u0000odd", "!!str 1", "|\n  block"]
_KEY_LINE = re.compile(r"^(\s*(?:- )?[\w-]+:)\s*\S")


def mutate(text: str, fragments: list[str], rng: random.Random) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        at = rng.randrange(len(lines) + 1)
        keyed = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
        if choice < 0.3 and keyed:  # a well-formed line with a hostile value
            i = rng.choice(keyed)
            lines[i] = _KEY_LINE.match(lines[i])[1] + " " + rng.choice(VALUES)
        elif choice < 0.4 and lines:
            del lines[min(at, len(lines) - 1)]
        elif choice < 0.5 and lines:
            lines.insert(at, lines[min(at, len(lines) - 1)])
        elif choice < 0.6 and len(lines) > 1:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[at:at] = rng.choice(fragments).split("\n")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def checker(gym_release):
    """The accuracy checker against the pinned release (gym_release fetches it once)."""
    from accuracy.checks import Checker
    from accuracy.cli import load_facts
    from accuracy.gym_release import pinned_version

    return Checker(load_facts(pinned_version()), None)


def assert_bounded(findings) -> None:
    for finding in findings:
        assert len(finding.message) <= MESSAGE_LIMIT and len(finding.fix) <= FIX_LIMIT
        assert "Value(" not in finding.message and "Traceback" not in finding.message
        assert finding.line >= 1


@pytest.mark.parametrize("seed", range(CASES))
def test_a_mutated_plan_gives_findings_not_a_crash(seed):
    rng = random.Random(seed)
    text = mutate(PLAN, PLAN_FRAGMENTS, rng)
    start = time.perf_counter()
    plan, findings = parse_plan(text, "plan.yaml")
    assert time.perf_counter() - start < TIME_LIMIT
    assert (plan is None) == bool(findings)
    assert_bounded(findings)


@pytest.mark.parametrize("seed", range(CASES))
def test_a_mutated_site_gives_findings_not_a_crash(seed, tmp_path, monkeypatch, checker):
    monkeypatch.chdir(tmp_path)
    rng = random.Random(seed)
    pages = dict(PAGES)
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(sorted(pages))
        pages[name] = mutate(pages[name], PAGE_FRAGMENTS, rng)
    docs = write_minisite(tmp_path, pages)
    if rng.random() < 0.2:  # now and then, a page that is not UTF-8
        victim = docs / "guide" / rng.choice(sorted(pages))
        victim.write_bytes(victim.read_bytes() + b"\n\xff\xfe")
    start = time.perf_counter()
    plan, plan_findings = load_plan(docs / "plan.yaml")
    assert plan_findings == []
    findings = check_site(plan, Site.scan(plan, docs, site_files(docs), MYST), 2)
    assert_bounded(findings)
    for path in sorted((docs / "guide").rglob("*.md")):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # reported above as page-unreadable
        accuracy_findings = checker.check_page(accuracy_page(text, Path(path), MYST), path.name)
        assert all(f.line >= 1 for f in accuracy_findings)
    assert time.perf_counter() - start < TIME_LIMIT
