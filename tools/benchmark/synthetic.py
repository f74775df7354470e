"""Write a synthetic documentation site of any size, with a docplan plan to match.

The site has the real section's shape: a hub, topic directories of 25 pages
(an index and a mix of how-to and reference pages), each page with the
sections its template requires, prose, a code block and, on reference pages,
a table; every index lists its pages in a toctree in plan order. It builds
with no warnings and ``docplan check`` finds no drift, so every figure taken
on it is the cost of a clean build.
"""

from __future__ import annotations

import random
from pathlib import Path

PER_DIRECTORY = 25  # an index and 24 pages, like a large topic of the real section
ROOT = "guide"

CONF = '''"""A synthetic site for `make bench` (written by benchmark.synthetic)."""

extensions = ["myst_parser", "docplan.sphinx_ext"]
docplan_plan = "plan.yaml"
docplan_enforce_phase = 4
exclude_patterns = ["_build"]
myst_heading_anchors = 3
html_theme = "basic"  # a theme's own cost would only dilute docplan's share of the build
'''
WITHOUT_DOCPLAN = "myst_parser"

PLAN_HEAD = """schema_version: 2
root: guide
counts:
  pages: {pages}
  by_content_type: {{{by_type}}}
  by_phase: {{{by_phase}}}
content_types:
  explanation: {{label: Explanation, default_template: topic-index}}
  how-to: {{label: How-to, default_template: how-to}}
  reference: {{label: Reference, default_template: reference}}
templates:
  hub: {{required_sections: [Topics, Related]}}
  topic-index: {{required_sections: [When you need this, Topics, Related]}}
  how-to: {{required_sections: [Before you start, Steps, Related]}}
  reference: {{required_sections: [Overview, Related]}}
phases:
  1: {{name: First, weeks: [1, 4]}}
  2: {{name: Second, weeks: [5, 8]}}
  3: {{name: Third, weeks: [9, 11]}}
  4: {{name: Fourth, weeks: [12, 15]}}
pages:
"""
PHASE_WEEK = {1: 2, 2: 6, 3: 10, 4: 13}

# Words for the prose: each paragraph is a fresh draw, so no two paragraphs or tables repeat
# one another (docplan flags copied paragraphs and tables, as it would on a real site).
WORDS = ("rollout task verifier reward policy model server agent batch shard sample token limit config "
         "dataset row field schema file path command flag value default option resource environment "
         "collect score filter balance merge split check validate convert prepare train tune measure "
         "throughput latency memory worker process queue retry timeout error failure report metric "
         "the a each every its your this that with from into over under after before when while").split()


def _prose(rng: random.Random, sentences: int = 3) -> str:
    out = []
    for _ in range(sentences):
        words = rng.choices(WORDS, k=rng.randint(10, 18))
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def layout(pages: int) -> list[list[str]]:
    """The page names per directory, so that the site has ``pages`` pages including the hub."""
    remaining, directories = pages - 1, []
    while remaining > 0:
        size = min(PER_DIRECTORY, remaining)
        directories.append(["index"] + [f"page-{n:02d}" for n in range(1, size)])
        remaining -= size
    return directories


def content_type(name: str, position: int) -> str:
    if name == "index":
        return "explanation"
    return "reference" if position % 4 == 0 else "how-to"


def _page(title: str, kind: str, sections: list[str], children: list[str], seed: str) -> str:
    rng = random.Random(seed)
    key = seed.replace("/", "_").replace("-", "_")
    lines = ["---", f"content_type: {kind}", "---", "", f"# {title}", "", _prose(rng), ""]
    for section in sections:
        lines += [f"## {section}", "", _prose(rng), "", _prose(rng), ""]
        if section == "Overview":
            lines += ["| Field | Type | Default |", "| --- | --- | --- |"]
            lines += [f"| `{key}_{n}` | int | {n} |" for n in range(8)] + [""]
        if section in ("Steps", "Before you start"):
            lines += ["```console", "$ gym eval run --config config.yaml", "```", ""]
    if children:
        lines += ["```{toctree}", ":hidden:", "", *children, "```", ""]
    return "\n".join(lines)


SECTIONS = {"hub": ["Topics", "Related"], "topic-index": ["When you need this", "Topics", "Related"],
            "how-to": ["Before you start", "Steps", "Related"], "reference": ["Overview", "Related"]}


def write_site(target: Path, pages: int) -> Path:
    """Write ``conf.py`` and ``docs/`` (an index, ``plan.yaml`` and ``guide/``) under ``target``."""
    docs = target / "docs"
    (docs / ROOT).mkdir(parents=True)
    (target / "conf.py").write_text(CONF, encoding="utf-8")
    (docs / "index.md").write_text(f"# Synthetic site\n\n```{{toctree}}\n{ROOT}/index\n```\n", encoding="utf-8")
    directories = layout(pages)
    plan = ["  index.md: {title: Guide, content_type: explanation, template: hub, jtbd: Find a guide, "
            "phase: 1, week: 1}"]
    by_type = {"explanation": 1, "how-to": 0, "reference": 0}
    by_phase = {1: 1, 2: 0, 3: 0, 4: 0}
    hub_children = []
    for number, names in enumerate(directories, 1):
        directory = f"topic-{number:03d}"
        phase = number % 4 + 1
        hub_children.append(f"{directory}/index")
        plan.append(f"  {directory}/:")
        for position, name in enumerate(names):
            kind = content_type(name, position)
            template = {"explanation": "topic-index"}.get(kind, kind)
            title = f"Topic {number} {name.replace('-', ' ')}"
            children = names[1:] if name == "index" else []
            path = docs / ROOT / directory / f"{name}.md"
            path.parent.mkdir(exist_ok=True)
            path.write_text(_page(title, kind, SECTIONS[template], children, f"{directory}/{name}"),
                            encoding="utf-8")
            plan.append(f"    {name}.md: {{title: {title}, content_type: {kind}, jtbd: Do job {number}.{position}, "
                        f"phase: {phase}, week: {PHASE_WEEK[phase]}}}")
            by_type[kind] += 1
            by_phase[phase] += 1
    (docs / ROOT / "index.md").write_text(_page("Guide", "explanation", SECTIONS["hub"], hub_children, "hub"),
                                          encoding="utf-8")
    head = PLAN_HEAD.format(pages=pages, by_type=", ".join(f"{k}: {v}" for k, v in by_type.items()),
                            by_phase=", ".join(f"{k}: {v}" for k, v in by_phase.items()))
    (docs / "plan.yaml").write_text(head + "\n".join(plan) + "\n", encoding="utf-8")
    return target
