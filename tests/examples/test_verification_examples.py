"""Tests for examples/verification: the reward helpers and the reward report.

The helpers are checked on hand-made inputs and against real rollouts shipped
in the nemo-gym wheel, where the released verifier's own verdict is recorded
next to the response it scored.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

VERIFICATION = Path(__file__).resolve().parents[2] / "examples" / "verification"
sys.path.insert(0, str(VERIFICATION))

import reward_helpers as rh  # noqa: E402
import reward_report as rr  # noqa: E402


def _rollouts(gym_release: Path, server: str) -> list[dict]:
    path = gym_release / "resources_servers" / server / "data" / "example_rollouts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _response(*texts: str, incomplete: str | None = None, output_tokens: int | None = None) -> dict:
    response: dict = {
        "output": [
            {"type": "reasoning", "summary": []},
            {"type": "function_call", "name": "lookup", "arguments": "{}"},
            *(
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}
                for text in texts
            ),
        ],
        "incomplete_details": {"reason": incomplete} if incomplete else None,
    }
    if output_tokens is not None:
        response["usage"] = {"input_tokens": 10, "output_tokens": output_tokens}
    return response


# --- reading text ---------------------------------------------------------------


def test_response_text_joins_assistant_output_text_only():
    assert rh.response_text(_response("Hello ", "world")) == "Hello world"
    assert rh.response_text({"output": []}) == ""
    user_echo = {"output": [{"type": "message", "role": "user", "content": [{"type": "output_text", "text": "x"}]}]}
    assert rh.response_text(user_echo) == ""


# --- extraction --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"so the result is \boxed{42}.", "42"),
        (r"\boxed{1} then \boxed{\frac{1}{2}}", r"\frac{1}{2}"),
        (r"\boxed{\text{Paris}}", "Paris"),
        (r"\boxed {7}", "7"),
        (r"\boxed{unclosed", None),
        ("no box here", None),
    ],
)
def test_extract_boxed(text, expected):
    assert rh.extract_boxed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Work.\nFinal answer: 15.", "15"),
        ("answer: first\nAnswer: second", "second"),
        ("ANSWER:  Paris ", "Paris"),
        ("no label", None),
    ],
)
def test_extract_final_answer(text, expected):
    assert rh.extract_final_answer(text) == expected


def test_extract_answer_order_and_fallback():
    assert rh.extract_answer("Answer: 3\n\\boxed{4}") == "3"
    assert rh.extract_answer("\\boxed{4}") == "4"
    assert rh.extract_answer("just text\nlast line ") is None
    assert rh.extract_answer("just text\nlast line ", fall_back_to_last_line=True) == "last line"
    assert rh.extract_last_line("  \n \n") is None


# --- comparison ---------------------------------------------------------------------


def test_normalize_and_exact_match():
    assert rh.normalize_text("  Hello \n  World ") == "hello world"
    assert rh.normalize_text('"Paris."', strip_punctuation=True) == "paris"
    assert rh.exact_match("PARIS", "paris") == 1.0
    assert rh.exact_match("Paris.", "paris") == 0.0
    assert rh.exact_match("Paris.", "paris", strip_punctuation=True) == 1.0
    assert rh.exact_match(None, "paris") == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42.0),
        (" 7 ", 7.0),
        ("-2.5", -2.5),
        ("1e-3", 0.001),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("12 345", 12345.0),
        ("$5", 5.0),
        (r"\$1,000", 1000.0),
        ("50%", 50.0),
        (r"50\%", 50.0),
        ("3/4", 0.75),
        (r"\frac{3}{4}", 0.75),
        (r"\dfrac{1}{8}", 0.125),
        ("1/0", None),
        ("3 4", None),
        ("about 5", None),
        ("x = 3", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_number(text, expected):
    assert rh.parse_number(text) == expected


def test_numbers_match():
    assert rh.numbers_match(0.1 + 0.2, 0.3)
    assert not rh.numbers_match(100.0, 101.0)
    assert rh.numbers_match(100.0, 101.0, rel_tol=0.02)
    assert rh.numbers_match(0.0, 1e-9, abs_tol=1e-6)
    assert not rh.numbers_match(None, 1.0)
    assert not rh.numbers_match(1.0, None)


# --- shaping ------------------------------------------------------------------------


def test_partial_and_all_or_nothing_credit():
    assert rh.fraction_passed([True, False, True, True]) == 0.75
    assert rh.fraction_passed([]) == 0.0
    assert rh.all_passed([True, True]) == 1.0
    assert rh.all_passed([True, False]) == 0.0
    assert rh.all_passed([]) == 0.0


def test_truncation_and_usage():
    assert rh.is_truncated(_response("x", incomplete="max_output_tokens"))
    assert not rh.is_truncated(_response("x", incomplete="content_filter"))
    assert not rh.is_truncated(_response("x"))
    assert rh.output_tokens(_response("x", output_tokens=321)) == 321
    assert rh.output_tokens(_response("x")) is None


def test_length_penalty_ramp():
    kwargs = {"soft_limit": 1000, "hard_limit": 2000, "max_penalty": 0.5}
    assert rh.length_penalty(None, **kwargs) == 0.0
    assert rh.length_penalty(800, **kwargs) == 0.0
    assert rh.length_penalty(1000, **kwargs) == 0.0
    assert rh.length_penalty(1500, **kwargs) == pytest.approx(0.25)
    assert rh.length_penalty(2000, **kwargs) == 0.5
    assert rh.length_penalty(9000, **kwargs) == 0.5
    with pytest.raises(ValueError):
        rh.length_penalty(10, soft_limit=100, hard_limit=100)
    with pytest.raises(ValueError):
        rh.length_penalty(10, soft_limit=1, hard_limit=2, max_penalty=-1)


def test_clamp():
    assert rh.clamp(1.4) == 1.0
    assert rh.clamp(-0.2) == 0.0
    assert rh.clamp(0.3) == 0.3
    assert rh.clamp(-3, -1, 1) == -1
    with pytest.raises(ValueError):
        rh.clamp(0, 1, 0)


# --- combining ----------------------------------------------------------------------


def test_weighted_components_and_sum():
    components = {"correctness": 1.0, "format": 0.0, "schema_valid": 1.0}
    assert rh.weighted_sum(components) == 2.0
    weights = {"correctness": 1.0, "format": 0.5, "schema_valid": 0.25}
    assert rh.weighted_components(components, weights) == {"correctness": 1.0, "format": 0.0, "schema_valid": 0.25}
    assert rh.weighted_sum(components, weights) == 1.25
    with pytest.raises(ValueError, match="missing"):
        rh.weighted_sum(components, {"correctness": 1.0})
    with pytest.raises(ValueError, match="unknown"):
        rh.weighted_sum({"a": 1.0}, {"a": 1.0, "b": 2.0})


def test_reward_matches_components():
    assert rh.reward_matches_components(2.0, {"a": 1.0, "b": 1.0})
    assert rh.reward_matches_components(0.3, {"a": 0.1, "b": 0.2})
    assert not rh.reward_matches_components(1.0, {"a": 1.0, "b": 1.0})


# --- against the released verifiers' own verdicts ------------------------------------


def test_helpers_reproduce_string_match_extraction(gym_release):
    rows = _rollouts(gym_release, "string_match")
    assert rows
    for row in rows:
        text = rh.response_text(row["response"])
        assert rh.extract_answer(text, fall_back_to_last_line=True) == row["extracted_answer"]


def test_helpers_reproduce_equivalence_rule_exact_rewards(gym_release):
    rows = _rollouts(gym_release, "equivalence_rule")
    assert rows
    for row in rows:
        text = rh.response_text(row["response"])
        assert rh.exact_match(text, row["expected_answer"]) == row["reward"]


def test_multireward_rollouts_sum_their_components(gym_release):
    rows = _rollouts(gym_release, "example_tool_call_multireward")
    assert rows
    for row in rows:
        assert rh.reward_matches_components(row["reward"], row["reward_components"])
        assert rh.weighted_sum(row["reward_components"]) == row["reward"]
        for name, value in row["reward_components"].items():
            assert row[name] == value  # each component is also a top-level metric field
        assert not rh.is_truncated(row["response"])
        assert rh.output_tokens(row["response"]) == row["response"]["usage"]["output_tokens"]


# --- the reward report ----------------------------------------------------------------


def test_summarize_counts_masks_groups_and_components():
    rows = [
        {"_ng_task_index": 0, "reward": 1.0, "reward_components": {"a": 1.0, "b": 0.0}},
        {"_ng_task_index": 0, "reward": 1.0, "reward_components": {"a": 0.5, "b": 0.5}},
        {"_ng_task_index": 1, "reward": 0.0, "reward_components": {"a": 0.0, "b": 0.0}},
        {"_ng_task_index": 1, "reward": 2.0, "reward_components": {"a": 1.0, "b": 0.0}},
        {
            "_ng_task_index": 2,
            "reward": 0.0,
            "mask_sample": True,
            "failure_kind": "judge_failed",
            "instance_config": {"mask_sample": True},
        },
    ]
    summary = rr.summarize(rows)
    assert summary["rollouts"] == 5
    assert summary["scored"] == 4
    assert summary["masked"] == 1
    assert summary["instance_config_masked"] == 1
    assert summary["failure_kinds"] == {"judge_failed": 1}
    assert summary["mean_reward"] == 1.0
    assert summary["reward_values"] == {0.0: 1, 1.0: 2, 2.0: 1}
    assert summary["tasks_with_repeats"] == 2
    assert summary["tasks_with_identical_rewards"] == 1
    assert summary["component_means"] == {"a": 0.625, "b": 0.125}
    assert summary["reward_component_mismatches"] == 1
    text = rr.format_summary(summary)
    assert "rollouts: 5 (scored 4, masked 1)" in text
    assert "masked by failure_kind: judge_failed=1" in text
    assert "rows whose reward != sum(reward_components): 1" in text


def test_summarize_empty():
    summary = rr.summarize([])
    assert summary["mean_reward"] is None
    assert "mean reward: n/a" in rr.format_summary(summary)


def test_report_main_on_released_multireward_rollouts(gym_release, capsys):
    path = gym_release / "resources_servers/example_tool_call_multireward/data/example_rollouts.jsonl"
    assert rr.main([str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "rollouts: 5 (scored 5, masked 0)",
        "mean reward: 2",
        "reward values: 2 x5",
        "tasks with 2+ rollouts: 0 (0 with identical rewards)",
        "reward_components means: correctness=1, format=0, schema_valid=1",
        "rows whose reward != sum(reward_components): 0",
    ]
    assert rr.main([str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["component_means"]["correctness"] == 1.0


def test_report_main_reports_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"reward": 1.0}\nnot json\n', encoding="utf-8")
    assert rr.main([str(bad)]) == 1
    assert "bad.jsonl:2: not a JSON line" in capsys.readouterr().err
    assert rr.main([str(tmp_path / "missing.jsonl")]) == 1


def test_report_runs_on_every_parseable_released_rollout_file(example_rollout_files):
    checked = 0
    for path in example_rollout_files:
        try:
            rows = rr.load_rollouts(path)
        except ValueError:
            continue  # a few servers ship placeholder rows instead of rollouts
        summary = rr.summarize(rows)
        assert summary["rollouts"] == len(rows)
        assert summary["scored"] + summary["masked"] <= len(rows)
        assert summary["mean_reward"] is None or math.isfinite(summary["mean_reward"])
        rr.format_summary(summary)
        checked += 1
    assert checked > 100


def test_summarize_without_task_indices_does_not_invent_groups(gym_release):
    rows = _rollouts(gym_release, "math_with_judge")
    assert all("_ng_task_index" not in row for row in rows)
    summary = rr.summarize(rows)
    assert summary["rows_without_task_index"] == len(rows)
    assert summary["tasks_with_repeats"] == 0
    assert "tasks with 2+ rollouts: unknown (no row has _ng_task_index)" in rr.format_summary(summary)


def test_compare_rewards_by_key_and_by_position():
    before = [
        {"_ng_task_index": 0, "_ng_rollout_index": 0, "reward": 0.0},
        {"_ng_task_index": 0, "_ng_rollout_index": 1, "reward": 1.0},
        {"_ng_task_index": 1, "_ng_rollout_index": 0, "reward": 1.0},
    ]
    after = [
        {"_ng_task_index": 1, "_ng_rollout_index": 0, "reward": 0.0},
        {"_ng_task_index": 0, "_ng_rollout_index": 0, "reward": 1.0},
        {"_ng_task_index": 0, "_ng_rollout_index": 1, "reward": 1.0},
        {"_ng_task_index": 2, "_ng_rollout_index": 0, "reward": 1.0},
    ]
    comparison = rr.compare_rewards(before, after)
    assert comparison["matched_by"] == "_ng_task_index and _ng_rollout_index"
    assert comparison["compared"] == 3
    assert comparison["changed"] == 2
    assert (comparison["increased"], comparison["decreased"]) == (1, 1)
    assert comparison["only_in_current"] == 1
    assert comparison["mean_before"] == pytest.approx(2 / 3)
    assert comparison["mean_after"] == pytest.approx(2 / 3)
    assert comparison["examples"][0] == {"task": 0, "rollout": 0, "before": 0.0, "after": 1.0}
    text = rr.format_comparison(comparison)
    assert "changed rewards: 2 (1 up, 1 down)" in text
    assert "  task 0 rollout 0: 0 -> 1" in text

    positional = rr.compare_rewards([{"reward": 0.0}, {"reward": 1.0}], [{"reward": 1.0}, {"reward": 1.0}])
    assert positional["matched_by"] == "line position"
    assert positional["changed"] == 1
    assert "  line 1: 0 -> 1" in rr.format_comparison(positional)


def test_report_main_with_baseline(tmp_path, gym_release, capsys):
    baseline = gym_release / "resources_servers/example_tool_call_multireward/data/example_rollouts.jsonl"
    rows = _rollouts(gym_release, "example_tool_call_multireward")
    for row in rows:
        if row["_ng_task_index"] == 3:
            row["reward_components"]["format"] = 1.0
            row["format"] = 1.0
            row["reward"] = 3.0
    current = tmp_path / "reverified.jsonl"
    current.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert rr.main([str(current), "--baseline", str(baseline)]) == 0
    out = capsys.readouterr().out
    assert "changed rewards: 1 (1 up, 0 down)" in out
    assert "  task 3 rollout 0: 2 -> 3" in out
    assert rr.main([str(current), "--baseline", str(baseline), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["comparison"]["changed"] == 1


def test_report_runs_as_a_script(gym_release):
    import subprocess

    path = gym_release / "resources_servers/math_with_judge/data/example_rollouts.jsonl"
    result = subprocess.run(
        [sys.executable, str(VERIFICATION / "reward_report.py"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines() == [
        "rollouts: 5 (scored 5, masked 0)",
        "mean reward: 0.6",
        "reward values: 0 x2, 1 x3",
        "tasks with 2+ rollouts: unknown (no row has _ng_task_index)",
    ]
