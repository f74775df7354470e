"""Split a tasks JSONL file into shards whose task indices are unique across all shards.

Usage:
    python examples/rollout_collection/shard_tasks.py TASKS.jsonl --num-shards N
        --output-dir DIR

NeMo Gym 0.7.0 cannot collect part of an input file, so a run spread over
several processes or nodes starts from one file per shard. Each `gym eval run`
numbers its tasks from 0, so shards split naively reuse the same task indices,
and `gym eval aggregate` then counts different tasks as one. Rollout collection
keeps an `_ng_task_index` that a row already has, so this script writes a
global index into every row before it splits the file, by the rule collection
uses for rows without one (`_preprocess_raw_rows` in
nemo_gym/rollout_collection.py): identical input lines are one task and share
one index.

- A row that already has `_ng_task_index` keeps it; its line is copied as is.
- The other rows get new indices in the order their tasks first appear,
  starting after the largest kept index (at 0 when no row has one), so no two
  tasks share an index.
- Tasks are dealt out in turn: the first task to shard 0, the second to
  shard 1, and so on. All rows of one task go to the same shard, in input
  order, so their rollout indices do not collide.

The shards are DIR/<stem>.shard<i>-of-<N>.jsonl, for example
data/shards/tasks.shard0-of-4.jsonl; a shard without tasks is still written.
The script reads the file twice (once to number the tasks, once to write) and
keeps one fingerprint per task in memory, not the rows. Blank lines are
dropped. All shards are written under temporary names and renamed at the end,
so a failed run leaves no partial shard.

Standard library only, Python 3.11 or newer, with rollout_io.py from
examples/converters/ (run it from the repository, or keep a copy of
rollout_io.py next to it). Exit status: 0 on success; 1 when the file cannot
be read, a line is not a JSON object or a kept `_ng_task_index` is not an
integer (the message names the file and line), or a shard cannot be written;
2 for a usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout_io import (
    InputError,
    add_overwrite_option,
    atomic_outputs,
    check_output,
    iter_jsonl_lines,
    run_cli,
)

TASK_INDEX_KEY = "_ng_task_index"

# A task is ("kept", its _ng_task_index) or ("line", a fingerprint of its line's text).
TaskKey = tuple[str, Any]


@dataclass
class TaskPlan:
    """What the first read found: every task in order of first appearance, and the new indices."""

    order: dict[TaskKey, int] = field(default_factory=dict)  # task -> position of first appearance
    new_index: dict[bytes, int] = field(default_factory=dict)  # line fingerprint -> new index
    rows: int = 0
    kept_rows: int = 0


@dataclass
class ShardResult:
    paths: list[Path]
    rows: list[int]
    tasks: list[int]
    plan: TaskPlan


def task_key(text: str, row: dict[str, Any], where: str) -> TaskKey:
    """The task a row belongs to: its own `_ng_task_index`, else its line's text."""
    if TASK_INDEX_KEY in row:
        value = row[TASK_INDEX_KEY]
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{where}: {TASK_INDEX_KEY} must be an integer, got {value!r}")
        return ("kept", value)
    return ("line", hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest())


def plan_tasks(source: Path) -> TaskPlan:
    """Read ``source`` once: find its tasks and give every task without an index a new one."""
    plan = TaskPlan()
    largest_kept = -1
    for line_no, text, row in iter_jsonl_lines(source):
        key = task_key(text, row, f"{source}:{line_no}")
        plan.rows += 1
        if key[0] == "kept":
            plan.kept_rows += 1
            largest_kept = max(largest_kept, key[1])
        plan.order.setdefault(key, len(plan.order))
    new_keys = [fingerprint for kind, fingerprint in plan.order if kind == "line"]
    plan.new_index = {key: largest_kept + 1 + i for i, key in enumerate(new_keys)}
    return plan


def shard_paths(source: Path, num_shards: int, out_dir: Path) -> list[Path]:
    return [out_dir / f"{source.stem}.shard{i}-of-{num_shards}.jsonl" for i in range(num_shards)]


def shard_tasks(
    source: Path, num_shards: int, out_dir: Path, *, overwrite: bool = False
) -> ShardResult:
    """Write ``source`` as ``num_shards`` shard files in ``out_dir``.

    An existing shard file is replaced only with ``overwrite``; a shard path
    that is the input, a directory, a link or a special file is refused.
    """
    if num_shards < 1:
        raise ValueError(f"num_shards must be at least 1, got {num_shards}")
    paths = shard_paths(source, num_shards, out_dir)
    if out_dir.is_dir():
        for path in paths:
            check_output(path, [source], overwrite=overwrite)
    plan = plan_tasks(source)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the directory: {exc.strerror or exc}") from None
    rows = [0] * num_shards
    with atomic_outputs(paths) as handles:
        for line_no, text, row in iter_jsonl_lines(source):
            key = task_key(text, row, f"{source}:{line_no}")
            if key not in plan.order:
                raise InputError(f"{source}:{line_no}: the file changed while it was read")
            shard = plan.order[key] % num_shards
            if key[0] == "line":
                stamped = {**row, TASK_INDEX_KEY: plan.new_index[key[1]]}
                text = json.dumps(stamped, ensure_ascii=False)
            handles[shard].write(text + "\n")
            rows[shard] += 1
    total = len(plan.order)
    tasks = [total // num_shards + (shard < total % num_shards) for shard in range(num_shards)]
    return ShardResult(paths, rows, tasks, plan)


def format_result(result: ShardResult) -> list[str]:
    """The lines the script prints."""
    lines = [
        f"{path}: {tasks} tasks, {rows} rows"
        for path, tasks, rows in zip(result.paths, result.tasks, result.rows)
    ]
    plan = result.plan
    summary = f"{len(plan.order)} tasks in {plan.rows} rows: "
    summary += f"{plan.kept_rows} rows kept their {TASK_INDEX_KEY}"
    if plan.new_index:
        new = sorted(plan.new_index.values())
        summary += f", the others got new indices {new[0]} to {new[-1]}"
    return [*lines, summary]


def stale_shards(source: Path, num_shards: int, out_dir: Path) -> list[Path]:
    """Shards of ``source`` in ``out_dir`` from an earlier split into another number of shards."""
    written = set(shard_paths(source, num_shards, out_dir))
    return sorted(set(out_dir.glob(f"{source.stem}.shard*-of-*.jsonl")) - written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Split a tasks JSONL file into shards with globally unique _ng_task_index."
    )
    parser.add_argument("tasks", type=Path, help="the tasks JSONL file")
    parser.add_argument(
        "--num-shards", type=int, required=True, metavar="N", help="how many shards to write"
    )
    parser.add_argument(
        "--output-dir", type=Path, required=True, metavar="DIR", help="directory for the shards"
    )
    add_overwrite_option(parser)
    args = parser.parse_args(argv)
    if args.num_shards < 1:
        parser.error(f"--num-shards must be at least 1, got {args.num_shards}")
    result = shard_tasks(args.tasks, args.num_shards, args.output_dir, overwrite=args.overwrite)
    print("\n".join(format_result(result)))
    empty = result.tasks.count(0)
    if empty:
        print(f"warning: {empty} shard(s) have no task; use fewer shards", file=sys.stderr)
    for path in stale_shards(args.tasks, args.num_shards, args.output_dir):
        print(f"warning: {path} is left from an earlier split; delete it", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
