"""examples/rollout_collection/select_task_rows.py: selected tasks back to task rows with agent_ref.

The numbering is checked against NeMo Gym's own preprocessing when NEMO_GYM_PYTHON names a
Python with nemo-gym 0.7.0's dependencies; everything else runs the script as a reader would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "rollout_collection" / "select_task_rows.py"
PAGE = ROOT / "docs" / "training" / "datasets" / "prepare-for-training.md"
NEMO_GYM_PYTHON = os.environ.get("NEMO_GYM_PYTHON")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd, check=False)


def lines(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def load():
    spec = importlib.util.spec_from_file_location("select_task_rows", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tasks(gym_release, tmp_path):
    """Real mcqa task rows from the wheel, with a repeated line, a row with its own index and a row
    that names its agent: the cases collection numbers differently."""
    source = (gym_release / "resources_servers" / "mcqa" / "data" / "example.jsonl").read_text().splitlines()
    rows = [{**json.loads(line), "task_source": "mcqa_simple_agent"} for line in source[:4]]
    texts = [json.dumps(rows[0]), json.dumps(rows[1]), json.dumps(rows[0]),
             json.dumps({**rows[2], "_ng_task_index": 7}),
             json.dumps({**rows[3], "agent_ref": {"type": "responses_api_agents", "name": "other_agent"}}),
             json.dumps(rows[1])]
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(texts) + "\n")
    return path, [json.loads(t) for t in texts]


def test_numbering_follows_collection(tasks):
    path, _ = tasks
    assert [index for _, index, _ in load().number_tasks(path, None)] == [0, 1, 0, 7, 2, 1]
    assert [index for _, index, _ in load().number_tasks(path, 2)] == [0, 1]


@pytest.mark.skipif(not NEMO_GYM_PYTHON, reason="set NEMO_GYM_PYTHON to a Python with nemo-gym 0.7.0's "
                    "dependencies to compare with NeMo Gym's own numbering")
def test_numbering_is_nemo_gyms_own(tasks, gym_release):
    path, _ = tasks
    probe = (
        "import json, sys, warnings\nwarnings.simplefilter('ignore')\n"
        "from nemo_gym.rollout_collection import RolloutCollectionConfig, RolloutCollectionHelper\n"
        "config = RolloutCollectionConfig(input_jsonl_fpath=sys.argv[1], output_jsonl_fpath='x.jsonl',"
        " num_repeats=2)\n"
        "rows = RolloutCollectionHelper()._preprocess_rows_from_config(config)\n"
        "print(json.dumps([row['_ng_task_index'] for row in rows]))\n"
    )
    result = subprocess.run([NEMO_GYM_PYTHON, "-c", probe, str(path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(gym_release)}, cwd=path.parent, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    gym = json.loads(result.stdout.splitlines()[-1])[::2]  # two repeats of each row, in input order
    assert [index for _, index, _ in load().number_tasks(path, None)] == gym


def test_keep_writes_each_kept_task_once_with_the_rollouts_agent(tasks, tmp_path):
    path, rows = tasks
    kept = tmp_path / "kept.jsonl"
    rollouts = [{"_ng_task_index": 1, "_ng_rollout_index": r, "reward": 0.5,
                 "agent_ref": {"name": "mcqa_simple_agent"}} for r in range(3)]
    rollouts += [{"_ng_task_index": 7, "_ng_rollout_index": 0, "reward": 1.0},
                 {"_ng_task_index": 2, "_ng_rollout_index": 0, "reward": 0.0,
                  "agent_ref": {"name": "ignored_for_a_row_that_has_one"}}]
    kept.write_text("".join(json.dumps(r) + "\n" for r in rollouts))
    (tmp_path / "rl").mkdir()
    out = tmp_path / "rl" / "train.jsonl"
    result = run(path, "--keep", kept, "--output", out)
    assert result.returncode == 0, result.stderr
    agent = {"type": "responses_api_agents", "name": "mcqa_simple_agent"}
    assert lines(out) == [{**rows[1], "agent_ref": agent}, {**rows[3], "agent_ref": agent}, rows[4]]
    assert result.stdout == f"wrote 3 task rows to {out} (mcqa_simple_agent: 2, other_agent: 1)\n"


def test_mixed_keeps_the_tasks_with_different_rewards(tasks, tmp_path):
    path, rows = tasks
    metrics = tmp_path / "rollouts_aggregate_metrics.json"
    group = [{"_ng_task_index": 0, "min/reward": 0.0, "max/reward": 1.0},
             {"_ng_task_index": 1, "min/reward": 1.0, "max/reward": 1.0},
             {"_ng_task_index": 7, "min/reward": 0.0, "max/reward": 0.0},
             {"_ng_task_index": 2, "min/reward": 0.0, "max/reward": 0.5}]
    metrics.write_text(json.dumps([{"agent_ref": {"name": "mcqa_simple_agent"}, "group_level_metrics": group}]))
    out = tmp_path / "train.jsonl"
    result = run(path, "--mixed", metrics, "--output", out, "--map", "mcqa_simple_agent=mcqa_agent_v2")
    assert result.returncode == 0, result.stderr
    mapped = {"type": "responses_api_agents", "name": "mcqa_agent_v2"}
    assert lines(out) == [{**rows[0], "agent_ref": mapped}, rows[4]]


def test_a_selected_task_without_a_row_fails_and_writes_nothing(tasks, tmp_path):
    path, _ = tasks
    kept = tmp_path / "kept.jsonl"
    kept.write_text(json.dumps({"_ng_task_index": 9}) + "\n")
    out = tmp_path / "train.jsonl"
    result = run(path, "--keep", kept, "--output", out)
    assert result.returncode == 1
    assert result.stderr == (f"error: {path}: no row has task index 9; pass the file the run read with --input "
                             "(and its --limit)\n")
    assert not out.exists() and list(tmp_path.glob(".train.jsonl.*")) == []


def test_bad_lines_are_located(tasks, tmp_path):
    path, _ = tasks
    kept = tmp_path / "kept.jsonl"
    kept.write_text(json.dumps({"_ng_task_index": 0}) + "\n{not json\n")
    result = run(path, "--keep", kept, "--output", tmp_path / "out.jsonl")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {kept}:2: not valid JSON")
    assert "Traceback" not in result.stderr
    kept.write_text(json.dumps({"reward": 1.0}) + "\n")
    result = run(path, "--keep", kept, "--output", tmp_path / "out.jsonl")
    assert result.stderr == f"error: {kept}:1: no _ng_task_index; pass rollouts written by gym eval run\n"


def test_never_overwrites_a_file(tasks, tmp_path):
    path, _ = tasks
    kept = tmp_path / "kept.jsonl"
    kept.write_text(json.dumps({"_ng_task_index": 0}) + "\n")
    before = path.read_bytes()
    result = run(path, "--keep", kept, "--output", path)
    assert result.returncode == 1 and path.read_bytes() == before
    assert result.stderr == f"error: {path}: output is the input file {path}; choose another path\n"
    existing = tmp_path / "existing.jsonl"
    existing.write_text("keep me\n")
    result = run(path, "--keep", kept, "--output", existing)
    assert result.returncode == 1 and existing.read_text() == "keep me\n"
    assert result.stderr == f"error: {existing}: already exists; pass --overwrite to replace it\n"


def test_usage_errors_exit_2(tasks, tmp_path):
    path, _ = tasks
    assert run(path, "--output", tmp_path / "o.jsonl").returncode == 2  # no selection
    assert run(path, "--keep", path, "--mixed", path, "--output", tmp_path / "o.jsonl").returncode == 2
    assert run(path, "--keep", path, "--output", tmp_path / "o.jsonl", "--map", "nope").returncode == 2


def test_the_page_runs_the_script_on_the_loop_it_closes():
    text = PAGE.read_text()
    assert "examples/rollout_collection/select_task_rows.py" in text
    assert "stamp_agent_ref.py" in text
