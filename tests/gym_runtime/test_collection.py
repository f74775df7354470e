"""Collect rollouts for real: the released servers, agents, verifiers and driver, with the
stand-in policy as the only substitute.

One ``gym env start`` serves ``example_single_tool_call`` and ``mcqa``. The tests run the
documented collection flow against it: ``gym eval run --no-serve`` with a failures sidecar,
``--resume``, ``gym eval aggregate``, ``profile``, ``compare`` and ``reverify``, ``gym env
status``, ``gym env resolve`` and ``gym dataset collate``. Expected rewards follow from the
stand-in's documented rules (``policy.decide``) applied to the input rows; NeMo Gym's verifiers
must score what the stand-in said accordingly.

Every command's real output is also written to ``_build/real_runs/<name>/`` (the command, its
stdout, and the files it wrote) for the console-block harness and the page writers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from . import policy
from .runtime import ROOT

pytestmark = pytest.mark.slow

SINGLE_TOOL_CALL_TASKS = "resources_servers/example_single_tool_call/data/example.jsonl"
MCQA_TASKS = "resources_servers/mcqa/data/example.jsonl"
REAL_RUNS = ROOT / "_build" / "real_runs"
# A train split from a local file, so serve mode collates it without downloading anything.
TRAIN_DATASET_CONFIG = """\
example_single_tool_call_simple_agent:
  responses_api_agents:
    simple_agent:
      datasets:
      - name: train
        type: train
        jsonl_fpath: data/train.jsonl
        license: Apache 2.0
"""
SERVE_ARGS = ("eval", "run",
              "--config", "resources_servers/example_single_tool_call/configs/example_single_tool_call.yaml",
              "--config", "responses_api_models/vllm_model/configs/vllm_model.yaml", "--config", "train_data.yaml",
              "--split", "train", "--output", "results/serve/rollouts.jsonl", "--num-repeats", "2")
REVERIFY_ARGS = ("eval", "reverify", "--resources-server", "mcqa", "--model-type", "vllm_model",
                 "--inputs", "results/run1/rollouts_materialized_inputs.jsonl",
                 "--rollouts", "results/run1/rollouts.jsonl", "--output", "results/run1/rollouts_reverified.jsonl")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def record(name: str, sandbox, args: tuple[str, ...], result, files: tuple[str, ...] = ()) -> None:
    """Keep a command's real output for the harness and the pages: ``_build/real_runs/<name>/``."""
    target = REAL_RUNS / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "command.txt").write_text("gym " + " ".join(args) + "\n")
    (target / "stdout.txt").write_text(result.stdout)
    (target / "stderr.txt").write_text(result.stderr)
    if getattr(result, "leftover", None):
        (target / "left-running.txt").write_text("\n".join(result.leftover) + "\n")
    for file in files:
        source = sandbox.path / file
        if source.is_file():
            destination = target / "files" / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


def run(name: str, sandbox, *args: str, files: tuple[str, ...] = (), timeout: float = 300):
    result = sandbox.gym(*args, timeout=timeout)
    record(name, sandbox, args, result, files)
    return result


def outputs_of(stem: str) -> tuple[str, ...]:
    """The files a collection run writes next to ``<stem>.jsonl``."""
    directory = str(Path(stem).parent)
    return (f"{stem}.jsonl", f"{stem}_failures.jsonl", f"{stem}_materialized_inputs.jsonl",
            f"{stem}_aggregate_metrics.json", f"{directory}/quality_summary.json",
            f"{directory}/rollout_verdicts.jsonl")


def expected_reward(row: dict, answer_key: policy.AnswerKey) -> float:
    """What the verifier should give the stand-in's answer to ``row``."""
    params = row["responses_create_params"]
    messages = params["input"] if isinstance(params["input"], list) else [{"role": "user", "content": params["input"]}]
    turn = policy.decide(messages, params.get("tools"), None, answer_key)
    if params.get("tools"):
        return 1.0 if turn["tool_call"] else 0.0
    return 1.0 if turn["content"].endswith(f"\\boxed{{{row['expected_answer']}}}") else 0.0


# --- the runs the tests read --------------------------------------------------------------------


