#!/usr/bin/env python3
"""Draw a review sample of rollouts for annotators, then merge their verdicts back.

Two commands:

``draw``  picks a reproducible random sample from a rollout JSONL file and writes
          a review sheet (``.csv`` or ``.jsonl``, by the output's extension). Each
          row names the rollout's line in the input, a fingerprint of that line,
          the task, source, reward and flags, the prompt (last user message) and
          the response text, and empty ``verdict`` and ``notes`` columns.

``merge`` reads the filled sheet (verdict ``keep``, ``drop`` or empty) and writes
          a curated copy of the input: rollouts marked ``drop`` are left out, and
          with ``--only-kept`` only rollouts marked ``keep`` are written. Lines are
          written exactly as read unless ``--annotate`` adds a ``_review`` object.
          The input file and the sheet are never modified. A rollout whose line
          changed since the sheet was drawn is reported, not merged.

Examples:

    python examples/quality/review_sample.py draw run/rollouts.jsonl -o review/sheet.csv \\
        --n 100 --seed 7
    python examples/quality/review_sample.py draw run/rollouts.jsonl -o review/sheet.csv \\
        --per-group 25 --by task_source --seed 7
    python examples/quality/review_sample.py merge run/rollouts.jsonl review/sheet.csv \\
        -o curated/reviewed.jsonl

Standard library only; Python 3.11 or newer. Needs quality_io.py next to it.
Exit status: 0 on success; 1 when an input cannot be read, the sheet does not
match the rollouts, or the output exists; 2 for options that cannot be used,
such as --per-group without --by.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quality_io import (
    GROUPINGS,
    InputError,
    Rollout,
    UsageError,
    check_output_path,
    grouper,
    incomplete_reason,
    is_masked,
    line_digest,
    parse_edges,
    read_jsonl,
    reward_of,
    run_cli,
    source_of,
    task_key,
    write_lines,
)
from rollout_io import finite_float

SHEET_COLUMNS = (
    "line",
    "fingerprint",
    "task",
    "source",
    "reward",
    "mask_sample",
    "failure_kind",
    "incomplete",
    "verdict",
    "notes",
    "prompt",
    "response",
)
VERDICTS = ("keep", "drop")
DEFAULT_MAX_CHARS = 2000
DEFAULT_PASS_THRESHOLD = 1.0
DEFAULT_REWARD_EDGES = "1.0"


# --------------------------------------------------------------------------- text for reviewers


def _content_text(content: Any) -> str:
    """Text of a message's ``content``: a string, or a list of parts with ``text``."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return ""


def prompt_text(record: dict[str, Any]) -> str:
    """The last user message of ``responses_create_params.input`` (or the input, if a string)."""
    params = record.get("responses_create_params")
    items = params.get("input") if isinstance(params, dict) else None
    if isinstance(items, str):
        return items
    if isinstance(items, list):
        for item in reversed(items):
            if isinstance(item, dict) and item.get("role") == "user":
                return _content_text(item.get("content"))
    return ""


def response_text(record: dict[str, Any]) -> str:
    """The model's output as text: messages, tool calls and tool outputs (not reasoning)."""
    response = record.get("response")
    items = response.get("output") if isinstance(response, dict) else None
    if not isinstance(items, list):
        return ""
    parts = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            parts.append(_content_text(item.get("content")))
        elif kind == "function_call":
            parts.append(f"[tool call] {item.get('name')}({item.get('arguments')})")
        elif kind == "function_call_output":
            output = item.get("output")
            parts.append(
                f"[tool output] {output if isinstance(output, str) else json.dumps(output)}"
            )
    return "\n".join(part for part in parts if part)


def clip(text: str, max_chars: int) -> str:
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    return f"{text[:max_chars]} ...[{len(text) - max_chars} more characters]"


def sheet_row(rollout: Rollout, max_chars: int) -> dict[str, Any]:
    record = rollout.record
    return {
        "line": rollout.line,
        "fingerprint": line_digest(rollout.raw),
        "task": task_key(rollout),
        "source": source_of(record),
        "reward": reward_of(record),
        "mask_sample": is_masked(record),
        "failure_kind": record.get("failure_kind")
        if isinstance(record.get("failure_kind"), str)
        else None,
        "incomplete": incomplete_reason(record),
        "verdict": "",
        "notes": "",
        "prompt": clip(prompt_text(record), max_chars),
        "response": clip(response_text(record), max_chars),
    }


# --------------------------------------------------------------------------- draw


