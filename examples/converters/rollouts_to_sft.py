"""Convert NeMo Gym rollouts to chat-message SFT records.

Usage:
    python rollouts_to_sft.py IN.jsonl OUT.jsonl [--keep-all] [--reasoning-key KEY]
                              [--tools-format {function,flat}]
                              [--arguments-format {object,string}]
                              [--keep-incomplete] [--keep-unknown-tools]
                              [--include-metadata] [--overwrite]

Each output line is {"messages": [...]} plus "tools" when the task offered
tools: the conversational language-modeling format that TRL's SFTTrainer and
NeMo RL's openai_format dataset read. The messages are the task's
responses_create_params.input followed by the rollout's response.output,
translated from Responses API items to chat messages:

    message (system, developer, user)   -> {"role": ..., "content": str}
                                            (developer becomes system)
    message (assistant) / output_text   -> {"role": "assistant", "content": str}
    function_call                       -> "tool_calls" entry on an assistant message
    function_call_output                -> {"role": "tool", "tool_call_id", "name", "content"}
    reasoning, inline <think>...</think> -> dropped, or kept under --reasoning-key
                                           on the next assistant message

The record ends at the last assistant message of the response: tool results
or user turns after it are dropped. Skipped, each with a counted reason:
masked rollouts and rollouts whose reward is missing or not positive (unless
--keep-all), rollouts with no message before the first assistant message,
incomplete responses (unless --keep-incomplete), and rollouts that call tools
the rollout does not define (unless --keep-unknown-tools). The whole input is
read and converted before the output is written. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from rollout_io import (
    EXIT_OK,
    ConversionSkip,
    add_overwrite_option,
    check_output,
    is_masked,
    print_summary,
    read_rollouts,
    reward_of,
    run_cli,
    write_jsonl,
)

_POSITION = re.compile(r"^(?:input|output)\[\d+\](?: output)?: ")
# Inline reasoning at the start of an assistant message: "<think>...</think>answer", or
# "...</think>answer" when the chat template opened the tag in the prompt.
_INLINE_REASONING = re.compile(r"\A\s*(?:<think>)?(?P<reasoning>.*?)</think>\s*", re.DOTALL)
_UNCLOSED_REASONING = re.compile(r"\A\s*<think>(?P<reasoning>.*)\Z", re.DOTALL)

SKIP_MASKED = "mask_sample is true"
SKIP_NO_REWARD = "no numeric reward"
SKIP_NOT_POSITIVE = "reward is not positive"
SKIP_EMPTY_PROMPT = "prompt is empty: no message before the first assistant message"
SKIP_UNKNOWN_TOOLS = (
    "calls tools that the rollout does not define (the agent defines them outside "
    "responses_create_params); tools unknown"
)
TEXT_PART_TYPES = {"input_text", "output_text", "text", "summary_text", "reasoning_text"}
ROLE_MAP = {"developer": "system", "system": "system", "user": "user", "assistant": "assistant"}


def content_to_text(content: Any, where: str) -> str:
    """Flatten a Responses API content value (a string or a list of parts) to text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ConversionSkip(f"{where}: content is {type(content).__name__}, not text")
    pieces: list[str] = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
            continue
        part_type = part.get("type") if isinstance(part, dict) else None
        if part_type in TEXT_PART_TYPES:
            pieces.append(str(part.get("text") or ""))
        elif part_type == "refusal":
            pieces.append(str(part.get("refusal") or ""))
        else:
            raise ConversionSkip(f"{where}: content part {part_type!r} is not text")
    return "".join(pieces)


def split_inline_reasoning(text: str) -> tuple[str, str]:
    """Split an assistant message's text into (inline reasoning, answer).

    Reasoning written inline as ``<think>...</think>`` at the start of the
    message (or ending in ``</think>`` when the prompt opened the tag) is
    treated like a reasoning item. Text without it comes back unchanged.
    """
    pieces = []
    while "</think>" in text:  # a model may close the tag more than once
        match = _INLINE_REASONING.match(text)
        if not match or "<think>" in match.group("reasoning"):
            break
        pieces.append(match.group("reasoning").strip())
        text = text[match.end():]
    if pieces:
        return "\n".join(piece for piece in pieces if piece), text
    match = _UNCLOSED_REASONING.match(text)
    if match:  # cut off before the closing tag: all of it is reasoning
        return match.group("reasoning").strip(), ""
    return "", text


