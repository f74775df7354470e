"""Tests for examples/verification: the reward helpers, the reward report and
the numeric_answer server that docs/training/verification builds.

The helpers are checked on hand-made inputs and against real rollouts shipped
in the nemo-gym wheel, where the released verifier's own verdict is recorded
next to the response it scored.

The numeric_answer server is assembled the way custom-verification.md tells
the reader to: app.py, task_data.py and tests/test_app.py from
examples/verification/numeric_answer/, reward_helpers.py, and the task rows,
fixture cases, config and hand-check request written on the page. Its code is
always checked against the released source with ``ast`` (this project's Python
cannot import nemo-gym). With NEMO_GYM_PYTHON set to an interpreter that has
nemo-gym 0.7.0's dependencies, the server also runs for real on the released
source: the fixture, its pytest suite, /verify over HTTP, the aggregate
metrics, the task-data schema and the multi-reward variant from
multi-objective-scoring.md.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from docexec.blocks import FileBlock, page_steps

from .helpers import top_level_names

ROOT = Path(__file__).resolve().parents[2]
VERIFICATION = ROOT / "examples" / "verification"
SERVER = VERIFICATION / "numeric_answer"
PAGES = ROOT / "docs" / "training" / "verification"
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42.0),
        ("1,250.0", 1250.0),
        ("80 km/h", 80.0),
        ("x = 3", 3.0),
        ("$5 each", 5.0),
        ("about 0.75 of it", 0.75),
        ("41 or 42", None),  # hedging between candidates earns nothing
        ("42 or 41", None),
        ("120 / 1.5 = 80", None),
        ("forty-two", None),
        (None, None),
    ],
)
def test_extract_number_takes_exactly_one_number(text, expected):
    assert rh.extract_number(text) == expected


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


def rr_cli(argv: list[str]) -> int:
    """reward_report.py as a command: its main through the shared error handler."""
    return rr.run_cli(rr.main, argv)


def test_report_main_reports_bad_input(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"reward": 1.0}\nnot json\n', encoding="utf-8")
    assert rr_cli([str(bad)]) == 1
    assert "bad.jsonl:2: not valid JSON" in capsys.readouterr().err
    assert rr_cli([str(tmp_path / "missing.jsonl")]) == 1
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b'{"reward": 1.0}\n{"reward": "\xff"}\n')
    assert rr_cli([str(binary)]) == 1
    assert "binary.jsonl:2: not UTF-8 text" in capsys.readouterr().err


def test_report_runs_on_every_parseable_released_rollout_file(example_rollout_files):
    checked = 0
    for path in example_rollout_files:
        try:
            rows = rr.load_rollouts(path)
        except rr.InputError:
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


# --- the numeric_answer server the pages build ----------------------------------------

# Fields the Responses API object requires (openai Response, which NeMoGymResponse extends).
REQUIRED_RESPONSE_FIELDS = {"id", "created_at", "model", "object", "output", "parallel_tool_calls", "tool_choice", "tools"}
CUSTOM = PAGES / "custom-verification.md"


def _fenced(page: Path, language: str) -> list[str]:
    """The bodies of the fenced blocks of one language, in page order."""
    blocks, current = [], None
    for line in page.read_text(encoding="utf-8").splitlines():
        if current is None and line.strip() == f"```{language}":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current) + "\n")
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def _saved_files(page: Path) -> dict[str, str]:
    """The blocks a page asks the reader to save, as {path: content}, found as docexec finds them."""
    return {item.destination: item.text for item in page_steps(page) if isinstance(item, FileBlock)}


def _page_config() -> dict:
    (block,) = [b for b in _fenced(CUSTOM, "yaml") if b.startswith("numeric_answer_resources_server:")]
    return yaml.safe_load(block)


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def _base_names(node: ast.ClassDef) -> list[str]:
    return [ast.unparse(base) for base in node.bases]


def _case_reward(request: dict) -> float:
    """What numeric_answer's verify() computes, from the same helpers it calls."""
    expected = rh.parse_number(request["expected_answer"])
    predicted = rh.extract_number(rh.extract_answer(rh.response_text(request["response"])))
    return 1.0 if rh.numbers_match(predicted, expected) else 0.0


