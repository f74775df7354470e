"""Collect rollouts for real: the released servers, agents, verifiers and driver, with the
stand-in policy as the only substitute.

Expected rewards come from the stand-in's documented rules (``policy.decide``) applied to the
input rows, and NeMo Gym's verifier must score what the stand-in said accordingly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import policy

pytestmark = pytest.mark.slow

SINGLE_TOOL_CALL_TASKS = "resources_servers/example_single_tool_call/data/example.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def expected_tool_call_rewards(task_file: Path) -> list[float]:
    """The reward example_single_tool_call's verifier gives each task: 1.0 when the stand-in calls the tool."""
    rewards = []
    for row in read_jsonl(task_file):
        messages = row["responses_create_params"]["input"]
        turn = policy.decide(messages, row["responses_create_params"]["tools"], None, policy.AnswerKey())
        rewards.append(1.0 if turn["tool_call"] else 0.0)
    return rewards


def test_env_start_serves_every_server(single_tool_call_servers):
    sandbox, servers = single_tool_call_servers
    log = servers.log()
    assert "All 4 / 4 servers ready!" in log
    for name in ("example_single_tool_call", "example_single_tool_call_simple_agent",
                 "example_single_tool_call_environment_server", "policy_model"):
        assert f"] {name} (" in log, f"{name} missing from the server list\n{log[-3000:]}"


def test_eval_run_no_serve_collects_verified_rollouts(single_tool_call_servers, gym_runtime):
    sandbox, _ = single_tool_call_servers
    result = sandbox.gym(
        "eval", "run", "--no-serve", "--agent", "example_single_tool_call_simple_agent",
        "--input", SINGLE_TOOL_CALL_TASKS, "--output", "results/example/rollouts.jsonl",
        "--num-repeats", "4", "--concurrency", "16",
    )
    out = sandbox.path / "results" / "example"
    rollouts = read_jsonl(out / "rollouts.jsonl")
    assert len(rollouts) == 20
    assert len(read_jsonl(out / "rollouts_materialized_inputs.jsonl")) == 20
    assert read_jsonl(out / "rollouts_failures.jsonl") == []

    expected = expected_tool_call_rewards(gym_runtime.install_root / SINGLE_TOOL_CALL_TASKS)
    assert 0 < sum(expected) < len(expected), "the stand-in should make some tasks pass and some fail"
    for row in rollouts:
        assert row["reward"] == expected[row["_ng_task_index"]], row["_ng_task_index"]
        called = any(item["type"] == "function_call" for item in row["response"]["output"])
        assert called == bool(row["reward"])
    assert sorted((r["_ng_task_index"], r["_ng_rollout_index"]) for r in rollouts) == [
        (task, repeat) for task in range(5) for repeat in range(4)
    ]

    metrics = json.loads((out / "rollouts_aggregate_metrics.json").read_text())
    (agent,) = metrics
    assert agent["agent_ref"]["name"] == "example_single_tool_call_simple_agent"
    assert agent["agent_metrics"]["mean/reward"] == pytest.approx(sum(expected) / len(expected))
    assert "mean/reward" in agent["key_metrics"]
    assert (out / "quality_summary.json").is_file() and (out / "rollout_verdicts.jsonl").is_file()
    assert "Finished rollout collection!" in result.stdout
