"""Shared helpers for the example scripts: read and write JSONL, exit codes, reward helpers.

Every script under examples/ that reads rollouts, task rows or failure rows
imports this module. The converters in this directory import it directly; the
scripts in examples/quality/, examples/rollout_collection/,
examples/troubleshooting/ and examples/performance/ add this directory to their
import path, so keep the repository's examples/ layout (or put a copy of this
file next to the script). Standard library only; Python 3.11 or newer.

Exit codes, the same for every script:

- 0: success;
- 1: the input was invalid (a file that cannot be read or written, a line
  that is not a JSON object), or a check found problems;
- 2: a usage error: argparse prints the usage and exits with 2, and run_cli
  exits with 2 on UsageError (options that parse but cannot be used).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

EXIT_OK = 0
EXIT_INPUT_ERROR = 1  # unreadable file, invalid JSON line, line that is not an object
EXIT_PROBLEMS = 1  # a check found problems: the same code as invalid input
EXIT_USAGE_ERROR = 2  # bad command-line options (argparse uses 2 as well)

STDIO = "-"
_LFS_POINTER_PREFIX = "version https://git-lfs"


class InputError(Exception):
    """A problem with the input data. The message names the file and line."""


class UsageError(InputError):
    """An option value or combination the script cannot use; run_cli exits with 2."""


class ConversionSkip(Exception):
    """A rollout that cannot be converted. The message is the reason, used to count skips."""


class LineProblem(ValueError):
    """Why one line is not a JSON object; the message does not name the file or line."""


def _source_name(path: str | Path) -> str:
    return "<stdin>" if str(path) == STDIO else str(path)


# --------------------------------------------------------------------------- reading


def iter_raw_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """Yield (line number, bytes) for every line of a file, blank lines included.

    ``path`` may be ``-`` for standard input. A file that cannot be opened or
    read raises InputError naming it.
    """
    name = _source_name(path)
    try:
        handle = sys.stdin.buffer if str(path) == STDIO else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{name}: cannot open input: {exc.strerror or exc}") from None
    try:
        yield from enumerate(handle, start=1)
    except OSError as exc:
        raise InputError(f"{name}: cannot read input: {exc.strerror or exc}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def decode_line(raw: bytes, *, first_line: bool = False) -> str:
    """The text of one line without its line ending; LineProblem when it is not UTF-8.

    With ``first_line``, a UTF-8 byte order mark at the start is dropped.
    """
    try:
        text = raw.decode("utf-8-sig" if first_line else "utf-8")
    except UnicodeDecodeError as exc:
        raise LineProblem(f"not UTF-8 text ({exc.reason})") from None
    return text.rstrip("\r\n")


def _json_error(exc: json.JSONDecodeError) -> str:
    # Without Python's "line 1 column N (char M)": each line is its own document.
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def parse_object(text: str) -> dict[str, Any]:
    """Parse one line as a JSON object; LineProblem says why it is not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = (
            "; this is a Git LFS pointer, run `git lfs pull` first"
            if text.startswith(_LFS_POINTER_PREFIX)
            else ""
        )
        raise LineProblem(f"not valid JSON ({_json_error(exc)}){hint}") from None
    if not isinstance(value, dict):
        raise LineProblem(f"expected a JSON object, got {type(value).__name__}")
    return value


def iter_jsonl_lines(
    path: str | Path, *, on_invalid: Callable[[InputError], None] | None = None
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Yield (line number, line text, object) for each non-blank line of a JSONL file.

    The text is the line as read, without its line ending (and without a byte
    order mark on the first line), so a tool can write a line back unchanged.
    ``path`` may be ``-`` for standard input. A line that is not UTF-8 text, is
    not valid JSON, or holds something other than a JSON object raises
    InputError naming the file and the line; with ``on_invalid``, that error is
    passed to it instead and the line is skipped.
    """
    name = _source_name(path)
    for line_number, raw in iter_raw_lines(path):
        try:
            text = decode_line(raw, first_line=line_number == 1)
            if not text.strip():
                continue
            value = parse_object(text)
        except LineProblem as problem:
            error = InputError(f"{name}:{line_number}: {problem}")
            if on_invalid is None:
                raise error from None
            on_invalid(error)
            continue
        yield line_number, text, value


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file.

    See iter_jsonl_lines for the errors.
    """
    for line_number, _, value in iter_jsonl_lines(path):
        yield line_number, value


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read every object of a JSONL file (see iter_jsonl_lines)."""
    return [value for _, _, value in iter_jsonl_lines(path)]


def read_numbered(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Every (line number, object) of a JSONL file; InputError when it holds none.

    An empty input is refused so that a pipeline whose upstream command failed
    (and wrote nothing) fails here too, rather than writing an empty file.
    """
    rows = list(iter_jsonl(path))
    if not rows:
        raise InputError(f"{_source_name(path)}: no rows in the input")
    return rows


def read_rollouts(path: str | Path) -> list[dict[str, Any]]:
    """Every object of a JSONL file; InputError when it holds none (see read_numbered)."""
    return [row for _, row in read_numbered(path)]


def finite_float(text: str) -> float:
    """An argparse type: a finite number (``nan`` and ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def read_json(path: str | Path) -> Any:
    """Read a whole JSON document, such as an aggregate metrics file.

    InputError names the file, and the line for invalid JSON.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot open input: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}: not valid JSON ({_json_error(exc)})"
        ) from None


def failures_path_for(path: str | Path) -> Path:
    """The failures sidecar NeMo Gym writes next to a rollouts file: ``<stem>_failures.jsonl``."""
    path = Path(path)
    return path.with_name(path.stem + "_failures.jsonl")


# --------------------------------------------------------------------------- writing


