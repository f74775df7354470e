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

Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 on success; 1 when the file cannot
be read, is not valid JSON (the message names the file and line) or is not an
aggregate metrics file; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout_io import InputError, finite_number, read_json, run_cli

TASK_INDEX_KEY = "_ng_task_index"


@dataclass
class Buckets:
    name: str
    mixed: list[Any] = field(default_factory=list)
    uniform: list[Any] = field(default_factory=list)
    no_reward: list[Any] = field(default_factory=list)


def load_metrics(path: Path) -> list[dict[str, Any]]:
    """Read an aggregate metrics file: a JSON list with one object per agent."""
    try:
        data = read_json(path)
    except InputError as exc:
        if path.suffix == ".jsonl" and ": not valid JSON" in str(exc):
            hint = "pass the _aggregate_metrics.json file, not the rollouts"
            raise InputError(f"{exc} ({hint})") from None
        raise
    if not isinstance(data, list):
        raise InputError(
            f"{path}: expected a JSON list of agent entries, got {type(data).__name__}"
        )
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("group_level_metrics"), list):
            raise InputError(f"{path}: entry {number} has no group_level_metrics list")
    return data


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
        low, high = finite_number(task.get("min/reward")), finite_number(task.get("max/reward"))
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
    entries = load_metrics(args.metrics)
    for number, entry in enumerate(entries, 1):
        print("\n".join(format_buckets(bucket_tasks(entry, number), args.list)))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
