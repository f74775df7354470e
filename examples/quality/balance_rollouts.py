#!/usr/bin/env python3
"""Balance rollouts across tasks, task sources, reward buckets or difficulty buckets.

Groups the rollouts of one or more JSONL files with ``--by``, then, per group:

- ``--cap N``     keeps at most N units (a random subset when a group is larger),
- ``--target N``  keeps exactly N units: a random subset of a larger group, every
                  unit of a smaller group plus random copies until it has N,
- ``--drop-group NAME`` (repeatable) removes a whole group.

A unit is one rollout (``--unit rollout``, the default) or one task with all of
its repeats (``--unit task``), which keeps every group of repeats whole for
group-relative RL. Sampling uses ``--seed``, so the same command gives the same
file. Selected lines are written exactly as read, in input order; the inputs
are never modified.

Groupings (``--by``):
  task           one group per task (agent and ``_ng_task_index``)
  task_source    ``task_source``, else ``agent_ref.name``, else ``_ng_environment_server``
  agent          ``agent_ref.name``, else ``_ng_environment_server``, else ``task_source``
  reward_bucket  the interval of ``--reward-edges`` the reward falls in
  pass_rate      the task's pass rate across repeats: unsolved, hard, easy, solved, unscored

Examples:

    # At most 500 tasks (with all their repeats) from each task source
    python examples/quality/balance_rollouts.py run/rollouts.jsonl -o balanced.jsonl \\
        --by task_source --unit task --cap 500 --seed 13

    # Keep only tasks the policy sometimes solves
    python examples/quality/balance_rollouts.py run/rollouts.jsonl -o mixed.jsonl \\
        --by pass_rate --unit task --drop-group unsolved --drop-group solved --drop-group unscored

Standard library only; Python 3.11 or newer. Needs quality_io.py next to it.
Exit status: 0 on success; 1 when an input cannot be read or is not JSON Lines,
or the output exists (pass --overwrite); 2 for options that cannot be used,
such as --cap with --target or a --drop-group that names no group.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from quality_io import (
    GROUPINGS,
    Rollout,
    UsageError,
    check_output_path,
    grouper,
    known_groups,
    parse_edges,
    read_jsonl,
    run_cli,
    task_key,
    write_lines,
)
from rollout_io import finite_float

DEFAULT_PASS_THRESHOLD = 1.0
DEFAULT_REWARD_EDGES = "1.0"


@dataclass
class GroupReport:
    """What balancing did to one group."""

    name: str
    units_before: int
    units_after: int = 0
    rollouts_before: int = 0
    rollouts_after: int = 0
    copies: int = 0  # rollouts added as duplicates to reach --target
    dropped: bool = False


@dataclass
class BalanceResult:
    rollouts: list[Rollout]  # the output, in input order, copies right after their original
    groups: list[GroupReport] = field(default_factory=list)

    @property
    def copies(self) -> int:
        return sum(group.copies for group in self.groups)


def make_units(rollouts: Sequence[Rollout], unit: str) -> list[list[Rollout]]:
    """Split rollouts into units: one per rollout, or one per task holding all its repeats."""
    if unit == "rollout":
        return [[rollout] for rollout in rollouts]
    tasks: dict[str, list[Rollout]] = defaultdict(list)
    for rollout in rollouts:
        tasks[task_key(rollout)].append(rollout)
    return list(tasks.values())


def balance(
    rollouts: Sequence[Rollout],
    *,
    by: str,
    unit: str = "rollout",
    cap: int | None = None,
    target: int | None = None,
    drop_groups: Sequence[str] = (),
    seed: int = 0,
    threshold: float = DEFAULT_PASS_THRESHOLD,
    edges: Sequence[float] = (1.0,),
) -> BalanceResult:
    """Select rollouts per group. Pure: returns the selection and a per-group report."""
    if cap is not None and target is not None:
        raise UsageError("give either --cap or --target, not both")
    if cap is None and target is None and not drop_groups:
        raise UsageError("nothing to do: give --cap, --target or --drop-group")
    for name, value in (("--cap", cap), ("--target", target)):
        if value is not None and value < 1:
            raise UsageError(f"{name} must be at least 1")
    if unit == "task" and by == "reward_bucket":
        raise UsageError(
            "--unit task cannot be combined with --by reward_bucket: "
            "a task's repeats have different rewards"
        )
    if unit not in ("rollout", "task"):
        raise UsageError(f"--unit: unknown unit {unit!r}; choose rollout or task")

    name_of = grouper(by, rollouts, threshold=threshold, edges=edges)
    position = {id(rollout): index for index, rollout in enumerate(rollouts)}
    groups: dict[str, list[list[Rollout]]] = defaultdict(list)
    for members in make_units(rollouts, unit):
        # A task's repeats share its key, pass rate and source; the first one names the unit.
        groups[name_of(members[0])].append(members)

    unknown = sorted(set(drop_groups) - set(groups) - known_groups(by, edges))
    if unknown:
        raise UsageError(
            f"--drop-group: no group named {', '.join(map(repr, unknown))} for --by {by}; "
            f"groups are {', '.join(sorted(groups)) or 'none'}"
        )

    rng = random.Random(seed)
    chosen: list[tuple[int, int, Rollout]] = []  # (input position, copy number, rollout)
    reports = []
    for name in sorted(groups):
        units = groups[name]
        report = GroupReport(name, units_before=len(units), rollouts_before=sum(map(len, units)))
        reports.append(report)
        if name in drop_groups:
            report.dropped = True
            continue
        copies: list[list[Rollout]] = []
        if cap is not None and len(units) > cap:
            units = rng.sample(units, cap)
        elif target is not None and len(units) > target:
            units = rng.sample(units, target)
        elif target is not None and len(units) < target:
            copies = rng.choices(units, k=target - len(units))
        seen_copies: dict[int, int] = defaultdict(int)
        for members in units:
            chosen.extend((position[id(r)], 0, r) for r in members)
        for members in copies:
            first = id(members[0])
            seen_copies[first] += 1
            chosen.extend((position[id(r)], seen_copies[first], r) for r in members)
        report.units_after = len(units) + len(copies)
        report.rollouts_after = sum(map(len, units)) + sum(map(len, copies))
        report.copies = sum(map(len, copies))

    chosen.sort(key=lambda item: (item[0], item[1]))
    return BalanceResult([rollout for _, _, rollout in chosen], reports)


def format_report(result: BalanceResult, by: str, unit: str) -> str:
    header = f"{'group (--by ' + by + ')':<44}"
    if unit == "task":
        header += f" {'tasks before':>12} {'after':>7}"
    lines = [header + f" {'rollouts before':>15} {'after':>7}"]
    for group in result.groups:
        row = f"{group.name:<44}"
        if unit == "task":
            row += (
                f" {group.units_before:>12} {'dropped' if group.dropped else group.units_after:>7}"
            )
        rollouts_after = "dropped" if group.dropped else group.rollouts_after
        row += f" {group.rollouts_before:>15} {rollouts_after:>7}"
        if group.copies:
            row += f"  (+{group.copies} copies)"
        lines.append(row)
    total_before = sum(group.rollouts_before for group in result.groups)
    lines.append(f"Rollouts: {total_before} in, {len(result.rollouts)} out")
    if result.copies:
        lines.append(
            f"Note: {result.copies} rollouts are copies added to reach --target. "
            "The output repeats "
            "(_ng_task_index, _ng_rollout_index) pairs: use it as training data, not as input to "
            "gym eval profile, gym eval aggregate or gym eval reverify."
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="balance_rollouts.py",
        description=(
            "Cap, resample or drop rollouts per task, task source, reward or pass-rate bucket."
        ),
    )
    parser.add_argument("inputs", nargs="+", help="Rollout JSONL file(s). They are never modified.")
    parser.add_argument("-o", "--output", required=True, help="Balanced JSONL file to write.")
    parser.add_argument("--by", required=True, choices=GROUPINGS, help="How to group the rollouts.")
    parser.add_argument(
        "--unit",
        choices=("rollout", "task"),
        default="rollout",
        help=(
            "Count and sample single rollouts, or whole tasks with all their repeats "
            "(default: %(default)s)."
        ),
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--cap", type=int, help="Keep at most N units per group.")
    size.add_argument(
        "--target",
        type=int,
        help="Keep exactly N units per group, copying units of smaller groups.",
    )
    parser.add_argument(
        "--drop-group",
        action="append",
        default=[],
        metavar="NAME",
        help="Remove this group entirely; repeatable.",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="Random seed for sampling (default: %(default)s)."
    )
    parser.add_argument(
        "--pass-threshold",
        type=finite_float,
        default=DEFAULT_PASS_THRESHOLD,
        help=(
            "A rollout passes when its reward is >= this value; used by --by pass_rate "
            "(default: %(default)s)."
        ),
    )
    parser.add_argument(
        "--reward-edges",
        default=DEFAULT_REWARD_EDGES,
        help="Comma-separated bucket edges for --by reward_bucket (default: %(default)s).",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="Print the per-group report; write nothing."
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="Replace the output file if it exists."
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    edges = parse_edges(args.reward_edges)
    if not args.dry_run:
        check_output_path(args.output, args.inputs, args.overwrite)
    rollouts: list[Rollout] = []
    for path in args.inputs:
        rollouts.extend(read_jsonl(path))
    result = balance(
        rollouts,
        by=args.by,
        unit=args.unit,
        cap=args.cap,
        target=args.target,
        drop_groups=args.drop_group,
        seed=args.seed,
        threshold=args.pass_threshold,
        edges=edges,
    )
    print(format_report(result, args.by, args.unit), file=sys.stderr)
    if not args.dry_run:
        written = write_lines(args.output, (rollout.raw for rollout in result.rollouts))
        print(f"Wrote {written} rollouts to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