def reasoning_to_text(item: dict[str, Any]) -> str:
    """The text of a reasoning item: its content when present, else its summary."""
    for key in ("content", "summary"):
        parts = item.get(key)
        if isinstance(parts, list):
            texts = [
                str(part.get("text") or "")
                for part in parts
                if isinstance(part, dict) and part.get("text")
            ]
            if texts:
                return "\n".join(texts)
    return ""


class _ChatBuilder:
    """Accumulate chat messages from Responses API items, one assistant turn at a time."""

    def __init__(self, *, reasoning_key: str | None, arguments_format: str) -> None:
        self.messages: list[dict[str, Any]] = []
        self.reasoning_key = reasoning_key
        self.arguments_format = arguments_format
        self.from_output: list[bool] = []  # parallel to messages: built from response.output?
        self.call_names: dict[str, str] = {}
        self._turn: dict[str, Any] | None = None
        self._turn_from_output = False
        self._current_from_output = False
        self._reasoning: list[str] = []

    def _turn_has_output(self) -> bool:
        return bool(self._turn and (self._turn["content"] or self._turn.get("tool_calls")))

    def _open_turn(self) -> dict[str, Any]:
        if self._turn is None:
            self._turn = {"role": "assistant", "content": ""}
            self._turn_from_output = False
        self._turn_from_output = self._turn_from_output or self._current_from_output
        return self._turn

    def _append(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self.from_output.append(self._current_from_output)

    def close_turn(self) -> None:
        """Finish the open assistant turn.

        A turn with no text and no tool call is not written, but its reasoning is
        kept for the next assistant message (see finish).
        """
        if self._turn is not None and self._turn_has_output():
            if self.reasoning_key and self._reasoning:
                self._turn[self.reasoning_key] = "\n".join(self._reasoning)
            self.messages.append(self._turn)
            self.from_output.append(self._turn_from_output)
            self._reasoning = []
        self._turn = None

    def finish(self) -> None:
        """Close the last turn; reasoning that no assistant message follows joins the one before."""
        self.close_turn()
        if self.reasoning_key and self._reasoning:
            for message in reversed(self.messages):
                if message["role"] == "assistant":
                    earlier = message.get(self.reasoning_key)
                    message[self.reasoning_key] = "\n".join(
                        [earlier, *self._reasoning] if earlier else self._reasoning
                    )
                    break
        self._reasoning = []

    def add(self, item: Any, where: str, from_output: bool = False) -> None:
        self._current_from_output = from_output
        if not isinstance(item, dict):
            raise ConversionSkip(f"{where}: item is {type(item).__name__}, not an object")
        item_type = item.get("type", "message")
        if item_type == "message":
            self._add_message(item, where)
        elif item_type == "function_call":
            self._add_function_call(item, where)
        elif item_type == "function_call_output":
            self.close_turn()
            call_id = item.get("call_id")
            message: dict[str, Any] = {"role": "tool", "tool_call_id": call_id}
            if call_id in self.call_names:
                message["name"] = self.call_names[call_id]
            output = item.get("output")
            message["content"] = content_to_text(output, f"{where} output")
            self._append(message)
        elif item_type == "reasoning":
            if self._turn_has_output():
                self.close_turn()
            self._open_turn()
            text = reasoning_to_text(item)
            if text:
                self._reasoning.append(text)
        else:
            raise ConversionSkip(f"{where}: item type {item_type!r} has no chat-message form")

    def _add_message(self, item: dict[str, Any], where: str) -> None:
        role = ROLE_MAP.get(item.get("role"))
        if role is None:
            raise ConversionSkip(f"{where}: message role {item.get('role')!r} is not supported")
        text = content_to_text(item.get("content"), where)
        if role == "assistant":
            if self._turn_has_output():
                self.close_turn()
            reasoning, text = split_inline_reasoning(text)
            turn = self._open_turn()
            if reasoning:
                self._reasoning.append(reasoning)
            turn["content"] = text
            return
        self.close_turn()
        self._append({"role": role, "content": text})

    def _add_function_call(self, item: dict[str, Any], where: str) -> None:
        name, call_id, arguments = item.get("name"), item.get("call_id"), item.get("arguments")
        if not isinstance(name, str) or not name:
            raise ConversionSkip(f"{where}: function_call has no name")
        if self.arguments_format == "object":
            try:
                parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
            except json.JSONDecodeError:
                reason = f"{where}: function_call arguments are not valid JSON"
                raise ConversionSkip(reason) from None
            if not isinstance(parsed, dict):
                raise ConversionSkip(f"{where}: function_call arguments are not a JSON object")
            arguments = parsed
        elif not isinstance(arguments, str):
            arguments = json.dumps(arguments)
        function = {"name": name, "arguments": arguments}
        call = {"id": call_id, "type": "function", "function": function}
        self._open_turn().setdefault("tool_calls", []).append(call)
        if isinstance(call_id, str):
            self.call_names[call_id] = name


def items_to_messages(
    items: Iterable[Any],
    *,
    reasoning_key: str | None = None,
    arguments_format: str = "object",
    where: str = "item",
) -> list[dict[str, Any]]:
    """Translate a sequence of Responses API items to chat messages."""
    builder = _ChatBuilder(reasoning_key=reasoning_key, arguments_format=arguments_format)
    for position, item in enumerate(items):
        builder.add(item, f"{where}[{position}]")
    builder.finish()
    return builder.messages


def conversation_messages(
    prompt: Iterable[Any],
    completion: Iterable[Any],
    *,
    reasoning_key: str | None = None,
    arguments_format: str = "object",
    prompt_required: bool = True,
) -> list[dict[str, Any]]:
    """Translate input items then output items, ending at the rollout's last assistant message.

    Tool results and user messages after the last assistant message that came
    from ``response.output`` carry nothing to learn and are dropped. A rollout
    whose output yields no assistant message raises ConversionSkip, and so does
    one with no message before its first assistant message (``prompt_required``):
    chat templates and OpenRLHF's multi-turn SFT need a prompt to render.
    """
    builder = _ChatBuilder(reasoning_key=reasoning_key, arguments_format=arguments_format)
    for position, item in enumerate(prompt):
        builder.add(item, f"input[{position}]", from_output=False)
    for position, item in enumerate(completion):
        builder.add(item, f"output[{position}]", from_output=True)
    builder.finish()
    last = None
    for index, message in enumerate(builder.messages):
        if message["role"] == "assistant" and builder.from_output[index]:
            last = index
    if last is None:
        raise ConversionSkip("response has no assistant message")
    messages = builder.messages[: last + 1]
    if prompt_required and messages[0]["role"] == "assistant":
        raise ConversionSkip(SKIP_EMPTY_PROMPT)
    return messages


def input_items(responses_create_params: Any) -> list[Any]:
    """The task's input as a list of items, with ``instructions`` as a leading system message."""
    if not isinstance(responses_create_params, dict) or "input" not in responses_create_params:
        raise ConversionSkip("no responses_create_params.input")
    raw = responses_create_params["input"]
    if isinstance(raw, str):
        items: list[Any] = [{"type": "message", "role": "user", "content": raw}]
    elif isinstance(raw, list):
        items = list(raw)
    else:
        raise ConversionSkip("responses_create_params.input is neither a string nor a list")
    instructions = responses_create_params.get("instructions")
    if isinstance(instructions, str) and instructions:
        items.insert(0, {"type": "message", "role": "system", "content": instructions})
    return items


def output_items(rollout: dict[str, Any]) -> list[Any]:
    """The rollout's ``response.output`` items."""
    response = rollout.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("output"), list):
        raise ConversionSkip("no response.output")
    if not response["output"]:
        raise ConversionSkip("response.output is empty")
    return response["output"]