def draw_sample(
    rollouts: Sequence[Rollout],
    *,
    n: int | None = None,
    per_group: int | None = None,
    by: str | None = None,
    seed: int = 0,
    threshold: float = DEFAULT_PASS_THRESHOLD,
    edges: Sequence[float] = (1.0,),
) -> list[Rollout]:
    """A seeded random sample: ``n`` rollouts overall, or ``per_group`` from every group of ``by``.

    Returned in input order. A group (or file) smaller than the request is taken whole.
    """
    if (n is None) == (per_group is None):
        raise UsageError("give either --n or --per-group")
    if per_group is not None and by is None:
        raise UsageError("--per-group needs --by")
    if n is not None and by is not None:
        raise UsageError("--by works with --per-group; --n draws from the whole file")
    size = n if n is not None else per_group
    if size is not None and size < 1:
        raise UsageError(f"{'--n' if n is not None else '--per-group'} must be at least 1")

    rng = random.Random(seed)
    if n is not None:
        chosen = rollouts if len(rollouts) <= n else rng.sample(list(rollouts), n)
    else:
        name_of = grouper(by, rollouts, threshold=threshold, edges=edges)
        groups: dict[str, list[Rollout]] = defaultdict(list)
        for rollout in rollouts:
            groups[name_of(rollout)].append(rollout)
        chosen = []
        for name in sorted(groups):
            members = groups[name]
            chosen.extend(members if len(members) <= per_group else rng.sample(members, per_group))
    return sorted(chosen, key=lambda rollout: rollout.line)


def write_sheet(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    if path.suffix == ".jsonl":
        write_lines(path, (json.dumps(row, ensure_ascii=False) for row in rows))
        return
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({key: "" if value is None else value for key, value in row.items()})
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def sheet_format(path: str) -> str:
    suffix = Path(path).suffix
    if suffix not in (".csv", ".jsonl"):
        raise UsageError(f"{path}: the review sheet must end in .csv or .jsonl")
    return suffix


# --------------------------------------------------------------------------- merge


@dataclass(frozen=True)
class Verdict:
    line: int
    verdict: str  # "keep", "drop" or "" (not reviewed)
    notes: str
    fingerprint: str
    where: str  # sheet file and line, for messages


def read_sheet(path: str) -> list[Verdict]:
    """Read the verdicts of a filled review sheet; errors name the sheet's file and line."""
    rows: list[tuple[str, dict[str, Any]]] = []
    if sheet_format(path) == ".jsonl":
        rows = [(f"{path}:{row.line}", row.record) for row in read_jsonl(path)]
    else:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = [
                    c
                    for c in ("line", "fingerprint", "verdict")
                    if c not in (reader.fieldnames or [])
                ]
                if missing:
                    raise InputError(
                        f"{path}: missing column(s) {', '.join(missing)}; is this a review sheet?"
                    )
                # Name each row by the line it starts on (a quoted cell may span lines)
                # and by its row number as a spreadsheet shows it (the header is row 1).
                start = reader.line_num + 1
                for number, row in enumerate(reader, start=2):
                    rows.append((f"{path}:{start} (spreadsheet row {number})", row))
                    start = reader.line_num + 1
        except FileNotFoundError:
            raise InputError(f"{path}: file not found") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason})") from None
        except csv.Error as exc:
            raise InputError(f"{path}: not a readable CSV file ({exc})") from None

    verdicts = []
    for where, row in rows:
        try:
            line = int(str(row.get("line", "")).strip())
        except ValueError:
            raise InputError(
                f"{where}: 'line' must be a line number, got {row.get('line')!r}"
            ) from None
        verdict = str(row.get("verdict") or "").strip().lower()
        if verdict not in ("", *VERDICTS):
            raise InputError(
                f"{where}: verdict {row.get('verdict')!r} is not one of keep, drop (or empty)"
            )
        notes = str(row.get("notes") or "").strip()
        verdicts.append(
            Verdict(line, verdict, notes, str(row.get("fingerprint") or "").strip(), where)
        )
    return verdicts


def check_verdicts(verdicts: Sequence[Verdict], rollouts: Sequence[Rollout]) -> dict[int, Verdict]:
    """Match verdicts to input lines; refuse unknown lines, repeated lines and changed lines."""
    by_line = {rollout.line: rollout for rollout in rollouts}
    matched: dict[int, Verdict] = {}
    for verdict in verdicts:
        rollout = by_line.get(verdict.line)
        if rollout is None:
            raise InputError(f"{verdict.where}: the input has no rollout on line {verdict.line}")
        if verdict.line in matched:
            raise InputError(f"{verdict.where}: line {verdict.line} appears twice in the sheet")
        if verdict.fingerprint != line_digest(rollout.raw):
            raise InputError(
                f"{verdict.where}: the rollout on input line {verdict.line} changed "
                "since the sheet was drawn "
                "(fingerprint differs); merge into the file you drew the sample from"
            )
        matched[verdict.line] = verdict
    return matched


