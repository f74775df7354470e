"""Split a tasks JSONL file into shards with globally unique task indices.

Usage:
    python examples/rollout_collection/split_tasks.py TASKS.jsonl NUM_SHARDS OUT_DIR

Each `gym eval run` numbers its tasks from 0, so shards split naively would
reuse the same task indices, and `gym eval aggregate` would count two
different tasks as one. A row that already has `_ng_task_index` keeps it, so
this script writes the task's global position (0 for the first non-blank
line, 1 for the next, ...) into every row that has none, and deals the tasks
out in turn to OUT_DIR/shard-00.jsonl, shard-01.jsonl, ... A row that keeps its
own index goes to shard `index % NUM_SHARDS`, so all rows of one task land in
the same shard.

The script streams the file twice (once to check it, once to write), so it
handles inputs larger than memory. It writes nothing when a line is not a JSON
object, or when a kept index equals the position given to another row; it
exits with status 2 and names the file and line. Shards are written under
temporary names and renamed at the end, so a failed run leaves no partial
shard. Standard library only; Python 3.11 or newer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TASK_INDEX_KEY = "_ng_task_index"
EXIT_OK = 0
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """A problem with the input; the message names the file and, where known, the line."""


def json_error(exc: json.JSONDecodeError) -> str:
    """A JSON error without Python's "line 1" (each line is its own document)."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def iter_rows(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Yield (line number, line text, object) for each non-blank line of a JSONL file."""
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
            yield line_no, text.rstrip("\r\n"), row


def kept_index(row: dict[str, Any], path: Path, line_no: int) -> int | None:
    """The row's own `_ng_task_index`, or None when it has none."""
    if TASK_INDEX_KEY not in row:
        return None
    value = row[TASK_INDEX_KEY]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{path}:{line_no}: {TASK_INDEX_KEY} must be an integer, got {value!r}")
    return value


def shard_of(task_index: int, num_shards: int) -> int:
    """The shard a task goes to: tasks are dealt out in turn."""
    return task_index % num_shards


def shard_path(out_dir: Path, shard: int) -> Path:
    return out_dir / f"shard-{shard:02d}.jsonl"


def check_tasks(path: Path) -> int:
    """Read the whole file once; return the number of tasks or raise InputError.

    Fails when a kept `_ng_task_index` equals the position this script gives
    to a row without one: the two different tasks would share an index.
    """
    kept: dict[int, int] = {}  # kept index -> first line that carries it
    kept_positions: set[int] = set()
    position = 0
    for line_no, _, row in iter_rows(path):
        index = kept_index(row, path, line_no)
        if index is not None:
            kept.setdefault(index, line_no)
            kept_positions.add(position)
        position += 1
    for index, line_no in sorted(kept.items()):
        if 0 <= index < position and index not in kept_positions:
            raise InputError(
                f"{path}:{line_no}: keeps {TASK_INDEX_KEY} {index}, but the script also gives "
                f"{index} to non-blank row {index + 1}, which has none; "
                f"give every row an {TASK_INDEX_KEY} or none"
            )
    return position


def split_tasks(source: Path, num_shards: int, out_dir: Path) -> list[int]:
    """Split ``source`` into ``num_shards`` shard files in ``out_dir``; return rows per shard."""
    if num_shards < 1:
        raise InputError(f"NUM_SHARDS must be at least 1, got {num_shards}")
    targets = [shard_path(out_dir, i) for i in range(num_shards)]
    if source.exists() and any(source.resolve() == target.resolve() for target in targets):
        raise InputError(f"{source}: the input is one of the shard files; choose another OUT_DIR")
    check_tasks(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    partials = [target.with_name(f".{target.name}.partial") for target in targets]
    counts = [0] * num_shards
    handles = []
    try:
        for partial in partials:
            handles.append(partial.open("w", encoding="utf-8"))
        for position, (line_no, text, row) in enumerate(iter_rows(source)):
            index = kept_index(row, source, line_no)
            if index is None:
                index = position
                row[TASK_INDEX_KEY] = index
                text = json.dumps(row, ensure_ascii=False)
            shard = shard_of(index, num_shards)
            handles[shard].write(text + "\n")
            counts[shard] += 1
        for handle in handles:
            handle.close()
        for partial, target in zip(partials, targets):
            partial.replace(target)
    except BaseException:
        for handle in handles:
            handle.close()
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise
    return counts


def stale_shards(out_dir: Path, num_shards: int) -> list[Path]:
    """Shard files in ``out_dir`` from an earlier split into more shards."""
    written = {shard_path(out_dir, i).name for i in range(num_shards)}
    return sorted(p for p in out_dir.glob("shard-*.jsonl") if p.name not in written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Split a tasks JSONL file into shards with unique _ng_task_index values."
    )
    parser.add_argument("tasks", type=Path, help="the tasks JSONL file")
    parser.add_argument("num_shards", type=int, help="how many shards to write")
    parser.add_argument(
        "out_dir", type=Path, help="directory for shard-00.jsonl, shard-01.jsonl, ..."
    )
    args = parser.parse_args(argv)
    if args.num_shards < 1:
        parser.error(f"NUM_SHARDS must be at least 1, got {args.num_shards}")
    try:
        counts = split_tasks(args.tasks, args.num_shards, args.out_dir)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(
            f"error: cannot write shards to {args.out_dir}: {exc.strerror or exc}", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    print(f"Wrote {sum(counts)} tasks to {args.num_shards} shards in {args.out_dir}")
    empty = counts.count(0)
    if empty:
        print(f"warning: {empty} shard(s) are empty; use fewer shards than tasks", file=sys.stderr)
    for path in stale_shards(args.out_dir, args.num_shards):
        print(f"warning: {path} is left from an earlier split; delete it", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