def convert_tools(tools: Any, tools_format: str = "function") -> list[dict[str, Any]]:
    """Translate Responses API function tools to chat-template tool schemas.

    ``function`` gives {"type": "function", "function": {name, description, parameters}},
    the shape transformers' get_json_schema produces and TRL documents.
    ``flat`` gives {"type": "function", name, description, parameters}, the shape
    NeMo RL's SFT guide shows.
    """
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise ConversionSkip("responses_create_params.tools is not a list")
    converted: list[dict[str, Any]] = []
    for tool in tools:
        if not isinstance(tool, dict) or tool.get("type", "function") != "function":
            tool_type = tool.get("type") if isinstance(tool, dict) else type(tool).__name__
            raise ConversionSkip(f"tool type {tool_type!r} is not a function tool")
        spec = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        schema: dict[str, Any] = {"name": spec.get("name")}
        if spec.get("description") is not None:
            schema["description"] = spec["description"]
        schema["parameters"] = spec.get("parameters") or {"type": "object", "properties": {}}
        if not isinstance(schema["name"], str) or not schema["name"]:
            raise ConversionSkip("a function tool has no name")
        if tools_format == "flat":
            converted.append({"type": "function", **schema})
        else:
            converted.append({"type": "function", "function": schema})
    return converted


