"""Summarize rewards, masking and response status in a NeMo Gym rollouts file.

Usage:
    python examples/troubleshooting/verification_report.py ROLLOUTS.jsonl

Reads a rollouts file written by `gym eval run` or `gym eval reverify` and
prints what tells verification problems apart:

- the number of rollouts and the ten most common reward values;
- how many rollouts have `mask_sample: true` and how many have
  `verification_skipped: true`;
- the `failure_kind` values and their counts;
- the `response.status` values and their counts;
- how many responses report no output tokens (`response.usage.output_tokens`
  missing or 0).

Exit status: 0 on success, 2 when the file cannot be read or a line is not a
JSON object (the message names the file and line). Standard library only;
Python 3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


@dataclass
class Report:
    rows: int = 0
    rewards: Counter = field(default_factory=Counter)
    masked: int = 0
    skipped: int = 0
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    no_output_tokens: int = 0


def summarize(rows: Iterable[dict[str, Any]]) -> Report:
    """Count rewards, masking, skipped verification, failure kinds, statuses and empty outputs."""
    report = Report()
    for row in rows:
        report.rows += 1
        report.rewards[_hashable(row.get("reward"))] += 1
        report.masked += bool(row.get("mask_sample"))
        report.skipped += bool(row.get("verification_skipped"))
        if row.get("failure_kind"):
            report.kinds[_hashable(row["failure_kind"])] += 1
        response = row.get("response")
        response = response if isinstance(response, dict) else {}
        report.statuses[_hashable(response.get("status"))] += 1
        usage = response.get("usage")
        if not (usage if isinstance(usage, dict) else {}).get("output_tokens"):
            report.no_output_tokens += 1
    return report


def format_report(report: Report) -> list[str]:
    """The lines the script prints."""
    return [
        f"Rollouts: {report.rows}",
        f"Reward values (value: count): {dict(report.rewards.most_common(10))}",
        f"mask_sample true: {report.masked}; verification skipped: {report.skipped}",
        f"failure_kind: {dict(report.kinds) or 'none'}",
        f"response status: {dict(report.statuses)}",
        f"Responses with no output tokens: {report.no_output_tokens}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Summarize rewards, masking and response status in a NeMo Gym rollouts file."
    )
    parser.add_argument("rollouts", type=Path, help="the rollouts JSONL file")
    args = parser.parse_args(argv)
    try:
        report = summarize(iter_rows(args.rollouts))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print("\n".join(format_report(report)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
