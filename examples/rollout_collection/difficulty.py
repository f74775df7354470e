"""Bucket tasks by the spread of their repeated rewards, from an aggregate metrics file.

Usage:
    python examples/rollout_collection/difficulty.py AGGREGATE_METRICS.json [--list]

Reads the `<output stem>_aggregate_metrics.json` that `gym eval run` or
`gym eval aggregate` writes. For each entry (one per agent and environment
server) it looks at `group_level_metrics`, which holds one record per task
with `min/reward` and `max/reward` over the task's repeats, and prints how
many tasks got mixed rewards and how many got the same reward on every
repeat. Tasks whose record has no numeric `min/reward` and `max/reward` are
counted as tasks with no reward. With `--list` it also prints the
`_ng_task_index` values in each bucket.

Exit status: 0 on success, 2 when the file cannot be read, is not valid JSON
(the message names the file and line) or is not an aggregate metrics file.
Standard library only; Python 3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TASK_INDEX_KEY = "_ng_task_index"
EXIT_OK = 0
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the input; the message names the file and, where known, the line."""


@dataclass
class Buckets:
    name: str
    mixed: list[Any] = field(default_factory=list)
    uniform: list[Any] = field(default_factory=list)
    no_reward: list[Any] = field(default_factory=list)


def json_error(exc: json.JSONDecodeError) -> str:
    """A JSON error without Python's "line 1" (each line is its own document)."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def load_metrics(path: Path) -> list[dict[str, Any]]:
    """Read an aggregate metrics file: a JSON list with one object per agent."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = (
            " (pass the _aggregate_metrics.json file, not the rollouts)"
            if path.suffix == ".jsonl"
            else ""
        )
        raise InputError(f"{path}:{exc.lineno}: not valid JSON ({json_error(exc)}){hint}") from None
    if not isinstance(data, list):
        raise InputError(
            f"{path}: expected a JSON list of agent entries, got {type(data).__name__}"
        )
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("group_level_metrics"), list):
            raise InputError(f"{path}: entry {number} has no group_level_metrics list")
    return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def entry_name(entry: dict[str, Any], number: int) -> str:
    """The agent name of an entry, or the environment server, or its position."""
    agent_ref = entry.get("agent_ref")
    if isinstance(agent_ref, dict) and agent_ref.get("name"):
        return str(agent_ref["name"])
    return str(entry.get("_ng_environment_server") or f"entry {number}")


def bucket_tasks(entry: dict[str, Any], number: int = 1) -> Buckets:
    """Sort the tasks of one entry into mixed, uniform and no-reward buckets."""
    buckets = Buckets(entry_name(entry, number))
    for task in entry["group_level_metrics"]:
        if not isinstance(task, dict):
            continue
        low, high = _number(task.get("min/reward")), _number(task.get("max/reward"))
        index = task.get(TASK_INDEX_KEY)
        if low is None or high is None:
            buckets.no_reward.append(index)
        elif low == high:
            buckets.uniform.append(index)
        else:
            buckets.mixed.append(index)
    return buckets


def format_buckets(buckets: Buckets, list_tasks: bool = False) -> list[str]:
    """The lines the script prints for one entry."""
    line = (
        f"{buckets.name}: {len(buckets.mixed)} tasks with mixed rewards, "
        f"{len(buckets.uniform)} tasks where every repeat scored the same"
    )
    if buckets.no_reward:
        line += f", {len(buckets.no_reward)} tasks with no reward"
    lines = [line]
    if list_tasks:
        for label, indices in (
            ("mixed", buckets.mixed),
            ("same", buckets.uniform),
            ("no reward", buckets.no_reward),
        ):
            if indices:
                lines.append(f"  {label}: {' '.join(str(i) for i in indices)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Bucket tasks by the spread of their repeated rewards."
    )
    parser.add_argument("metrics", type=Path, help="the <output stem>_aggregate_metrics.json file")
    parser.add_argument(
        "--list", action="store_true", help="also print the task indices in each bucket"
    )
    args = parser.parse_args(argv)
    try:
        entries = load_metrics(args.metrics)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for number, entry in enumerate(entries, 1):
        print("\n".join(format_buckets(bucket_tasks(entry, number), args.list)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