@pytest.fixture(scope="module")
def background():
    """Commands that start servers of their own run beside the others, to save wall time."""
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def serve_run(gym_sandbox, gym_runtime, background):
    """Serve mode: collate the train split from the configs, start the servers, collect, stop them."""
    sandbox = gym_sandbox("serve")
    (sandbox.path / "data").mkdir()
    shutil.copyfile(gym_runtime.install_root / SINGLE_TOOL_CALL_TASKS, sandbox.path / "data" / "train.jsonl")
    (sandbox.path / "train_data.yaml").write_text(TRAIN_DATASET_CONFIG)
    return sandbox, background.submit(sandbox.gym, *SERVE_ARGS, timeout=900)


@pytest.fixture(scope="module")
def servers(serve_run, single_tool_call_servers):
    return single_tool_call_servers


@pytest.fixture(scope="module")
def tool_call_run(servers, gym_runtime):
    """The rollout-collection index page's run, plus one task whose model calls fail (HTTP 500)."""
    sandbox, _ = servers
    rows = read_jsonl(gym_runtime.install_root / SINGLE_TOOL_CALL_TASKS)
    failing = json.loads(json.dumps(rows[0]))
    failing["responses_create_params"]["input"][-1]["content"] = f"{policy.FAIL_MARKER}: weather in sf"
    (sandbox.path / "data").mkdir(exist_ok=True)
    (sandbox.path / "data" / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [*rows, failing]))
    args = ("eval", "run", "--no-serve", "--agent", "example_single_tool_call_simple_agent",
            "--input", "data/tasks.jsonl", "--output", "results/example/rollouts.jsonl",
            "--num-repeats", "4", "--concurrency", "16", "+route_failures_to_sidecar=true")
    result = run("eval-run-no-serve", sandbox, *args, files=("data/tasks.jsonl", *outputs_of("results/example/rollouts")))
    return sandbox, [*rows, failing], result


@pytest.fixture(scope="module")
def mcqa_runs(servers, gym_sandbox, background):
    """Two mcqa runs over the same tasks: a baseline, and a candidate with per-repeat seeds. Once the
    baseline exists, its reverification starts in a sandbox of its own (it starts its own servers)."""
    sandbox, _ = servers
    reverify = None
    for name, extra in (("run1", ()), ("run2", ("+num_repeats_add_seed=true",))):
        args = ("eval", "run", "--no-serve", "--agent", "mcqa_simple_agent", "--input", MCQA_TASKS,
                "--output", f"results/{name}/rollouts.jsonl", "--num-repeats", "4", *extra)
        run(f"eval-run-mcqa-{name}", sandbox, *args, files=outputs_of(f"results/{name}/rollouts"))
        if reverify is None:
            reverify_sandbox = gym_sandbox("reverify")
            shutil.copytree(sandbox.path / "results" / "run1", reverify_sandbox.path / "results" / "run1")
            reverify = (reverify_sandbox, background.submit(reverify_sandbox.gym, *REVERIFY_ARGS, timeout=900))
    sandbox.reverify = reverify
    return sandbox


# --- the tests ---------------------------------------------------------------------------------


def test_env_start_serves_every_server_and_status_lists_them(servers):
    sandbox, started = servers
    names = ("example_single_tool_call", "example_single_tool_call_simple_agent",
             "example_single_tool_call_environment_server", "mcqa", "mcqa_simple_agent", "mcqa_environment_server",
             "policy_model")
    log = started.log_when(lambda log: all(f"] {name} (" in log for name in names))
    assert "All 7 / 7 servers ready!" in log
    for name in names:
        assert f"] {name} (" in log, f"{name} missing from the server list\n{log[-3000:]}"
    status = run("env-status", sandbox, "env", "status").stdout
    assert "7 servers found (7 healthy, 0 unhealthy)" in status
    for name in names:
        assert f"✓ {name} (" in status


