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

Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 when it prints the report; 1 when
the rollouts file cannot be read or a line is not a JSON object (the message
names the file and line); 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout_io import hashable, iter_jsonl, run_cli


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
        report.rewards[hashable(row.get("reward"))] += 1
        report.masked += bool(row.get("mask_sample"))
        report.skipped += bool(row.get("verification_skipped"))
        if row.get("failure_kind"):
            report.kinds[hashable(row["failure_kind"])] += 1
        response = row.get("response")
        response = response if isinstance(response, dict) else {}
        report.statuses[hashable(response.get("status"))] += 1
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
    report = summarize(row for _, row in iter_jsonl(args.rollouts))
    print("\n".join(format_report(report)))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
