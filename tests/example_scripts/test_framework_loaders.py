"""The converters' output on every example file of the wheel, loaded by the real frameworks.

The converters and prepare_prompts.py run as the pages show, on all 187
``example_rollouts.jsonl`` files and every example task file of the pinned
nemo-gym wheel. The framework environment (``make framework-env``: CPU torch,
TRL, OpenRLHF and VeRL at the versions the pages name) then loads every
non-empty output with the framework's own code, one process per framework
(tests/framework_drivers/). Without that environment these tests skip, except
under CI=true, where they fail: a CI run must never pass without them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from .helpers import EXAMPLES, ROOT, load_script

FRAMEWORK_PYTHON = ROOT / ".framework-env" / "bin" / "python"
DRIVERS = ROOT / "tests" / "framework_drivers"
CONVERTERS = EXAMPLES / "converters"
INTEGRATION = EXAMPLES / "integration"

sft, dpo = load_script(CONVERTERS / "rollouts_to_sft.py"), load_script(CONVERTERS / "rollouts_to_dpo.py")
prepare = load_script(INTEGRATION / "prepare_prompts.py")
rollout_io = load_script(CONVERTERS / "rollout_io.py")

# The runs, with the options the pages give (plus the opt-in flags, so every record the
# converters can write is loaded too).
ROLLOUT_RUNS = {
    "sft": (sft, []),
    "sft_all": (sft, ["--keep-all", "--keep-unknown-tools", "--keep-incomplete"]),
    "dpo": (dpo, []),
    "dpo_prompt": (dpo, ["--group-by", "prompt"]),
    "dpo_all": (dpo, ["--group-by", "prompt", "--keep-unknown-tools", "--keep-incomplete"]),
    "dpo_openrlhf": (dpo, ["--group-by", "prompt", "--format", "openrlhf", "--keep-unknown-tools"]),
}
TASK_FORMATS = {"grpo": "trl", "prompts": "openrlhf", "verl": "verl"}
# Read by the frameworks when they are imported: no hub access, no progress bars.
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


@pytest.fixture(scope="module")
def framework_python() -> Path:
    if FRAMEWORK_PYTHON.exists():
        return FRAMEWORK_PYTHON
    message = (
        f"no framework environment at {FRAMEWORK_PYTHON.parent.parent}: run `make framework-env` "
        "(make test builds it) to load the converters' output with TRL, OpenRLHF and VeRL"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run_main(module, argv: list[str]) -> tuple[int, str]:
    """Run a script's command line in this process (as `python script argv`); return code and stderr."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = rollout_io.run_cli(module.main, argv)
    return code, stderr.getvalue()


def records_in(path: Path) -> int:
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and other line breaks.
    return sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.strip())


@pytest.fixture(scope="module")
def converted(tmp_path_factory, example_rollout_files, example_task_files) -> dict:
    """Every conversion the pages describe, on every example file: the manifest and the counts."""
    out = tmp_path_factory.mktemp("converted")
    manifest: dict[str, list[str]] = {kind: [] for kind in [*ROLLOUT_RUNS, *TASK_FORMATS]}
    records: Counter = Counter()
    failed: dict[str, list[str]] = {}
    for number, source in enumerate(example_rollout_files):
        for kind, (module, options) in ROLLOUT_RUNS.items():
            target = out / f"{number}.{kind}.jsonl"
            code, stderr = run_main(module, [str(source), str(target), *options])
            if code != 0:
                failed.setdefault(kind, []).append(stderr)
            elif records_in(target):
                manifest[kind].append(str(target))
                records[kind] += records_in(target)
    for number, source in enumerate(example_task_files):
        for kind, fmt in TASK_FORMATS.items():
            target = out / f"task{number}.{kind}.jsonl"
            code, stderr = run_main(prepare, ["--format", fmt, str(source), str(target)])
            if code == 1 and "--skip-unsupported" in stderr:  # what the message tells a reader
                code, stderr = run_main(
                    prepare, ["--format", fmt, str(source), str(target), "--skip-unsupported"]
                )
            if code != 0:
                failed.setdefault(kind, []).append(stderr)
            elif records_in(target):
                manifest[kind].append(str(target))
                records[kind] += records_in(target)
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return {"manifest": manifest, "path": path, "records": records, "failed": failed, "out": out}


