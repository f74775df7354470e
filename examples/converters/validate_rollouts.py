"""Check a NeMo Gym rollouts JSONL file against rollout.schema.json.

Usage:
    python validate_rollouts.py ROLLOUTS.jsonl [--schema PATH] [--allow-unstamped]
                                [--max-errors N]

Prints one line per problem as FILE:LINE: JSON-PATH: MESSAGE and exits 0 when
every line is valid, 1 when a line is invalid or the file cannot be read.
Needs the jsonschema package (pip install jsonschema); the other converters in
this directory need only the standard library.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rollout_io import EXIT_INPUT_ERROR, EXIT_OK, InputError, iter_jsonl, run_cli

DEFAULT_SCHEMA = Path(__file__).resolve().with_name("rollout.schema.json")


def load_validator(schema_path: Path, *, allow_unstamped: bool = False) -> Any:
    """A Draft 2020-12 validator for the rollout schema.

    With ``allow_unstamped`` the validator checks ``#/$defs/rollout_fields``, which
    types the known keys but does not require the ``_ng_task_index`` and
    ``_ng_rollout_index`` stamps (for lines recorded by older releases).
    """
    try:
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
    except ImportError:
        raise InputError(
            "validate_rollouts.py needs the jsonschema package: pip install jsonschema"
        ) from None
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{schema_path}: cannot read schema: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{schema_path}: schema is not valid JSON ({exc.msg})") from None
    if not isinstance(schema, dict):
        raise InputError(f"{schema_path}: schema is not a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InputError(f"{schema_path}: not a valid JSON Schema ({exc.message})") from None
    if allow_unstamped:
        definitions = schema.get("$defs")
        if not isinstance(definitions, dict) or "rollout_fields" not in definitions:
            raise InputError(
                f"{schema_path}: --allow-unstamped needs a schema with $defs/rollout_fields"
            )
        schema = {
            "$schema": schema.get("$schema"),
            "$defs": definitions,
            "$ref": "#/$defs/rollout_fields",
        }
    return Draft202012Validator(schema)


def non_finite_numbers(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, float]]:
    """Every NaN or infinite number in a parsed line, with its path.

    Python's JSON reader accepts the non-standard literals NaN, Infinity and
    -Infinity; JSON itself has no such numbers, and a schema "number" would
    accept them.
    """
    if isinstance(value, float) and not math.isfinite(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from non_finite_numbers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from non_finite_numbers(item, (*path, index))


def _short(instance: Any) -> str:
    """A value as it appears in a message: itself when short, else its type and size."""
    text = repr(instance)
    if len(text) <= 80:
        return text
    size = f" of {len(instance)} items" if isinstance(instance, (list, dict)) else ""
    return f"<{type(instance).__name__}{size}>"


def line_problems(rollout: dict[str, Any], validator: Any) -> list[str]:
    """``JSON-PATH: MESSAGE`` for each schema violation in one rollout line.

    A long value in a message is shown by its type and size, so the cause
    (which key, which type, which rule) is never cut off.
    """
    found = [
        f"{'/'.join(map(str, path)) or '(root)'}: {value} is not a JSON number"
        for path, value in non_finite_numbers(rollout)
    ]
    for error in sorted(validator.iter_errors(rollout), key=lambda e: list(e.absolute_path)):
        location = "/".join(str(part) for part in error.absolute_path) or "(root)"
        message = error.message.replace(repr(error.instance), _short(error.instance))
        found.append(f"{location}: {message}")
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="validate_rollouts.py",
        description="Check each line of a NeMo Gym rollouts JSONL file against the rollout schema.",
    )
    parser.add_argument("input", metavar="ROLLOUTS.jsonl", help="Rollouts JSONL ('-' for stdin).")
    parser.add_argument(
        "--schema",
        type=Path,
        default=DEFAULT_SCHEMA,
        metavar="PATH",
        help="Schema file (default: rollout.schema.json next to this script).",
    )
    parser.add_argument(
        "--allow-unstamped",
        action="store_true",
        help="Do not require _ng_task_index and _ng_rollout_index (older recordings).",
    )
    parser.add_argument(
        "--max-errors",
        type=int,
        default=20,
        metavar="N",
        help="Stop printing after N problems (default: 20); the count stays exact.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_errors < 0:
        parser.error("--max-errors must not be negative")
    validator = load_validator(args.schema, allow_unstamped=args.allow_unstamped)
    name = "<stdin>" if args.input == "-" else args.input
    lines = invalid = shown = 0
    for line_number, rollout in iter_jsonl(args.input):
        lines += 1
        found = line_problems(rollout, validator)
        if found:
            invalid += 1
        for problem in found:
            shown += 1
            if shown <= args.max_errors:
                print(f"{name}:{line_number}: {problem}", flush=True)
    print(f"validate_rollouts: checked {lines} lines, {invalid} invalid", file=sys.stderr)
    return EXIT_INPUT_ERROR if invalid else EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
