"""Tests for examples/integration: the Gym-facing parts of the framework bridges.

No training framework is installed. The bridges are exercised against a fake
resources server and a fake head server on 127.0.0.1 that check the request
shapes nemo-gym 0.7.0 expects, with requests shaped like the ones OpenRLHF,
TRL and VeRL send (read from their source: openrlhf 0.11.2
``utils/agent.py``, trl 1.16.0 ``trainer/grpo_trainer.py``, verl 0.9.1
``experimental/reward_loop/reward_manager/naive.py``). Real task rows and
rollouts come from the nemo-gym wheel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .helpers import EXAMPLES as ALL_EXAMPLES
from .helpers import load_scripts, run_script, write_jsonl

EXAMPLES = ALL_EXAMPLES / "integration"

gym_token_ids, client, bridge, prepare_prompts = load_scripts(
    EXAMPLES, "gym_token_ids", "gym_verify_client", "openrlhf_reward_bridge", "prepare_prompts"
)
stamp_agent_ref, trl_gym_reward, verl_gym_reward = load_scripts(
    EXAMPLES, "stamp_agent_ref", "trl_gym_reward", "verl_gym_reward"
)

# Fields the Responses API object requires (openai Response, which NeMoGymResponse extends).
REQUIRED_RESPONSE_FIELDS = {"id", "created_at", "model", "object", "output", "parallel_tool_calls", "tool_choice", "tools"}


def _task(answer: str = "B", **extra) -> dict:
    return {
        "responses_create_params": {"input": [{"role": "user", "content": "Pick one. A or B?"}]},
        "expected_answer": answer,
        **extra,
    }


class FakeGym:
    """A resources server (/seed_session, /verify) and a head server (/server_instances) in one."""

    def __init__(self) -> None:
        self.verify_bodies: list[dict] = []
        self.verify_cookies: list[str | None] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, status: int, body, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/server_instances":
                    port = self.server.server_address[1]
                    self._json(
                        200,
                        [
                            {"process_name": "policy_model", "server_type": "responses_api_models",
                             "name": "vllm_model", "url": "http://127.0.0.1:1"},
                            {"process_name": "mcqa", "server_type": "resources_servers",
                             "name": "mcqa", "url": f"http://127.0.0.1:{port}"},
                        ],
                    )
                else:
                    self._json(404, {"detail": "Not Found"})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/seed_session":
                    self._json(200, {}, {"Set-Cookie": "mcqa=session-1; Path=/; HttpOnly"})
                    return
                if self.path != "/verify":
                    self._json(404, {"detail": "Not Found"})
                    return
                fake.verify_bodies.append(body)
                fake.verify_cookies.append(self.headers.get("Cookie"))
                if body.get("force_status"):
                    self._json(body["force_status"], {"detail": "boom"})
                    return
                response = body.get("response")
                # What pydantic would reject in BaseVerifyRequest.
                if not isinstance(body.get("responses_create_params"), dict) or not isinstance(response, dict):
                    self._json(422, {"detail": "validation error"})
                    return
                if not REQUIRED_RESPONSE_FIELDS <= set(response) or response["object"] != "response":
                    self._json(422, {"detail": "validation error: response"})
                    return
                message = response["output"][0]
                if message["type"] != "message" or message["role"] != "assistant":
                    self._json(422, {"detail": "validation error: output"})
                    return
                text = message["content"][0]["text"]
                reward = 1.0 if f"\\boxed{{{body.get('expected_answer')}}}" in text else 0.0
                self._json(200, {**body, "reward": reward, "mask_sample": bool(body.get("mask_me"))})

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # A short poll, so shutdown() returns at once instead of after serve_forever's 0.5 s.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> FakeGym:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake_gym():
    with FakeGym() as gym:
        yield gym


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return run_script(EXAMPLES / script, *args, timeout=60)


# gym_verify_client


def test_task_messages_reads_real_task_rows(gym_release: Path) -> None:
    rows = (gym_release / "resources_servers/mcqa/data/example.jsonl").read_text().splitlines()
    for line in rows:
        task = json.loads(line)
        messages = client.task_messages(task)
        assert messages[-1]["role"] == "user"
        assert messages[-1]["content"] == task["responses_create_params"]["input"][-1]["content"]


def test_task_messages_handles_strings_parts_and_instructions() -> None:
    task = {"responses_create_params": {"input": "2+2?", "instructions": "Be brief."}}
    assert client.task_messages(task) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "2+2?"},
    ]
    parts = {"responses_create_params": {"input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "a"}, {"type": "input_text", "text": "b"}]}
    ]}}
    assert client.task_messages(parts) == [{"role": "user", "content": "ab"}]
    with pytest.raises(ValueError, match="function_call"):
        client.task_messages({"responses_create_params": {"input": [{"type": "function_call", "name": "f"}]}})


def test_verify_sends_a_valid_request_and_reads_the_reward(fake_gym: FakeGym) -> None:
    verifier = client.GymVerifier(fake_gym.url)
    assert verifier.reward(_task("B"), "Thinking... \\boxed{B}") == 1.0
    assert verifier.reward(json.dumps(_task("B")), "\\boxed{A}") == 0.0
    sent = fake_gym.verify_bodies[0]
    assert sent["expected_answer"] == "B"  # task fields pass through to the verifier
    assert sent["responses_create_params"] == _task()["responses_create_params"]
    assert sent["response"]["output"][0]["content"][0] == {
        "type": "output_text", "text": "Thinking... \\boxed{B}", "annotations": []
    }
    assert fake_gym.verify_cookies[0] is None


def test_seed_session_cookie_reaches_verify(fake_gym: FakeGym) -> None:
    client.GymVerifier(fake_gym.url, seed_session=True).verify(_task(), "\\boxed{B}")
    assert fake_gym.verify_cookies == ["mcqa=session-1"]


def test_verify_errors_are_reported_not_hidden(fake_gym: FakeGym) -> None:
    verifier = client.GymVerifier(fake_gym.url, retries=1)
    with pytest.raises(client.GymRequestError, match="HTTP 500"):
        verifier.verify(_task(force_status=500), "x")
    assert len(fake_gym.verify_bodies) == 2  # one retry
    results = verifier.verify_many([(_task(), "\\boxed{B}"), (_task(force_status=500), "x")])
    assert results[0]["reward"] == 1.0 and isinstance(results[1], client.GymRequestError)
    with pytest.raises(client.GymRequestError):
        client.GymVerifier("http://127.0.0.1:9", retries=0, timeout=2).verify(_task(), "x")


def test_resources_server_url_uses_the_head_server(fake_gym: FakeGym) -> None:
    assert client.resources_server_url(fake_gym.url, "mcqa") == fake_gym.url
    with pytest.raises(client.GymRequestError, match="running resources servers: \\['mcqa'\\]"):
        client.resources_server_url(fake_gym.url, "math_with_judge")


# prepare_prompts


@pytest.mark.parametrize("fmt", prepare_prompts.FORMATS)
def test_prepare_prompts_cli_on_real_rows(fmt: str, gym_release: Path, tmp_path: Path) -> None:
    source = gym_release / "resources_servers/mcqa/data/example.jsonl"
    out = tmp_path / f"{fmt}.jsonl"
    result = _run("prepare_prompts.py", "--format", fmt, str(source), str(out))
    assert result.returncode == 0, result.stderr
    assert "prepare_prompts: read 5 task rows, wrote 5 prompt rows, skipped 0" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    tasks = [json.loads(line) for line in source.read_text().splitlines()]
    first = rows[0]
    if fmt == "trl":
        assert set(first) == {"prompt", "gym_task"}
        assert json.loads(first["gym_task"]) == tasks[0]
    elif fmt == "openrlhf":
        assert set(first) == {"input", "label"}
        assert json.loads(first["label"]) == tasks[0]
    else:
        assert set(first) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
        assert json.loads(first["reward_model"]["ground_truth"]) == tasks[0]
        assert [row["extra_info"]["index"] for row in rows] == list(range(5))


def test_prepare_prompts_reports_unsupported_rows(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps(_task()) + "\n"
        + json.dumps({"responses_create_params": {"input": [{"type": "function_call", "name": "f"}]}}) + "\n"
    )
    failed = _run("prepare_prompts.py", "--format", "trl", str(source), str(tmp_path / "out.jsonl"))
    assert failed.returncode == 1 and "in.jsonl:2" in failed.stderr and "--skip-unsupported" in failed.stderr
    assert not (tmp_path / "out.jsonl").exists()  # nothing partial: row 1 was not written
    skipped = _run("prepare_prompts.py", "--format", "trl", "--skip-unsupported", str(source), str(tmp_path / "o.jsonl"))
    assert skipped.returncode == 0, skipped.stderr
    assert "wrote 1 prompt rows, skipped 1" in skipped.stderr
    assert "input item of type 'function_call' is not a chat message" in skipped.stderr


def test_prepare_prompts_never_empties_its_input(tmp_path: Path) -> None:
    """The input used to be truncated when given as the output too."""
    source = tmp_path / "t.jsonl"
    source.write_text(json.dumps(_task()) + "\n")
    before = source.read_bytes()
    failed = _run("prepare_prompts.py", "--format", "trl", str(source), str(source))
    assert failed.returncode == 1 and "output is the input file" in failed.stderr
    assert source.read_bytes() == before


# OpenRLHF bridge


def test_response_text_cuts_prompt_and_end_markers() -> None:
    prompt = "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n"
    assert bridge.response_text(prompt + "\\boxed{B}<|im_end|>\n", prompt) == "\\boxed{B}"
    long_prompt = "<|im_start|>system\n" + "Rules. " * 20 + "<|im_end|>\n" + prompt
    # A decoded query whose start differs from the prompt string still splits at the prompt's end.
    assert bridge.response_text("XX" + long_prompt[2:] + "answer</s>", long_prompt) == "answer"


@pytest.fixture()
def running_bridge(fake_gym: FakeGym):
    server = bridge.make_server(client.GymVerifier(fake_gym.url, retries=0), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_bridge_answers_an_openrlhf_request(running_bridge: str, fake_gym: FakeGym) -> None:
    prompt = "<|im_start|>user\nPick one.<|im_end|>\n<|im_start|>assistant\n"
    # The payload shape of SingleTurnAgentExecutor._fetch_rewards_via_http.
    payload = {
        "query": [prompt + "\\boxed{B}<|im_end|>", prompt + "\\boxed{A}<|im_end|>"],
        "prompts": [prompt, prompt],
        "labels": [json.dumps(_task("B")), json.dumps(_task("B", mask_me=True))],
    }
    status, answer = _post(running_bridge + "/get_reward", payload)
    assert status == 200
    assert answer == {
        "rewards": [1.0, 0.0],
        "scores": [1.0, 0.0],
        "extra_logs": {"gym_verify_failed": [0.0, 0.0], "gym_mask_sample": [0.0, 1.0]},
    }
    sent = sorted(body["response"]["output"][0]["content"][0]["text"] for body in fake_gym.verify_bodies)
    assert sent == ["\\boxed{A}", "\\boxed{B}"]  # the prompt and the end marker are cut off


def test_bridge_flags_failed_verifies_and_bad_requests(running_bridge: str) -> None:
    payload = {"query": ["p x"], "prompts": ["p "], "labels": [json.dumps(_task(force_status=500))]}
    status, answer = _post(running_bridge, payload)
    assert status == 200
    assert answer["rewards"] == [0.0] and answer["extra_logs"]["gym_verify_failed"] == [1.0]
    status, answer = _post(running_bridge, {"query": ["a"], "prompts": [], "labels": []})
    assert status == 400 and "length mismatch" in answer["error"]
    with urllib.request.urlopen(running_bridge + "/health", timeout=5) as response:
        assert json.loads(response.read())["status"] == "ok"


def test_bridge_cli_starts_and_finds_the_server_through_the_head(fake_gym: FakeGym) -> None:
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "openrlhf_reward_bridge.py"), "--head-url", fake_gym.url,
         "--resources-server", "mcqa", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert f"scoring with {fake_gym.url}/verify" in line
        url = line.rsplit(" ", 1)[-1].strip()
        status, answer = _post(url, {"query": ["p \\boxed{B}"], "prompts": ["p "], "labels": [json.dumps(_task())]})
        assert status == 200 and answer["rewards"] == [1.0]
    finally:
        process.terminate()
        process.wait(timeout=10)


# TRL reward function


def test_trl_reward_func_scores_conversational_and_standard_completions(fake_gym: FakeGym) -> None:
    reward_func = trl_gym_reward.make_gym_reward_func(fake_gym.url)
    assert reward_func.__name__ == "gym_verify"
    task = json.dumps(_task("B"))
    # The keyword arguments GRPOTrainer._calculate_rewards passes.
    rewards = reward_func(
        prompts=[[{"role": "user", "content": "Q"}]] * 3,
        completions=[
            [{"role": "assistant", "content": "\\boxed{B}"}],
            [{"role": "assistant", "content": "\\boxed{A}"}],
            "\\boxed{B}",
        ],
        completion_ids=[[1], [2], [3]],
        gym_task=[task, task, task],
        trainer_state=None,
        log_extra=None,
        log_metric=None,
    )
    assert rewards == [1.0, 0.0, 1.0]


def test_trl_completion_text_reads_content_parts() -> None:
    parts = [{"role": "assistant", "content": [{"type": "text", "text": "\\boxed"}, {"type": "text", "text": "{B}"}]}]
    assert trl_gym_reward.completion_text(parts) == "\\boxed{B}"
    # The last assistant message is the one verified.
    turns = [{"role": "assistant", "content": "draft"}, {"role": "tool", "content": "ok"}, {"role": "assistant", "content": "final"}]
    assert trl_gym_reward.completion_text(turns) == "final"
    with pytest.raises(ValueError, match="cannot read a completion of type dict"):
        trl_gym_reward.completion_text({"content": "x"})


def test_trl_reward_func_failures_and_missing_column(fake_gym: FakeGym) -> None:
    reward_func = trl_gym_reward.make_gym_reward_func(fake_gym.url)
    bad = json.dumps(_task(force_status=500))
    assert reward_func(prompts=["q"], completions=["x"], gym_task=[bad]) == [None]
    with pytest.raises(KeyError, match="gym_task"):
        reward_func(prompts=["q"], completions=["x"])
    zero_on_failure = trl_gym_reward.make_gym_reward_func(fake_gym.url, failure_value=0.0)
    assert zero_on_failure(prompts=["q"], completions=["x"], gym_task=[bad]) == [0.0]


def test_trl_reward_func_skips_masked_samples(fake_gym: FakeGym) -> None:
    masked = json.dumps(_task("B", mask_me=True))
    good = json.dumps(_task("B"))
    kwargs = {"prompts": ["q", "q"], "completions": ["\\boxed{B}", "\\boxed{B}"], "gym_task": [masked, good]}
    # The verifier marked the first reward as not a valid measurement: TRL gets None for it.
    assert trl_gym_reward.make_gym_reward_func(fake_gym.url)(**kwargs) == [None, 1.0]
    assert trl_gym_reward.make_gym_reward_func(fake_gym.url, skip_masked=False)(**kwargs) == [1.0, 1.0]


# VeRL reward function


def test_verl_compute_score(fake_gym: FakeGym, monkeypatch: pytest.MonkeyPatch) -> None:
    ground_truth = json.dumps(_task("B"))
    # The keyword arguments VeRL's naive reward manager passes, plus reward_kwargs.
    assert verl_gym_reward.compute_score(
        data_source="nemo_gym", solution_str="\\boxed{B}", ground_truth=ground_truth,
        extra_info={"index": 0, "num_turns": 2}, verify_url=fake_gym.url,
    ) == {"score": 1.0, "gym_verify_failed": 0.0, "gym_mask_sample": 0.0}
    monkeypatch.setenv("GYM_VERIFY_URL", fake_gym.url)
    failed = verl_gym_reward.compute_score(
        data_source="nemo_gym", solution_str="x", ground_truth=json.dumps(_task(force_status=500))
    )
    assert failed["score"] == 0.0 and failed["gym_verify_failed"] == 1.0
    masked = verl_gym_reward.compute_score(
        data_source="nemo_gym", solution_str="\\boxed{B}", ground_truth=json.dumps(_task("B", mask_me=True))
    )
    assert masked == {"score": 1.0, "gym_verify_failed": 0.0, "gym_mask_sample": 1.0}


# stamp_agent_ref


def test_stamp_agent_ref_cli(tmp_path: Path) -> None:
    source = tmp_path / "train.jsonl"
    rows = [
        {**_task(), "task_source": "workplace_assistant_simple_agent"},
        {**_task(), "task_source": "my_resources"},
        {**_task(), "agent_ref": {"type": "responses_api_agents", "name": "kept"}},
    ]
    write_jsonl(source, rows)
    out = tmp_path / "out.jsonl"
    result = _run("stamp_agent_ref.py", str(source), str(out), "--map", "my_resources=my_agent")
    assert result.returncode == 0, result.stderr
    names = [json.loads(line)["agent_ref"] for line in out.read_text().splitlines()]
    assert names == [
        {"type": "responses_api_agents", "name": "workplace_assistant_simple_agent"},
        {"type": "responses_api_agents", "name": "my_agent"},
        {"type": "responses_api_agents", "name": "kept"},
    ]
    assert json.loads(out.read_text().splitlines()[0])["task_source"] == "workplace_assistant_simple_agent"
    source.write_text(json.dumps(_task()) + "\n")
    before = out.read_bytes()
    failed = _run("stamp_agent_ref.py", str(source), str(out), "--overwrite")
    assert failed.returncode == 1 and "train.jsonl:1" in failed.stderr
    assert out.read_bytes() == before  # nothing partial over the earlier output
    assert _run("stamp_agent_ref.py", str(source), str(out), "--agent", "a").returncode == 1  # exists
    assert _run("stamp_agent_ref.py", str(source), str(out), "--agent", "a", "--overwrite").returncode == 0


# gym_token_ids


def _call(prompt: list[int], generated: list[int]) -> dict:
    return {
        "type": "message", "role": "assistant", "content": [],
        "prompt_token_ids": prompt, "generation_token_ids": generated,
        "generation_log_probs": [-0.5] * len(generated),
    }


def test_stitch_multi_turn_rollout() -> None:
    result = {
        "reward": 1.0,
        "response": {"output": [
            {"type": "reasoning", "summary": []},
            _call([1, 2, 3], [4, 5]),
            {"type": "function_call_output", "output": "tool result"},
            _call([1, 2, 3, 4, 5, 6, 7], [8]),
        ]},
    }
    sequence = gym_token_ids.stitch_token_ids(result)
    assert sequence["prompt_ids"] == [1, 2, 3]
    assert sequence["completion_ids"] == [4, 5, 6, 7, 8]
    assert sequence["completion_mask"] == [1, 1, 0, 0, 1]
    assert sequence["logprobs"] == [-0.5, -0.5, 0.0, 0.0, -0.5]
    assert sequence["num_model_calls"] == 2 and sequence["reward"] == 1.0


def test_stitch_rejects_non_contiguous_and_missing_token_ids() -> None:
    broken = {"response": {"output": [_call([1, 2], [3]), _call([1, 9, 3, 4], [5])]}}
    with pytest.raises(gym_token_ids.NonContiguousRollout):
        gym_token_ids.stitch_token_ids(broken)
    with pytest.raises(ValueError, match="vllm_model_for_training"):
        gym_token_ids.stitch_token_ids({"response": {"output": [{"type": "message"}]}})


def test_token_id_check_on_real_rollouts(gym_release: Path, tmp_path: Path) -> None:
    with_ids = gym_release / "resources_servers/competitive_coding_challenges/data/example_rollouts.jsonl"
    result = _run("gym_token_ids.py", str(with_ids))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "non_contiguous=0" in result.stdout and "with_token_ids=0" not in result.stdout
    first = json.loads(with_ids.read_text().splitlines()[0])
    sequence = gym_token_ids.stitch_token_ids(first)
    message = first["response"]["output"][-1]
    assert sequence["prompt_ids"] == message["prompt_token_ids"]
    assert sequence["completion_ids"] == message["generation_token_ids"]
    without_ids = gym_release / "resources_servers/mcqa/data/example_rollouts.jsonl"
    result = _run("gym_token_ids.py", str(without_ids))
    assert result.returncode == 1 and "with_token_ids=0" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["prepare_prompts.py", "--format", "trl", "missing.jsonl", "out.jsonl"],
        ["stamp_agent_ref.py", "missing.jsonl", "out.jsonl"],
        ["gym_token_ids.py", "missing.jsonl"],
    ],
)
def test_missing_input_exits_1_without_a_traceback(args: list[str], tmp_path: Path) -> None:
    result = run_script(EXAMPLES / args[0], *args[1:], cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert "missing.jsonl" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
    usage = run_script(EXAMPLES / args[0], cwd=tmp_path, timeout=60)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_bridge_exits_1_when_the_head_server_cannot_be_reached() -> None:
    args = ["--head-url", "http://127.0.0.1:9", "--resources-server", "mcqa", "--port", "0"]
    result = run_script(EXAMPLES / "openrlhf_reward_bridge.py", *args, timeout=60)
    assert result.returncode == 1
    assert "error: GET http://127.0.0.1:9/server_instances failed" in result.stderr
    assert "Traceback" not in result.stderr