@pytest.mark.parametrize("source", ["app.py", "task_data.py", "tests/test_app.py"])
def test_numeric_answer_imports_only_released_names(gym_release, source):
    app_names = top_level_names(SERVER / "app.py")
    for node in ast.walk(_tree(SERVER / source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        names = {alias.name for alias in node.names}
        if node.module and node.module.startswith("nemo_gym"):
            released = gym_release / (node.module.replace(".", "/") + ".py")
            assert released.is_file(), f"{source}: {node.module} is not in the release"
            assert not names - top_level_names(released), f"{source}: {node.module} lacks {names}"
        elif node.module == "reward_helpers":  # `from reward_helpers` in app.py, `from ..reward_helpers` in tests
            assert not names - set(rh.__all__)
        elif node.level == 2 and node.module == "app":
            assert not names - app_names
        else:
            assert node.module in {"pathlib", "typing", "pydantic"}, f"{source}: unexpected import {node.module}"


def test_numeric_answer_matches_the_released_server_contract(gym_release):
    base = _classes(_tree(gym_release / "nemo_gym" / "base_resources_server.py"))
    (abstract,) = [n for n in base["SimpleResourcesServer"].body if getattr(n, "name", None) == "verify"]
    assert isinstance(abstract, ast.AsyncFunctionDef)
    assert [a.arg for a in abstract.args.args] == ["self", "body"]
    assert "REVERIFY_MODE" in ast.unparse(base["BaseResourcesServerConfig"])

    classes = _classes(_tree(SERVER / "app.py"))
    (verify,) = [n for n in classes["NumericAnswerVerifier"].body if getattr(n, "name", None) == "verify"]
    assert isinstance(verify, ast.AsyncFunctionDef)
    assert [a.arg for a in verify.args.args] == ["self", "body"]
    request, response = ast.unparse(verify.args.args[1].annotation), ast.unparse(verify.returns)
    assert _base_names(classes[request]) == ["BaseVerifyRequest"]
    assert _base_names(classes[response]) == ["BaseVerifyResponse"]
    assert "expected_answer: str" in ast.unparse(classes[request])
    assert 'extra="allow"' in ast.unparse(classes[request]).replace("'", '"')

    config = classes["NumericAnswerResourcesServerConfig"]
    assert _base_names(config) == ["BaseResourcesServerConfig"]
    assert "REVERIFY_MODE: ClassVar[ReverifyMode] = ReverifyMode.STATELESS" in ast.unparse(config)
    server = classes["NumericAnswerResourcesServer"]
    assert _base_names(server) == ["NumericAnswerVerifier", "SimpleResourcesServer"]
    assert "config: NumericAnswerResourcesServerConfig" in ast.unparse(server)


def test_numeric_answer_fixture_uses_the_released_fields(gym_release):
    released = _classes(_tree(gym_release / "nemo_gym" / "verifier_fixture.py"))["VerifierFixture"]
    fields = {n.target.id: n.value is None for n in released.body if isinstance(n, ast.AnnAssign)}
    required = {name for name, no_default in fields.items() if no_default}
    (call,) = [
        node.value for node in _tree(SERVER / "app.py").body
        if isinstance(node, ast.Assign) and node.targets[0].id == "VERIFIER_FIXTURE"
    ]
    keywords = {k.arg for k in call.keywords}
    assert required <= keywords <= set(fields)
    assert "tests" in ast.unparse(call) and "verifier_cases.jsonl" in ast.unparse(call)


def test_scaffold_facts_the_page_relies_on(gym_release):
    scaffold = (gym_release / "nemo_gym" / "environment" / "scaffold.py").read_text(encoding="utf-8")
    # The scaffold writes example.jsonl next to app.py, while the config reads data/example.jsonl.
    assert 'directory / "example.jsonl": _environment_example()' in scaffold
    assert "jsonl_fpath: resources_servers/{module_name}/data/example.jsonl" in scaffold
    # The instance names and the agent the page's config keeps.
    for name in ("{module_name}_resources_server:", "{module_name}_simple_agent:",
                 "{module_name}_environment_server:", "legacy_agent:"):
        assert name in scaffold
    # The scaffolded test the page's tests/test_app.py keeps.
    assert "reward_range=(0.0, 1.0)" in scaffold and 'determinism="unknown"' in scaffold
    env = (gym_release / "nemo_gym" / "cli" / "env.py").read_text(encoding="utf-8")
    assert 'print(f"Folder already exists: {dirpath}. Exiting init.")' in env
    assert "assert count == 5, f\"Expected 5 examples at {example_fpath} but got {count}.\"" in env
    # gym env test puts the project root on PYTHONPATH; the server process gets only its own folder.
    assert "project_root=resolved_dir.parent.parent" in env
    assert "process = run_command(command, dir_path, server_name=top_level_path, extra_env=extra_env)" in env


def test_page_task_rows_are_valid_and_score():
    rows = _jsonl(_saved_files(CUSTOM)["resources_servers/numeric_answer/data/example.jsonl"])
    assert len(rows) == 5  # `gym env test ... +should_validate_data=true` wants exactly five
    for row in rows:
        (message,) = row["responses_create_params"]["input"]
        assert message["role"] == "user" and "Answer: <number>" in message["content"]
        assert rh.parse_number(row["expected_answer"]) is not None
    assert _page_config()["numeric_answer_resources_server"]["resources_servers"]["numeric_answer"]["datasets"][0][
        "jsonl_fpath"
    ] == "resources_servers/numeric_answer/data/example.jsonl"


def test_page_fixture_cases_follow_the_contract():
    cases = _jsonl(_saved_files(CUSTOM)["resources_servers/numeric_answer/tests/verifier_cases.jsonl"])
    assert {"full_reward", "zero_reward", "malformed"} <= {case["kind"] for case in cases}
    for case in cases:
        assert set(case) <= {"name", "kind", "request", "expected_reward", "expected_error"}
        if case["kind"] == "malformed":
            assert "expected_reward" not in case and case["expected_error"] == "response"
            assert "response" not in case["request"]
            continue
        assert "expected_error" not in case
        assert REQUIRED_RESPONSE_FIELDS <= set(case["request"]["response"])
        assert case["expected_reward"] == {"full_reward": 1.0, "zero_reward": 0.0}[case["kind"]]
        assert _case_reward(case["request"]) == case["expected_reward"], case["name"]


def test_page_config_is_valid(gym_release):
    config = _page_config()
    types = (gym_release / "nemo_gym" / "config_types.py").read_text(encoding="utf-8")
    domain_class = types[types.index("class Domain(str, Enum):"):types.index("class BaseServerConfig")]
    domains = set(re.findall(r'^\s+[A-Z_0-9]+ = "(\w+)"$', domain_class, re.MULTILINE))
    server = config["numeric_answer_resources_server"]["resources_servers"]["numeric_answer"]
    assert server["entrypoint"] == "app.py" and server["domain"] in domains
    agent = config["numeric_answer_simple_agent"]["responses_api_agents"]["simple_agent"]
    assert agent["resources_server"] == {"type": "resources_servers", "name": "numeric_answer_resources_server"}
    assert agent["model_server"]["name"] == "policy_model"
    model = yaml.safe_load(
        (gym_release / "responses_api_models" / "vllm_model" / "configs" / "vllm_model.yaml").read_text(encoding="utf-8")
    )
    assert "policy_model" in model  # what --model-type vllm_model adds
    front = config["numeric_answer_environment_server"]["environment_servers"]["legacy_agent"]
    assert front["agent_server"]["name"] == "numeric_answer_simple_agent"


def test_page_hand_check_request_scores_as_shown():
    request = json.loads(_saved_files(CUSTOM)["verify_request.json"])
    assert REQUIRED_RESPONSE_FIELDS <= set(request["response"])
    text = rh.response_text(request["response"])
    assert rh.extract_answer(text) == "80 km/h"
    assert _case_reward(request) == 1.0
    shown = "{'reward': 1.0, 'extracted_answer': '80 km/h', 'answer_found': True, 'mask_sample': False}"
    assert shown in CUSTOM.read_text(encoding="utf-8")


# --- running the server on the released source (needs NEMO_GYM_PYTHON) -----------------

NEMO_GYM_PYTHON = os.environ.get("NEMO_GYM_PYTHON")
needs_gym_python = pytest.mark.skipif(
    not NEMO_GYM_PYTHON,
    reason="set NEMO_GYM_PYTHON to a Python with nemo-gym 0.7.0's dependencies to run the server",
)


def _build_server(project: Path) -> Path:
    """Lay out resources_servers/numeric_answer/ as the page has the reader do."""
    server = project / "resources_servers" / "numeric_answer"
    (server / "tests").mkdir(parents=True)
    (server / "configs").mkdir()
    for name in ("app.py", "task_data.py", "tests/test_app.py"):
        shutil.copy(SERVER / name, server / name)
    shutil.copy(VERIFICATION / "reward_helpers.py", server / "reward_helpers.py")
    (server / "__init__.py").write_text("", encoding="utf-8")
    (server / "tests" / "__init__.py").write_text("", encoding="utf-8")
    (server / "configs" / "numeric_answer.yaml").write_text(yaml.safe_dump(_page_config()), encoding="utf-8")
    for path, content in _saved_files(CUSTOM).items():
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return server


DRIVER = textwrap.dedent(
    '''
    import asyncio, json, sys
    from pathlib import Path

    from fastapi.testclient import TestClient

    from app import (
        VERIFIER_FIXTURE, NumericAnswerResourcesServer, NumericAnswerResourcesServerConfig,
    )
    from nemo_gym.reward_profile import compute_aggregate_metrics
    from nemo_gym.task_data import load_task_data_schema
    from nemo_gym.verifier_fixture import exercise_verifier_fixture

    out = {}
    results = asyncio.run(exercise_verifier_fixture(
        VERIFIER_FIXTURE, reward_range=(0.0, 1.0), higher_is_better=True, determinism="unknown"))
    out["fixture"] = [[r.name, r.kind, list(r.observed_rewards)] for r in results]

    config = NumericAnswerResourcesServerConfig(
        host="127.0.0.1", port=1, entrypoint="app.py", name="numeric_answer_resources_server", domain="math")
    client = TestClient(NumericAnswerResourcesServer.model_construct(config=config).setup_webserver())
    request = json.loads(Path(sys.argv[1]).read_text())
    correct = client.post("/verify", json=request).json()
    out["correct"] = {k: correct[k] for k in ("reward", "extracted_answer", "answer_found", "mask_sample")}
    broken = client.post("/verify", json=dict(request, expected_answer="eighty")).json()
    out["broken"] = {k: broken.get(k) for k in ("reward", "mask_sample", "instance_config", "failure_kind")}
    missing = client.post("/verify", json={k: v for k, v in request.items() if k != "expected_answer"})
    out["missing"] = [missing.status_code, missing.json()["detail"][0]["msg"], missing.json()["detail"][0]["loc"]]
    out["reverify_mode"] = client.get("/reverify_mode").json()

    rows = [dict(correct, _ng_task_index=0, _ng_rollout_index=0), dict(broken, _ng_task_index=1, _ng_rollout_index=0)]
    metrics = compute_aggregate_metrics(rows)
    out["key_metrics"] = metrics.key_metrics

    out["schema"] = load_task_data_schema(Path.cwd()).json_schema()
    print(json.dumps(out))
    '''
)


@needs_gym_python
def test_numeric_answer_runs_on_the_released_source(tmp_path, gym_release):
    server = _build_server(tmp_path)
    (tmp_path / "driver.py").write_text(DRIVER, encoding="utf-8")
    # As `gym env start` runs it: from the server's folder, with only that folder on the path
    # (plus the released source standing in for the installed wheel).
    env = dict(os.environ, PYTHONPATH=f"{server}:{gym_release}")
    proc = subprocess.run(
        [NEMO_GYM_PYTHON, str(tmp_path / "driver.py"), str(tmp_path / "verify_request.json")],
        cwd=server, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    page = CUSTOM.read_text(encoding="utf-8")

    assert [kind for _, kind, _ in out["fixture"]] == ["full_reward", "zero_reward", "zero_reward", "malformed"]
    assert str(out["correct"]).replace('"', "'") in page
    assert out["broken"] == {
        "reward": 0.0, "mask_sample": True, "instance_config": {"mask_sample": True},
        "failure_kind": "numeric_answer:bad_reference",
    }
    assert out["missing"] == [422, "Field required", ["body", "expected_answer"]]
    assert out["reverify_mode"] == "stateless"
    # The masked row stays out of the means and shows up as coverage, as the pages say.
    key = out["key_metrics"]
    assert key["mean/reward"] == 1.0 and key["mean/answer_found"] == 1.0
    for name in ("coverage/measured_rollouts", "coverage/masked_rollouts",
                 "coverage/measured_tasks", "coverage/fully_masked_tasks"):
        assert name in key and f"`{name}`" in page
    assert key["coverage/masked_rollouts"] == 1
    # The schema `gym env schema` prints is the one on the page.
    assert json.dumps(out["schema"], indent=2) in page


@needs_gym_python
def test_numeric_answer_tests_pass_as_gym_env_test_runs_them(tmp_path, gym_release):
    server = _build_server(tmp_path)
    env = dict(os.environ, PYTHONPATH=f"{server}:{tmp_path}:{gym_release}")
    proc = subprocess.run(
        [NEMO_GYM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=server, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "5 passed" in proc.stdout


@needs_gym_python
def test_package_style_import_fails_where_the_server_runs(tmp_path, gym_release):
    """Why app.py imports `reward_helpers` by bare name (custom-verification troubleshooting)."""
    server = _build_server(tmp_path)
    (server / "probe.py").write_text(
        "from resources_servers.numeric_answer.reward_helpers import extract_answer\n", encoding="utf-8"
    )
    env = dict(os.environ, PYTHONPATH=f"{server}:{gym_release}")
    proc = subprocess.run([NEMO_GYM_PYTHON, "probe.py"], cwd=server, env=env, capture_output=True, text=True)
    message = "No module named 'resources_servers.numeric_answer'"
    assert proc.returncode != 0 and message in proc.stderr
    assert f"`ModuleNotFoundError: {message}`" in CUSTOM.read_text(encoding="utf-8")


@needs_gym_python
def test_multi_reward_variant_returns_the_page_numbers(tmp_path, gym_release):
    page = PAGES / "multi-objective-scoring.md"
    (variant,) = [b for b in _fenced(page, "python") if "class NumericAnswerMultiRewardVerifier" in b]
    server = _build_server(tmp_path)
    (server / "multi.py").write_text(variant, encoding="utf-8")
    request = json.loads(_saved_files(CUSTOM)["verify_request.json"])
    request["response"]["usage"] = {
        "input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 1280, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 1290,
    }
    (tmp_path / "request.json").write_text(json.dumps(request), encoding="utf-8")
    script = textwrap.dedent(
        '''
        import asyncio, json, sys
        from multi import NumericAnswerMultiRewardVerifier, NumericAnswerVerifyRequest
        body = NumericAnswerVerifyRequest.model_validate(json.load(open(sys.argv[1])))
        result = asyncio.run(NumericAnswerMultiRewardVerifier().verify(body)).model_dump()
        print(json.dumps({k: result[k] for k in ("reward", "reward_components", "correctness", "format", "concise")}))
        '''
    )
    env = dict(os.environ, PYTHONPATH=f"{server}:{gym_release}")
    proc = subprocess.run([NEMO_GYM_PYTHON, "-c", script, str(tmp_path / "request.json")],
                          cwd=server, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    components = {"correctness": 1.0, "format": 1.0, "concise": 0.5}
    assert out == {"reward": 2.5, "reward_components": components, **components}
    text = page.read_text(encoding="utf-8")
    assert "1,280 output tokens" in text and "`2.5`" in text and json.dumps(components) in text
