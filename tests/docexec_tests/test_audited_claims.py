"""Claims an audit found false or misleading, each checked against the pinned release by
running its code, with the page's corrected statement asserted next to it.

Each test runs the release itself in the Python 3.13 runtime (``make gym-runtime``) where it
can, so a future release that changes the behaviour fails here and points at the page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "docs" / "training"


def runtime_python() -> Path:
    named = os.environ.get("NEMO_GYM_PYTHON")
    python = Path(named) if named else ROOT / ".gym-runtime" / "bin" / "python"
    if not python.exists():
        pytest.skip("no NeMo Gym runtime (make gym-runtime)")
    return python


def run_release(code: str, cwd: Path | None = None) -> str:
    """Run Python code in the release's runtime; return what it printed."""
    result = subprocess.run([str(runtime_python()), "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, timeout=300, cwd=cwd, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def page_text(page: str) -> str:
    return " ".join((TRAINING / page).read_text(encoding="utf-8").split())


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_the_old_upload_key_is_ignored_under_no_serve():
    """--no-serve validates a DictConfig: the legacy key is dropped without a warning; from a dict
    the warning names pydantic's module, so Python's default filters hide it."""
    out = json.loads(run_release("""
        import json, warnings
        from omegaconf import OmegaConf
        from nemo_gym.rollout_collection import RolloutCollectionConfig
        base = {"input_jsonl_fpath": "a.jsonl", "output_jsonl_fpath": "b.jsonl", "upload_rollouts_to_wandb": False}
        result = {}
        for name, data in (("dict", dict(base)), ("DictConfig", OmegaConf.create(base))):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                config = RolloutCollectionConfig.model_validate(data)
            result[name] = [config.upload_rollouts, [w.filename.replace("\\\\", "/") for w in caught]]
        print(json.dumps(result))
    """))
    assert out["DictConfig"] == [True, []]
    assert out["dict"][0] is False and all("pydantic" in f for f in out["dict"][1])
    text = page_text("rollout-collection/configuration-reference.md")
    assert "`upload_rollouts_to_wandb`: under `gym eval run --no-serve` it is ignored" in text
    assert "still accepted, with a deprecation warning" not in text


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_pass_at_k_is_reported_for_every_k_up_to_the_samples():
    out = json.loads(run_release("""
        import json
        from nemo_gym.reward_profile import compute_pass_majority_metrics
        tasks = [[{"reward": r} for r in (1, 0, 0, 0)], [{"reward": r} for r in (0, 0)]]
        metrics = compute_pass_majority_metrics(tasks)[0]
        print(json.dumps(sorted(k for k in metrics if k.startswith("pass@") and k.count("/") == 1 and "[" not in k)))
    """))
    assert out == ["pass@1/accuracy", "pass@2/accuracy", "pass@3/accuracy", "pass@4/accuracy"]
    text = page_text("rollout-collection/sampling-strategies.md")
    assert "| pass@k evaluation | At least k |" in text and "exactly k samples" not in text


def test_the_attempt_index_is_absent_on_the_first_attempt(gym_release_source):
    source = gym_release_source("nemo_gym/rollout_collection.py")
    assert "if attempt > 0:\n                row[ATTEMPT_INDEX_KEY_NAME] = attempt" in source
    text = page_text("datasets/format-specification.md")
    assert "The key is absent on the first attempt." in text and "`0` on the first attempt" not in text


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_step_driven_environments_do_not_verify():
    out = run_release("""
        import asyncio
        from resources_servers.gymnasium import GymnasiumServer
        try:
            asyncio.run(GymnasiumServer.verify(None, None))
        except NotImplementedError as exc:
            print("NotImplementedError", exc)
    """)
    assert out.startswith("NotImplementedError")
    assert "`GymnasiumServer`" in page_text("verification/verification-patterns.md")
    assert "almost every resources server has a `verify()` method" in page_text("verification/index.md")


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_a_dataset_license_is_one_of_a_closed_set():
    out = run_release("""
        from pydantic import ValidationError
        from nemo_gym.config_types import DatasetConfig
        base = {"name": "train", "type": "train", "jsonl_fpath": "x.jsonl"}
        DatasetConfig.model_validate(base | {"license": "MIT"})
        try:
            DatasetConfig.model_validate(base | {"license": "Any text"})
        except ValidationError:
            print("rejected")
    """)
    assert out.strip() == "rejected"
    assert "any other text fails validation" in page_text("configuration/configuration-reference.md")


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_mask_sample_is_not_an_aggregate_metric():
    out = json.loads(run_release("""
        import json
        from nemo_gym.reward_profile import select_measured
        rows = [{"_ng_task_index": 0, "_ng_rollout_index": i} for i in range(2)]
        results = [dict(r, reward=1.0, mask_sample=(i == 1)) for i, r in enumerate(rows)]
        measured_rows, measured, masked, coverage = select_measured(rows, results)
        print(json.dumps([sorted(measured[0]), len(measured), len(masked)]))
    """))
    assert "mask_sample" not in out[0] and out[1:] == [1, 1]
    assert "every top-level numeric or boolean field except `mask_sample`" in page_text(
        "verification/verification-patterns.md")


def test_the_shipped_math_judge_is_off_by_default(gym_release_source):
    assert re.search(r"should_use_judge: false", gym_release_source(
        "resources_servers/math_with_judge/configs/math_with_judge.yaml"))
    text = page_text("performance/throughput-optimization.md")
    assert "once you turn its judge on (`should_use_judge: true`" in text
    assert "`judge_evaluations` is `null` when the judge was not asked" in page_text(
        "configuration/multi-model-setups.md")


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_a_hugging_face_download_needs_hf_token_in_the_config(tmp_path):
    """With only HF_TOKEN in the environment, collate --download of an HF-only split
    (workplace_assistant's train split; mcqa's validation split) stops before downloading."""
    gym = runtime_python().parent / "gym"
    result = subprocess.run(
        [str(gym), "dataset", "collate", "--resources-server", "workplace_assistant", "--output-dir", "out",
         "--mode", "train_preparation", "--download"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "HF_TOKEN": "hf_from_the_environment", "HF_HUB_OFFLINE": "1"})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "HuggingFace backend selected but missing credentials: ['hf_token']" in output
    assert "`HF_TOKEN` does not count" in page_text("integration/nemo-rl.md")
    for page in ("integration/nemo-rl.md", "integration/verl.md", "integration/openrlhf.md",
                 "integration/trl.md"):
        assert "needs `hf_token" in page_text(page) or "need `hf_token`" in page_text(page), page


def test_the_trl_snippet_saves_the_model_the_dpo_step_loads():
    text = (TRAINING / "integration/trl.md").read_text(encoding="utf-8")
    snippet = text[text.index('sft_data = load_dataset('):]
    assert snippet.index("sft.save_model()") < snippet.index('model="checkpoints/mcqa-sft"')


@pytest.fixture(scope="session")
def gym_release_source(gym_release: Path):
    def read(relative: str) -> str:
        return (gym_release / relative).read_text(encoding="utf-8")

    return read
