#!/usr/bin/env python3
"""Summarize the quality of NeMo Gym rollout files.

Reads one or more rollout JSONL files (the ``--output`` of ``gym eval run``)
and reports, without any server running:

- the reward distribution of the scored rollouts (masked rollouts left out,
  as NeMo Gym's own metrics do),
- the pass rate at a reward threshold, overall and per task source,
- per-task statistics across repeats: pass rate, how many tasks always fail,
  always pass or are mixed, and how many have no reward variance,
- token usage from ``response.usage`` and truncated responses,
- ``mask_sample`` and ``failure_kind`` counts, duplicate rollout identities,
- the rows of the failures sidecar (``<stem>_failures.jsonl``) by class.

Examples:

    python examples/quality/rollout_stats.py results/rollouts.jsonl
    python examples/quality/rollout_stats.py results/rollouts.jsonl --json > stats.json
    python examples/quality/rollout_stats.py a.jsonl b.jsonl --pass-threshold 0.5 --per-task

Standard library only; Python 3.11 or newer. Needs quality_io.py next to it.
Exit status: 0 on success; 1 when a file cannot be read or a line is not a
JSON object (the message names the file and line); 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from quality_io import (
    FAILURE_CLASS_KEY,
    PASS_RATE_BUCKETS,
    UNSCORED_BUCKET,
    Rollout,
    failures_path_for,
    identity_of,
    incomplete_reason,
    is_masked,
    pass_rate_bucket,
    read_jsonl,
    reward_of,
    run_cli,
    source_of,
    task_key,
    usage_tokens,
)
from rollout_io import finite_float

DEFAULT_PASS_THRESHOLD = 1.0
DEFAULT_BINS = 10
# A reward with at most this many distinct values is shown value by value, not as a histogram.
MAX_DISTINCT_VALUES = 10


# --------------------------------------------------------------------------- statistics


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile of already sorted values (numpy's default method)."""
    if not sorted_values:
        raise ValueError("quantile of an empty sequence")
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = math.ceil(position)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def describe(values: Sequence[float]) -> dict[str, Any]:
    """count, mean, std (sample, 0 for one value), min, p25, median, p75, max of ``values``."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "mean": statistics.fmean(ordered),
        "std": statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
        "min": ordered[0],
        "p25": quantile(ordered, 0.25),
        "median": statistics.median(ordered),
        "p75": quantile(ordered, 0.75),
        "max": ordered[-1],
    }


def distribution(values: Sequence[float], bins: int) -> dict[str, Any]:
    """Counts per distinct value when there are few, else an equal-width histogram."""
    counts = Counter(values)
    if len(counts) <= MAX_DISTINCT_VALUES:
        return {"values": [{"value": value, "count": counts[value]} for value in sorted(counts)]}
    low, high = min(values), max(values)
    width = (high - low) / bins
    histogram = [0] * bins
    for value in values:
        index = min(int((value - low) / width), bins - 1)
        histogram[index] += 1
    return {
        "histogram": [
            {"low": low + i * width, "high": low + (i + 1) * width, "count": histogram[i]}
            for i in range(bins)
        ]
    }


def token_summary(values: Sequence[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "max": max(values),
        "total": sum(values),
    }


# --------------------------------------------------------------------------- computation


def task_table(rollouts: Sequence[Rollout], threshold: float) -> list[dict[str, Any]]:
    """One row per task: repeats, scored and masked repeats, passes, pass rate, reward stats."""
    by_task: dict[str, list[Rollout]] = defaultdict(list)
    for rollout in rollouts:
        by_task[task_key(rollout)].append(rollout)
    table = []
    for key in sorted(by_task):
        members = by_task[key]
        rewards = [
            reward
            for rollout in members
            if not is_masked(rollout.record) and (reward := reward_of(rollout.record)) is not None
        ]
        passes = sum(reward >= threshold for reward in rewards)
        rate = passes / len(rewards) if rewards else None
        table.append(
            {
                "task": key,
                "source": source_of(members[0].record),
                "repeats": len(members),
                "scored": len(rewards),
                "masked": sum(is_masked(rollout.record) for rollout in members),
                "passes": passes,
                "pass_rate": rate,
                "bucket": pass_rate_bucket(rate),
                "mean_reward": statistics.fmean(rewards) if rewards else None,
                "std_reward": statistics.stdev(rewards) if len(rewards) > 1 else None,
                "zero_variance": len(rewards) > 1 and len(set(rewards)) == 1,
            }
        )
    return table


def task_summary(table: Sequence[dict[str, Any]]) -> dict[str, Any]:
    scored = [row for row in table if row["scored"]]
    stds = [row["std_reward"] for row in table if row["std_reward"] is not None]
    repeats = [row["repeats"] for row in table]
    buckets = Counter(row["bucket"] for row in table)
    return {
        "count": len(table),
        "repeats_min": min(repeats) if repeats else 0,
        "repeats_max": max(repeats) if repeats else 0,
        "all_fail": sum(row["passes"] == 0 for row in scored),
        "mixed": sum(0 < row["passes"] < row["scored"] for row in scored),
        "all_pass": sum(row["passes"] == row["scored"] for row in scored),
        "unscored": len(table) - len(scored),
        "zero_variance": sum(row["zero_variance"] for row in table),
        "multi_repeat": len(stds),
        "mean_within_task_std": statistics.fmean(stds) if stds else None,
        "pass_rate_buckets": {
            name: buckets[name] for name in (*PASS_RATE_BUCKETS, UNSCORED_BUCKET)
        },
    }


def source_summary(rollouts: Sequence[Rollout], threshold: float) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Rollout]] = defaultdict(list)
    for rollout in rollouts:
        groups[source_of(rollout.record)].append(rollout)
    summary = {}
    for name in sorted(groups):
        members = groups[name]
        rewards = [
            reward
            for rollout in members
            if not is_masked(rollout.record) and (reward := reward_of(rollout.record)) is not None
        ]
        summary[name] = {
            "rollouts": len(members),
            "tasks": len({task_key(rollout) for rollout in members}),
            "scored": len(rewards),
            "masked": sum(is_masked(rollout.record) for rollout in members),
            "mean_reward": statistics.fmean(rewards) if rewards else None,
            "pass_rate": (sum(r >= threshold for r in rewards) / len(rewards)) if rewards else None,
        }
    return summary


def compute_stats(
    rollouts: Sequence[Rollout],
    *,
    threshold: float = DEFAULT_PASS_THRESHOLD,
    bins: int = DEFAULT_BINS,
    failure_rows: Sequence[Rollout] = (),
    files: Sequence[dict[str, Any]] = (),
    per_task: bool = False,
) -> dict[str, Any]:
    """Every statistic the report prints, as a JSON-ready dict (see the statistics reference)."""
    masked = [r for r in rollouts if is_masked(r.record)]
    unmasked = [r for r in rollouts if not is_masked(r.record)]
    rewards = [reward for r in unmasked if (reward := reward_of(r.record)) is not None]
    passes = sum(reward >= threshold for reward in rewards)

    input_tokens, output_tokens, missing_usage = [], [], 0
    for rollout in rollouts:
        tokens_in, tokens_out = usage_tokens(rollout.record)
        if tokens_in is None and tokens_out is None:
            missing_usage += 1
        if tokens_in is not None:
            input_tokens.append(tokens_in)
        if tokens_out is not None:
            output_tokens.append(tokens_out)

    failure_kinds = Counter(
        r.record["failure_kind"]
        for r in rollouts
        if isinstance(r.record.get("failure_kind"), str) and r.record["failure_kind"]
    )
    incomplete = Counter(reason for r in rollouts if (reason := incomplete_reason(r.record)))
    identities = Counter(identity for r in rollouts if (identity := identity_of(r)) is not None)
    table = task_table(rollouts, threshold)

    stats: dict[str, Any] = {
        "files": list(files),
        "rollouts": len(rollouts),
        "masked": len(masked),
        "missing_reward": len(unmasked) - len(rewards),
        "reward": describe(rewards),
        "reward_distribution": distribution(rewards, bins) if rewards else {},
        "pass_threshold": threshold,
        "passes": passes,
        "pass_rate": passes / len(rewards) if rewards else None,
        "failure_kinds": dict(sorted(failure_kinds.items())),
        "failure_reason_set": sum(
            isinstance(r.record.get("failure_reason"), str) and bool(r.record["failure_reason"])
            for r in rollouts
        ),
        "incomplete": dict(sorted(incomplete.items())),
        "tokens": {
            "input": token_summary(input_tokens),
            "output": token_summary(output_tokens),
            "missing_usage": missing_usage,
        },
        "tasks": task_summary(table),
        "by_source": source_summary(rollouts, threshold),
        "duplicate_identities": sum(count - 1 for count in identities.values() if count > 1),
        "failures_sidecar": {
            "rows": len(failure_rows),
            "by_class": dict(
                sorted(
                    Counter(
                        str(r.record.get(FAILURE_CLASS_KEY) or "unknown") for r in failure_rows
                    ).items()
                )
            ),
        },
    }
    if per_task:
        stats["per_task"] = table
    return stats


# --------------------------------------------------------------------------- text report


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def format_report(stats: dict[str, Any]) -> str:
    lines: list[str] = []
    for entry in stats["files"]:
        sidecar = entry["failures_sidecar"] or "none found"
        lines.append(
            f"File: {entry['path']} ({entry['rollouts']} rollouts; failures sidecar: {sidecar})"
        )
    reward = stats["reward"]
    lines.append(
        f"Rollouts: {stats['rollouts']} ({reward['count']} scored, {stats['masked']} masked, "
        f"{stats['missing_reward']} without a numeric reward)"
    )
    if reward["count"]:
        lines.append(
            "Reward: "
            + "  ".join(
                f"{name} {_fmt(reward[name])}"
                for name in ("mean", "std", "min", "p25", "median", "p75", "max")
            )
        )
        dist = stats["reward_distribution"]
        if "values" in dist:
            lines.append(
                "  values: "
                + ", ".join(f"{_fmt(v['value'])} x{v['count']}" for v in dist["values"])
            )
        else:
            for bucket in dist["histogram"]:
                lines.append(
                    f"  [{_fmt(bucket['low'])}, {_fmt(bucket['high'])}): {bucket['count']}"
                )
        lines.append(
            f"Pass rate (reward >= {_fmt(stats['pass_threshold'])}): {_pct(stats['pass_rate'])} "
            f"({stats['passes']} of {reward['count']})"
        )
    tasks = stats["tasks"]
    lines.append(
        f"Tasks: {tasks['count']} (repeats per task: "
        f"min {tasks['repeats_min']}, max {tasks['repeats_max']})"
    )
    lines.append(
        f"  all fail {tasks['all_fail']}, mixed {tasks['mixed']}, all pass {tasks['all_pass']}, "
        f"unscored {tasks['unscored']}"
    )
    lines.append(
        "  pass-rate buckets: "
        + ", ".join(f"{name} {count}" for name, count in tasks["pass_rate_buckets"].items())
    )
    if tasks["multi_repeat"]:
        lines.append(
            f"  tasks with 2+ scored repeats: {tasks['multi_repeat']}; zero reward variance: "
            f"{tasks['zero_variance']}; "
            f"mean std within a task: {_fmt(tasks['mean_within_task_std'])}"
        )
    tokens = stats["tokens"]
    for name in ("input", "output"):
        t = tokens[name]
        if t["count"]:
            lines.append(
                f"Tokens {name}: mean {_fmt(t['mean'])}  median {_fmt(t['median'])}  "
                f"max {t['max']}  total {t['total']}  ({t['count']} rollouts)"
            )
    lines.append(f"  rollouts without response.usage: {tokens['missing_usage']}")
    incomplete = ", ".join(f"{k} {v}" for k, v in stats["incomplete"].items()) or "none"
    lines.append(f"Incomplete responses (response.incomplete_details.reason): {incomplete}")
    kinds = ", ".join(f"{k} {v}" for k, v in stats["failure_kinds"].items()) or "none"
    lines.append(f"failure_kind: {kinds}; failure_reason set on {stats['failure_reason_set']}")
    lines.append(f"Duplicate rollout identities: {stats['duplicate_identities']}")
    sidecar = stats["failures_sidecar"]
    classes = ", ".join(f"{k} {v}" for k, v in sidecar["by_class"].items()) or "none"
    lines.append(f"Failures sidecar rows: {sidecar['rows']} ({classes})")
    lines.append("By source:")
    lines.append(
        f"  {'source':<40} {'rollouts':>8} {'tasks':>6} {'masked':>6} "
        f"{'mean reward':>11} {'pass rate':>9}"
    )
    for name, row in stats["by_source"].items():
        lines.append(
            f"  {name:<40} {row['rollouts']:>8} {row['tasks']:>6} {row['masked']:>6} "
            f"{_fmt(row['mean_reward']):>11} {_pct(row['pass_rate']):>9}"
        )
    if "per_task" in stats:
        lines.append("Per task:")
        lines.append(
            f"  {'task':<50} {'repeats':>7} {'scored':>6} {'passes':>6} "
            f"{'pass rate':>9} {'std':>7}  bucket"
        )
        for row in stats["per_task"]:
            lines.append(
                f"  {row['task']:<50} {row['repeats']:>7} {row['scored']:>6} {row['passes']:>6} "
                f"{_pct(row['pass_rate']):>9} {_fmt(row['std_reward']):>7}  {row['bucket']}"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollout_stats.py",
        description=(
            "Summarize rewards, pass rates, repeats, tokens and failures of rollout JSONL files."
        ),
    )
    parser.add_argument(
        "rollouts", nargs="+", help="Rollout JSONL file(s), as written by `gym eval run`."
    )
    parser.add_argument(
        "--pass-threshold",
        type=finite_float,
        default=DEFAULT_PASS_THRESHOLD,
        help="A rollout passes when its reward is >= this value (default: %(default)s).",
    )
    parser.add_argument(
        "--bins",
        type=int,
        default=DEFAULT_BINS,
        help="Histogram bins for a continuous reward (default: %(default)s).",
    )
    parser.add_argument(
        "--no-sidecar",
        action="store_true",
        help="Do not read the <stem>_failures.jsonl sidecar next to each input file.",
    )
    parser.add_argument("--per-task", action="store_true", help="Also list every task.")
    parser.add_argument("--json", action="store_true", help="Print the statistics as JSON.")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.bins < 1:
        parser.error("--bins must be at least 1")

    rollouts: list[Rollout] = []
    failure_rows: list[Rollout] = []
    files = []
    for path in args.rollouts:
        file_rollouts = read_jsonl(path)
        rollouts.extend(file_rollouts)
        sidecar = failures_path_for(path)
        sidecar_rows: list[Rollout] = []
        if not args.no_sidecar and sidecar.is_file():
            sidecar_rows = read_jsonl(sidecar)
            failure_rows.extend(sidecar_rows)
        files.append(
            {
                "path": path,
                "rollouts": len(file_rollouts),
                "failures_sidecar": str(sidecar)
                if not args.no_sidecar and sidecar.is_file()
                else None,
                "failure_rows": len(sidecar_rows),
            }
        )

    stats = compute_stats(
        rollouts,
        threshold=args.pass_threshold,
        bins=args.bins,
        failure_rows=failure_rows,
        files=files,
        per_task=args.per_task,
    )
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        print(format_report(stats))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