def run_driver(framework_python: Path, driver: str, converted: dict, env: dict | None = None) -> dict:
    report = converted["out"] / f"{driver}.report.json"
    environment = {**os.environ, **OFFLINE, "HF_HOME": str(converted["out"] / "hf"), **(env or {})}
    # Its own process group, so that a timeout also ends any worker processes it started.
    proc = subprocess.Popen(
        [str(framework_python), str(DRIVERS / f"{driver}.py"), str(converted["path"]), str(report)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=DRIVERS, env=environment,
        start_new_session=True,
    )
    try:
        _, stderr = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{driver} took more than 600 seconds", pytrace=False)
    assert report.exists(), f"{driver} wrote no report (exit {proc.returncode}):\n{stderr[-4000:]}"
    return json.loads(report.read_text(encoding="utf-8"))


def assert_all_loaded(report: dict, converted: dict, kind: str) -> None:
    entry = report[kind]
    assert entry["failures"] == [], "\n".join(entry["failures"])
    assert entry["files"] == len(converted["manifest"][kind])
    assert entry["records"] == converted["records"][kind]


def test_every_example_file_of_the_wheel_is_converted(converted, example_rollout_files, example_task_files):
    folders = Counter(path.parent.parent.parent.name for path in example_rollout_files)
    assert folders == {"resources_servers": 145, "environments": 35, "responses_api_agents": 4,
                       "benchmarks": 3}
    assert len(example_task_files) > 200
    # The only rollout files no converter reads are the Git LFS pointers the wheel ships.
    for kind in ROLLOUT_RUNS:
        errors = converted["failed"].get(kind, [])
        assert len(errors) == 4, (kind, errors)
        assert all("not valid JSON" in error and "Traceback" not in error for error in errors)
    # Task files whose rows all lack a plain chat prompt fail with a located message.
    for kind in TASK_FORMATS:
        for error in converted["failed"].get(kind, []):
            assert error.startswith("error: ") and "Traceback" not in error
    counts = {kind: (len(files), converted["records"][kind]) for kind, files in converted["manifest"].items()}
    assert counts["sft_all"][1] > counts["sft"][1] > 300, counts
    assert counts["verl"][1] > 800, counts


@pytest.mark.slow  # imports a training framework in a subprocess
def test_trl_trains_on_every_converted_file(framework_python, converted):
    report = run_driver(framework_python, "trl_driver", converted)
    for kind in ("sft", "sft_all", "dpo_prompt", "dpo_all", "grpo"):
        assert_all_loaded(report, converted, kind)
    assert report["sft_train_step"]["failures"] == []
    assert report["sft_train_step"]["records"] == converted["records"]["sft"] + converted["records"]["sft_all"]
    assert report["dpo_prompt"]["train_step_on"], "no DPO training step ran"


@pytest.mark.slow  # imports a training framework in a subprocess
def test_openrlhf_datasets_accept_every_converted_file(framework_python, converted):
    report = run_driver(framework_python, "openrlhf_driver", converted)
    for kind in ("sft", "sft_all", "dpo_openrlhf", "prompts"):
        assert_all_loaded(report, converted, kind)


@pytest.mark.slow  # imports a training framework in a subprocess
def test_verl_rlhf_dataset_accepts_every_prompt_file(framework_python, converted):
    report = run_driver(framework_python, "verl_driver", converted)
    assert_all_loaded(report, converted, "verl")


@pytest.mark.slow  # starts NeMo Gym servers and runs a TRL step
def test_trl_grpo_step_scores_with_a_release_resources_server(
    framework_python, single_tool_call_servers, gym_runtime, tmp_path
):
    """One real GRPOTrainer step whose reward function calls the release's /verify.

    The servers are the pinned release's ``example_single_tool_call`` started by
    ``gym env start`` (skips where no NeMo Gym runtime is built); the prompts are
    prepare_prompts.py --format trl output of that server's example tasks.
    """
    sandbox, _ = single_tool_call_servers
    client = load_script(INTEGRATION / "gym_verify_client.py")
    verify_url = client.resources_server_url(f"http://127.0.0.1:{sandbox.head_port}", "example_single_tool_call")
    tasks = gym_runtime.install_root / "resources_servers/example_single_tool_call/data/example.jsonl"
    prompts = tmp_path / "train_trl.jsonl"
    code, stderr = run_main(prepare, ["--format", "trl", str(tasks), str(prompts)])
    assert code == 0, stderr
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"grpo_step": [str(prompts)]}), encoding="utf-8")
    converted = {"out": tmp_path, "path": manifest}
    report = run_driver(framework_python, "trl_driver", converted, env={
        "GYM_VERIFY_URL": verify_url, "EXAMPLES_INTEGRATION": str(INTEGRATION),
        "TRL_EXPERIMENTAL_SILENCE": "1",
    })
    entry = report["grpo_step"]
    assert entry["failures"] == [] and entry["files"] == 1
    # Every completion got a reward from /verify (a failed call would give None).
    assert entry["rewards"] and all(isinstance(r, float) for r in entry["rewards"])
