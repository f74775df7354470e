"""Tests for examples/converters: the rollout filter, the SFT and DPO converters, the schema.

The converters run as imported functions and as command-line programs, on the
sample rollouts in tests/data/converters and on the real example rollouts that
ship in the nemo-gym wheel (the ``example_rollout_files`` fixture).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from .helpers import (
    EXAMPLES,
    ROOT,
    TEST_DATA,
    TRAINING_DOCS,
    load_scripts,
    run_script,
    write_jsonl,
)

CONVERTERS = EXAMPLES / "converters"
DATA = TEST_DATA / "converters"
SAMPLE = DATA / "rollouts.jsonl"
SCHEMA_PATH = CONVERTERS / "rollout.schema.json"

rollout_io, check_training_files, filter_rollouts = load_scripts(
    CONVERTERS, "rollout_io", "check_training_files", "filter_rollouts"
)
rollouts_to_sft, rollouts_to_dpo, validate_rollouts = load_scripts(
    CONVERTERS, "rollouts_to_sft", "rollouts_to_dpo", "validate_rollouts"
)
ConversionSkip = rollout_io.ConversionSkip

PLACEHOLDER_ROW = "<PLACEHOLDER ROW>"
CHAT_ROLES = {"system", "user", "assistant", "tool"}


# -- helpers ---------------------------------------------------------------------------


def sample_rollouts() -> list[dict]:
    return rollout_io.read_jsonl(str(SAMPLE))


def by_index(rollouts: list[dict], task: int, rollout: int) -> dict:
    return next(
        r for r in rollouts if r["_ng_task_index"] == task and r["_ng_rollout_index"] == rollout
    )


def run(name: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_script(CONVERTERS / f"{name}.py", *args, stdin=stdin)


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def assert_chat_messages(messages: list[dict]) -> None:
    """The structure TRL's conversational format and NeMo RL's openai_format expect."""
    assert messages, "empty message list"
    call_ids: set = set()
    for message in messages:
        assert message["role"] in CHAT_ROLES, message
        assert isinstance(message["content"], str), message
        for call in message.get("tool_calls", []):
            assert message["role"] == "assistant"
            assert call["type"] == "function"
            assert isinstance(call["function"]["name"], str) and call["function"]["name"]
            assert isinstance(call["function"]["arguments"], dict)
            call_ids.add(call["id"])
        if message["role"] == "tool":
            assert "tool_call_id" in message


def assert_sft_record(record: dict) -> None:
    assert set(record) <= {"messages", "tools", "metadata"}
    assert_chat_messages(record["messages"])
    assert record["messages"][-1]["role"] == "assistant"
    for tool in record.get("tools", []):
        assert tool["type"] == "function"
        assert isinstance(tool["function"]["name"], str)
        assert isinstance(tool["function"]["parameters"], dict)


def assert_dpo_record(record: dict) -> None:
    assert set(record) <= {"prompt", "chosen", "rejected", "tools", "metadata"}
    assert_chat_messages(record["prompt"])
    assert record["prompt"][-1]["role"] in ("user", "tool")
    for side in ("chosen", "rejected"):
        assert_chat_messages(record[side])
        assert record[side][-1]["role"] == "assistant"
        assert record[side][0]["role"] in ("assistant", "tool")


# -- rollout_io ------------------------------------------------------------------------


def test_read_jsonl_names_file_and_line_of_invalid_json():
    with pytest.raises(rollout_io.InputError) as excinfo:
        rollout_io.read_jsonl(str(DATA / "bad_line.jsonl"))
    assert str(excinfo.value).startswith(f"{DATA / 'bad_line.jsonl'}:3: not valid JSON")


def test_read_jsonl_rejects_a_line_that_is_not_an_object():
    with pytest.raises(rollout_io.InputError, match=r"not_object\.jsonl:2: expected a JSON object"):
        rollout_io.read_jsonl(str(DATA / "not_object.jsonl"))


def test_read_jsonl_skips_blank_lines(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_text('{"a": 1}\n\n   \n{"a": 2}\n', encoding="utf-8")
    assert rollout_io.read_jsonl(str(path)) == [{"a": 1}, {"a": 2}]


def test_reward_of_ignores_booleans_and_missing_rewards():
    assert rollout_io.reward_of({"reward": 1}) == 1.0
    assert rollout_io.reward_of({"reward": True}) is None
    assert rollout_io.reward_of({}) is None


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_reward_of_ignores_non_finite_rewards(literal):
    # Python's JSON reader accepts these literals; a NaN compares false with every bound.
    rollout = json.loads(f'{{"reward": {literal}}}')
    assert rollout_io.reward_of(rollout) is None


def test_read_jsonl_names_the_line_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "caf\xe9"}\n')
    with pytest.raises(rollout_io.InputError, match=r"latin1\.jsonl:2: not UTF-8 text"):
        rollout_io.read_jsonl(str(path))


def test_read_jsonl_accepts_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n{"a": 2}\n')
    assert rollout_io.read_jsonl(str(path)) == [{"a": 1}, {"a": 2}]


# -- filter_rollouts -------------------------------------------------------------------


def test_filter_drops_masked_rollouts_by_default():
    skipped = Counter()
    kept = filter_rollouts.filter_rollouts(sample_rollouts(), skipped=skipped)
    assert all(r.get("mask_sample") is not True for r in kept)
    assert skipped == Counter({filter_rollouts.SKIP_MASKED: 1})
    assert len(kept) == len(sample_rollouts()) - 1


def test_filter_keep_masked_keeps_everything_without_thresholds():
    kept = filter_rollouts.filter_rollouts(sample_rollouts(), keep_masked=True)
    assert kept == sample_rollouts()


def test_filter_by_reward_range():
    skipped = Counter()
    kept = filter_rollouts.filter_rollouts(
        sample_rollouts(), min_reward=0.5, max_reward=0.9, skipped=skipped
    )
    assert sorted(r["reward"] for r in kept) == [0.5, 0.8]
    assert skipped[filter_rollouts.SKIP_NO_REWARD] == 1
    assert skipped[filter_rollouts.SKIP_BELOW_MIN] == 3
    assert skipped[filter_rollouts.SKIP_ABOVE_MAX] == 5


def test_filter_max_per_task_prefers_high_reward_then_low_rollout_index():
    rollouts = sample_rollouts()
    kept = filter_rollouts.filter_rollouts(rollouts, max_per_task=1)
    task0 = [r for r in kept if r["_ng_task_index"] == 0]
    assert [(r["reward"], r["_ng_rollout_index"]) for r in task0] == [(1.0, 0)]
    assert len({r["_ng_task_index"] for r in kept}) == len(kept)


def test_filter_keeps_input_order():
    kept = filter_rollouts.filter_rollouts(sample_rollouts(), max_per_task=2)
    positions = [sample_rollouts().index(r) for r in kept]
    assert positions == sorted(positions)


def test_filter_drops_nan_rewards_once_a_threshold_is_set():
    rows = [json.loads('{"reward": NaN, "_ng_task_index": 0}'), {"reward": 1.0, "_ng_task_index": 0}]
    skipped = Counter()
    kept = filter_rollouts.filter_rollouts(rows, min_reward=0.5, skipped=skipped)
    assert kept == [rows[1]]
    assert skipped == Counter({filter_rollouts.SKIP_NO_REWARD: 1})
    capped = filter_rollouts.filter_rollouts(rows, max_per_task=1)
    assert capped == [rows[1]]


def test_filter_max_per_task_needs_a_task_index():
    skipped = Counter()
    rows = [{"reward": 1.0}, {"reward": 0.5, "_ng_task_index": 0}]
    kept = filter_rollouts.filter_rollouts(rows, max_per_task=1, skipped=skipped)
    assert kept == [rows[1]]
    assert skipped[filter_rollouts.SKIP_NO_TASK_INDEX] == 1


# -- rollouts_to_sft: message translation ----------------------------------------------


def test_sft_tool_call_rollout():
    record = rollouts_to_sft.rollout_to_sft(by_index(sample_rollouts(), 0, 0))
    assert record["messages"] == [
        {
            "role": "system",
            "content": "When the user asks about the weather, call get_weather once.",
        },
        {"role": "user", "content": "How hot is it in Lisbon today?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": {"city": "Lisbon"}},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_a",
            "name": "get_weather",
            "content": '{"city": "Lisbon", "temp_c": 31}',
        },
        {"role": "assistant", "content": "It is 31 °C in Lisbon."},
    ]
    assert record["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Get the current weather for a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string", "description": "City name."}},
                    "required": ["city"],
                    "additionalProperties": False,
                },
            },
        }
    ]


def test_sft_drops_reasoning_by_default_and_keeps_it_under_a_key():
    rollout = by_index(sample_rollouts(), 0, 2)
    plain = rollouts_to_sft.rollout_to_sft(rollout)
    assert all("reasoning_content" not in m for m in plain["messages"])
    kept = rollouts_to_sft.rollout_to_sft(rollout, reasoning_key="reasoning_content")
    assistants = [m for m in kept["messages"] if m["role"] == "assistant"]
    assert assistants[0]["reasoning_content"] == "The user wants Lisbon's temperature."
    assert assistants[0]["tool_calls"][0]["id"] == "call_b"
    assert assistants[1]["reasoning_content"] == "Report the value."
    assert assistants[1]["content"] == "Lisbon is at 31 °C right now."


def test_sft_merges_text_and_parallel_tool_calls_into_one_assistant_turn():
    record = rollouts_to_sft.rollout_to_sft(by_index(sample_rollouts(), 3, 0))
    roles = [m["role"] for m in record["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool", "assistant"]
    turn = record["messages"][2]
    assert turn["content"] == "I'll search both legs."
    assert [c["id"] for c in turn["tool_calls"]] == ["call_1", "call_2"]
    assert [m["tool_call_id"] for m in record["messages"][3:5]] == ["call_1", "call_2"]


def test_sft_trims_tool_results_after_the_last_assistant_message():
    record = rollouts_to_sft.rollout_to_sft(by_index(sample_rollouts(), 3, 1))
    assert [m["role"] for m in record["messages"]] == ["system", "user", "assistant"]
    assert record["messages"][-1]["tool_calls"][0]["id"] == "call_3"


def test_sft_string_input_and_instructions():
    record = rollouts_to_sft.rollout_to_sft(by_index(sample_rollouts(), 1, 0))
    assert record["messages"] == [
        {"role": "system", "content": "Answer with a number only."},
        {"role": "user", "content": "What is 12 * 12?"},
        {"role": "assistant", "content": "144"},
    ]
    assert "tools" not in record


def test_sft_history_in_the_input_is_translated_too():
    record = rollouts_to_sft.rollout_to_sft(by_index(sample_rollouts(), 5, 0))
    roles = [m["role"] for m in record["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user", "assistant"]
    assert record["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Porto"}
    assert record["messages"][2]["name"] == "get_weather"


def test_sft_skips_incomplete_responses_unless_asked():
    rollout = by_index(sample_rollouts(), 4, 0)
    with pytest.raises(ConversionSkip, match=r"response is incomplete \(max_output_tokens\)"):
        rollouts_to_sft.rollout_to_sft(rollout, keep_all=True)
    record = rollouts_to_sft.rollout_to_sft(rollout, keep_incomplete=True, keep_all=True)
    assert record["messages"][-1] == {"role": "assistant", "content": "The sea, the sea, the"}


def test_sft_flat_tools_and_string_arguments():
    record = rollouts_to_sft.rollout_to_sft(
        by_index(sample_rollouts(), 0, 0), tools_format="flat", arguments_format="string"
    )
    assert record["tools"][0]["name"] == "get_weather"
    assert "function" not in record["tools"][0]
    call = record["messages"][2]["tool_calls"][0]
    assert call["function"]["arguments"] == '{"city": "Lisbon"}'


def test_sft_metadata():
    rollout = by_index(sample_rollouts(), 0, 1)
    record = rollouts_to_sft.rollout_to_sft(rollout, include_metadata=True, keep_all=True)
    assert record["metadata"] == {
        "reward": 0.0,
        "task_index": 0,
        "rollout_index": 1,
        "agent": "weather_simple_agent",
    }


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("responses_create_params"), "no responses_create_params.input"),
        (lambda r: r.pop("response"), "no response.output"),
        (lambda r: r["response"].update(output=[]), "response.output is empty"),
        (
            lambda r: r["response"]["output"].insert(
                0, {"type": "function_call", "name": "f", "arguments": "{", "call_id": "x"}
            ),
            "output[0]: function_call arguments are not valid JSON",
        ),
        (
            lambda r: r["response"]["output"].insert(
                0, {"type": "function_call", "name": "f", "arguments": "[1]", "call_id": "x"}
            ),
            "output[0]: function_call arguments are not a JSON object",
        ),
        (
            lambda r: r["responses_create_params"]["input"].append(
                {"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}
            ),
            "input[2]: content part 'input_image' is not text",
        ),
        (
            lambda r: r["response"]["output"].insert(0, {"type": "web_search_call", "id": "ws"}),
            "output[0]: item type 'web_search_call' has no chat-message form",
        ),
        (
            lambda r: r["responses_create_params"]["tools"].append({"type": "web_search"}),
            "tool type 'web_search' is not a function tool",
        ),
        (
            lambda r: r["response"].update(
                output=[{"type": "function_call_output", "call_id": "c", "output": "x"}]
            ),
            "response has no assistant message",
        ),
    ],
)
def test_sft_skip_reasons(mutate, reason):
    rollout = json.loads(json.dumps(by_index(sample_rollouts(), 0, 0)))
    mutate(rollout)
    with pytest.raises(ConversionSkip) as excinfo:
        rollouts_to_sft.rollout_to_sft(rollout, keep_all=True)
    assert str(excinfo.value) == reason


def test_sft_convert_counts_skips_without_item_positions():
    skipped = Counter()
    records = list(rollouts_to_sft.convert(sample_rollouts(), skipped=skipped, keep_all=True))
    assert len(records) == len(sample_rollouts()) - 1
    assert skipped == Counter({"response is incomplete (max_output_tokens)": 1})
    default: Counter = Counter()
    kept = list(rollouts_to_sft.convert(sample_rollouts(), skipped=default))
    assert all(r["reward"] > 0 and not r.get("mask_sample") for r in sample_rollouts()
               if rollouts_to_sft.rollout_to_sft(r, keep_all=True, keep_incomplete=True) in kept)
    assert default["reward is not positive"] > 0
    assert rollouts_to_sft.reason_key("output[3] output: content part 'x' is not text") == (
        "content part 'x' is not text"
    )
    for record in records:
        assert_sft_record(record)


# -- rollouts_to_dpo -------------------------------------------------------------------


def test_dpo_pairs_highest_and_lowest_reward_per_task():
    skipped = Counter()
    pairs = rollouts_to_dpo.build_pairs(sample_rollouts(), include_metadata=True, skipped=skipped)
    agents = {p["metadata"]["task_index"]: p["metadata"].pop("agent") for p in pairs}
    assert agents == {0: "weather_simple_agent", 3: agents[3]} and agents[3]
    assert [p["metadata"] for p in pairs] == [
        {
            "task_index": 0,
            "chosen_reward": 1.0,
            "rejected_reward": 0.0,
            "chosen_rollout_index": 0,
            "rejected_rollout_index": 1,
        },
        {
            "task_index": 3,
            "chosen_reward": 0.8,
            "rejected_reward": 0.2,
            "chosen_rollout_index": 0,
            "rejected_rollout_index": 1,
        },
    ]
    first = pairs[0]
    assert first["prompt"][-1] == {"role": "user", "content": "How hot is it in Lisbon today?"}
    assert first["chosen"][-1] == {"role": "assistant", "content": "It is 31 °C in Lisbon."}
    assert first["rejected"] == [{"role": "assistant", "content": "I cannot check the weather."}]
    assert first["tools"][0]["function"]["name"] == "get_weather"
    for pair in pairs:
        assert_dpo_record(pair)
    assert skipped == Counter(
        {
            rollouts_to_dpo.SKIP_MASKED: 1,
            rollouts_to_dpo.SKIP_NO_REWARD: 1,
            "response is incomplete (max_output_tokens)": 1,
            rollouts_to_dpo.SKIP_TOO_FEW: 2,
            rollouts_to_dpo.SKIP_MARGIN: 2,
            rollouts_to_dpo.SKIP_MIDDLE: 1,
        }
    )
    assert 2 * len(pairs) + sum(skipped.values()) == len(sample_rollouts())


def test_dpo_min_margin():
    assert len(rollouts_to_dpo.build_pairs(sample_rollouts(), min_margin=0.6)) == 2
    pairs = rollouts_to_dpo.build_pairs(sample_rollouts(), min_margin=0.7, include_metadata=True)
    assert [p["metadata"]["task_index"] for p in pairs] == [0]


def test_dpo_group_by_prompt_matches_task_index_on_one_run():
    rollouts = sample_rollouts()
    by_prompt = rollouts_to_dpo.build_pairs(rollouts, group_by="prompt")
    by_task = rollouts_to_dpo.build_pairs(rollouts)
    assert by_prompt == by_task


def test_dpo_detects_task_indices_shared_by_different_prompts():
    rollouts = sample_rollouts()
    clash = json.loads(json.dumps(by_index(rollouts, 1, 0)))
    clash["_ng_task_index"] = 0
    clash["agent_ref"] = by_index(rollouts, 0, 0)["agent_ref"]  # same task and agent
    clash["reward"] = 0.5
    skipped = Counter()
    pairs = rollouts_to_dpo.build_pairs([*rollouts, clash], include_metadata=True, skipped=skipped)
    assert [p["metadata"]["task_index"] for p in pairs] == [3]
    assert skipped[rollouts_to_dpo.SKIP_MIXED_PROMPTS] == 4


def test_dpo_never_ranks_a_non_finite_reward():
    task0 = [json.loads(json.dumps(r)) for r in sample_rollouts() if r["_ng_task_index"] == 0]
    broken = json.loads(json.dumps(task0[0]))
    broken["reward"] = float("nan")
    broken["_ng_rollout_index"] = 9
    for order in ([broken, *task0], [*task0, broken]):
        skipped = Counter()
        pairs = rollouts_to_dpo.build_pairs(order, include_metadata=True, skipped=skipped)
        assert [p["metadata"]["chosen_rollout_index"] for p in pairs] == [0]
        assert [p["metadata"]["rejected_rollout_index"] for p in pairs] == [1]
        assert skipped[rollouts_to_dpo.SKIP_NO_REWARD] == 1


def test_dpo_skips_a_task_whose_best_and_worst_completions_are_identical():
    task1 = [json.loads(json.dumps(r)) for r in sample_rollouts() if r["_ng_task_index"] == 1]
    assert task1[0]["response"]["output"] == task1[1]["response"]["output"]
    task1[1]["reward"] = 0.0
    skipped = Counter()
    assert rollouts_to_dpo.build_pairs(task1, skipped=skipped) == []
    assert skipped == Counter({rollouts_to_dpo.SKIP_IDENTICAL: 2})


def test_dpo_nemo_rl_format():
    trl_pairs = rollouts_to_dpo.build_pairs(sample_rollouts(), include_metadata=True)
    pairs = rollouts_to_dpo.build_pairs(
        sample_rollouts(), include_metadata=True, output_format="nemo-rl"
    )
    assert len(pairs) == len(trl_pairs) == 2
    for pair, trl_pair in zip(pairs, trl_pairs):
        assert set(pair) == {"context", "completions", "metadata"}
        assert pair["context"] == trl_pair["prompt"]
        assert pair["completions"] == [
            {"rank": 0, "completion": trl_pair["chosen"]},
            {"rank": 1, "completion": trl_pair["rejected"]},
        ]
        assert pair["metadata"] == trl_pair["metadata"]
        assert check_training_files.record_problems(pair) == []


def test_dpo_rollouts_without_task_index():
    rows = [{k: v for k, v in r.items() if k != "_ng_task_index"} for r in sample_rollouts()]
    skipped = Counter()
    assert rollouts_to_dpo.build_pairs(rows, skipped=skipped) == []
    assert skipped[rollouts_to_dpo.SKIP_NO_TASK_INDEX] == 10
    assert len(rollouts_to_dpo.build_pairs(rows, group_by="prompt")) == 2


# -- command-line behaviour ------------------------------------------------------------


def test_cli_filter(tmp_path):
    out = tmp_path / "kept.jsonl"
    result = run(
        "filter_rollouts", str(SAMPLE), str(out), "--min-reward", "1", "--max-per-task", "1"
    )
    assert result.returncode == 0, result.stderr
    kept = read_lines(out)
    assert [(r["_ng_task_index"], r["_ng_rollout_index"]) for r in kept] == [(0, 0), (1, 0), (5, 0)]
    assert result.stderr.splitlines()[0] == (
        "filter_rollouts: read 12 rollouts, wrote 3 rollouts, skipped 9"
    )


def test_cli_sft(tmp_path):
    out = tmp_path / "sft.jsonl"
    result = run("rollouts_to_sft", str(SAMPLE), str(out), "--reasoning-key", "thinking", "--keep-all")
    assert result.returncode == 0, result.stderr
    records = read_lines(out)
    assert len(records) == 11
    for record in records:
        assert_sft_record(record)
    assert "rollouts_to_sft: read 12 rollouts, wrote 11 SFT records, skipped 1" in result.stderr
    assert "response is incomplete (max_output_tokens)" in result.stderr


def test_cli_dpo(tmp_path):
    out = tmp_path / "dpo.jsonl"
    result = run("rollouts_to_dpo", str(SAMPLE), str(out), "--min-margin", "0.5")
    assert result.returncode == 0, result.stderr
    pairs = read_lines(out)
    assert len(pairs) == 2
    for pair in pairs:
        assert_dpo_record(pair)
    assert "rollouts_to_dpo: read 12 rollouts, wrote 2 DPO pairs, skipped 8" in result.stderr


def test_cli_pipeline_through_stdin_and_stdout():
    filtered = run("filter_rollouts", str(SAMPLE), "-", "--min-reward", "0.5")
    assert filtered.returncode == 0, filtered.stderr
    converted = run("rollouts_to_sft", "-", "-", stdin=filtered.stdout)
    assert converted.returncode == 0, converted.stderr
    records = [json.loads(line) for line in converted.stdout.split("\n") if line]
    assert len(records) == 7
    assert "read 7 rollouts" in converted.stderr


@pytest.mark.parametrize("script", ["filter_rollouts", "rollouts_to_sft", "rollouts_to_dpo"])
def test_cli_bad_json_line_exits_1_with_file_and_line(script, tmp_path):
    out = tmp_path / "out.jsonl"
    bad = DATA / "bad_line.jsonl"
    result = run(script, str(bad), str(out))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {bad}:3: not valid JSON")
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("script", ["filter_rollouts", "rollouts_to_sft", "rollouts_to_dpo"])
def test_cli_input_errors(script, tmp_path):
    missing = run(script, str(tmp_path / "nope.jsonl"), str(tmp_path / "out.jsonl"))
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"error: {tmp_path / 'nope.jsonl'}: cannot open input")
    same = run(script, str(SAMPLE), str(SAMPLE))
    assert same.returncode == 1
    assert "output is the input file" in same.stderr
    no_dir = run(script, str(SAMPLE), str(tmp_path / "missing" / "out.jsonl"))
    assert no_dir.returncode == 1
    assert "does not exist" in no_dir.stderr
    for result in (missing, same, no_dir):
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("filter_rollouts", ["--max-per-task", "0"]),
        ("filter_rollouts", ["--min-reward", "1", "--max-reward", "0"]),
        ("rollouts_to_dpo", ["--min-margin", "-1"]),
        ("rollouts_to_sft", ["--tools-format", "nested"]),
    ],
)
def test_cli_usage_errors_exit_2(script, args, tmp_path):
    result = run(script, str(SAMPLE), str(tmp_path / "out.jsonl"), *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


# -- the real example rollouts from the wheel -------------------------------------------


def _load_real(path: Path) -> tuple[list[dict], list[int]]:
    """Parse a real example file; return its objects and the line numbers of placeholder rows."""
    objects, placeholders = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        if line.strip() == PLACEHOLDER_ROW:
            placeholders.append(number)
            continue
        objects.append(json.loads(line))
    return objects, placeholders


@pytest.fixture(scope="module")
def real_rollouts(example_rollout_files) -> dict[Path, list[dict]]:
    """Every parseable real example rollout file, by path."""
    parsed = {}
    for path in example_rollout_files:
        objects, placeholders = _load_real(path)
        if not placeholders:
            parsed[path] = objects
    return parsed


def test_real_files_are_json_lines_or_placeholders(example_rollout_files):
    placeholder_files = []
    for path in example_rollout_files:
        objects, placeholders = _load_real(path)
        assert objects or placeholders, path
        if placeholders:
            assert not objects, f"{path} mixes rollouts and placeholder rows"
            placeholder_files.append(path)
    assert len(placeholder_files) < len(example_rollout_files) // 10


def test_real_placeholder_files_fail_cleanly(example_rollout_files, tmp_path):
    for path in example_rollout_files:
        _, placeholders = _load_real(path)
        if not placeholders:
            continue
        result = run("rollouts_to_sft", str(path), str(tmp_path / "out.jsonl"))
        assert result.returncode == 1
        assert result.stderr.startswith(f"error: {path}:{placeholders[0]}: not valid JSON")
        assert "Traceback" not in result.stderr


def test_real_rollouts_convert_to_sft(real_rollouts):
    totals = Counter()
    for path, rollouts in real_rollouts.items():
        skipped = Counter()
        records = list(rollouts_to_sft.convert(
            rollouts, skipped=skipped, keep_all=True, keep_unknown_tools=True))
        assert len(records) + sum(skipped.values()) == len(rollouts), path
        for record in records:
            assert_sft_record(record)
        totals["records"] += len(records)
        totals["rollouts"] += len(rollouts)
        default = list(rollouts_to_sft.convert(rollouts, include_metadata=True))
        assert all(r["metadata"]["reward"] > 0 for r in default), path
        totals["default"] += len(default)
    # Most shipped examples are text rollouts that convert; multimodal, empty and input-only
    # examples are skipped with a reason. By default only successful rollouts are kept.
    assert totals["records"] > totals["rollouts"] * 0.7
    assert 300 < totals["default"] < totals["records"]


def test_real_rollouts_with_tool_calls_keep_them(real_rollouts):
    calls = 0
    for rollouts in real_rollouts.values():
        for record in rollouts_to_sft.convert(rollouts):
            calls += sum(len(m.get("tool_calls", [])) for m in record["messages"])
    assert calls > 100


def test_real_multireward_example_converts_exactly(gym_release):
    server = gym_release / "resources_servers" / "example_tool_call_multireward"
    path = server / "data" / "example_rollouts.jsonl"
    first = rollout_io.read_jsonl(str(path))[0]
    record = rollouts_to_sft.rollout_to_sft(first, include_metadata=True)
    roles = [m["role"] for m in record["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    call = record["messages"][2]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": {"city": "New York"}}
    assert record["messages"][3]["tool_call_id"] == call["id"]
    assert record["messages"][4]["content"].strip() == "The weather in New York is sunny."
    assert record["tools"][0]["function"]["name"] == "get_weather"
    assert record["metadata"]["reward"] == first["reward"]


def test_docs_sft_example_is_the_converter_output(gym_release):
    """The record shown in prepare-for-training.md is what the converter writes."""
    page = (ROOT / "docs/training/datasets/prepare-for-training.md").read_text(encoding="utf-8")
    shown = json.loads(page.split("```json\n", 1)[1].split("```", 1)[0])
    server = gym_release / "resources_servers" / "example_tool_call_multireward"
    first = rollout_io.read_jsonl(str(server / "data" / "example_rollouts.jsonl"))[0]
    assert rollouts_to_sft.rollout_to_sft(first) == shown


def test_real_rollouts_filter_and_pair(real_rollouts):
    pairs_total = 0
    for path, rollouts in real_rollouts.items():
        kept = filter_rollouts.filter_rollouts(rollouts, min_reward=0.5, max_per_task=1)
        assert all(r["reward"] >= 0.5 for r in kept), path
        for group_by in ("task_index", "prompt"):
            skipped = Counter()
            pairs = rollouts_to_dpo.build_pairs(rollouts, group_by=group_by, skipped=skipped)
            assert 2 * len(pairs) + sum(skipped.values()) == len(rollouts), (path, group_by)
            for pair in pairs:
                assert_dpo_record(pair)
            pairs_total += len(pairs)
    assert pairs_total > 0


def test_real_rollouts_through_the_command_line(real_rollouts, tmp_path):
    combined = tmp_path / "real.jsonl"
    with combined.open("w", encoding="utf-8") as handle:
        for rollouts in real_rollouts.values():
            for rollout in rollouts:
                handle.write(json.dumps(rollout) + "\n")
    count = sum(len(r) for r in real_rollouts.values())

    sft = run("rollouts_to_sft", str(combined), str(tmp_path / "sft.jsonl"))
    assert sft.returncode == 0, sft.stderr
    for record in read_lines(tmp_path / "sft.jsonl"):
        assert_sft_record(record)
    assert f"rollouts_to_sft: read {count} rollouts" in sft.stderr

    # Different servers reuse the same task indices, so grouping the combined file by
    # task index must refuse those groups; grouping by prompt still pairs.
    dpo = run("rollouts_to_dpo", str(combined), str(tmp_path / "dpo.jsonl"))
    assert dpo.returncode == 0, dpo.stderr
    assert rollouts_to_dpo.SKIP_MIXED_PROMPTS in dpo.stderr
    by_prompt = run(
        "rollouts_to_dpo", str(combined), str(tmp_path / "dpo2.jsonl"), "--group-by", "prompt"
    )
    assert by_prompt.returncode == 0, by_prompt.stderr
    assert read_lines(tmp_path / "dpo2.jsonl")

    kept = run(
        "filter_rollouts", str(combined), str(tmp_path / "kept.jsonl"), "--min-reward", "1"
    )
    assert kept.returncode == 0, kept.stderr
    assert all(r["reward"] >= 1 for r in read_lines(tmp_path / "kept.jsonl"))


# -- the rollout JSON Schema -----------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def full_validator(schema) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture(scope="module")
def fields_validator(schema) -> Draft202012Validator:
    wrapper = {
        "$schema": schema["$schema"],
        "$defs": schema["$defs"],
        "$ref": "#/$defs/rollout_fields",
    }
    return Draft202012Validator(wrapper)


def _errors(validator: Draft202012Validator, instance: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(instance)]


def test_schema_accepts_every_real_example_line(real_rollouts, fields_validator, full_validator):
    stamped = unstamped = 0
    for path, rollouts in real_rollouts.items():
        for number, rollout in enumerate(rollouts, start=1):
            if "response" not in rollout or "responses_create_params" not in rollout:
                # A few servers ship example rows of another shape (bbq, genrm_compare,
                # multichallenge, nemo_user_sim): not rollouts, and the schema says so.
                assert any("is a required property" in e for e in _errors(fields_validator, rollout))
                continue
            assert not _errors(fields_validator, rollout), (path, number)
            if "_ng_task_index" in rollout and "_ng_rollout_index" in rollout:
                stamped += 1
                assert not _errors(full_validator, rollout), (path, number)
            else:
                unstamped += 1
                assert _errors(full_validator, rollout), (path, number)
    assert stamped > 0 and unstamped > 0


def test_schema_accepts_the_sample_rollouts(full_validator):
    for rollout in sample_rollouts():
        assert not _errors(full_validator, rollout)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(reward="1"),
        lambda r: r.pop("_ng_task_index"),
        lambda r: r.update(_ng_rollout_index=-1),
        lambda r: r.update(mask_sample="no"),
        lambda r: r.update(_ng_failure_class="agent_run_error"),
        lambda r: r.update(agent_ref={"type": "responses_api_agents"}),
        lambda r: r["responses_create_params"].pop("input"),
        lambda r: r["response"]["output"].append({"role": "assistant", "content": "no type"}),
        lambda r: r["response"]["output"].append(
            {"type": "function_call", "arguments": "{}", "call_id": "c"}
        ),
        lambda r: r["response"]["output"].append(
            {"type": "function_call", "name": "f", "arguments": {}, "call_id": "c"}
        ),
        lambda r: r["response"]["output"][-1].update(prompt_token_ids=[1, 2]),
        lambda r: r.update(reward_components={"correct": "yes"}),
    ],
)
def test_schema_rejects_malformed_lines(full_validator, mutate):
    rollout = json.loads(json.dumps(by_index(sample_rollouts(), 0, 0)))
    assert not _errors(full_validator, rollout)
    mutate(rollout)
    assert _errors(full_validator, rollout)


def test_schema_token_ids_travel_together(full_validator):
    rollout = by_index(sample_rollouts(), 5, 0)
    assert "generation_log_probs" in rollout["response"]["output"][0]
    assert not _errors(full_validator, rollout)


# -- validate_rollouts ------------------------------------------------------------------


def test_validate_rollouts_cli_accepts_the_sample():
    result = run("validate_rollouts", str(SAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip() == "validate_rollouts: checked 12 lines, 0 invalid"


def test_validate_rollouts_cli_reports_file_line_and_path(tmp_path):
    rollouts = sample_rollouts()
    rollouts[1]["reward"] = "high"
    del rollouts[3]["_ng_rollout_index"]
    path = tmp_path / "rollouts.jsonl"
    write_jsonl(path, rollouts)
    result = run("validate_rollouts", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:2: reward: 'high' is not of type 'number'",
        f"{path}:4: (root): '_ng_rollout_index' is a required property",
    ]
    assert "checked 12 lines, 2 invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_rollouts_allow_unstamped(real_rollouts, tmp_path):
    unstamped = next(
        rollouts
        for rollouts in real_rollouts.values()
        if rollouts and "_ng_task_index" not in rollouts[0]
    )
    path = tmp_path / "old.jsonl"
    write_jsonl(path, unstamped)
    assert run("validate_rollouts", str(path)).returncode == 1
    relaxed = run("validate_rollouts", str(path), "--allow-unstamped")
    assert relaxed.returncode == 0, relaxed.stdout


def test_validate_rollouts_functions_match_the_test_validator(full_validator):
    validator = validate_rollouts.load_validator(SCHEMA_PATH)
    broken = json.loads(json.dumps(by_index(sample_rollouts(), 0, 0)))
    broken["mask_sample"] = "no"
    assert validate_rollouts.line_problems(broken, validator) == [
        "mask_sample: 'no' is not of type 'boolean'"
    ]
    assert _errors(full_validator, broken)


def test_validate_rollouts_without_jsonschema(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(rollout_io.InputError, match="needs the jsonschema package"):
        validate_rollouts.load_validator(SCHEMA_PATH)


def test_validate_rollouts_bad_json_line():
    bad = DATA / "bad_line.jsonl"
    result = run("validate_rollouts", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {bad}:3: not valid JSON")


# -- further command-line behaviour ----------------------------------------------------


def test_cli_nan_reward_in_the_file(tmp_path):
    rows = sample_rollouts()
    path = tmp_path / "nan.jsonl"
    lines = [json.dumps(r) for r in rows]
    lines[1] = lines[1].replace('"reward": 0.0', '"reward": NaN')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("filter_rollouts", str(path), str(tmp_path / "out.jsonl"), "--min-reward", "0")
    assert result.returncode == 0, result.stderr
    assert "no numeric reward (a reward threshold is set)" in result.stderr
    kept = read_lines(tmp_path / "out.jsonl")
    assert (0, 1) not in [(r["_ng_task_index"], r["_ng_rollout_index"]) for r in kept]


def test_cli_dpo_nemo_rl_format(tmp_path):
    out = tmp_path / "dpo.jsonl"
    result = run("rollouts_to_dpo", str(SAMPLE), str(out), "--format", "nemo-rl")
    assert result.returncode == 0, result.stderr
    pairs = read_lines(out)
    assert len(pairs) == 2
    assert all(set(p) == {"context", "completions"} for p in pairs)


@pytest.mark.parametrize("script", ["filter_rollouts", "rollouts_to_sft"])
def test_cli_closed_output_pipe_ends_quietly(script, tmp_path):
    big = tmp_path / "big.jsonl"
    line_block = SAMPLE.read_text(encoding="utf-8")
    big.write_text(line_block * 3000, encoding="utf-8")  # far more than a pipe buffer
    process = subprocess.Popen(
        [sys.executable, str(CONVERTERS / f"{script}.py"), str(big), "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.read(100)
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8")
    process.stderr.close()
    # 1 when the closed pipe is noticed; 0 when the whole output fit in the pipe's buffer.
    assert process.wait(timeout=120) in (0, 1)
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr


def test_validate_rollouts_rejects_a_broken_schema(tmp_path):
    not_schema = tmp_path / "schema.json"
    not_schema.write_text('{"type": 12}', encoding="utf-8")
    result = run("validate_rollouts", str(SAMPLE), "--schema", str(not_schema))
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {not_schema}: not a valid JSON Schema")
    assert "Traceback" not in result.stderr

    no_defs = tmp_path / "plain.json"
    no_defs.write_text('{"type": "object"}', encoding="utf-8")
    plain = run("validate_rollouts", str(SAMPLE), "--schema", str(no_defs))
    assert plain.returncode == 0, plain.stdout + plain.stderr
    relaxed = run(
        "validate_rollouts", str(SAMPLE), "--schema", str(no_defs), "--allow-unstamped"
    )
    assert relaxed.returncode == 1
    assert "--allow-unstamped needs a schema with $defs/rollout_fields" in relaxed.stderr
    assert "Traceback" not in relaxed.stderr


# -- check_training_files ---------------------------------------------------------------


def test_check_training_files_accepts_the_converter_output(tmp_path):
    sft, dpo, nemo = tmp_path / "sft.jsonl", tmp_path / "dpo.jsonl", tmp_path / "nemo.jsonl"
    assert run("rollouts_to_sft", str(SAMPLE), str(sft), "--keep-all").returncode == 0
    assert run("rollouts_to_dpo", str(SAMPLE), str(dpo)).returncode == 0
    assert run("rollouts_to_dpo", str(SAMPLE), str(nemo), "--format", "nemo-rl").returncode == 0
    result = run("check_training_files", str(sft), str(dpo), str(nemo))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{sft}: 11 records, ok",
        f"{dpo}: 2 records, ok",
        f"{nemo}: 2 records, ok",
    ]


def test_check_training_files_accepts_every_real_conversion(real_rollouts):
    for rollouts in real_rollouts.values():
        for record in rollouts_to_sft.convert(rollouts):
            assert check_training_files.record_problems(record) == []
        for output_format in ("trl", "nemo-rl"):
            for pair in rollouts_to_dpo.build_pairs(
                rollouts, group_by="prompt", output_format=output_format
            ):
                assert check_training_files.record_problems(pair) == []


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        (
            {"messages": [{"role": "user", "content": "hi"}]},
            "messages does not end with an assistant message",
        ),
        ({"messages": []}, "messages is not a non-empty list of messages"),
        (
            {"messages": [{"role": "robot", "content": "x"}, {"role": "assistant", "content": "y"}]},
            "messages[0] has role 'robot'",
        ),
        (
            {
                "prompt": [{"role": "system", "content": "s"}],
                "chosen": [{"role": "assistant", "content": "a"}],
                "rejected": [{"role": "assistant", "content": "b"}],
            },
            "prompt does not end with a user or tool message",
        ),
        (
            {
                "prompt": [{"role": "user", "content": "q"}],
                "chosen": [{"role": "assistant", "content": "", "tool_calls": [{"function": {}}]}],
                "rejected": [{"role": "assistant", "content": "b"}],
            },
            "chosen[0] has a tool call without a function name",
        ),
        (
            {"context": [{"role": "user", "content": "q"}], "completions": []},
            "completions must hold exactly two entries",
        ),
        ({"text": "plain"}, "no messages, chosen/rejected or completions key"),
    ],
)
def test_check_training_files_reports_problems(record, problem):
    assert problem in check_training_files.record_problems(record)


def test_check_training_files_cli_reports_file_and_line(tmp_path):
    path = tmp_path / "sft.jsonl"
    good = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    bad = {"messages": [{"role": "user", "content": "q"}]}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = run("check_training_files", str(path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:2: messages does not end with an assistant message",
        f"{path}: 2 records, 1 with problems",
    ]
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    failed = run("check_training_files", str(broken))
    assert failed.returncode == 1
    assert failed.stderr.startswith(f"error: {broken}:1: not valid JSON")
    assert "Traceback" not in failed.stderr


# -- check_task_rows (imports nemo_gym, which needs a newer Python than this project) ----

TASK_ROW_STUBS = {
    "pydantic/__init__.py": """
