"""Summarize how repeated samples of each task differ.

Usage:
    python examples/rollout_collection/check_samples.py ROLLOUTS.jsonl

Reads the rollouts file of a run collected with `--num-repeats k`, groups the
rollouts by `_ng_task_index`, and prints:

- the number of tasks and rollouts, and the rollouts per task;
- how many tasks have samples whose rewards differ (a missing or non-numeric
  reward counts as 0.0), which is what a chosen/rejected preference pair needs;
- how many tasks with two or more samples produced the same visible output
  (message text and tool calls) every time.

Rollouts without `_ng_task_index` cannot be grouped; a last line counts them.
Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 when it prints the summary; 1 when
the file cannot be read or a line is not a JSON object (the message names the
file and line); 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rollout_io import hashable, iter_jsonl, reward_of, run_cli

TASK_INDEX_KEY = "_ng_task_index"


def output_text(rollout: dict[str, Any]) -> str:
    """The model's visible output: message text and tool calls."""
    response = rollout.get("response")
    items = response.get("output") if isinstance(response, dict) else None
    parts = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call":
            parts.append(f"{item.get('name')}({item.get('arguments')})")
            continue
        if item.get("type") != "message":
            continue
        content = item.get("content") or []
        if isinstance(content, str):
            parts.append(content)
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "output_text":
                parts.append(str(block.get("text", "")))
    return "".join(parts)


def summarize(rollouts: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Count tasks, rollouts, tasks with a reward spread and tasks whose repeats are identical."""
    # task -> (reward, output text) of each sample; the rollouts themselves are not kept
    by_task: dict[Any, list[tuple[float, str]]] = defaultdict(list)
    ungrouped = 0
    for rollout in rollouts:
        if TASK_INDEX_KEY in rollout:
            sample = (reward_of(rollout) or 0.0, output_text(rollout))
            by_task[hashable(rollout[TASK_INDEX_KEY])].append(sample)
        else:
            ungrouped += 1
    with_spread = 0
    all_same_text = 0
    for group in by_task.values():
        rewards = [reward for reward, _ in group]
        if max(rewards) > min(rewards):
            with_spread += 1
        if len(group) > 1 and len({text for _, text in group}) == 1:
            all_same_text += 1
    return {
        "tasks": len(by_task),
        "rollouts": sum(len(group) for group in by_task.values()),
        "with_spread": with_spread,
        "all_same_text": all_same_text,
        "ungrouped": ungrouped,
    }


def format_summary(summary: dict[str, int]) -> list[str]:
    """The lines the script prints."""
    tasks, samples = summary["tasks"], summary["rollouts"]
    per_task = samples / tasks if tasks else 0.0
    lines = [
        f"tasks: {tasks}, rollouts: {samples}, rollouts per task: {per_task:.1f}",
        f"tasks whose rewards differ (usable for pairs): {summary['with_spread']}",
        f"tasks whose repeats all produced the same text: {summary['all_same_text']}",
    ]
    if summary["ungrouped"]:
        lines.append(
            f"rollouts without {TASK_INDEX_KEY} (not counted above): {summary['ungrouped']}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Summarize how repeated samples of each task differ."
    )
    parser.add_argument(
        "rollouts", type=Path, help="the rollouts JSONL file of a run with --num-repeats"
    )
    args = parser.parse_args(argv)
    summary = summarize(row for _, row in iter_jsonl(args.rollouts))
    print("\n".join(format_summary(summary)))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