def check_trainable(rollout: dict[str, Any]) -> None:
    """Raise ConversionSkip for a masked rollout or one whose reward is missing or not positive."""
    if is_masked(rollout):
        raise ConversionSkip(SKIP_MASKED)
    reward = reward_of(rollout)
    if reward is None:
        raise ConversionSkip(SKIP_NO_REWARD)
    if reward <= 0:
        raise ConversionSkip(SKIP_NOT_POSITIVE)


def rollout_tools(rollout: dict[str, Any], tools_format: str) -> list[dict[str, Any]]:
    """The tools offered to the model: ``responses_create_params.tools``, else ``response.tools``."""
    params = rollout.get("responses_create_params")
    tools = convert_tools(params.get("tools"), tools_format) if isinstance(params, dict) else []
    response = rollout.get("response")
    if not tools and isinstance(response, dict):
        tools = convert_tools(response.get("tools"), tools_format)
    return tools


def check_tools_known(
    messages: list[dict[str, Any]], tools: list[dict[str, Any]], keep_unknown_tools: bool
) -> None:
    """Raise ConversionSkip when messages call tools that no tools list defines."""
    if not tools and not keep_unknown_tools and any(m.get("tool_calls") for m in messages):
        raise ConversionSkip(SKIP_UNKNOWN_TOOLS)


def rollout_to_sft(
    rollout: dict[str, Any],
    *,
    reasoning_key: str | None = None,
    tools_format: str = "function",
    arguments_format: str = "object",
    keep_incomplete: bool = False,
    include_metadata: bool = False,
    keep_all: bool = False,
    keep_unknown_tools: bool = False,
) -> dict[str, Any]:
    """Convert one rollout to an SFT record, or raise ConversionSkip with the reason.

    Unless ``keep_all``, masked rollouts and rollouts whose reward is missing or
    not positive are skipped: SFT imitates every record it is given.
    """
    if not keep_all:
        check_trainable(rollout)
    params = rollout.get("responses_create_params")
    prompt = input_items(params)
    completion = output_items(rollout)
    response = rollout["response"]
    if response.get("incomplete_details") and not keep_incomplete:
        reason = response["incomplete_details"]
        detail = reason.get("reason") if isinstance(reason, dict) else reason
        raise ConversionSkip(f"response is incomplete ({detail})")
    messages = conversation_messages(
        prompt, completion, reasoning_key=reasoning_key, arguments_format=arguments_format
    )
    record: dict[str, Any] = {"messages": messages}
    tools = rollout_tools(rollout, tools_format)
    check_tools_known(messages, tools, keep_unknown_tools)
    if tools:
        record["tools"] = tools
    if include_metadata:
        record["metadata"] = rollout_metadata(rollout)
    return record


