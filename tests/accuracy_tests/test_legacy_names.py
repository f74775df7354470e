"""The table of deprecated ``ng_*`` command names maps each to the ``gym`` command it runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "training" / "rollout-collection" / "configuration-reference.md"
ROW = re.compile(r"^\| `(ng_\w+)` \| `gym ([^`]+)` \|", re.MULTILINE)


def legacy_table() -> dict[str, list[str]]:
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## Legacy command names", 1)[1].split("\n## ", 1)[0]
    return {name: command.split() for name, command in ROW.findall(section)}


def test_the_table_lists_every_legacy_name_with_its_command(facts):
    assert legacy_table() == facts.legacy
