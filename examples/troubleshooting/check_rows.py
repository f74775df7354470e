"""Find rows that rollout collection cannot read: bad JSON, or no usable responses_create_params.

Usage:
    python examples/troubleshooting/check_rows.py TASKS.jsonl

Checks every line of a task file and prints one line per problem, then the
number of problem lines:

- a blank line (rollout collection stops on it);
- a line that is not valid JSON, or not UTF-8 text;
- a line that is not a JSON object;
- a row without a `responses_create_params` object, or whose
  `responses_create_params` has no `input`.

A materialized task row (an object `task_id` and a `task_input`) is not
checked: its environment server validates it.

Exit status: 0 when no line has a problem, 1 when some do, 2 when the file
cannot be read. Standard library only; Python 3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2


def row_problem(line: str) -> str | None:
    """What is wrong with one line of a task file, or None."""
    if not line.strip():
        return "blank line"
    try:
        row = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        return f"not valid JSON ({error})"
    if not isinstance(row, dict):
        return "not a JSON object"
    if isinstance(row.get("task_id"), dict) and "task_input" in row:
        return None  # a materialized task: its environment server validates it
    params = row.get("responses_create_params")
    if not isinstance(params, dict):
        return "no responses_create_params object"
    if "input" not in params:
        return "responses_create_params has no input"
    return None


def read_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """Yield (line number, text) for every line; text is None for a line that is not UTF-8."""
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                yield line_no, raw.decode("utf-8")
            except UnicodeDecodeError:
                yield line_no, None


def find_problems(lines: Iterable[tuple[int, str | None]]) -> list[tuple[int, str]]:
    """(line number, problem) for every line with a problem."""
    problems = []
    for line_no, text in lines:
        problem = "not UTF-8 text" if text is None else row_problem(text)
        if problem:
            problems.append((line_no, problem))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Find task rows that rollout collection cannot read."
    )
    parser.add_argument("tasks", type=Path, help="the task JSONL file")
    args = parser.parse_args(argv)
    try:
        problems = find_problems(read_lines(args.tasks))
    except OSError as exc:
        print(f"error: {args.tasks}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line_no, problem in problems:
        print(f"line {line_no}: {problem}")
    print(f"{len(problems)} problem line(s)")
    return EXIT_PROBLEMS if problems else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
