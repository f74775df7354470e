#!/usr/bin/env python3
"""Split a NeMo Gym task file into shards that `gym eval aggregate` can merge correctly.

NeMo Gym 0.7.0 has no option to run part of an input file, so a run spread over
several nodes starts from one input file per node. Split the file naively and
every shard numbers its tasks from 0: merged, task 0 of shard A and task 0 of
shard B fall into one group, and per-task metrics such as pass@k mix unrelated
tasks. Rollout collection keeps an ``_ng_task_index`` that a row already carries
(see ``_preprocess_raw_rows`` in nemo_gym/rollout_collection.py), so this script
stamps a global index on every row before it splits the file.

The index follows the same rule rollout collection uses when a row has none:
identical input lines share one task index. All lines of one task go to the
same shard, so their rollout indices do not collide. A row that already carries
``_ng_task_index`` keeps it.

Shards hold contiguous runs of tasks and are written as
``<output-dir>/<stem>.shard<i>-of-<n>.jsonl``.

Examples:

    python examples/performance/shard_tasks.py data/train.jsonl --num-shards 4 --output-dir shards/
    # then, on node i:
    gym eval run --no-serve --input shards/train.shard0-of-4.jsonl \
        --output results/rollouts_shard0.jsonl --disable-aggregation ...

Standard library only; Python 3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

TASK_INDEX_KEY = "_ng_task_index"


def stamp_task_indices(lines: Sequence[str]) -> list[tuple[int, str]]:
    """Return ``(task_index, stamped_line)`` for every non-blank line.

    Identical raw lines get the same index, as in rollout collection; a row that already
    has ``_ng_task_index`` keeps its value. New indices start after the largest existing one,
    so they never collide with indices that are already present.
    """
    parsed: list[tuple[str, dict]] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number} is not JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise ValueError(f"line {number} is not a JSON object")
        parsed.append((raw.rstrip("\n"), row))

    existing = [row[TASK_INDEX_KEY] for _, row in parsed if TASK_INDEX_KEY in row]
    if any(not isinstance(value, int) or isinstance(value, bool) for value in existing):
        raise ValueError(f"{TASK_INDEX_KEY} must be an integer where a row sets it")
    next_index = max(existing, default=-1) + 1
    index_of_line: dict[str, int] = {}
    stamped: list[tuple[int, str]] = []
    for raw, row in parsed:
        if TASK_INDEX_KEY in row:
            index = row[TASK_INDEX_KEY]
            stamped.append((index, raw))
            continue
        if raw not in index_of_line:
            index_of_line[raw] = next_index
            next_index += 1
        index = index_of_line[raw]
        stamped.append((index, json.dumps({**row, TASK_INDEX_KEY: index}, ensure_ascii=False)))
    return stamped


def shard_lines(lines: Sequence[str], num_shards: int) -> list[list[str]]:
    """Stamp task indices and split into ``num_shards`` lists of lines, each task in one shard."""
    if num_shards < 1:
        raise ValueError("num_shards must be at least 1")
    stamped = stamp_task_indices(lines)
    tasks = sorted({index for index, _ in stamped})
    position = {task: i for i, task in enumerate(tasks)}
    shards: list[list[str]] = [[] for _ in range(num_shards)]
    for index, line in stamped:
        # Contiguous blocks of tasks: task at position p goes to shard p * n // number_of_tasks.
        shards[position[index] * num_shards // len(tasks)].append(line)
    return shards


def write_shards(input_path: Path, num_shards: int, output_dir: Path) -> list[Path]:
    """Write the shards of ``input_path`` and return their paths.

    An empty shard is still written, so shard ``i`` always exists.
    """
    lines = input_path.read_text(encoding="utf-8").splitlines()
    shards = shard_lines(lines, num_shards)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, shard in enumerate(shards):
        path = output_dir / f"{input_path.stem}.shard{i}-of-{num_shards}.jsonl"
        path.write_text("".join(line + "\n" for line in shard), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "input", type=Path, help="Task JSONL file (the --input of gym eval run --no-serve)."
    )
    parser.add_argument("--num-shards", type=int, required=True, help="Number of shards to write.")
    parser.add_argument(
        "--output-dir", type=Path, required=True, help="Directory for the shard files."
    )
    args = parser.parse_args(argv)
    if not args.input.is_file():
        print(f"error: file not found: {args.input}", file=sys.stderr)
        return 2
    try:
        paths = write_shards(args.input, args.num_shards, args.output_dir)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            count = sum(1 for _ in handle)
        print(f"{path}: {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
