"""Pair NeMo Gym rollouts of the same task into DPO preference records.

Usage:
    python rollouts_to_dpo.py IN.jsonl OUT.jsonl [--min-margin M]
                              [--group-by {task_index,prompt}]
                              [--format {trl,openrlhf,nemo-rl}]
                              [--reasoning-key KEY] [--tools-format {function,flat}]
                              [--arguments-format {object,string}]
                              [--keep-incomplete] [--keep-unknown-tools]
                              [--include-metadata] [--overwrite]

Collect several rollouts per task (`gym eval run --num-repeats N`), then run
this script. Rollouts are grouped by task and by agent (agent_ref.name), so
two agent harnesses never pair. For each group it takes the rollout with the highest reward as
"chosen" and the one with the lowest reward as "rejected", and writes

    {"prompt": [...], "chosen": [...], "rejected": [...], "tools": [...]}

when the reward difference is positive and at least --min-margin. That is the
conversational preference format with an explicit prompt that TRL's
DPOTrainer reads. With --format openrlhf the keys are prompt_messages,
chosen_messages and rejected_messages (for OpenRLHF's --data.prompt_key,
--data.chosen_key and --data.rejected_key; keys named chosen or prompt break
its RewardDataset when the messages hold tool calls). With --format nemo-rl it
writes the same pair in the shape of NeMo RL's PreferenceDataset instead:

    {"context": [...], "completions": [{"rank": 0, "completion": [...]},
                                       {"rank": 1, "completion": [...]}]}

Messages are translated as in rollouts_to_sft.py, which must sit in the same
directory. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from typing import Any

from rollout_io import (
    EXIT_OK,
    ConversionSkip,
    add_overwrite_option,
    check_output,
    finite_float,
    is_masked,
    print_summary,
    read_rollouts,
    reward_of,
    rollout_index_of,
    run_cli,
    task_index_of,
    write_jsonl,
)
from rollouts_to_sft import (
    add_message_options,
    check_tools_known,
    conversation_messages,
    input_items,
    items_to_messages,
    message_options,
    output_items,
    reason_key,
    rollout_tools,
)

SKIP_MASKED = "mask_sample is true"
SKIP_NO_REWARD = "no numeric reward"
SKIP_NO_TASK_INDEX = "no _ng_task_index (use --group-by prompt)"
SKIP_PROMPT_END = "prompt does not end with a user or tool message"
SKIP_TOO_FEW = "task has fewer than two usable rollouts"
SKIP_MIXED_PROMPTS = (
    "rollouts of one task and agent have different prompts (the environment varies the "
    "prompt between rollouts, so they do not form a preference pair)"
)
SKIP_MARGIN = "task's reward margin is not positive or is below --min-margin"
SKIP_MIDDLE = "neither the highest nor the lowest reward of its task"
SKIP_IDENTICAL = "task's best and worst rollouts have identical completions"


def agent_of(rollout: dict[str, Any]) -> str | None:
    """The agent that produced the rollout (``agent_ref.name``), or None."""
    agent_ref = rollout.get("agent_ref")
    name = agent_ref.get("name") if isinstance(agent_ref, dict) else None
    return name if isinstance(name, str) else None


def _prompt_key(rollout: dict[str, Any]) -> str:
    params = rollout.get("responses_create_params")
    if not isinstance(params, dict):
        raise ConversionSkip("no responses_create_params.input")
    subset = {key: params.get(key) for key in ("input", "instructions", "tools")}
    return json.dumps(subset, sort_keys=True, ensure_ascii=False)


def _convert_candidate(
    rollout: dict[str, Any],
    *,
    reasoning_key: str | None,
    tools_format: str,
    arguments_format: str,
    keep_incomplete: bool,
    keep_unknown_tools: bool,
) -> dict[str, Any]:
    params = rollout.get("responses_create_params")
    prompt = items_to_messages(
        input_items(params),
        reasoning_key=reasoning_key,
        arguments_format=arguments_format,
        where="input",
    )
    if not prompt or prompt[-1]["role"] not in ("user", "tool"):
        raise ConversionSkip(SKIP_PROMPT_END)
    completion_items = output_items(rollout)
    incomplete = rollout["response"].get("incomplete_details")
    if incomplete and not keep_incomplete:
        detail = incomplete.get("reason") if isinstance(incomplete, dict) else incomplete
        raise ConversionSkip(f"response is incomplete ({detail})")
    completion = conversation_messages(
        [],
        completion_items,
        reasoning_key=reasoning_key,
        arguments_format=arguments_format,
        prompt_required=False,
    )
    tools = rollout_tools(rollout, tools_format)
    check_tools_known(prompt + completion, tools, keep_unknown_tools)
    return {
        "prompt": prompt,
        "completion": completion,
        "tools": tools,
        "reward": reward_of(rollout),
        "rollout_index": rollout_index_of(rollout),
        "task_index": task_index_of(rollout),
    }


def build_pairs(
    rollouts: Iterable[dict[str, Any]],
    *,
    min_margin: float = 0.0,
    group_by: str = "task_index",
    reasoning_key: str | None = None,
    tools_format: str = "function",
    arguments_format: str = "object",
    keep_incomplete: bool = False,
    keep_unknown_tools: bool = False,
    include_metadata: bool = False,
    output_format: str = "trl",
    skipped: Counter | None = None,
) -> list[dict[str, Any]]:
    """Return one preference record per task whose best and worst rollouts differ enough.

    Rollouts flagged ``mask_sample: true`` and rollouts without a finite numeric
    reward never take part. Groups are formed by ``_ng_task_index``
    (``group_by="task_index"``) or by identical input, instructions and tools
    (``group_by="prompt"``), and always by agent (``agent_ref.name``): rollouts
    of different agent harnesses never pair with each other. A task yields no record when its reward margin is not
    positive or is below ``min_margin``, or when its best and worst rollouts
    produced the same messages. Every rollout that does not end up in a record
    adds one count under its reason to ``skipped``.
    """
    if skipped is None:
        skipped = Counter()
    groups: dict[Any, list[dict[str, Any]]] = {}
    for rollout in rollouts:
        if is_masked(rollout):
            skipped[SKIP_MASKED] += 1
            continue
        if reward_of(rollout) is None:
            skipped[SKIP_NO_REWARD] += 1
            continue
        if group_by == "task_index":
            task = task_index_of(rollout)
            if task is None:
                skipped[SKIP_NO_TASK_INDEX] += 1
                continue
        else:
            try:
                task = _prompt_key(rollout)
            except ConversionSkip as exc:
                skipped[str(exc)] += 1
                continue
        groups.setdefault((task, agent_of(rollout)), []).append(rollout)

    options = {
        "reasoning_key": reasoning_key,
        "tools_format": tools_format,
        "arguments_format": arguments_format,
        "keep_incomplete": keep_incomplete,
        "keep_unknown_tools": keep_unknown_tools,
    }
    pairs: list[dict[str, Any]] = []
    for (_, agent), members in groups.items():
        candidates = []
        for rollout in members:
            try:
                candidates.append(_convert_candidate(rollout, **options))
            except ConversionSkip as exc:
                skipped[reason_key(str(exc))] += 1
        if len(candidates) < 2:
            if candidates:
                skipped[SKIP_TOO_FEW] += len(candidates)
            continue
        first = candidates[0]
        if any(c["prompt"] != first["prompt"] or c["tools"] != first["tools"] for c in candidates):
            skipped[SKIP_MIXED_PROMPTS] += len(candidates)
            continue
        chosen = max(candidates, key=lambda c: (c["reward"], -c["rollout_index"]))
        rejected = min(candidates, key=lambda c: (c["reward"], c["rollout_index"]))
        margin = chosen["reward"] - rejected["reward"]
        if margin <= 0 or margin < min_margin:
            skipped[SKIP_MARGIN] += len(candidates)
            continue
        if chosen["completion"] == rejected["completion"]:
            skipped[SKIP_IDENTICAL] += len(candidates)
            continue
        skipped[SKIP_MIDDLE] += len(candidates) - 2
        record = _preference_record(first["prompt"], chosen, rejected, first["tools"], output_format)
        if include_metadata:
            record["metadata"] = {
                "task_index": first["task_index"],
                "agent": agent,
                "chosen_reward": chosen["reward"],
                "rejected_reward": rejected["reward"],
                "chosen_rollout_index": chosen["rollout_index"],
                "rejected_rollout_index": rejected["rollout_index"],
            }
        pairs.append(record)
    return pairs


def _preference_record(
    prompt: list[dict[str, Any]],
    chosen: dict[str, Any],
    rejected: dict[str, Any],
    tools: list[dict[str, Any]],
    output_format: str,
) -> dict[str, Any]:
    """One pair in TRL's preference format, or in OpenRLHF's or NeMo RL's."""
    if output_format == "openrlhf":
        # OpenRLHF's RewardDataset maps each row to new "prompt", "chosen" and "reject"
        # columns of rendered text. An input column of the same name whose messages differ
        # in keys (tool calls, tool results) is typed Json() by datasets, and that type is
        # kept for the rendered text, which then comes back as a list. Other names avoid it.
        # OpenRLHF renders no tools list, so none is written.
        return {
            "prompt_messages": prompt,
            "chosen_messages": chosen["completion"],
            "rejected_messages": rejected["completion"],
        }
    if output_format == "nemo-rl":
        # NeMo RL's DPO preprocessing does not pass a tools list to the chat template,
        # so tool schemas are left out; PreferenceDataset adds task_name itself.
        return {
            "context": prompt,
            "completions": [
                {"rank": 0, "completion": chosen["completion"]},
                {"rank": 1, "completion": rejected["completion"]},
            ],
        }
    record: dict[str, Any] = {
        "prompt": prompt,
        "chosen": chosen["completion"],
        "rejected": rejected["completion"],
    }
    if tools:
        record["tools"] = tools
    return record


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollouts_to_dpo.py",
        description=(
            "Pair the highest- and lowest-reward rollouts of each task into "
            "DPO records ({'prompt', 'chosen', 'rejected', 'tools'})."
        ),
    )
    parser.add_argument("input", metavar="IN.jsonl", help="Rollouts JSONL ('-' for stdin).")
    parser.add_argument("output", metavar="OUT.jsonl", help="DPO JSONL ('-' for stdout).")
    parser.add_argument(
        "--min-margin",
        type=finite_float,
        default=0.0,
        metavar="M",
        help="Smallest reward difference between chosen and rejected (default: 0.0, "
        "which still requires a positive difference).",
    )
    parser.add_argument(
        "--group-by",
        choices=("task_index", "prompt"),
        default="task_index",
        help="Group rollouts by _ng_task_index or by identical prompt, each within one "
        "agent (default: task_index).",
    )
    parser.add_argument(
        "--format",
        choices=("trl", "openrlhf", "nemo-rl"),
        default="trl",
        help="Record shape: TRL's prompt/chosen/rejected (default), OpenRLHF's "
        "prompt_messages/chosen_messages/rejected_messages, or NeMo RL's context/completions.",
    )
    add_message_options(parser, metadata="task index, agent, rewards, rollout indices")
    add_overwrite_option(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.min_margin < 0:
        parser.error("--min-margin must not be negative")
    check_output(args.output, [args.input], overwrite=args.overwrite)

    rollouts = read_rollouts(args.input)
    skipped: Counter = Counter()
    pairs = build_pairs(
        rollouts,
        min_margin=args.min_margin,
        group_by=args.group_by,
        output_format=args.format,
        skipped=skipped,
        **message_options(args),
    )
    written = write_jsonl(args.output, pairs)
    print_summary("rollouts_to_dpo", len(rollouts), written, skipped, "DPO pairs")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
