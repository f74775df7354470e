"""Check a merged rollouts file for duplicate (task, rollout) keys.

Usage:
    python examples/rollout_collection/check_merged.py ROLLOUTS.jsonl [--show N]

Every rollout line that `gym eval run` writes carries `_ng_task_index` and
`_ng_rollout_index`. After `gym eval aggregate` merges shards, each pair must
appear once; a pair that appears twice means two shards used the same task
indices. The script prints the number of rollouts and tasks and the number of
duplicate keys, then lists up to N duplicates (default 5) with their lines.

Exit status: 0 when every key is unique, 1 when there are duplicates or rows
without the two keys, 2 when the file cannot be read or a line is not a JSON
object (the message names the file and line). Standard library only; Python
3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TASK_INDEX_KEY = "_ng_task_index"
ROLLOUT_INDEX_KEY = "_ng_rollout_index"
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the input; the message names the file and, where known, the line."""


def json_error(exc: json.JSONDecodeError) -> str:
    """A JSON error without Python's "line 1" (each line is its own document)."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file."""
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
            yield line_no, row


@dataclass
class KeyReport:
    rollouts: int = 0
    tasks: int = 0
    # (task, rollout) -> every line that carries it, for keys seen more than once
    duplicates: dict[tuple[Any, Any], list[int]] = field(default_factory=dict)
    # lines of rows that lack _ng_task_index or _ng_rollout_index
    without_keys: list[int] = field(default_factory=list)


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def check_keys(rows: Iterable[tuple[int, dict[str, Any]]]) -> KeyReport:
    """Count rollouts, tasks and duplicate (task, rollout) keys in (line, row) pairs."""
    report = KeyReport()
    first_line: dict[tuple[Any, Any], int] = {}
    tasks: set[Any] = set()
    for line_no, row in rows:
        report.rollouts += 1
        if TASK_INDEX_KEY not in row or ROLLOUT_INDEX_KEY not in row:
            report.without_keys.append(line_no)
            continue
        key = (_hashable(row[TASK_INDEX_KEY]), _hashable(row[ROLLOUT_INDEX_KEY]))
        tasks.add(key[0])
        if key in first_line:
            report.duplicates.setdefault(key, [first_line[key]]).append(line_no)
        else:
            first_line[key] = line_no
    report.tasks = len(tasks)
    return report


def format_report(report: KeyReport, show: int = 5) -> list[str]:
    """The lines the script prints."""
    lines = [
        f"rollouts: {report.rollouts}, tasks: {report.tasks}",
        f"duplicate (task, rollout) keys: {len(report.duplicates)}",
    ]
    for (task, rollout), line_nos in list(report.duplicates.items())[:show]:
        where = ", ".join(str(n) for n in line_nos)
        lines.append(f"  task {task}, rollout {rollout}: {len(line_nos)} rows (lines {where})")
    if report.without_keys:
        lines.append(
            f"rows without {TASK_INDEX_KEY} or {ROLLOUT_INDEX_KEY}: {len(report.without_keys)} "
            f"(first at line {report.without_keys[0]})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check a merged rollouts file for duplicate (task, rollout) keys."
    )
    parser.add_argument("rollouts", type=Path, help="the merged rollouts JSONL file")
    parser.add_argument(
        "--show", type=int, default=5, metavar="N", help="duplicates to list (default 5)"
    )
    args = parser.parse_args(argv)
    try:
        report = check_keys(iter_rows(args.rollouts))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("\n".join(format_report(report, max(args.show, 0))))
    return EXIT_PROBLEMS if report.duplicates or report.without_keys else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
