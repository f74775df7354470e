"""Turn NeMo Gym task rows into a prompt dataset for TRL, OpenRLHF or VeRL.

Usage:
    python examples/integration/prepare_prompts.py --format trl IN.jsonl OUT.jsonl
    python examples/integration/prepare_prompts.py --format openrlhf IN.jsonl OUT.jsonl
    python examples/integration/prepare_prompts.py --format verl IN.jsonl OUT.jsonl

IN.jsonl holds Gym task rows: a dataset's ``train.jsonl`` written by
``gym dataset collate``, or a server's ``data/example.jsonl``. Each output row
carries the prompt as chat messages and the whole task row as a JSON string,
which the reward code in this directory sends back to the resources server's
``/verify``:

- trl:      {"prompt": [messages], "gym_task": "<task JSON>"}
- openrlhf: {"input": [messages], "label": "<task JSON>"}
- verl:     {"data_source": ..., "prompt": [messages], "ability": ...,
             "reward_model": {"style": "rule", "ground_truth": "<task JSON>"},
             "extra_info": {"index": i}}

Rows whose prompt is not plain chat messages (for example tool-call items) or
has no user message stop the run with their line number, or are skipped with
--skip-unsupported and counted. The whole input is read and converted before
the output is written; an existing output is replaced only with --overwrite.
Exit status: 0 on success; 1 when a file cannot be read or written or a row
stops the run; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from gym_verify_client import task_messages
from rollout_io import (
    EXIT_OK,
    InputError,
    add_overwrite_option,
    check_output,
    print_summary,
    read_numbered,
    run_cli,
    write_jsonl,
)

FORMATS = ("trl", "openrlhf", "verl")


def convert_row(task: dict, fmt: str, index: int, data_source: str = "nemo_gym") -> dict:
    """One output row for ``fmt`` from one Gym task row."""
    if not isinstance(task.get("responses_create_params"), dict):
        raise ValueError("no responses_create_params object")
    messages = task_messages(task)
    if not any(message["role"] == "user" for message in messages):
        raise ValueError("the prompt has no user message")
    task_json = json.dumps(task, ensure_ascii=False)
    if fmt == "trl":
        return {"prompt": messages, "gym_task": task_json}
    if fmt == "openrlhf":
        return {"input": messages, "label": task_json}
    if fmt == "verl":
        return {
            "data_source": data_source,
            "prompt": messages,
            "ability": data_source,
            "reward_model": {"style": "rule", "ground_truth": task_json},
            "extra_info": {"index": index},
        }
    raise ValueError(f"unknown format {fmt!r}; choose one of {FORMATS}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="Gym task rows (JSONL; '-' for stdin)")
    parser.add_argument("output", help="prompt dataset to write (JSONL; '-' for stdout)")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--data-source", default="nemo_gym", help="VeRL data_source value (default: nemo_gym)")
    parser.add_argument("--skip-unsupported", action="store_true", help="skip rows that are not plain chat prompts")
    add_overwrite_option(parser)
    args = parser.parse_args(argv)
    check_output(args.output, [args.input], overwrite=args.overwrite)

    name = "<stdin>" if args.input == "-" else args.input
    rows, skipped = [], Counter()
    lines = read_numbered(args.input)
    for line_no, task in lines:
        try:
            rows.append(convert_row(task, args.format, len(rows), args.data_source))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if not args.skip_unsupported:
                raise InputError(f"{name}:{line_no}: {exc}; pass --skip-unsupported to skip it") from None
            skipped[str(exc)] += 1
    written = write_jsonl(args.output, rows)
    print_summary("prepare_prompts", len(lines), written, skipped, "prompt rows", "task rows")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