def merge_lines(
    rollouts: Sequence[Rollout],
    verdicts: dict[int, Verdict],
    *,
    only_kept: bool = False,
    annotate: bool = False,
) -> list[str]:
    """Curated lines in input order: all but ``drop`` rollouts (only ``keep`` with only_kept)."""
    lines = []
    for rollout in rollouts:
        verdict = verdicts.get(rollout.line)
        decision = verdict.verdict if verdict else ""
        if decision == "drop" or (only_kept and decision != "keep"):
            continue
        if annotate and decision:
            record = dict(rollout.record)
            record["_review"] = {"verdict": decision, "notes": verdict.notes}
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        else:
            lines.append(rollout.raw)
    return lines


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95% Wilson score interval for a proportion, or None when n is 0."""
    if n == 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


def merge_summary(verdicts: dict[int, Verdict], written: int) -> dict[str, Any]:
    kept = sum(v.verdict == "keep" for v in verdicts.values())
    dropped = sum(v.verdict == "drop" for v in verdicts.values())
    reviewed = kept + dropped
    interval = wilson_interval(dropped, reviewed)
    return {
        "sheet_rows": len(verdicts),
        "reviewed": reviewed,
        "kept": kept,
        "dropped": dropped,
        "unreviewed": len(verdicts) - reviewed,
        "drop_rate": dropped / reviewed if reviewed else None,
        "drop_rate_95ci": list(interval) if interval else None,
        "written": written,
    }


def format_summary(summary: dict[str, Any]) -> str:
    lines = [
        (
            f"Sheet rows: {summary['sheet_rows']} ({summary['reviewed']} reviewed: "
            f"{summary['kept']} keep, {summary['dropped']} drop; "
            f"{summary['unreviewed']} without a verdict)"
        )
    ]
    if summary["drop_rate"] is not None:
        low, high = summary["drop_rate_95ci"]
        lines.append(
            f"Drop rate among reviewed: {100 * summary['drop_rate']:.1f}% "
            f"(95% Wilson interval {100 * low:.1f}% to {100 * high:.1f}%)"
        )
    lines.append(f"Wrote {summary['written']} rollouts")
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="review_sample.py",
        description="Draw a review sample of rollouts and merge reviewers' verdicts.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    draw = commands.add_parser("draw", help="Write a review sheet for a random sample of rollouts.")
    draw.add_argument("input", help="Rollout JSONL file to sample from.")
    draw.add_argument(
        "-o", "--output", required=True, help="Review sheet to write (.csv or .jsonl)."
    )
    size = draw.add_mutually_exclusive_group(required=True)
    size.add_argument("--n", type=int, help="Sample N rollouts from the whole file.")
    size.add_argument(
        "--per-group", type=int, metavar="N", help="Sample N rollouts from each group of --by."
    )
    draw.add_argument("--by", choices=GROUPINGS, help="Grouping for --per-group.")
    draw.add_argument("--seed", type=int, default=0, help="Random seed (default: %(default)s).")
    draw.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        help=(
            "Clip prompt and response text to this many characters; 0 keeps all "
            "(default: %(default)s)."
        ),
    )
    draw.add_argument(
        "--pass-threshold", type=finite_float, default=DEFAULT_PASS_THRESHOLD, help="For --by pass_rate."
    )
    draw.add_argument(
        "--reward-edges", default=DEFAULT_REWARD_EDGES, help="For --by reward_bucket."
    )
    draw.add_argument("--overwrite", action="store_true", help="Replace the sheet if it exists.")

    merge = commands.add_parser(
        "merge", help="Write a curated copy of the input using a filled review sheet."
    )
    merge.add_argument(
        "input", help="The rollout JSONL file the sheet was drawn from. It is not modified."
    )
    merge.add_argument("sheet", help="The filled review sheet (.csv or .jsonl).")
    merge.add_argument("-o", "--output", required=True, help="Curated JSONL file to write.")
    merge.add_argument("--only-kept", action="store_true", help="Write only rollouts marked keep.")
    merge.add_argument(
        "--annotate",
        action="store_true",
        help="Add a _review object (verdict, notes) to reviewed rollouts.",
    )
    merge.add_argument(
        "--json", action="store_true", help="Print the summary as JSON on standard output."
    )
    merge.add_argument(
        "--overwrite", action="store_true", help="Replace the output file if it exists."
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "draw":
        sheet_format(args.output)
        target = check_output_path(args.output, [args.input], args.overwrite)
        rollouts = read_jsonl(args.input)
        sample = draw_sample(
            rollouts,
            n=args.n,
            per_group=args.per_group,
            by=args.by,
            seed=args.seed,
            threshold=args.pass_threshold,
            edges=parse_edges(args.reward_edges),
        )
        write_sheet(target, [sheet_row(rollout, args.max_chars) for rollout in sample])
        print(f"Wrote {len(sample)} of {len(rollouts)} rollouts to {args.output}", file=sys.stderr)
        return 0

    check_output_path(args.output, [args.input, args.sheet], args.overwrite)
    rollouts = read_jsonl(args.input)
    verdicts = check_verdicts(read_sheet(args.sheet), rollouts)
    lines = merge_lines(rollouts, verdicts, only_kept=args.only_kept, annotate=args.annotate)
    written = write_lines(args.output, lines)
    summary = merge_summary(verdicts, written)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_summary(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
