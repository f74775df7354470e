"""The SFT-then-DPO script on integration/trl.md runs as a user copies it, in the framework
environment (TRL 1.16, CPU torch).

The block is taken from the page, not retyped here. Three things change, all stated: the
Hugging Face model id becomes a tiny model saved locally (no hub access here), each config
gets ``use_cpu=True`` (TRL's configs default to bf16, which needs a GPU), and the data
files are the converters' output on a fixture rollouts file, made with the commands the page
shows. Everything else (paths, configs, the ``save_model`` call the DPO step depends on) is
the page's own text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from accuracy.blocks import read_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "training" / "integration" / "trl.md"
FRAMEWORK_PYTHON = ROOT / ".framework-env" / "bin" / "python"
DRIVERS = Path(__file__).resolve().parent
ROLLOUTS = ROOT / "tests" / "data" / "rollout_collection" / "dpo_rollouts.jsonl"
HUB_MODEL = '"Qwen/Qwen3-4B-Instruct-2507"'
CONFIG = "Config(output_dir="
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "TOKENIZERS_PARALLELISM": "false",
           "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "WANDB_DISABLED": "true"}
SAVE_TINY_MODEL = (
    "import sys; sys.path.insert(0, sys.argv[1]); from tiny_model import tiny_model, tiny_tokenizer; "
    "t = tiny_tokenizer(); tiny_model(t).save_pretrained(sys.argv[2]); t.save_pretrained(sys.argv[2])"
)


def on_cpu_with_tiny_model(script: str) -> str:
    assert script.count(CONFIG) == 2, f"{PAGE}: expected two TRL configs with output_dir first"
    return script.replace(HUB_MODEL, '"tiny-model"').replace(CONFIG, "Config(use_cpu=True, output_dir=")


def python_block(containing: str) -> str:
    blocks = [b.text for b in read_page(PAGE).blocks if b.language == "python" and containing in b.text]
    assert len(blocks) == 1, f"{PAGE}: expected one python block with {containing!r}, found {len(blocks)}"
    return blocks[0]


@pytest.fixture(scope="module")
def framework_python() -> Path:
    if FRAMEWORK_PYTHON.exists():
        return FRAMEWORK_PYTHON
    message = f"no framework environment at {FRAMEWORK_PYTHON.parent.parent}: run `make framework-env`"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **OFFLINE})


@pytest.mark.slow
def test_the_sft_then_dpo_script_trains_and_the_dpo_step_loads_the_sft_model(framework_python, tmp_path):
    script = python_block("DPOTrainer(")
    assert HUB_MODEL in script, f"{PAGE}: the SFT step no longer names {HUB_MODEL}; update this test"
    # The page's converter commands, on a fixture of several rollouts per task.
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "data" / "mcqa").mkdir(parents=True)
    for converter, output in (("rollouts_to_sft.py", "sft.jsonl"), ("rollouts_to_dpo.py", "dpo.jsonl")):
        converted = run([sys.executable, f"examples/converters/{converter}", str(ROLLOUTS),
                         f"data/mcqa/{output}"], tmp_path)
        assert converted.returncode == 0, converted.stderr
        assert (tmp_path / "data" / "mcqa" / output).stat().st_size > 0, output
    saved = run([str(framework_python), "-c", SAVE_TINY_MODEL, str(DRIVERS), "tiny-model"], tmp_path)
    assert saved.returncode == 0, saved.stderr

    (tmp_path / "train.py").write_text(on_cpu_with_tiny_model(script), encoding="utf-8")
    trained = run([str(framework_python), "train.py"], tmp_path)

    assert trained.returncode == 0, trained.stderr[-4000:]
    # The DPO step read the SFT model from the directory save_model() wrote, and saved its own run.
    assert (tmp_path / "checkpoints" / "mcqa-sft" / "config.json").is_file()
    assert any((tmp_path / "checkpoints" / "mcqa-dpo").glob("checkpoint-*/model.safetensors"))


@pytest.mark.slow
def test_without_save_model_the_dpo_step_finds_no_model(framework_python, tmp_path):
    """The audited claim: train() alone writes only checkpoint-<step>/, so the DPO step fails."""
    script = python_block("DPOTrainer(")
    without = "\n".join(line for line in script.splitlines() if not line.startswith("sft.save_model("))
    assert without != script
    (tmp_path / "data" / "mcqa").mkdir(parents=True)
    for converter, output in (("rollouts_to_sft.py", "sft.jsonl"), ("rollouts_to_dpo.py", "dpo.jsonl")):
        assert run([sys.executable, str(ROOT / "examples" / "converters" / converter), str(ROLLOUTS),
                    f"data/mcqa/{output}"], tmp_path).returncode == 0
    assert run([str(framework_python), "-c", SAVE_TINY_MODEL, str(DRIVERS), "tiny-model"], tmp_path).returncode == 0
    (tmp_path / "train.py").write_text(on_cpu_with_tiny_model(without), encoding="utf-8")
    trained = run([str(framework_python), "train.py"], tmp_path)
    assert trained.returncode != 0
    assert "checkpoints/mcqa-sft" in trained.stderr
