"""Check a merged rollouts file for duplicate (task, rollout) keys.

Usage:
    python examples/rollout_collection/check_merged.py ROLLOUTS.jsonl [--show N]

Every rollout line that `gym eval run` writes carries `_ng_task_index` and
`_ng_rollout_index`. After `gym eval aggregate` merges shards, each pair must
appear once; a pair that appears twice means two shards used the same task
indices. The script prints the number of rollouts and tasks and the number of
duplicate keys, then lists up to N duplicates (default 5) with their lines.

Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 when every key is unique; 1 when
there are duplicates or rows without the two keys, or when the file cannot be
read or a line is not a JSON object (the message names the file and line); 2
for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout_io import EXIT_OK, EXIT_PROBLEMS, hashable, iter_jsonl, run_cli

TASK_INDEX_KEY = "_ng_task_index"
ROLLOUT_INDEX_KEY = "_ng_rollout_index"


@dataclass
class KeyReport:
    rollouts: int = 0
    tasks: int = 0
    # (task, rollout) -> every line that carries it, for keys seen more than once
    duplicates: dict[tuple[Any, Any], list[int]] = field(default_factory=dict)
    # lines of rows that lack _ng_task_index or _ng_rollout_index
    without_keys: list[int] = field(default_factory=list)


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
        key = (hashable(row[TASK_INDEX_KEY]), hashable(row[ROLLOUT_INDEX_KEY]))
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
    report = check_keys(iter_jsonl(args.rollouts))
    print("\n".join(format_report(report, max(args.show, 0))))
    return EXIT_PROBLEMS if report.duplicates or report.without_keys else EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
