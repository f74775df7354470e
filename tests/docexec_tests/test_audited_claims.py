"""Claims an audit found false or misleading, each checked against the pinned release by
running its code, with the page's corrected statement asserted next to it.

Each test runs the release itself in the Python 3.13 runtime (``make gym-runtime``) where it
can, so a future release that changes the behaviour fails here and points at the page."""

from __future__ import annotations

import ast
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


def test_ten_servers_declare_stateless_reverification(gym_release: Path):
    declared = {}
    for app in sorted(gym_release.glob("resources_servers/*/app.py")):
        found = re.search(r"REVERIFY_MODE(?:: ClassVar\[ReverifyMode\])? = ReverifyMode\.(\w+)",
                          app.read_text(encoding="utf-8"))
        if found:
            declared.setdefault(found.group(1), []).append(app.parent.name)
    assert len(declared["STATELESS"]) == 10 and "mcqa" in declared["STATELESS"]
    assert sorted(declared["UNSUPPORTED"]) == ["deepswe", "genrm_compare", "terminal_bench_4", "vibench"]
    assert "Ten servers, `mcqa` among them, declare `STATELESS`" in page_text(
        "verification/verification-patterns.md")


def test_math_judge_reads_the_whole_response_and_swaps_only_after_equal(gym_release_source):
    source = gym_release_source("resources_servers/math_with_judge/app.py")
    assert "self._verify_answer_with_library_async(\n            expected_answer, generated_answer\n" in source
    assert re.search(r"if not first_order_equal:\n\s+return", source)
    patterns = page_text("verification/verification-patterns.md")
    assert "`math-verify` on the whole response" in patterns
    assert "`math_with_judge`: re-asks swapped after `[[A=B]]`" in patterns
    assert "re-ask swapped after an \"equal\"" in page_text("verification/reward-shaping.md")
    assert "no `\\boxed{}` answer, or a library check that passed" in page_text(
        "configuration/multi-model-setups.md")


def test_chat_completions_usage_becomes_output_tokens(gym_release_source):
    source = gym_release_source("nemo_gym/responses_converter.py")
    assert "output_tokens=chat_completion.usage.completion_tokens" in source
    text = page_text("data-quality/filtering-strategies.md")
    assert "filter on `response.usage.output_tokens`; model servers fill it from a Chat Completions" in text
    assert "report `completion_tokens` instead of `output_tokens`" not in text


def test_quoted_retry_and_schema_messages_start_as_printed(gym_release_source):
    assert 'f"[request_retry url={url} error=ClientOSError retry={retries}' in gym_release_source(
        "nemo_gym/server_utils.py")
    assert 'f"{config.entrypoint} does not ship a task_data.py schema yet. "' in gym_release_source(
        "nemo_gym/cli/env.py")
    for page in sorted(TRAINING.rglob("*.md")):
        for line in page.read_text(encoding="utf-8").splitlines():
            if re.search(r"^Hit <\w+> global", line):
                pytest.fail(f"{page}: retry line quoted without its [request_retry ...] prefix: {line}")
            assert "<server> does not ship a task_data.py" not in line, page


def test_the_pairing_override_under_no_serve_is_the_environment_variable():
    out = run_release("""
        import os
        from omegaconf import OmegaConf
        from nemo_gym.global_config import pairing_override_enabled
        before = pairing_override_enabled(OmegaConf.create({}))
        os.environ["NEMO_GYM_ALLOW_UNSUPPORTED_PAIRING"] = "1"
        print(before, pairing_override_enabled(OmegaConf.create({})))
    """)
    assert out.split() == ["False", "True"]
    assert ("`Rows would be scored by a verifier that does not accept the agent running them:` | Route to a "
            "supported agent type, or set `NEMO_GYM_ALLOW_UNSUPPORTED_PAIRING=1`.") in page_text(
        "troubleshooting/error-reference.md")


