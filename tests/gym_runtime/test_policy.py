"""The stand-in policy answers as its docstring says, over HTTP, the same way every time."""

from __future__ import annotations

import json
import urllib.request

import pytest

from . import policy

TOOLS = [{"type": "function", "name": "get_weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]


def key_with(prompt: str, answer: str, options=None) -> policy.AnswerKey:
    key = policy.AnswerKey()
    row = {"responses_create_params": {"input": [{"role": "user", "content": prompt}]}, "expected_answer": answer}
    if options:
        row["options"] = [{letter: f"option {letter}"} for letter in options]
    assert key.add_rows([row]) == 1
    return key


def prompts_by_outcome(n: int = 30) -> dict[bool, list[str]]:
    """Prompts the stand-in answers right (True) and wrong (False)."""
    outcome: dict[bool, list[str]] = {True: [], False: []}
    for i in range(n):
        prompt = f"What is {i} + {i}? End with a line 'Answer: <number>'."
        outcome[policy.request_digest(prompt, None) % 3 != 0].append(prompt)
    return outcome


def test_answers_from_the_key_two_in_three_right():
    outcome = prompts_by_outcome()
    assert outcome[True] and outcome[False]
    right, wrong = outcome[True][0], outcome[False][0]
    messages = [{"role": "user", "content": right}]
    assert policy.decide(messages, None, None, key_with(right, "42"))["content"].endswith("Answer: 42")
    messages = [{"role": "user", "content": wrong}]
    assert policy.decide(messages, None, None, key_with(wrong, "42"))["content"].endswith("Answer: 43")


def test_boxed_when_the_prompt_asks_and_wrong_letter_is_another_option():
    prompt = next(p for p in (f"Q{i}: pick one, inside \\boxed{{}}" for i in range(50))
                  if policy.request_digest(p, None) % 3 == 0)
    turn = policy.decide([{"role": "user", "content": prompt}], None, None, key_with(prompt, "C", "ABCD"))
    assert turn["content"].endswith("\\boxed{D}")


def test_unknown_prompt_gets_a_plain_sentence():
    turn = policy.decide([{"role": "user", "content": "hello"}], None, None, policy.AnswerKey())
    assert turn == {"content": "I have no answer for this prompt.", "tool_call": None}


def test_tool_calls_use_schema_arguments_and_tool_results_get_quoted():
    calls = [policy.decide([{"role": "user", "content": f"weather {i}"}], TOOLS, None, policy.AnswerKey())
             for i in range(12)]
    made = [c["tool_call"] for c in calls if c["tool_call"]]
    assert 0 < len(made) < len(calls)
    assert made[0] == ("get_weather", {"city": "San Francisco"})
    after = policy.decide([{"role": "user", "content": "weather 0"}, {"role": "tool", "content": "cold"}],
                          TOOLS, None, policy.AnswerKey())
    assert after == {"content": "Here is what I found: cold", "tool_call": None}


def test_seed_changes_the_choice_for_some_prompts():
    digests = {(policy.request_digest("same prompt", seed) % 3 != 0) for seed in range(12)}
    assert digests == {True, False}


@pytest.fixture
def server():
    import threading

    srv = policy.make_server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_http_chat_completion_is_deterministic_and_openai_shaped(server):
    body = {"model": "m", "messages": [{"role": "user", "content": "weather 1"}], "tools": [
        {"type": "function", "function": TOOLS[0] | {"name": "get_weather"}}], "logprobs": True}
    first = post(f"{server.base_url}/chat/completions", body)
    assert first == post(f"{server.base_url}/chat/completions", body)
    choice = first["choices"][0]
    assert first["object"] == "chat.completion" and choice["index"] == 0
    assert first["usage"]["total_tokens"] == first["usage"]["prompt_tokens"] + first["usage"]["completion_tokens"]
    assert [e["token"] for e in choice["logprobs"]["content"]] == [f"token_id:{t}" for t in choice["token_ids"]]
    with urllib.request.urlopen(f"{server.base_url}/models", timeout=10) as response:
        assert json.loads(response.read())["data"][0]["id"] == policy.MODEL_NAME


def test_http_tasks_endpoint_teaches_answers(server, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    prompt = prompts_by_outcome()[True][0]
    tasks.write_text(json.dumps({"responses_create_params": {"input": prompt}, "expected_answer": "7"}) + "\n"
                     + "not json\n")
    assert post(f"http://127.0.0.1:{server.server_address[1]}/_standin/tasks", {"files": [str(tasks)]})["added"] == 1
    reply = post(f"{server.base_url}/responses", {"input": prompt})
    assert reply["output"][0]["content"][0]["text"].endswith("Answer: 7")