class ValidationError(Exception):
    def __init__(self, errors):
        super().__init__("invalid")
        self._errors = errors

    def errors(self):
        return self._errors
""",
    "nemo_gym/__init__.py": "",
    "nemo_gym/episode_types.py": """
def is_materialized_task_row(row):
    return isinstance(row.get("task_id"), dict) and "task_input" in row
""",
    "nemo_gym/base_resources_server.py": """
from pydantic import ValidationError


class BaseRunRequest:
    @classmethod
    def model_validate(cls, row):
        if not isinstance(row, dict):
            raise ValidationError([{"loc": (), "msg": "Input should be a valid dictionary"}])
        params = row.get("responses_create_params")
        if not isinstance(params, dict):
            raise ValidationError([{"loc": ("responses_create_params",), "msg": "Field required"}])
        if "input" not in params:
            raise ValidationError([{"loc": ("responses_create_params", "input"), "msg": "Field required"}])
        return cls()
""",
}


def test_check_task_rows_imports_only_released_names(gym_release):
    import ast

    tree = ast.parse((CONVERTERS / "check_task_rows.py").read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    gym_imports = [node for node in imports if node.module.startswith("nemo_gym")]
    assert {node.module for node in gym_imports} == {
        "nemo_gym.base_resources_server",
        "nemo_gym.episode_types",
    }
    for node in gym_imports:
        source = gym_release / (node.module.replace(".", "/") + ".py")
        defined = {
            item.name
            for item in ast.parse(source.read_text(encoding="utf-8")).body
            if isinstance(item, (ast.ClassDef, ast.FunctionDef))
        }
        assert {alias.name for alias in node.names} <= defined, node.module
    collate = (gym_release / "nemo_gym" / "train_data_utils.py").read_text(encoding="utf-8")
    assert "sample = BaseRunRequest.model_validate(sample_dict)" in collate
    assert "is_materialized_task_row(sample)" in collate


def test_check_task_rows_reports_file_and_line(tmp_path):
    stubs = tmp_path / "stubs"
    for name, text in TASK_ROW_STUBS.items():
        (stubs / name).parent.mkdir(parents=True, exist_ok=True)
        (stubs / name).write_text(text, encoding="utf-8")
    rows = tmp_path / "train.jsonl"
    rows.write_bytes(
        b'{"responses_create_params": {"input": "hi"}}\n'
        b'{"responses_create_params": {}}\n'
        b"\n"
        b'{"task_id": {"taskset": "t"}, "task_input": {}}\n'
        b"[1]\n"
        b'{"responses_create_params": {"input": "caf\xe9"}}\n'
    )
    stub_env = {"PYTHONPATH": str(stubs), "PATH": "/usr/bin:/bin"}

    def check(*args: object) -> subprocess.CompletedProcess:
        script = CONVERTERS / "check_task_rows.py"
        return run_script(script, *args, env=stub_env, inherit_env=False, timeout=60)

    result = check(rows)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        f"{rows}:2: responses_create_params.input: Field required",
        f"{rows}:3: not valid JSON (Expecting value)",
        f"{rows}:5: (row): Input should be a valid dictionary",
        f"{rows}:6: not UTF-8 text (invalid continuation byte)",
        "4 invalid row(s)",
    ]
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"responses_create_params": {"input": "hi"}}\n', encoding="utf-8")
    ok = check(clean)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "0 invalid row(s)\n"
    missing = check(tmp_path / "missing.jsonl")
    assert missing.returncode == 1 and "cannot open" in missing.stderr
    assert "Traceback" not in missing.stderr
    usage = check()
    assert usage.returncode == 2 and "usage:" in usage.stderr


# -- the pages that show these scripts -------------------------------------------------

PAGES = TRAINING_DOCS / "datasets"


def test_prepare_page_says_nemo_gym_ships_no_converter_and_includes_the_scripts():
    page = (PAGES / "prepare-for-training.md").read_text(encoding="utf-8")
    assert "NeMo Gym 0.7.0 has no rollouts-to-SFT or DPO converter" in page
    for script in ("filter_rollouts.py", "rollouts_to_sft.py", "rollouts_to_dpo.py",
                   "check_training_files.py"):
        assert f"{{literalinclude}} /../examples/converters/{script}" in page, script


def test_pages_include_only_scripts_that_exist():
    import re

    for page in PAGES.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"/\.\./(examples/converters/[\w.]+)", text):
            assert (ROOT / target).is_file(), (page.name, target)


def test_deprecated_collate_alias_is_mentioned_once_site_wide():
    hits = [
        (page.relative_to(ROOT), text.count("ng_prepare_data"))
        for page in (ROOT / "docs").rglob("*.md")
        if "ng_prepare_data" in (text := page.read_text(encoding="utf-8"))
    ]
    # Once where the command is taught, and once in the table of every deprecated name.
    assert sorted(hits) == [(Path("docs/training/datasets/validate-format.md"), 1),
                            (Path("docs/training/rollout-collection/configuration-reference.md"), 1)]