def test_shipped_gpu_memory_settings_and_example_rollouts(gym_release: Path):
    values = [line.split(":", 1)[1].strip() for path in gym_release.rglob("*.yaml")
              for line in path.read_text(encoding="utf-8").splitlines()
              if line.strip().startswith("gpu_memory_utilization:")]
    assert sorted(v for v in values if v != "0.9") == ["0.80", "0.80", "0.85", "0.85"]
    assert "Most shipped configs use `0.9`, four `0.80` or `0.85`." in page_text(
        "configuration/resource-allocation.md")
    placeholders = other = 0
    for path in gym_release.glob("*/*/data/example_rollouts.jsonl"):
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line)) if line.strip() else None
            except json.JSONDecodeError:
                placeholders += 1
                break
        else:
            other += any(not isinstance(r, dict) or "response" not in r for r in rows)
    assert (placeholders, other) == (4, 4)
    assert "eight files hold placeholders or other rows" in page_text("datasets/format-specification.md")


def test_collection_posts_run_to_the_environment_server(gym_release_source):
    source = gym_release_source("nemo_gym/rollout_collection.py")
    assert "agent_name: _environment_server_for_agent(agent_name, servers_by_agent)" in source
    assert 'else server_for_agent[row[AGENT_REF_KEY_NAME]["name"]]' in source
    assert 'server_client.post(server_name=server_name, url_path="/run"' in source
    assert "which posts each row to `/run` on its agent's environment server" in page_text("integration/nemo-rl.md")
    assert "to `/run` on each agent's environment server" in page_text("integration/index.md")
    assert "posts each one to the `/run` endpoint of the environment server in front of the row's agent" in page_text(
        "rollout-collection/index.md")


def test_two_openrlhf_assertion_messages_name_the_old_flag():
    source_file = next((ROOT / ".framework-env").glob("lib/python3*/site-packages/openrlhf/cli/train_ppo_ray.py"), None)
    if source_file is None:
        pytest.skip("no framework environment (make framework-env)")
    tree = ast.parse(source_file.read_text(encoding="utf-8"))
    messages = [node for node in ast.walk(tree) if isinstance(node, ast.Assert) and node.msg is not None
                and "remote_rm_url" in ast.unparse(node.msg)]
    assert len(messages) == 2
    assert "Two assertion messages in 0.11.2 still name `remote_rm_url`" in page_text("integration/openrlhf.md")


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_resume_drops_a_cut_off_last_line(tmp_path):
    """NeMo Gym does remove rollouts: resume drops a last line that a hard kill cut short."""
    rollouts = tmp_path / "rollouts.jsonl"
    rollouts.write_text('{"reward": 1.0}\n{"reward": 0.0}\n{"rew', encoding="utf-8")
    out = run_release(f"""
        from pathlib import Path
        from nemo_gym.rollout_collection import _drop_truncated_tail
        _drop_truncated_tail(Path({str(rollouts)!r}))
    """)
    assert rollouts.read_text(encoding="utf-8") == '{"reward": 1.0}\n{"reward": 0.0}\n'
    assert out.startswith("Dropped a truncated final line (5 bytes)")
    text = page_text("data-quality/filtering-strategies.md")
    assert ("NeMo Gym itself removes a rollout only when `--resume` drops a cut-off last line, or when "
            "`retry_invalid_judge_responses` moves a row") in text


@pytest.mark.slow  # imports the release in the NeMo Gym runtime
def test_env_yaml_is_found_in_the_working_directory_before_the_install_root(tmp_path):
    (tmp_path / "env.yaml").write_text("policy_model_name: x\n", encoding="utf-8")
    out = run_release("""
        from nemo_gym import _resolve_under_cwd_or_install
        print(_resolve_under_cwd_or_install("env.yaml"))
    """, cwd=tmp_path)
    assert out.strip() == str(tmp_path / "env.yaml")
    text = page_text("configuration/configuration-reference.md")
    assert ("The first found on the search roots: `NEMO_GYM_EXTRA_ROOTS` (`--search-dir`), the working "
            "directory, the install root.") in text


def test_the_duplicate_health_check_flags_a_shared_task_and_rollout_index(gym_release_source):
    source = gym_release_source("nemo_gym/rollout_health.py")
    assert "grouped[(digest.stage_index, digest.task_index, digest.rollout_index)].append(digest)" in source
    assert 'check="rollout_duplicate_identity"' in source
    text = page_text("data-quality/index.md")
    assert "its duplicate check (`rollout_duplicate_identity`) covers only rollouts that share a task and" in text
    assert "does not check duplicates" not in text


