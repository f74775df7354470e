#!/usr/bin/env python3
"""Drop the rollouts that NeMo Gym's health checks marked unhealthy.

After a run, ``gym eval run`` (or ``gym eval health-check RUN_DIR``) writes
``rollout_verdicts.jsonl`` into the run directory: one verdict per rollout,
``healthy``, ``unhealthy`` or ``unobserved``. This script copies a rollouts
file without the rollouts whose verdict is ``unhealthy``. Rollouts are matched
to verdicts by ``_ng_task_index`` and ``_ng_rollout_index`` (and ``stage_index``
where present), which identify a rollout within one run, so use the verdicts of
the run the rollouts came from. ``unobserved`` rollouts are kept: a check lacked
evidence, it did not find a problem.

Example:

    python examples/quality/drop_unhealthy.py curated/2_no_failure_kind.jsonl \\
        results/run1/rollout_verdicts.jsonl -o curated/3_healthy.jsonl

Kept lines are written exactly as read, in input order; the inputs are never
modified. Standard library only; Python 3.11 or newer. Needs quality_io.py next
to it. Exit status: 0 on success; 1 when an input cannot be read, the verdicts
file is not rollout_verdicts.jsonl, or the output exists; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

from quality_io import (
    ROLLOUT_INDEX_KEY,
    TASK_INDEX_KEY,
    InputError,
    Rollout,
    check_output_path,
    read_jsonl,
    run_cli,
    write_lines,
)

VERDICTS = ("healthy", "unhealthy", "unobserved")
NO_VERDICT = "without a verdict"


def verdict_key(record: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The identity a verdict and its rollout share: (stage_index, task index, rollout index)."""
    return record.get("stage_index"), record.get(TASK_INDEX_KEY), record.get(ROLLOUT_INDEX_KEY, 0)


def read_verdicts(rows: Sequence[Rollout]) -> dict[tuple[Any, Any, Any], str]:
    """Map each rollout identity to its verdict; errors name the verdicts file and line."""
    verdicts: dict[tuple[Any, Any, Any], str] = {}
    for row in rows:
        verdict = row.record.get("verdict")
        if verdict not in VERDICTS or TASK_INDEX_KEY not in row.record:
            raise InputError(
                f"{row.path}:{row.line}: not a health-check verdict "
                f"(needs {TASK_INDEX_KEY} and a verdict of {', '.join(VERDICTS)}); "
                "pass the run's rollout_verdicts.jsonl"
            )
        verdicts[verdict_key(row.record)] = verdict
    return verdicts


def split_unhealthy(
    rollouts: Sequence[Rollout], verdicts: dict[tuple[Any, Any, Any], str]
) -> tuple[list[Rollout], Counter]:
    """Return the rollouts to keep, in input order, and the count of each verdict seen."""
    kept: list[Rollout] = []
    seen: Counter = Counter()
    for rollout in rollouts:
        verdict = verdicts.get(verdict_key(rollout.record), NO_VERDICT)
        seen[verdict] += 1
        if verdict != "unhealthy":
            kept.append(rollout)
    return kept, seen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drop_unhealthy.py",
        description="Copy a rollouts file without the rollouts the health checks marked unhealthy.",
    )
    parser.add_argument("input", help="Rollout JSONL file to filter. It is not modified.")
    parser.add_argument("verdicts", help="The run's rollout_verdicts.jsonl.")
    parser.add_argument("-o", "--output", required=True, help="JSONL file to write.")
    parser.add_argument(
        "--overwrite", action="store_true", help="Replace the output file if it exists."
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    target = check_output_path(args.output, [args.input, args.verdicts], args.overwrite)
    verdicts = read_verdicts(read_jsonl(args.verdicts))
    rollouts = read_jsonl(args.input)
    kept, seen = split_unhealthy(rollouts, verdicts)
    written = write_lines(target, (rollout.raw for rollout in kept))
    counts = ", ".join(f"{seen[name]} {name}" for name in (*VERDICTS, NO_VERDICT))
    print(f"Verdicts of the {len(rollouts)} rollouts: {counts}", file=sys.stderr)
    if seen[NO_VERDICT]:
        print(
            f"Note: {seen[NO_VERDICT]} rollouts have no verdict in {args.verdicts}; they are kept. "
            "Check that the verdicts come from the run these rollouts came from.",
            file=sys.stderr,
        )
    print(
        f"Dropped {seen['unhealthy']} unhealthy; wrote {written} rollouts to {args.output}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