def rollout_metadata(rollout: dict[str, Any]) -> dict[str, Any]:
    """Bookkeeping fields carried over with --include-metadata."""
    agent_ref = rollout.get("agent_ref")
    return {
        "reward": reward_of(rollout),
        "task_index": rollout.get("_ng_task_index"),
        "rollout_index": rollout.get("_ng_rollout_index"),
        "agent": agent_ref.get("name") if isinstance(agent_ref, dict) else None,
    }


def convert(
    rollouts: Iterable[dict[str, Any]],
    *,
    skipped: Counter | None = None,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """Yield an SFT record for each convertible rollout; count the others in ``skipped``."""
    if skipped is None:
        skipped = Counter()
    for rollout in rollouts:
        try:
            yield rollout_to_sft(rollout, **options)
        except ConversionSkip as exc:
            skipped[reason_key(str(exc))] += 1


def reason_key(message: str) -> str:
    """Drop the item position from a skip reason so that equal reasons count together."""
    return _POSITION.sub("", message)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollouts_to_sft.py",
        description=(
            "Convert NeMo Gym rollouts to chat-message SFT records ({'messages', 'tools'})."
        ),
    )
    parser.add_argument("input", metavar="IN.jsonl", help="Rollouts JSONL ('-' for stdin).")
    parser.add_argument("output", metavar="OUT.jsonl", help="SFT JSONL ('-' for stdout).")
    parser.add_argument(
        "--keep-all",
        action="store_true",
        help="Keep masked rollouts and rollouts whose reward is missing or not positive "
        "(left out by default).",
    )
    add_message_options(parser, metadata="reward, task_index, rollout_index, agent")
    add_overwrite_option(parser)
    return parser


MESSAGE_OPTIONS = (
    "reasoning_key",
    "tools_format",
    "arguments_format",
    "keep_incomplete",
    "include_metadata",
    "keep_unknown_tools",
)


def message_options(args: argparse.Namespace) -> dict[str, Any]:
    """The values of the options add_message_options adds, as keyword arguments."""
    return {name: getattr(args, name) for name in MESSAGE_OPTIONS}


def add_message_options(parser: argparse.ArgumentParser, *, metadata: str) -> None:
    """The options that shape the messages, shared with rollouts_to_dpo.py."""
    parser.add_argument(
        "--reasoning-key",
        metavar="KEY",
        help=(
            "Keep reasoning items as this key on assistant messages "
            "(for example reasoning_content or thinking). Dropped by default."
        ),
    )
    parser.add_argument(
        "--tools-format",
        choices=("function", "flat"),
        default="function",
        help="Shape of each tools entry (default: function).",
    )
    parser.add_argument(
        "--arguments-format",
        choices=("object", "string"),
        default="object",
        help="Tool-call arguments as a JSON object or the raw JSON string (default: object).",
    )
    parser.add_argument(
        "--keep-incomplete",
        action="store_true",
        help="Keep rollouts whose response has incomplete_details (skipped by default).",
    )
    parser.add_argument(
        "--keep-unknown-tools",
        action="store_true",
        help="Keep rollouts that call tools the rollout does not define, without a tools "
        "list (skipped by default: the agent defined its tools outside the request).",
    )
    parser.add_argument(
        "--include-metadata",
        action="store_true",
        help=f"Add a metadata object ({metadata}) to each record.",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_output(args.output, [args.input], overwrite=args.overwrite)
    rollouts = read_rollouts(args.input)
    skipped: Counter = Counter()
    records = list(
        convert(rollouts, skipped=skipped, keep_all=args.keep_all, **message_options(args))
    )
    written = write_jsonl(args.output, records)
    print_summary("rollouts_to_sft", len(rollouts), written, skipped, "SFT records")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
