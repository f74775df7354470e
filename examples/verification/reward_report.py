"""Summarize the rewards in a rollouts file, to sanity-check a verifier.

Run it on the ``.jsonl`` that ``gym eval run`` (or ``gym eval reverify``) wrote::

    python reward_report.py results/rollouts.jsonl

It reads only the rollouts file, so it works on any machine without NeMo Gym.
It reports what a reward distribution needs to show before you train on it:

- how many rows were scored and how many the verifier masked (``mask_sample``),
  and how many carry the older ``instance_config.mask_sample`` flag, which is
  where NeMo RL reads the mask from;
- the mean reward over scored rows and how often each reward value occurs;
- how many tasks got the same reward on every rollout (such a group gives a
  group-relative algorithm such as GRPO no learning signal);
- the mean of each ``reward_components`` entry, and how many rows have a
  ``reward`` that differs from the sum of their components.

With ``--baseline OTHER.jsonl`` it also compares rewards rollout by rollout,
matching rows on ``(_ng_task_index, _ng_rollout_index)``: use it after
``gym eval reverify`` to see which rollouts a verifier change rescored.

Standard library only; Python 3.11+, with rollout_io.py next to it.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rollout_io import EXIT_OK, InputError, read_jsonl, run_cli

__all__ = ["InputError", "run_cli", "load_rollouts", "summarize", "format_summary", "compare_rewards", "format_comparison", "main"]

TASK_INDEX_KEY = "_ng_task_index"
ROLLOUT_INDEX_KEY = "_ng_rollout_index"


def load_rollouts(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL file of rollouts; blank lines are skipped.

    A file that cannot be read, or a line that is not UTF-8, not JSON or not an
    object, raises rollout_io.InputError naming the file and line.
    """
    return read_jsonl(path)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def summarize(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compute the report's numbers from rollout rows (dicts)."""
    rows = list(rows)
    masked = [row for row in rows if row.get("mask_sample")]
    instance_masked = sum(
        1
        for row in rows
        if isinstance(row.get("instance_config"), Mapping) and row["instance_config"].get("mask_sample")
    )
    scored = [row for row in rows if not row.get("mask_sample") and _is_number(row.get("reward"))]
    rewards = [float(row["reward"]) for row in scored]

    by_task: dict[Any, list[float]] = defaultdict(list)
    for row in scored:
        if row.get(TASK_INDEX_KEY) is not None:
            by_task[row[TASK_INDEX_KEY]].append(float(row["reward"]))
    groups = [values for values in by_task.values() if len(values) > 1]
    flat_groups = [values for values in groups if max(values) == min(values)]

    component_values: dict[str, list[float]] = defaultdict(list)
    mismatched = 0
    for row in scored:
        components = row.get("reward_components")
        if not isinstance(components, Mapping) or not components:
            continue
        for name, value in components.items():
            if _is_number(value):
                component_values[str(name)].append(float(value))
        total = sum(float(v) for v in components.values() if _is_number(v))
        if not math.isclose(float(row["reward"]), total, rel_tol=1e-5, abs_tol=1e-6):
            mismatched += 1

    return {
        "rollouts": len(rows),
        "scored": len(scored),
        "masked": len(masked),
        "instance_config_masked": instance_masked,
        "failure_kinds": dict(Counter(str(row.get("failure_kind")) for row in masked)),
        "mean_reward": sum(rewards) / len(rewards) if rewards else None,
        "reward_values": dict(sorted(Counter(round(value, 4) for value in rewards).items())),
        "rows_without_task_index": sum(1 for row in scored if row.get(TASK_INDEX_KEY) is None),
        "tasks_with_repeats": len(groups),
        "tasks_with_identical_rewards": len(flat_groups),
        "component_means": {
            name: sum(values) / len(values) for name, values in sorted(component_values.items())
        },
        "rows_with_components": sum(1 for row in scored if isinstance(row.get("reward_components"), Mapping)),
        "reward_component_mismatches": mismatched,
    }


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def format_summary(summary: Mapping[str, Any]) -> str:
    """Render :func:`summarize` output as plain text lines."""
    lines = [f"rollouts: {summary['rollouts']} (scored {summary['scored']}, masked {summary['masked']})"]
    if summary["instance_config_masked"] or summary["masked"]:
        lines.append(f"instance_config.mask_sample set: {summary['instance_config_masked']}")
    if summary["failure_kinds"]:
        kinds = ", ".join(f"{kind}={count}" for kind, count in sorted(summary["failure_kinds"].items()))
        lines.append(f"masked by failure_kind: {kinds}")
    mean = summary["mean_reward"]
    lines.append(f"mean reward: {_fmt(mean) if mean is not None else 'n/a'}")
    values = ", ".join(f"{_fmt(value)} x{count}" for value, count in summary["reward_values"].items())
    lines.append(f"reward values: {values or 'none'}")
    if summary["rows_without_task_index"] == summary["scored"] and summary["scored"]:
        lines.append(f"tasks with 2+ rollouts: unknown (no row has {TASK_INDEX_KEY})")
    else:
        lines.append(
            f"tasks with 2+ rollouts: {summary['tasks_with_repeats']} "
            f"({summary['tasks_with_identical_rewards']} with identical rewards)"
        )
        if summary["rows_without_task_index"]:
            lines.append(f"rows without {TASK_INDEX_KEY}: {summary['rows_without_task_index']}")
    if summary["rows_with_components"]:
        means = ", ".join(f"{name}={_fmt(mean)}" for name, mean in summary["component_means"].items())
        lines.append(f"reward_components means: {means}")
        lines.append(f"rows whose reward != sum(reward_components): {summary['reward_component_mismatches']}")
    return "\n".join(lines)


def _has_keys(rows: Sequence[Mapping[str, Any]]) -> bool:
    return all(row.get(TASK_INDEX_KEY) is not None and row.get(ROLLOUT_INDEX_KEY) is not None for row in rows)


def _rewards_by_key(rows: Sequence[Mapping[str, Any]], by_position: bool) -> dict[tuple[Any, Any], float]:
    return {
        ((None, position) if by_position else (row[TASK_INDEX_KEY], row[ROLLOUT_INDEX_KEY])): float(row["reward"])
        for position, row in enumerate(rows)
        if _is_number(row.get("reward"))
    }


def compare_rewards(
    baseline: Iterable[Mapping[str, Any]], current: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """Compare two rollout sets rollout by rollout (for example before and after reverification).

    Rows are matched on ``(_ng_task_index, _ng_rollout_index)``. When either file has rows
    without those keys, rows are matched by their line position instead.
    """
    baseline, current = list(baseline), list(current)
    by_position = not (_has_keys(baseline) and _has_keys(current))
    before = _rewards_by_key(baseline, by_position)
    after = _rewards_by_key(current, by_position)
    shared_keys = before.keys() & after.keys()
    try:
        shared = sorted(shared_keys)
    except TypeError:  # mixed key types: fall back to a stable textual order
        shared = sorted(shared_keys, key=lambda key: tuple(str(part) for part in key))
    changed = [key for key in shared if not math.isclose(before[key], after[key], rel_tol=1e-9, abs_tol=1e-12)]
    return {
        "matched_by": "line position" if by_position else f"{TASK_INDEX_KEY} and {ROLLOUT_INDEX_KEY}",
        "compared": len(shared),
        "changed": len(changed),
        "increased": sum(1 for key in changed if after[key] > before[key]),
        "decreased": sum(1 for key in changed if after[key] < before[key]),
        "only_in_baseline": len(before.keys() - after.keys()),
        "only_in_current": len(after.keys() - before.keys()),
        "mean_before": sum(before[key] for key in shared) / len(shared) if shared else None,
        "mean_after": sum(after[key] for key in shared) / len(shared) if shared else None,
        "examples": [
            {"task": key[0], "rollout": key[1], "before": before[key], "after": after[key]} for key in changed[:5]
        ],
    }


def format_comparison(comparison: Mapping[str, Any]) -> str:
    """Render :func:`compare_rewards` output as plain text lines."""
    lines = [
        f"compared rollouts: {comparison['compared']}, matched by {comparison['matched_by']} "
        f"(only in baseline {comparison['only_in_baseline']}, only in current {comparison['only_in_current']})",
        f"changed rewards: {comparison['changed']} "
        f"({comparison['increased']} up, {comparison['decreased']} down)",
    ]
    if comparison["mean_before"] is not None:
        lines.append(f"mean reward: {_fmt(comparison['mean_before'])} -> {_fmt(comparison['mean_after'])}")
    for example in comparison["examples"]:
        where = (
            f"line {example['rollout'] + 1}"
            if example["task"] is None
            else f"task {example['task']} rollout {example['rollout']}"
        )
        lines.append(f"  {where}: {_fmt(example['before'])} -> {_fmt(example['after'])}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarize the rewards in a NeMo Gym rollouts JSONL file.")
    parser.add_argument("rollouts", type=Path, help="rollouts .jsonl written by gym eval run or gym eval reverify")
    parser.add_argument(
        "--baseline", type=Path, help="an earlier rollouts .jsonl to compare rewards with, rollout by rollout"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    rows = load_rollouts(args.rollouts)
    summary = summarize(rows)
    comparison = compare_rewards(load_rollouts(args.baseline), rows) if args.baseline else None
    if args.json:
        payload = dict(summary, comparison=comparison) if comparison is not None else summary
        print(json.dumps(payload, indent=2))
    else:
        print(format_summary(summary))
        if comparison is not None:
            print(format_comparison(comparison))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
