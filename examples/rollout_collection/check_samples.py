"""Summarize how repeated samples of each task differ.

Usage:
    python examples/rollout_collection/check_samples.py ROLLOUTS.jsonl

Reads the rollouts file of a run collected with `--num-repeats k`, groups the
rollouts by `_ng_task_index`, and prints:

- the number of tasks and rollouts, and the rollouts per task;
- how many tasks have samples whose rewards differ (a missing reward counts
  as 0.0), which is what a chosen/rejected preference pair needs;
- how many tasks with two or more samples produced the same visible output
  (message text and tool calls) every time.

Rollouts without `_ng_task_index` cannot be grouped; a last line counts them.
Exit status: 0 on success, 2 when the file cannot be read or a line is not a
JSON object (the message names the file and line). Standard library only;
Python 3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

TASK_INDEX_KEY = "_ng_task_index"
EXIT_OK = 0
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the input; the message names the file and, where known, the line."""


def json_error(exc: json.JSONDecodeError) -> str:
    """A JSON error without Python's "line 1" (each line is its own document)."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def iter_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Yield each non-blank line of a JSONL file as an object."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{path}:{line_no}: not UTF-8 text") from None
            if not text.strip():
                continue
            try:
                row = json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{line_no}: not valid JSON ({json_error(exc)})") from None
            if not isinstance(row, dict):
                raise InputError(
                    f"{path}:{line_no}: expected a JSON object, got {type(row).__name__}"
                )
            yield row


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


def reward_of(rollout: dict[str, Any]) -> float:
    """The numeric reward; a missing or non-numeric reward counts as 0.0."""
    reward = rollout.get("reward")
    if isinstance(reward, bool) or not isinstance(reward, (int, float)):
        return 0.0
    return float(reward)


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def summarize(rollouts: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Count tasks, rollouts, tasks with a reward spread and tasks whose repeats are identical."""
    # task -> (reward, output text) of each sample; the rollouts themselves are not kept
    by_task: dict[Any, list[tuple[float, str]]] = defaultdict(list)
    ungrouped = 0
    for rollout in rollouts:
        if TASK_INDEX_KEY in rollout:
            sample = (reward_of(rollout), output_text(rollout))
            by_task[_hashable(rollout[TASK_INDEX_KEY])].append(sample)
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
    try:
        summary = summarize(iter_rows(args.rollouts))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("\n".join(format_summary(summary)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
