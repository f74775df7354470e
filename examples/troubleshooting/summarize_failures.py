"""Summarize a NeMo Gym failures sidecar: rows per class, top errors, retry counts.

Usage:
    python examples/troubleshooting/summarize_failures.py RUN_failures.jsonl
        [--max-attempts N] [--top N]

Reads `<output stem>_failures.jsonl`, which rollout collection writes with one
row per failed attempt, and prints:

- the rows per `_ng_failure_class`;
- the most common (class, HTTP status, first 100 characters of the error)
  combinations; the error is `_ng_failure_message`, else
  `_ng_failure_judge_error`, else `failure_reason`;
- how many rollouts, keyed by (`_ng_task_index`, `_ng_rollout_index`), have
  failed attempts, and how many reached the attempt limit, after which a
  resumed run does not retry them. The limit is --max-attempts, else the
  NEMO_GYM_MAX_ROLLOUT_ATTEMPTS environment variable, else 3, as in NeMo Gym.

Extra lines appear only when they apply: rollouts with a row marked
`_ng_failure_terminal` (never retried), and rows without the two index keys
(a resumed run ignores them).

Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 on success; 1 when the sidecar
cannot be read or a row is not a JSON object (the message names the file and
line); 2 for a usage error such as --max-attempts 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout_io import InputError, hashable, iter_jsonl, run_cli

DEFAULT_MAX_ATTEMPTS = 3
MAX_ATTEMPTS_ENV = "NEMO_GYM_MAX_ROLLOUT_ATTEMPTS"
ERROR_CHARS = 100


def max_attempts_from_env(environ: dict[str, str] | None = None) -> int:
    """NEMO_GYM_MAX_ROLLOUT_ATTEMPTS when it is a positive integer, else 3."""
    raw = (os.environ if environ is None else environ).get(MAX_ATTEMPTS_ENV, "")
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_ATTEMPTS
    return value if value >= 1 else DEFAULT_MAX_ATTEMPTS


def error_text(row: dict[str, Any]) -> str:
    """The row's error message, cut to 100 characters."""
    error = (
        row.get("_ng_failure_message")
        or row.get("_ng_failure_judge_error")
        or row.get("failure_reason")
        or ""
    )
    return str(error)[:ERROR_CHARS]


@dataclass
class FailureSummary:
    classes: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # (class, HTTP status, error) -> rows
    attempts: Counter = field(default_factory=Counter)  # (task, rollout) -> rows
    terminal: set = field(default_factory=set)  # (task, rollout) keys with a terminal row
    without_keys: int = 0


def summarize(rows: Iterable[dict[str, Any]]) -> FailureSummary:
    """Count sidecar rows by class, by error and by rollout."""
    summary = FailureSummary()
    for row in rows:
        failure_class = row.get("_ng_failure_class")
        summary.classes[failure_class] += 1
        summary.errors[(failure_class, row.get("_ng_failure_http_status"), error_text(row))] += 1
        if "_ng_task_index" not in row or "_ng_rollout_index" not in row:
            summary.without_keys += 1
            continue
        key = (hashable(row["_ng_task_index"]), hashable(row["_ng_rollout_index"]))
        summary.attempts[key] += 1
        if row.get("_ng_failure_terminal") is True:
            summary.terminal.add(key)
    return summary


def format_summary(
    summary: FailureSummary, max_attempts: int = DEFAULT_MAX_ATTEMPTS, top: int = 5
) -> list[str]:
    """The lines the script prints."""
    lines = ["Rows per failure class:"]
    for failure_class, count in summary.classes.most_common():
        lines.append(f"{count:6d}  {failure_class}")
    lines.append("Most common errors (class, HTTP status, message):")
    for (failure_class, status, error), count in summary.errors.most_common(top):
        lines.append(f"{count:6d}  {failure_class}  {status}  {error}")
    exhausted = sum(1 for count in summary.attempts.values() if count >= max_attempts)
    lines.append(
        f"Rollouts with failures: {len(summary.attempts)}; at the attempt limit: {exhausted}"
    )
    if summary.terminal:
        lines.append(f"Rollouts with a terminal failure (never retried): {len(summary.terminal)}")
    if summary.without_keys:
        lines.append(
            "Rows without _ng_task_index or _ng_rollout_index (resume ignores them): "
            f"{summary.without_keys}"
        )
    return lines


def sidecar_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a failures sidecar; InputError at the first row that is not a failure row.

    Every sidecar row carries ``_ng_failure_class``; a rollouts file passed by
    mistake has none, and counting its rows as failures would mislead.
    """
    for line_number, row in iter_jsonl(path):
        if "_ng_failure_class" not in row:
            raise InputError(
                f"{path}:{line_number}: no _ng_failure_class, so not a failures sidecar row; "
                "give the <output stem>_failures.jsonl file"
            )
        yield row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Summarize a NeMo Gym failures sidecar.")
    parser.add_argument("sidecar", type=Path, help="the <output stem>_failures.jsonl file")
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=None,
        metavar="N",
        help=f"attempt limit (default: ${MAX_ATTEMPTS_ENV}, else {DEFAULT_MAX_ATTEMPTS})",
    )
    parser.add_argument(
        "--top", type=int, default=5, metavar="N", help="errors to list (default 5)"
    )
    args = parser.parse_args(argv)
    if args.max_attempts is not None and args.max_attempts < 1:
        parser.error(f"--max-attempts must be at least 1, got {args.max_attempts}")
    max_attempts = args.max_attempts or max_attempts_from_env()
    summary = summarize(sidecar_rows(args.sidecar))
    print("\n".join(format_summary(summary, max_attempts, max(args.top, 0))))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
