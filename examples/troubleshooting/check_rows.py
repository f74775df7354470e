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

Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 when no line has a problem; 1 when
some do, or when the file cannot be read; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from rollout_io import (
    EXIT_OK,
    EXIT_PROBLEMS,
    LineProblem,
    decode_line,
    iter_raw_lines,
    parse_object,
    run_cli,
)


def row_problem(raw: bytes) -> str | None:
    """What is wrong with one line of a task file, or None.

    The line is read as rollout collection reads it: UTF-8 without a byte
    order mark, one JSON object, and no blank lines.
    """
    try:
        text = decode_line(raw)
        if not text.strip():
            return "blank line"
        row = parse_object(text)
    except LineProblem as problem:
        return str(problem)
    if isinstance(row.get("task_id"), dict) and "task_input" in row:
        return None  # a materialized task: its environment server validates it
    params = row.get("responses_create_params")
    if not isinstance(params, dict):
        return "no responses_create_params object"
    if "input" not in params:
        return "responses_create_params has no input"
    return None


def find_problems(lines: Iterable[tuple[int, bytes]]) -> list[tuple[int, str]]:
    """(line number, problem) for every line with a problem."""
    problems = []
    for line_no, raw in lines:
        problem = row_problem(raw)
        if problem:
            problems.append((line_no, problem))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Find task rows that rollout collection cannot read."
    )
    parser.add_argument("tasks", type=Path, help="the task JSONL file")
    args = parser.parse_args(argv)
    problems = find_problems(iter_raw_lines(args.tasks))
    for line_no, problem in problems:
        print(f"line {line_no}: {problem}")
    print(f"{len(problems)} problem line(s)")
    return EXIT_PROBLEMS if problems else EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
