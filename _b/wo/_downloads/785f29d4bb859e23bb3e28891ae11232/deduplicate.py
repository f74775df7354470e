#!/usr/bin/env python3
"""Drop duplicate rollouts and rollouts whose prompt is in an evaluation set.

Two checks, both exact after collapsing whitespace:

- Duplicates: a rollout whose prompt and answer match an earlier rollout's is
  dropped, so one example does not weigh several times in supervised
  fine-tuning. ``--keep-duplicates`` turns this off, as RL data needs: identical
  answers among a task's repeats are part of the policy's distribution.
- Evaluation prompts (``--eval-tasks``, repeatable): a rollout whose prompt
  matches a task of an evaluation file is dropped, so the evaluation stays
  unseen. NeMo Gym does not check this for you.

The prompt is the text of the user messages in ``responses_create_params.input``
(a task with another system prompt but the same question still matches). The
answer is the text of the response's messages and its tool calls, without
reasoning. Paraphrases are not caught; add a near-duplicate method (n-gram
overlap, MinHash) where this script compares digests.

Example:

    python examples/quality/deduplicate.py curated/5_sft.jsonl -o curated/final.jsonl \\
        --eval-tasks data/eval_tasks.jsonl

Kept lines are written exactly as read, in input order; the inputs are never
modified. Standard library only; Python 3.11 or newer. Needs quality_io.py next
to it. Exit status: 0 on success; 1 when an input cannot be read, a line is not
a JSON object or has no prompt, or the output exists; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from quality_io import InputError, Rollout, check_output_path, read_jsonl, run_cli, write_lines

DUPLICATE = "same prompt and answer as an earlier rollout"
EVAL_PROMPT = "prompt is in an evaluation set"


def _text(content: Any) -> str:
    """Text of a message content: a string, or a list of parts with ``text``."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _collapse(text: str) -> str:
    return " ".join(text.split())


def prompt_of(row: Rollout) -> str:
    """The user messages of ``responses_create_params.input``, whitespace collapsed."""
    params = row.record.get("responses_create_params")
    items = params.get("input") if isinstance(params, dict) else None
    if isinstance(items, str):
        return _collapse(items)
    if not isinstance(items, list):
        raise InputError(
            f"{row.path}:{row.line}: no responses_create_params.input to read a prompt from"
        )
    return _collapse(
        " ".join(
            _text(item.get("content"))
            for item in items
            if isinstance(item, dict) and item.get("role") == "user"
        )
    )


def answer_of(row: Rollout) -> str:
    """The response's messages and tool calls (``name(arguments)``), whitespace collapsed."""
    response = row.record.get("response")
    items = response.get("output") if isinstance(response, dict) else None
    parts = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            parts.append(_text(item.get("content")))
        elif item.get("type") == "function_call":
            parts.append(f"{item.get('name')}({item.get('arguments')})")
    return _collapse(" ".join(parts))


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def evaluation_prompts(rows: Iterable[Rollout]) -> set[str]:
    return {digest(prompt_of(row)) for row in rows}


def deduplicate(
    rollouts: Sequence[Rollout], eval_prompts: set[str], *, keep_duplicates: bool = False
) -> tuple[list[Rollout], Counter]:
    """Return the rollouts to keep, in input order, and the count of each reason to drop."""
    kept: list[Rollout] = []
    dropped: Counter = Counter()
    seen: set[str] = set()
    for rollout in rollouts:
        prompt = prompt_of(rollout)
        if digest(prompt) in eval_prompts:
            dropped[EVAL_PROMPT] += 1
            continue
        key = digest(prompt, answer_of(rollout))
        if key in seen and not keep_duplicates:
            dropped[DUPLICATE] += 1
            continue
        seen.add(key)
        kept.append(rollout)
    return kept, dropped


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deduplicate.py",
        description="Drop duplicate rollouts and rollouts whose prompt is in an evaluation set.",
    )
    parser.add_argument("input", help="Rollout JSONL file to filter. It is not modified.")
    parser.add_argument("-o", "--output", required=True, help="JSONL file to write.")
    parser.add_argument(
        "--eval-tasks",
        action="append",
        default=[],
        metavar="FILE",
        help=(
            "Tasks JSONL of an evaluation set (repeatable). "
            "Rollouts with one of its prompts are dropped."
        ),
    )
    parser.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="Keep rollouts with the same prompt and answer (for RL data).",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="Replace the output file if it exists."
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    target = check_output_path(args.output, [args.input, *args.eval_tasks], args.overwrite)
    eval_prompts: set[str] = set()
    for path in args.eval_tasks:
        eval_prompts |= evaluation_prompts(read_jsonl(path))
    rollouts = read_jsonl(args.input)
    kept, dropped = deduplicate(rollouts, eval_prompts, keep_duplicates=args.keep_duplicates)
    written = write_lines(target, (rollout.raw for rollout in kept))
    print(f"Read {len(rollouts)} rollouts, kept {written}", file=sys.stderr)
    for reason in (DUPLICATE, EVAL_PROMPT):
        print(f"  {dropped[reason]:>6}  {reason}", file=sys.stderr)
    print(f"Wrote {written} rollouts to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