def add_overwrite_option(parser: Any) -> None:
    """Add ``--overwrite``: without it, a script refuses to replace an existing output file."""
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="Replace the output file when it exists (refused by default).",
    )


def check_output(
    output: str | Path, inputs: Iterable[str | Path] = (), *, overwrite: bool = False
) -> None:
    """Refuse an output path that would lose data, before any input is read.

    ``-`` (standard output) is always accepted. Otherwise the output must not be
    one of the inputs (also through a symbolic or hard link), must not be a
    directory, a symbolic link or a special file such as a FIFO or a device,
    must not exist unless ``overwrite`` is true, and its directory must exist.
    """
    if str(output) == STDIO:
        return
    target = Path(output)
    for source in inputs:
        if str(source) == STDIO:
            continue
        if _same_file(source, target):
            raise InputError(f"{output}: output is the input file {source}; choose another path")
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise InputError(f"{output}: cannot check output: {exc.strerror or exc}") from None
    if status is not None:
        if not stat.S_ISREG(status.st_mode):
            raise InputError(f"{output}: output is {_kind(status.st_mode)}, not a regular file")
        if not overwrite:
            raise InputError(f"{output}: already exists; pass --overwrite to replace it")
    if not target.parent.is_dir():
        raise InputError(f"{output}: output directory {target.parent} does not exist")


def _same_file(first: str | Path, second: str | Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return Path(first).resolve() == Path(second).resolve()


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def _refuse_special(target: Path) -> None:
    # Checked again just before the rename: the rename must never replace a
    # device, FIFO, symlink or directory that appeared after check_output.
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(status.st_mode):
        raise InputError(f"{target}: output is {_kind(status.st_mode)}, not a regular file")


@contextmanager
def atomic_outputs(paths: Sequence[str | Path]) -> Iterator[list[IO[str]]]:
    """Open text files for writing that appear only when the whole block succeeds.

    Each file is written under a temporary name (``.<name>.partial``) and every
    one is renamed into place after the block ends without an error. On an
    error, every temporary file is removed, so no partial output is left. A
    target that is not a regular file (a device, FIFO, symbolic link or
    directory) is never replaced.
    """
    targets = [Path(path) for path in paths]
    for target in targets:
        _refuse_special(target)
        if not target.parent.is_dir():
            raise InputError(f"{target}: output directory {target.parent} does not exist")
    partials = [target.with_name(f".{target.name}.partial") for target in targets]
    handles: list[IO[str]] = []
    current = targets[0] if targets else None
    try:
        for target, partial in zip(targets, partials):
            current = target
            _refuse_special(partial)
            handles.append(partial.open("w", encoding="utf-8", newline="\n"))
        if len(targets) > 1:  # a write error inside the block: name the directory
            current = targets[0].parent
        yield handles
        for target, handle in zip(targets, handles):
            current = target
            handle.close()
        for target, partial in zip(targets, partials):
            current = target
            _refuse_special(target)
            partial.replace(target)
    except OSError as exc:
        _discard(handles, partials)
        raise InputError(f"{current}: cannot write output: {exc.strerror or exc}") from None
    except BaseException:
        _discard(handles, partials)
        raise


def _discard(handles: list[IO[str]], partials: list[Path]) -> None:
    for handle in handles:
        handle.close()
    for partial in partials:
        try:
            if stat.S_ISREG(os.lstat(partial).st_mode):
                partial.unlink()
        except OSError:
            pass


def write_lines(path: str | Path, lines: Iterable[str]) -> int:
    """Write lines (without line endings) to ``path`` atomically; return how many were written.

    ``-`` writes to standard output, and only after every line is built: an
    error in the input then leaves standard output empty, so the next command
    of a pipeline reads nothing rather than half a file.
    """
    if str(path) == STDIO:
        text = [line + "\n" for line in lines]
        sys.stdout.write("".join(text))
        sys.stdout.flush()
        return len(text)
    count = 0
    with atomic_outputs([path]) as (handle,):
        for line in lines:
            handle.write(line + "\n")
            count += 1
    return count


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line to ``path`` (``-`` for standard output); return the count.

    A file is written under a temporary name and renamed when every record is
    written, so an error part-way through never leaves a partial output file.
    """
    return write_lines(path, (json.dumps(record, ensure_ascii=False) for record in records))


def check_distinct_paths(input_path: str, output_path: str) -> None:
    """Refuse to overwrite the input file with the output (see check_output)."""
    if STDIO in (input_path, output_path):
        return
    if _same_file(input_path, output_path):
        raise InputError(f"{output_path}: output is the input file {input_path}; choose another path")


# --------------------------------------------------------------------------- fields


def finite_number(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return None
    return float(value)


def reward_of(rollout: dict[str, Any]) -> float | None:
    """The rollout's numeric reward, or None when it has none.

    Booleans do not count, and neither do NaN or infinite values, which
    Python's JSON reader accepts: they compare false with every threshold, so
    they would slip through filters and break the ranking of a task's rollouts.
    """
    return finite_number(rollout.get("reward"))


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


def hashable(value: Any) -> Any:
    """A value usable as a dict key: lists and objects become their JSON text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


# --------------------------------------------------------------------------- reporting


def print_summary(
    tool: str, read: int, written: int, skipped: Counter, unit: str, read_unit: str = "rollouts"
) -> None:
    """Print one summary line, then one line per skip reason, to standard error."""
    total_skipped = sum(skipped.values())
    print(
        f"{tool}: read {read} {read_unit}, wrote {written} {unit}, skipped {total_skipped}",
        file=sys.stderr,
    )
    for reason, count in sorted(skipped.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:>6}  {reason}", file=sys.stderr)


def run_cli(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a script's main function; report its errors as ``error: ...`` without a traceback.

    InputError exits with 1, UsageError with 2.
    """
    try:
        return main(argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE_ERROR
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
