#!/usr/bin/env python3
"""List the rollouts whose reward differs between two files of the same run.

Use it after ``gym eval reverify`` to see which rewards the fixed verifier
changed. Rollouts are matched by ``_ng_task_index`` and ``_ng_rollout_index``
(and ``stage_index`` where present), which identify a rollout within one run.

Example:

    python examples/quality/reward_changes.py curated/reviewed.jsonl \\
        curated/reverified/rollouts.jsonl

Add ``--json`` for the same result as JSON. Standard library only; Python 3.11
or newer. Needs quality_io.py next to it. Exit status: 0 on success; 1 when a
file cannot be read or a rollout has no task index or appears twice; 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from quality_io import (
    ROLLOUT_INDEX_KEY,
    TASK_INDEX_KEY,
    InputError,
    Rollout,
    read_jsonl,
    reward_of,
    run_cli,
)

DEFAULT_SHOW = 20

Key = tuple[Any, Any, Any]


def rollout_key(row: Rollout) -> Key:
    """(stage_index, task index, rollout index); errors name the file and line."""
    if TASK_INDEX_KEY not in row.record:
        raise InputError(
            f"{row.path}:{row.line}: no {TASK_INDEX_KEY}, so the rollout cannot be matched"
        )
    record = row.record
    return record.get("stage_index"), record[TASK_INDEX_KEY], record.get(ROLLOUT_INDEX_KEY, 0)


def rewards_by_key(rows: Sequence[Rollout]) -> dict[Key, float | None]:
    rewards: dict[Key, float | None] = {}
    for row in rows:
        key = rollout_key(row)
        if key in rewards:
            raise InputError(
                f"{row.path}:{row.line}: task {key[1]}, repeat {key[2]} appears twice; "
                "compare files of a single run"
            )
        rewards[key] = reward_of(row.record)
    return rewards


def _sort_key(key: Key) -> tuple[tuple[int, Any], ...]:
    return tuple(
        (0, part) if isinstance(part, int) and not isinstance(part, bool) else (1, str(part))
        for part in key
    )


def compare(before: dict[Key, float | None], after: dict[Key, float | None]) -> dict[str, Any]:
    common = before.keys() & after.keys()
    changed = sorted((key for key in common if before[key] != after[key]), key=_sort_key)
    return {
        "common": len(common),
        "changed": [
            {
                "stage_index": key[0],
                TASK_INDEX_KEY: key[1],
                ROLLOUT_INDEX_KEY: key[2],
                "before": before[key],
                "after": after[key],
            }
            for key in changed
        ],
        "only_before": len(before.keys() - after.keys()),
        "only_after": len(after.keys() - before.keys()),
    }


def _reward(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def format_report(result: dict[str, Any], before: str, after: str, show: int) -> str:
    lines = [
        f"Rewards changed: {len(result['changed'])} of {result['common']} rollouts in both files"
    ]
    for row in result["changed"][:show]:
        stage = "" if row["stage_index"] is None else f"stage {row['stage_index']}, "
        lines.append(
            f"  {stage}task {row[TASK_INDEX_KEY]}, repeat {row[ROLLOUT_INDEX_KEY]}: "
            f"{_reward(row['before'])} -> {_reward(row['after'])}"
        )
    if len(result["changed"]) > show:
        lines.append(f"  ... {len(result['changed']) - show} more (raise --show to list them)")
    lines.append(
        f"Only in {before}: {result['only_before']}; only in {after}: {result['only_after']}"
    )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reward_changes.py",
        description="List the rollouts whose reward differs between two files of the same run.",
    )
    parser.add_argument("before", help="Rollout JSONL file before the change.")
    parser.add_argument(
        "after", help="Rollout JSONL file after the change, such as re-verified rollouts."
    )
    parser.add_argument(
        "--show",
        type=int,
        default=DEFAULT_SHOW,
        help="How many changed rollouts to list (default: %(default)s).",
    )
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result = compare(
        rewards_by_key(read_jsonl(args.before)), rewards_by_key(read_jsonl(args.after))
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_report(result, args.before, args.after, max(args.show, 0)))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
