"""Shared helpers for the rollout converters: read and write JSONL, report skips.

The converters in this directory import this module, so keep it next to them.
Standard library only; Python 3.11 or newer.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

# Exit codes shared by every converter.
EXIT_OK = 0
EXIT_INPUT_ERROR = 1  # unreadable file, invalid JSON line, line that is not an object
EXIT_USAGE_ERROR = 2  # bad command-line options (argparse uses 2 as well)

STDIO = "-"


class InputError(Exception):
    """A problem with the input data. The message names the file and line."""


class ConversionSkip(Exception):
    """A rollout that cannot be converted. The message is the reason, used to count skips."""


def _source_name(path: str) -> str:
    return "<stdin>" if path == STDIO else path


def iter_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file.

    ``path`` may be ``-`` for standard input. A line that is not UTF-8 text, is
    not valid JSON, or holds something other than a JSON object raises
    InputError naming the file and the line. A UTF-8 byte order mark at the
    start of the file is ignored.
    """
    name = _source_name(path)
    try:
        handle = sys.stdin.buffer if path == STDIO else open(path, "rb")
    except OSError as exc:
        raise InputError(f"{name}: cannot open input: {exc.strerror or exc}") from None
    try:
        for line_number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}:{line_number}: not UTF-8 text ({exc.reason})") from None
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{name}:{line_number}: not valid JSON ({exc.msg} at column {exc.colno})"
                ) from None
            if not isinstance(value, dict):
                raise InputError(
                    f"{name}:{line_number}: expected a JSON object, got {type(value).__name__}"
                )
            yield line_number, value
    except OSError as exc:
        raise InputError(f"{name}: cannot read input: {exc.strerror or exc}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def read_jsonl(path: str) -> list[dict[str, Any]]:
    """Read every object of a JSONL file (see iter_jsonl)."""
    return [value for _, value in iter_jsonl(path)]


def write_jsonl(path: str, records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line to ``path`` (``-`` for standard output); return the count.

    A file is written under a temporary name and renamed when every record is
    written, so an error part-way through never leaves a partial output file.
    """
    count = 0
    if path == STDIO:
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        sys.stdout.flush()
        return count
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"{path}: output directory {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write output: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


def check_distinct_paths(input_path: str, output_path: str) -> None:
    """Refuse to overwrite the input file with the output."""
    if STDIO in (input_path, output_path):
        return
    source, target = Path(input_path), Path(output_path)
    if source.resolve() == target.resolve():
        raise InputError(f"{output_path}: output path is the input file; choose another path")


def reward_of(rollout: dict[str, Any]) -> float | None:
    """The rollout's numeric reward, or None when it has none.

    Booleans do not count, and neither do NaN or infinite values, which
    Python's JSON reader accepts: they compare false with every threshold, so
    they would slip through filters and break the ranking of a task's rollouts.
    """
    reward = rollout.get("reward")
    if isinstance(reward, bool) or not isinstance(reward, (int, float)):
        return None
    if not math.isfinite(reward):
        return None
    return float(reward)


def is_masked(rollout: dict[str, Any]) -> bool:
    """True when the verifier flagged the rollout with ``mask_sample: true``."""
    return rollout.get("mask_sample") is True


def task_index_of(rollout: dict[str, Any]) -> int | None:
    """The ``_ng_task_index`` stamp, or None when the line has none."""
    value = rollout.get("_ng_task_index")
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def rollout_index_of(rollout: dict[str, Any]) -> int:
    """The ``_ng_rollout_index`` stamp, or 0 when the line has none."""
    value = rollout.get("_ng_rollout_index")
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return value


def print_summary(tool: str, read: int, written: int, skipped: Counter, unit: str) -> None:
    """Print one summary line, then one line per skip reason, to standard error."""
    total_skipped = sum(skipped.values())
    print(
        f"{tool}: read {read} rollouts, wrote {written} {unit}, skipped {total_skipped}",
        file=sys.stderr,
    )
    for reason, count in sorted(skipped.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:>6}  {reason}", file=sys.stderr)


def run_cli(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a converter's main function and turn input errors into exit code 1."""
    try:
        return main(argv)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BrokenPipeError:
        # The program reading standard output stopped early (for example `| head`).
        # Point stdout at /dev/null so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INPUT_ERROR