def test_eval_run_collects_verified_rollouts_and_routes_failures_to_the_sidecar(tool_call_run, standin_policy):
    sandbox, rows, result = tool_call_run
    out = sandbox.path / "results" / "example"
    failing_task = len(rows) - 1
    rollouts = read_jsonl(out / "rollouts.jsonl")
    assert sorted((r["_ng_task_index"], r["_ng_rollout_index"]) for r in rollouts) == [
        (task, repeat) for task in range(failing_task) for repeat in range(4)
    ]
    assert len(read_jsonl(out / "rollouts_materialized_inputs.jsonl")) == 4 * len(rows)

    expected = [expected_reward(row, standin_policy.answer_key) for row in rows[:failing_task]]
    assert 0 < sum(expected) < len(expected), "the stand-in should make some tasks pass and some fail"
    for row in rollouts:
        assert row["reward"] == expected[row["_ng_task_index"]], row["_ng_task_index"]
        called = any(item["type"] == "function_call" for item in row["response"]["output"])
        assert called == bool(row["reward"])
        assert "_ng_attempt_index" not in row  # absent on a first attempt

    failures = read_jsonl(out / "rollouts_failures.jsonl")
    assert sorted(f["_ng_rollout_index"] for f in failures) == [0, 1, 2, 3]
    assert {f["_ng_task_index"] for f in failures} == {failing_task}
    assert {f["_ng_failure_class"] for f in failures} == {"agent_run_error"}

    (metrics,) = json.loads((out / "rollouts_aggregate_metrics.json").read_text())
    assert metrics["agent_ref"]["name"] == "example_single_tool_call_simple_agent"
    assert metrics["agent_metrics"]["mean/reward"] == pytest.approx(sum(expected) / len(expected))
    assert (out / "quality_summary.json").is_file() and (out / "rollout_verdicts.jsonl").is_file()
    assert "Finished rollout collection!" in result.stdout
    assert "Rollouts missing from the score: 4 of 24 materialized (4 agent_run_error routed this run" in result.stdout


