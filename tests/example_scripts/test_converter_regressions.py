"""Each converter defect found on the nemo-gym 0.7.0 example files, tested on those files.

The defects: inline reasoning kept as content; reasoning between a tool call
and its result lost; ``routed_experts: null`` rejected and ``response`` not
required; assistant-only SFT records; unsuccessful rollouts in SFT; DPO pairs
across agent harnesses; tool calls without tools; a misleading skip reason; a
pipeline that wrote an empty file after its first command failed; cut and
missing error causes; and the OpenRLHF bridge's handling of bad requests.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest

from .helpers import EXAMPLES, load_script, run_script

CONVERTERS = EXAMPLES / "converters"
rollout_io = load_script(CONVERTERS / "rollout_io.py")
sft = load_script(CONVERTERS / "rollouts_to_sft.py")
dpo = load_script(CONVERTERS / "rollouts_to_dpo.py")
validate = load_script(CONVERTERS / "validate_rollouts.py")
token_ids = load_script(EXAMPLES / "integration" / "gym_token_ids.py")

ALL = {"keep_all": True, "keep_unknown_tools": True, "keep_incomplete": True}


@pytest.fixture(scope="module")
def real(example_rollout_files) -> dict[str, list[dict]]:
    """Every readable example rollout file, by ``<folder>/<server>``."""
    files = {}
    for path in example_rollout_files:
        try:
            files[f"{path.parents[2].name}/{path.parents[1].name}"] = rollout_io.read_jsonl(path)
        except rollout_io.InputError:
            continue  # the four Git LFS pointers
    assert len(files) == 183
    return files


def assistant_messages(records):
    return [m for r in records for m in r["messages"] if m["role"] == "assistant"]


def test_inline_think_is_reasoning_not_content(real):
    with_think = set()
    for name, rows in real.items():
        plain = list(sft.convert(rows, **ALL))
        for message in assistant_messages(plain):
            assert "</think>" not in message["content"], name
            assert not message["content"].lstrip().startswith("<think>"), name
        kept = list(sft.convert(rows, reasoning_key="reasoning_content", **ALL))
        if any("<think>" in json.dumps(r) or "</think>" in json.dumps(r) for r in rows) and any(
            m.get("reasoning_content") for m in assistant_messages(kept)
        ):
            with_think.add(name)
    # The 14 environments whose models write <think> inline (and the 13 text-only ones among
    # them that also carry reasoning items or other reasoning) all keep it under the key.
    assert len(with_think) >= 14, sorted(with_think)


def test_inline_think_split():
    assert sft.split_inline_reasoning("<think>\nplan\n</think>\n\nAnswer") == ("plan", "Answer")
    assert sft.split_inline_reasoning("plan</think>Answer") == ("plan", "Answer")
    assert sft.split_inline_reasoning("\n\n</think>\n\n</think>\n\nA") == ("", "A")  # swerl_llm_judge
    assert sft.split_inline_reasoning("<think>cut off") == ("cut off", "")
    assert sft.split_inline_reasoning("no tags") == ("", "no tags")
    assert sft.split_inline_reasoning("a <think>x</think> b") == ("", "a <think>x</think> b")


def test_reasoning_between_a_tool_call_and_its_result_is_kept(real):
    rows = real["resources_servers/conversational_tool_use_simulation"]
    kept = 0
    for row in rows:
        output = row["response"]["output"]
        types = [item.get("type") for item in output]
        texts = [sft.reasoning_to_text(item) for item in output if item.get("type") == "reasoning"]
        if not any(types[i] == "reasoning" and types[i - 1] == "function_call" for i in range(1, len(types))):
            continue
        record = sft.rollout_to_sft(row, reasoning_key="thinking", **ALL)
        joined = "\n".join(m.get("thinking", "") for m in record["messages"])
        for text in texts:
            if text and any(
                types[i] == "reasoning" and sft.reasoning_to_text(output[i]) == text
                for i in range(len(types))
            ):
                assert text in joined
        kept += 1
    assert kept >= 4


def test_reasoning_keeps_its_position():
    items = [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "r1"}]},
        {"type": "function_call", "name": "f", "arguments": "{}", "call_id": "c"},
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "r2"}]},
        {"type": "function_call_output", "call_id": "c", "output": "ok"},
        {"type": "message", "role": "assistant", "content": "done"},
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "r3"}]},
    ]
    messages = sft.items_to_messages(items, reasoning_key="thinking")
    assert [(m["role"], m.get("thinking")) for m in messages] == [
        ("assistant", "r1"), ("tool", None), ("assistant", "r2\nr3"),
    ]


def test_schema_accepts_routed_experts_null_and_requires_response(real):
    validator = validate.load_validator(validate.DEFAULT_SCHEMA)
    for name in ("benchmarks/automationbench", "environments/hermes_math"):
        for row in real[name]:
            assert validate.line_problems(row, validator) == [], name
    row = dict(real["environments/hermes_math"][0])
    del row["response"]
    assert validate.line_problems(row, validator) == ["(root): 'response' is a required property"]
    row = {**real["environments/hermes_math"][0], "reward": float("nan")}
    assert "reward: nan is not a JSON number" in validate.line_problems(row, validator)


def test_validate_keeps_the_cause_of_long_values(real, tmp_path):
    row = json.loads(json.dumps(real["environments/hermes_math"][0]))
    row["responses_create_params"]["input"] = {"huge": "x" * 5000}
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(row) + "\n")
    proc = run_script(CONVERTERS / "validate_rollouts.py", path)
    assert proc.returncode == 1
    assert "responses_create_params/input: <dict of 1 items> is not valid under any of the given schemas" in proc.stdout


def test_empty_prompts_are_counted_skips(real):
    skipped = Counter()
    records = list(sft.convert(real["resources_servers/scicode"], skipped=skipped, **ALL))
    assert records == []
    assert skipped == Counter({sft.SKIP_EMPTY_PROMPT: 5})


def test_sft_leaves_out_masked_and_unsuccessful_rollouts_by_default(real):
    totals = Counter()
    for rows in real.values():
        skipped = Counter()
        for record in sft.convert(rows, skipped=skipped, include_metadata=True):
            assert record["metadata"]["reward"] > 0
        totals.update(skipped)
    assert totals[sft.SKIP_NOT_POSITIVE] > 250  # 263 of the 760 records had reward <= 0


def test_tools_are_known_or_the_rollout_is_skipped(real):
    skipped, unknown = Counter(), 0
    for rows in real.values():
        for record in sft.convert(rows, skipped=skipped, keep_all=True):
            if any(m.get("tool_calls") for m in record["messages"]):
                assert record.get("tools"), record["messages"][0]
        unknown += sum(
            1 for r in sft.convert(rows, **ALL)
            if any(m.get("tool_calls") for m in r["messages"]) and not r.get("tools")
        )
    assert skipped[sft.SKIP_UNKNOWN_TOOLS] == unknown > 100  # the harness-defined tools


def test_dpo_never_pairs_two_agents(real):
    rows = [row for rows in real.values() for row in rows]  # one merged file
    agents = {}
    for row in rows:
        try:
            record = sft.rollout_to_sft(row, **ALL)
        except rollout_io.ConversionSkip:
            continue
        key = json.dumps(record["messages"][len(record["messages"]) - 1], sort_keys=True)
        agents.setdefault(key, set()).add(dpo.agent_of(row))
    pairs = dpo.build_pairs(rows, group_by="prompt", keep_unknown_tools=True, include_metadata=True)
    assert pairs
    for pair in pairs:
        for side in ("chosen", "rejected"):
            last = json.dumps(pair[side][-1], sort_keys=True)
            if len(agents.get(last, ())) == 1:
                assert agents[last] == {pair["metadata"]["agent"]}


def test_blackjack_skip_reason_says_what_happened(example_rollout_files, tmp_path):
    found = 0
    for path in (p for p in example_rollout_files if p.parts[-3] == "blackjack"):
        proc = run_script(CONVERTERS / "rollouts_to_dpo.py", path, tmp_path / f"{path.parts[-4]}.jsonl")
        assert proc.returncode == 0, proc.stderr
        assert "collision" not in proc.stderr
        found += "varies the prompt between rollouts" in proc.stderr
    assert found


def test_pipeline_fails_when_its_first_command_fails(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"reward": 1}\n{"rew\n')
    out = tmp_path / "out.jsonl"
    script = (
        f"set -o pipefail; {sys.executable} {CONVERTERS / 'filter_rollouts.py'} {bad} - --min-reward 1 "
        f"| {sys.executable} {CONVERTERS / 'rollouts_to_sft.py'} - {out}"
    )
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert f"{bad}:2: not valid JSON" in proc.stderr and "<stdin>: no rows in the input" in proc.stderr
    assert not out.exists()
    # Without pipefail the second command still fails: an empty input is an error.
    proc = subprocess.run(["bash", "-c", script.removeprefix("set -o pipefail; ")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and not out.exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_thresholds_are_usage_errors(value, tmp_path, example_rollout_files):
    proc = run_script(CONVERTERS / "filter_rollouts.py", example_rollout_files[0], tmp_path / "o.jsonl",
                      f"--min-reward={value}")
    assert proc.returncode == 2 and "not a finite number" in proc.stderr


def test_token_ids_of_a_malformed_response_are_located(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"response": "text"}\n')
    proc = run_script(EXAMPLES / "integration" / "gym_token_ids.py", path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{path}:1: response.output is not a list of output items" in proc.stderr
    path.write_bytes(b'{"response": "\xff"}\n')
    proc = run_script(EXAMPLES / "integration" / "gym_token_ids.py", path)
    assert proc.returncode == 1 and f"{path}:1: not UTF-8 text" in proc.stderr


def test_run_throughput_names_a_directory(tmp_path):
    proc = run_script(EXAMPLES / "performance" / "run_throughput.py", tmp_path)
    assert proc.returncode == 1 and f"{tmp_path}: is a directory" in proc.stderr


# The OpenRLHF bridge


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def bridge():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "integration" / "openrlhf_reward_bridge.py"),
         "--verify-url", "http://127.0.0.1:9", "--port", str(port), "--max-body-mb", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _raw(port: int, request: bytes) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status", "error"),
    [
        (b"POST /r HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]", 400, "must be a JSON object, not list"),
        (b"POST /r HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "invalid Content-Length"),
        (b"POST /r HTTP/1.1\r\n\r\n", 411, "Content-Length"),
        (b"POST /r HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413, "over the 1048576-byte limit"),
        (b"POST /r HTTP/1.1\r\nContent-Length: 3\r\n\r\n{x}", 400, "double quotes"),
        (b"POST /r HTTP/1.1\r\nContent-Length: 4\r\n\r\n\xff\xfe{}", 400, "utf-8"),
        (b'POST /r HTTP/1.1\r\nContent-Length: 43\r\n\r\n{"query": [1], "prompts": [], "labels": []}',
         400, "must hold strings"),
    ],
)
def test_bridge_answers_bad_requests_with_json_errors(bridge, request_bytes, status, error):
    code, body = _raw(bridge, request_bytes)
    assert code == status and error in body["error"]
    assert _raw(bridge, b"GET /health HTTP/1.1\r\n\r\n")[0] == 200  # still serving


def test_bridge_refuses_other_addresses_without_a_token(tmp_path):
    script = EXAMPLES / "integration" / "openrlhf_reward_bridge.py"
    proc = run_script(script, "--verify-url", "http://127.0.0.1:9", "--host", "0.0.0.0", timeout=30)
    assert proc.returncode == 2 and "--token-file" in proc.stderr and "SSH tunnel" in proc.stderr


def test_bridge_token(tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret-s3cret-s3cret\n")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "integration" / "openrlhf_reward_bridge.py"),
         "--verify-url", "http://127.0.0.1:9", "--port", str(port), "--token-file", str(token)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        assert _raw(port, b"GET /health HTTP/1.1\r\n\r\n")[0] == 401
        assert _raw(port, b"GET /health?token=s3cret-s3cret-s3cret HTTP/1.1\r\n\r\n")[0] == 200
        header = b"GET /health HTTP/1.1\r\nAuthorization: Bearer s3cret-s3cret-s3cret\r\n\r\n"
        assert _raw(port, header)[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_folder_of_the_wheel_is_read(real):
    assert {name.split("/")[0] for name in real} == {
        "resources_servers", "environments", "responses_api_agents", "benchmarks"}


def test_check_training_files_flags_assistant_only_records_and_knows_openrlhf_pairs():
    check = load_script(CONVERTERS / "check_training_files.py")
    assert check.record_problems({"messages": [{"role": "assistant", "content": "x"}]}) == [
        "messages start with an assistant message: the prompt is empty"
    ]
    pair = {
        "prompt_messages": [{"role": "user", "content": "q"}],
        "chosen_messages": [{"role": "assistant", "content": "a"}],
        "rejected_messages": [{"role": "assistant", "content": "b"}],
    }
    assert check.record_problems(pair) == []
    assert check.record_problems({**pair, "chosen_messages": [{"role": "user", "content": "a"}]}) == [
        "chosen_messages does not end with an assistant message"
    ]
