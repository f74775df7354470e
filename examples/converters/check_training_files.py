"""Check SFT and DPO files written by rollouts_to_sft.py and rollouts_to_dpo.py.

Usage:
    python check_training_files.py FILE.jsonl [FILE.jsonl ...]

For each record it checks the shape a trainer reads:

- every message list is a non-empty list of objects with a known role;
- ``messages`` (SFT), ``chosen`` and ``rejected`` (TRL DPO),
  ``chosen_messages`` and ``rejected_messages`` (OpenRLHF DPO) and each NeMo RL
  ``completions[].completion`` end with an assistant message;
- SFT ``messages`` have a message before the first assistant message;
- a DPO ``prompt``, ``prompt_messages`` or ``context`` ends with a user or tool
  message;
- every tool call names a function.

Prints one line per problem as FILE:LINE: MESSAGE, then one summary line per
file, and exits 0 when every record passes, 1 otherwise (or when a file cannot
be read). Standard library only; keep rollout_io.py in the same directory.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rollout_io import EXIT_INPUT_ERROR, EXIT_OK, iter_jsonl, run_cli

ROLES = {"system", "user", "assistant", "tool"}


def message_problems(messages: Any, key: str) -> list[str]:
    """Problems with one list of chat messages, each prefixed with ``key``."""
    if not isinstance(messages, list) or not messages:
        return [f"{key} is not a non-empty list of messages"]
    problems = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            problems.append(f"{key}[{index}] is not an object")
            continue
        if message.get("role") not in ROLES:
            problems.append(f"{key}[{index}] has role {message.get('role')!r}")
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict) or not function.get("name"):
                problems.append(f"{key}[{index}] has a tool call without a function name")
    return problems


def _ends_with(messages: Any, roles: tuple[str, ...]) -> bool:
    return (
        isinstance(messages, list)
        and bool(messages)
        and isinstance(messages[-1], dict)
        and messages[-1].get("role") in roles
    )


def record_problems(record: dict[str, Any]) -> list[str]:
    """What keeps one SFT or DPO record from being read by the trainer, or an empty list."""
    if "messages" in record:
        ends = [("messages", record["messages"])]
        prompts: list[tuple[str, Any]] = []
    elif "chosen_messages" in record or "rejected_messages" in record:
        ends = [
            ("chosen_messages", record.get("chosen_messages")),
            ("rejected_messages", record.get("rejected_messages")),
        ]
        prompts = [("prompt_messages", record.get("prompt_messages"))]
    elif "chosen" in record or "rejected" in record:
        ends = [("chosen", record.get("chosen")), ("rejected", record.get("rejected"))]
        prompts = [("prompt", record.get("prompt"))]
    elif "completions" in record:
        completions = record["completions"]
        if not isinstance(completions, list) or len(completions) != 2:
            return ["completions must hold exactly two entries"]
        ends = [
            (f"completions[{i}].completion", c.get("completion") if isinstance(c, dict) else None)
            for i, c in enumerate(completions)
        ]
        prompts = [("context", record.get("context"))]
    else:
        return ["no messages, chosen/rejected or completions key"]

    problems = []
    for key, messages in prompts + ends:
        problems.extend(message_problems(messages, key))
    if problems:
        return problems
    for key, messages in ends:
        if not _ends_with(messages, ("assistant",)):
            problems.append(f"{key} does not end with an assistant message")
    for key, messages in prompts:
        if not _ends_with(messages, ("user", "tool")):
            problems.append(f"{key} does not end with a user or tool message")
    if "messages" in record and record["messages"][0].get("role") == "assistant":
        problems.append("messages start with an assistant message: the prompt is empty")
    return problems


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="check_training_files.py",
        description="Check the records of SFT and DPO files before a trainer reads them.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE.jsonl", help="Files to check.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    failed = False
    for path in args.files:
        records = bad = 0
        for line_number, record in iter_jsonl(path):
            records += 1
            found = record_problems(record)
            if found:
                bad += 1
            for problem in found:
                print(f"{path}:{line_number}: {problem}")
        failed = failed or bad > 0 or records == 0
        status = "ok" if not bad else f"{bad} with problems"
        print(f"{path}: {records} records, {status}" if records else f"{path}: no records")
    return EXIT_INPUT_ERROR if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