def test_resume_collects_only_what_is_missing_and_drops_a_cut_off_line(tool_call_run):
    sandbox, rows, _ = tool_call_run
    shutil.copytree(sandbox.path / "results" / "example", sandbox.path / "results" / "resume")
    output = sandbox.path / "results" / "resume" / "rollouts.jsonl"
    lines = output.read_text().splitlines(keepends=True)
    kept = lines[:10]
    # An interrupted run: ten whole rows and half of the eleventh.
    output.write_text("".join(kept) + lines[10][: len(lines[10]) // 2])
    args = ("eval", "run", "--no-serve", "--agent", "example_single_tool_call_simple_agent",
            "--input", "data/tasks.jsonl", "--output", "results/resume/rollouts.jsonl",
            "--num-repeats", "4", "--concurrency", "16", "+route_failures_to_sidecar=true", "--resume")
    result = run("eval-run-resume", sandbox, *args, files=outputs_of("results/resume/rollouts"))
    resumed = read_jsonl(output)  # every line parses: the cut-off one is gone
    assert output.read_text().splitlines(keepends=True)[:10] == kept
    failing_task = len(rows) - 1
    assert sorted((r["_ng_task_index"], r["_ng_rollout_index"]) for r in resumed) == [
        (task, repeat) for task in range(failing_task) for repeat in range(4)
    ]
    # The failed task is tried again: later attempts carry _ng_attempt_index.
    failures = read_jsonl(output.with_name("rollouts_failures.jsonl"))
    assert {f["_ng_task_index"] for f in failures} == {failing_task}
    assert any(f.get("_ng_attempt_index", 0) >= 1 for f in failures), result.stdout[-3000:]


def test_aggregate_merges_rollouts_and_skips_sidecar_files(tool_call_run):
    sandbox, rows, _ = tool_call_run
    args = ("eval", "aggregate", "--input-glob", "results/example/rollouts*.jsonl",
            "--output", "results/merged/rollouts.jsonl")
    result = run("eval-aggregate", sandbox, *args, files=outputs_of("results/merged/rollouts"))
    merged = read_jsonl(sandbox.path / "results" / "merged" / "rollouts.jsonl")
    original = read_jsonl(sandbox.path / "results" / "example" / "rollouts.jsonl")
    assert len(merged) == len(original) == 4 * (len(rows) - 1)
    (metrics,) = json.loads((sandbox.path / "results" / "merged" / "rollouts_aggregate_metrics.json").read_text())
    (before,) = json.loads((sandbox.path / "results" / "example" / "rollouts_aggregate_metrics.json").read_text())
    assert metrics["agent_metrics"]["mean/reward"] == before["agent_metrics"]["mean/reward"]
    assert "Finished rollout aggregation! View results at:" in result.stdout
    assert (sandbox.path / "results" / "merged" / "quality_summary.json").is_file()


def test_mcqa_rewards_follow_the_answers(mcqa_runs, gym_runtime, standin_policy):
    rows = read_jsonl(gym_runtime.install_root / MCQA_TASKS)
    expected = [expected_reward(row, standin_policy.answer_key) for row in rows]
    assert 0 < sum(expected) < len(expected)
    run1 = read_jsonl(mcqa_runs.path / "results" / "run1" / "rollouts.jsonl")
    assert len(run1) == 4 * len(rows)
    for row in run1:
        assert row["reward"] == expected[row["_ng_task_index"]]
    (metrics,) = json.loads((mcqa_runs.path / "results" / "run1" / "rollouts_aggregate_metrics.json").read_text())
    assert metrics["key_metrics"]["pass@1/accuracy"] == pytest.approx(100 * sum(expected) / len(expected))
    # Seeded repeats are different requests, so the stand-in's choices differ from run1's somewhere.
    run2 = read_jsonl(mcqa_runs.path / "results" / "run2" / "rollouts.jsonl")
    by_key = {(r["_ng_task_index"], r["_ng_rollout_index"]): r["reward"] for r in run1}
    assert any(by_key[(r["_ng_task_index"], r["_ng_rollout_index"])] != r["reward"] for r in run2)


def test_profile_reports_completion_and_writes_its_files(mcqa_runs):
    args = ("eval", "profile", "--inputs", "results/run1/rollouts_materialized_inputs.jsonl",
            "--rollouts", "results/run1/rollouts.jsonl")
    files = ("results/run1/rollouts_reward_profiling.jsonl", "results/run1/rollouts_agent_metrics.json",
             "results/run1/rollouts_repeat_level_metrics.json")
    stdout = run("eval-profile", mcqa_runs, *args, files=files).stdout
    assert "Reward profile completion: 20/20 rollout rows (100.00%)" in stdout
    assert "Input rows: 5 total; 5 complete; 0 partial; 0 without rollouts dropped from output." in stdout
    profile = read_jsonl(mcqa_runs.path / files[0])
    assert len(profile) == 5
    for file in files[1:]:
        assert (mcqa_runs.path / file).is_file()


def test_compare_reports_deltas_and_flips(mcqa_runs):
    args = ("eval", "compare", "--baseline", "results/run1/rollouts.jsonl",
            "--candidates", "results/run2/rollouts.jsonl", "--agent", "mcqa_simple_agent")
    files = ("results/run2/compare_report.md", "results/run2/compare_report.json")
    stdout = run("eval-compare", mcqa_runs, *args, files=files).stdout
    assert "Agents compared: mcqa_simple_agent" in stdout
    assert "Sample flips:" in stdout and "over 5 common tasks" in stdout
    for file in files:
        assert (mcqa_runs.path / file).is_file()
        assert f"Wrote: {mcqa_runs.path / file}" in stdout


def test_reverify_rescores_the_same_rewards(mcqa_runs):
    sandbox, future = mcqa_runs.reverify
    result = future.result()
    record("eval-reverify", sandbox, REVERIFY_ARGS, result, files=(
        "results/run1/rollouts_reverified.jsonl", "results/run1/rollouts_reverified_aggregate_metrics.json"))
    before = {(r["_ng_task_index"], r["_ng_rollout_index"]): r["reward"]
              for r in read_jsonl(sandbox.path / "results" / "run1" / "rollouts.jsonl")}
    after = {(r["_ng_task_index"], r["_ng_rollout_index"]): r["reward"]
             for r in read_jsonl(sandbox.path / "results" / "run1" / "rollouts_reverified.jsonl")}
    assert after == before


def test_env_resolve_prints_the_merged_config(gym_sandbox):
    sandbox = gym_sandbox("resolve")
    result = run("env-resolve", sandbox, "env", "resolve",
                 "--config", "resources_servers/example_single_tool_call/configs/example_single_tool_call.yaml",
                 "--config", "responses_api_models/vllm_model/configs/vllm_model.yaml")
    config = yaml.safe_load(result.stdout)
    agent = config["example_single_tool_call_simple_agent"]["responses_api_agents"]["simple_agent"]
    assert agent["resources_server"] == {"type": "resources_servers", "name": "example_single_tool_call"}
    assert config["policy_model"]["responses_api_models"]["vllm_model"]["base_url"] == sandbox.policy_url


def test_dataset_collate_validates_the_example_data(gym_sandbox):
    sandbox = gym_sandbox("collate")
    args = ("dataset", "collate", "--resources-server", "mcqa", "--mode", "example_validation",
            "--output-dir", "data/mcqa")
    result = run("dataset-collate", sandbox, *args, files=("data/mcqa/example.jsonl",))
    collated = sorted(p.name for p in (sandbox.path / "data" / "mcqa").iterdir())
    assert "example.jsonl" in collated, (collated, result.stdout[-2000:])
    rows = read_jsonl(sandbox.path / "data" / "mcqa" / "example.jsonl")
    assert rows and all("responses_create_params" in row for row in rows)




def test_eval_run_serve_mode_collates_the_split_starts_and_stops_its_servers(serve_run, standin_policy):
    sandbox, future = serve_run
    result = future.result()
    record("eval-run-serve", sandbox, SERVE_ARGS, result, files=(
        *outputs_of("results/serve/rollouts"), "results/serve/rollouts/preprocessed_datasets/train.jsonl"))
    assert result.leftover == [], "serve mode should stop every server it started"
    out = sandbox.path / "results" / "serve"
    collated = read_jsonl(out / "rollouts" / "preprocessed_datasets" / "train.jsonl")
    assert len(collated) == 5
    rollouts = read_jsonl(out / "rollouts.jsonl")
    assert len(rollouts) == 10
    rows = read_jsonl(sandbox.path / "data" / "train.jsonl")
    expected = [expected_reward(row, standin_policy.answer_key) for row in rows]
    for row in rollouts:
        assert row["reward"] == expected[row["_ng_task_index"]]
    assert "Finished rollout collection!" in result.stdout


def test_env_start_joins_the_ray_cluster_that_ray_address_names(servers, ray_cluster):
    """configuration/resource-allocation.md: with ``RAY_ADDRESS`` set, Ray joins that cluster, and
    the start still prints its usual lines with that cluster's address."""
    _, started = servers
    log = started.log()
    assert "NeMo Gym is starting a new Ray cluster..." in log
    assert f"Started Ray cluster at {ray_cluster.address}" in log
    assert "Connected to Ray cluster" in log and "Started a local Ray instance" not in log


def test_env_start_runs_the_servers_from_this_test_processs_own_venvs(servers, gym_runtime):
    """Two test processes never start servers from one venv while the other may still install it."""
    _, started = servers
    venvs = [Path(line.rsplit(" from venv ", 1)[1]) for line in started.log().splitlines()
             if line.startswith("Starting `") and " from venv " in line]
    assert len(venvs) == 7, started.log()[-3000:]
    assert gym_runtime.venv_dir.name == os.environ.get("PYTEST_XDIST_WORKER", "main")
    for venv in venvs:
        assert venv.is_relative_to(gym_runtime.venv_dir), venv


def test_a_model_response_reaches_the_client_before_its_capture_is_written(servers, gym_runtime, tmp_path):
    """What quality-metrics.md says of ``missing_captured_call``: the release's model server sends
    a response's body before it has written that call's capture (its session middleware streams the
    body past the capture middleware, which holds back only the empty end). Without that middleware
    the capture comes first, so the probe can tell the two apart."""
    python = gym_runtime.venv_dir / "responses_api_models" / "vllm_model" / ".venv" / "bin" / "python"

    def probe(*args: str) -> dict:
        result = subprocess.run([str(python), str(Path(__file__).with_name("capture_probe.py")), *args],
                                cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.splitlines()[-1])

    assert probe() == {"response_id": "resp_probe", "capture_lines_at_body": 0, "capture_lines_later": 1}
    assert probe("--without-session-middleware")["capture_lines_at_body"] == 1
