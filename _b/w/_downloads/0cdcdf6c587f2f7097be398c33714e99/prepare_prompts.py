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

Rows whose prompt is not plain chat messages (for example tool-call items)
stop the run with their line number, or are skipped with --skip-unsupported.
Exit status: 0 on success; 1 when a file cannot be read or written or a row
stops the run; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gym_verify_client import task_messages  # noqa: E402

FORMATS = ("trl", "openrlhf", "verl")


def convert_row(task: dict, fmt: str, index: int, data_source: str = "nemo_gym") -> dict:
    """One output row for ``fmt`` from one Gym task row."""
    messages = task_messages(task)
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
    parser.add_argument("input", type=Path, help="Gym task rows (JSONL)")
    parser.add_argument("output", type=Path, help="prompt dataset to write (JSONL)")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--data-source", default="nemo_gym", help="VeRL data_source value (default: nemo_gym)")
    parser.add_argument("--skip-unsupported", action="store_true", help="skip rows that are not plain chat prompts")
    args = parser.parse_args(argv)

    written = skipped = 0
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.input.open(encoding="utf-8") as source, args.output.open("w", encoding="utf-8") as target:
            for line_no, line in enumerate(source, 1):
                if not line.strip():
                    continue
                try:
                    row = convert_row(json.loads(line), args.format, written, args.data_source)
                except (ValueError, KeyError, TypeError) as exc:
                    if args.skip_unsupported:
                        skipped += 1
                        continue
                    print(f"{args.input}:{line_no}: {exc}", file=sys.stderr)
                    return 1
                target.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
    except OSError as exc:
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {written} rows to {args.output} (format {args.format}, skipped {skipped})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