def test_longest_first_dispatch_needs_recorded_elapsed_seconds(gym_release_source):
    source = gym_release_source("nemo_gym/rollout_collection.py")
    assert 'NG_ELAPSED_KEY = "elapsed_seconds"' in source
    assert "if config.dispatch_longest_first and elapsed_by_key:" in source
    assert source.count("NG_ELAPSED_KEY") == 3  # defined and read, never written by collection
    assert "elapsed_seconds" in gym_release_source("responses_api_agents/stirrup_agent/app.py")
    assert "It reads only sidecar rows that carry `elapsed_seconds`, which collection does not write itself" in (
        page_text("rollout-collection/parallel-generation.md"))
    assert "for agents that record `elapsed_seconds` in their failure rows" in page_text(
        "troubleshooting/performance-problems.md")


def test_some_agents_write_agent_run_error_rows_themselves(gym_release_source):
    agent = gym_release_source("responses_api_agents/hermes_sandboxed_agent/app.py")
    assert '_ng_failure_class="agent_run_error"' in agent
    assert "| `agent_run_error` | Collection, with `+route_failures_to_sidecar=true`; some agents |" in page_text(
        "troubleshooting/error-reference.md")


def test_gym_env_start_joins_a_running_ray_cluster(gym_release_source):
    """ray.init without an address joins the cluster `ray start` or RAY_ADDRESS names."""
    source = gym_release_source("nemo_gym/server_utils.py")
    assert "ray_init_kwargs = dict(ignore_reinit_error=True)" in source
    assert "ray.init(**ray_init_kwargs)" in source
    assert '"local"' not in source  # address="local" would force a new cluster
    assert ("If `ray start` has already run on the machine, or `RAY_ADDRESS` is set, Ray joins that cluster "
            "instead of starting its own") in page_text("configuration/resource-allocation.md")


def test_the_vllm_api_server_runs_with_the_first_replica(gym_release_source):
    source = gym_release_source("responses_api_models/local_vllm_model/app.py")
    assert 'name=f"{self.config.name}_dp_rank_0"' in source
    assert ("on the node where Ray places the first replica's placement group (`<name>_dp_rank_0`)"
            in page_text("performance/distributed-generation.md"))


def framework_package(name: str) -> Path:
    found = next((ROOT / ".framework-env").glob(f"lib/python3*/site-packages/{name}"), None)
    if found is None:
        pytest.skip("no framework environment (make framework-env)")
    return found


def test_verl_reads_the_ground_truth_but_not_ability_or_style():
    sources = {path: path.read_text(encoding="utf-8") for path in framework_package("verl").rglob("*.py")}
    assert not [p for p, text in sources.items() if re.search(r"""["'](ability|style)["']""", text)]
    assert any('"ground_truth"' in text for text in sources.values())
    assert "VeRL 0.9.1 ignores `ability` and `style`" in page_text("integration/verl.md")


def test_trl_swaps_in_a_training_chat_template_for_assistant_only_loss():
    source = (framework_package("trl") / "trainer" / "sft_trainer.py").read_text(encoding="utf-8")
    assert ("if args.assistant_only_loss and not has_generation_markers(processing_class.chat_template):\n"
            "            self.chat_template = get_training_chat_template(processing_class)") in source
    assert ("When the model's template has no such markers, TRL 1.16 swaps in a training template of its own"
            in page_text("datasets/prepare-for-training.md"))


def test_only_rows_with_a_failure_class_go_to_the_sidecar(gym_release_source):
    source = gym_release_source("nemo_gym/rollout_collection.py")
    sidecar_branch = re.search(r"elif failure_class is not None:\n(.*?)\n\s+else:\n\s+# Success → main jsonl\.",
                               source, re.S)
    assert sidecar_branch and "failures_file.write(serialized" in sidecar_branch.group(1)
    assert "failure_class = result.get(NG_FAILURE_CLASS_KEY)" in source
    text = page_text("troubleshooting/collection-failures.md")
    assert ("A rollout whose result carries `_ng_failure_class`, such as a judge call that `judge_failsafe` "
            "caught, goes to the sidecar whatever `route_failures_to_sidecar` says; a verifier that only sets "
            "`failure_kind` keeps its rollout in the rollouts file.") in text
