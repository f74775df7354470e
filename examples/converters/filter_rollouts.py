"""Filter NeMo Gym rollouts by reward, drop masked rollouts, and cap rollouts per task.

Usage:
    python filter_rollouts.py IN.jsonl OUT.jsonl [--min-reward X] [--max-reward Y]
                              [--keep-masked] [--max-per-task N] [--overwrite]

Reads the rollouts JSONL that `gym eval run` writes and writes the lines it
keeps, unchanged and in their original order. Standard library only.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from rollout_io import (
    EXIT_OK,
    add_overwrite_option,
    check_output,
    finite_float,
    is_masked,
    print_summary,
    read_rollouts,
    reward_of,
    rollout_index_of,
    run_cli,
    task_index_of,
    write_jsonl,
)

SKIP_MASKED = "mask_sample is true"
SKIP_NO_REWARD = "no numeric reward (a reward threshold is set)"
SKIP_BELOW_MIN = "reward below --min-reward"
SKIP_ABOVE_MAX = "reward above --max-reward"
SKIP_NO_TASK_INDEX = "no _ng_task_index, so --max-per-task cannot group it"
SKIP_OVER_CAP = "over the --max-per-task cap for its task"


def filter_rollouts(
    rollouts: Iterable[dict[str, Any]],
    *,
    min_reward: float | None = None,
    max_reward: float | None = None,
    keep_masked: bool = False,
    max_per_task: int | None = None,
    skipped: Counter | None = None,
) -> list[dict[str, Any]]:
    """Return the rollouts to keep, in input order.

    - Rollouts with ``mask_sample: true`` are dropped unless ``keep_masked``.
    - With ``min_reward`` or ``max_reward`` set, a rollout is kept only if its
      numeric ``reward`` lies within the inclusive bounds; a rollout with no
      numeric reward is dropped.
    - With ``max_per_task`` set, at most that many rollouts are kept for each
      ``_ng_task_index``: the highest rewards first, ties broken by the lower
      ``_ng_rollout_index``.

    Each dropped rollout adds one count under its reason to ``skipped``.
    """
    if skipped is None:
        skipped = Counter()
    thresholds = min_reward is not None or max_reward is not None
    kept: list[dict[str, Any]] = []
    for rollout in rollouts:
        if is_masked(rollout) and not keep_masked:
            skipped[SKIP_MASKED] += 1
            continue
        reward = reward_of(rollout)
        if thresholds and reward is None:
            skipped[SKIP_NO_REWARD] += 1
            continue
        if min_reward is not None and reward < min_reward:
            skipped[SKIP_BELOW_MIN] += 1
            continue
        if max_reward is not None and reward > max_reward:
            skipped[SKIP_ABOVE_MAX] += 1
            continue
        kept.append(rollout)

    if max_per_task is None:
        return kept

    by_task: dict[int, list[int]] = defaultdict(list)
    selected: set[int] = set()
    for position, rollout in enumerate(kept):
        task = task_index_of(rollout)
        if task is None:
            skipped[SKIP_NO_TASK_INDEX] += 1
            continue
        by_task[task].append(position)
    for positions in by_task.values():
        ranked = sorted(
            positions,
            key=lambda p: (
                -(reward_of(kept[p]) if reward_of(kept[p]) is not None else float("-inf")),
                rollout_index_of(kept[p]),
                p,
            ),
        )
        selected.update(ranked[:max_per_task])
        skipped[SKIP_OVER_CAP] += max(0, len(ranked) - max_per_task)
    return [rollout for position, rollout in enumerate(kept) if position in selected]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filter_rollouts.py",
        description=(
            "Keep NeMo Gym rollouts by reward, drop rollouts flagged mask_sample, "
            "and cap the rollouts kept per task."
        ),
    )
    parser.add_argument("input", metavar="IN.jsonl", help="Rollouts JSONL ('-' for stdin).")
    parser.add_argument("output", metavar="OUT.jsonl", help="Filtered JSONL ('-' for stdout).")
    parser.add_argument(
        "--min-reward", type=finite_float, metavar="X", help="Keep rollouts whose reward is >= X."
    )
    parser.add_argument(
        "--max-reward", type=finite_float, metavar="Y", help="Keep rollouts whose reward is <= Y."
    )
    parser.add_argument(
        "--keep-masked",
        action="store_true",
        help="Keep rollouts flagged mask_sample: true (dropped by default).",
    )
    parser.add_argument(
        "--max-per-task",
        type=int,
        metavar="N",
        help="Keep at most N rollouts per _ng_task_index, highest reward first.",
    )
    add_overwrite_option(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_per_task is not None and args.max_per_task < 1:
        parser.error("--max-per-task must be at least 1")
    if (
        args.min_reward is not None
        and args.max_reward is not None
        and args.min_reward > args.max_reward
    ):
        parser.error("--min-reward must not be greater than --max-reward")
    check_output(args.output, [args.input], overwrite=args.overwrite)

    rollouts = read_rollouts(args.input)
    skipped: Counter = Counter()
    kept = filter_rollouts(
        rollouts,
        min_reward=args.min_reward,
        max_reward=args.max_reward,
        keep_masked=args.keep_masked,
        max_per_task=args.max_per_task,
        skipped=skipped,
    )
    written = write_jsonl(args.output, kept)
    print_summary("filter_rollouts", len(rollouts), written, skipped, "rollouts")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
