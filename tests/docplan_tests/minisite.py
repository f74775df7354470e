"""A small, complete site for the checker's unit tests: a hub, one topic, two pages."""

from __future__ import annotations

from pathlib import Path

PLAN = """\
schema_version: 2
root: guide
counts:
  pages: 4
  by_content_type: {explanation: 2, how-to: 1, reference: 1}
  by_phase: {1: 3, 2: 1}
content_types:
  explanation: {label: Explanation, default_template: topic-index}
  how-to: {label: How-to, default_template: how-to}
  reference: {label: Reference, default_template: reference}
templates:
  hub: {required_sections: [Topics]}
  topic-index: {required_sections: [When you need this, Related]}
  how-to: {required_sections: [Before you start, Related]}
  reference: {required_sections: [Overview]}
phases:
  1: {name: First, weeks: [1, 2]}
  2: {name: Second, weeks: [3, 4]}
pages:
  index.md:
    title: Guide
    content_type: explanation
    template: hub
    jtbd: Find your way
    phase: 1
    week: 1
  topic/:
    index.md:
      title: Topic
      content_type: explanation
      jtbd: Understand the topic
      phase: 1
      week: 1
    do-it.md:
      title: Do it
      content_type: how-to
      jtbd: Do the thing
      phase: 1
      week: 2
    facts.md:
      title: Facts
      content_type: reference
      jtbd: Look things up
      phase: 2
      week: [3, 4]
"""

PAGES = {
    "index.md": """---
content_type: explanation
---

# Guide

## Topics

```{toctree}
topic/index
```
""",
    "topic/index.md": """---
content_type: explanation
---

# Topic

## When you need this

Always.

## Related

Nothing.

```{toctree}
:hidden:

do-it
facts
```
""",
    "topic/do-it.md": """---
content_type: how-to
---

# Do it

## Before you start

Nothing.

## Related

Nothing.
""",
    "topic/facts.md": """---
content_type: reference
---

# Facts

## Overview

Facts.
""",
}


def write_minisite(root: Path, pages: dict[str, str] | None = None, plan: str = PLAN) -> Path:
    """Write the plan and pages under ``root``/docs; return the docs directory."""
    docs = root / "docs"
    (docs / "guide").mkdir(parents=True, exist_ok=True)
    (docs / "plan.yaml").write_text(plan, encoding="utf-8")
    for relative, text in (PAGES if pages is None else pages).items():
        path = docs / "guide" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return docs
