"""A deterministic stand-in for the policy model: a small OpenAI-compatible HTTP server.

It is the only stand-in in the runtime tests. NeMo Gym's own model server (``vllm_model`` or
``openai_model``) talks to it exactly as it would talk to vLLM or a hosted endpoint; the agents,
resources servers, verifiers and the collection driver are the released code.

Endpoints: ``GET /v1/models``, ``POST /v1/chat/completions`` (what ``vllm_model`` calls),
``POST /v1/responses`` (what ``openai_model`` calls), ``POST /tokenize`` (vLLM's, for token-id
capture), and ``POST /_standin/tasks`` to add task rows to the answer key at run time.

How it answers. Every choice is a pure function of the request: a hash of the last user message
and of the ``seed`` it carries, if any (``num_repeats_add_seed``), so the same request always gets
the same reply, whatever the concurrency or order, and repeats differ only when seeded:

- After a tool result, it writes a final answer that quotes the tool output.
- When the request offers tools, two prompts in three get a call to the first tool, with
  arguments built from its JSON schema; the third gets a text answer without the call.
- Otherwise it looks the prompt up in the answer key: the ``expected_answer`` of the task rows
  it was given (by default every ``resources_servers/*/data/example*.jsonl`` of the release).
  Two prompts in three get the expected answer, the third a wrong one, in the form the prompt
  asks for (``\\boxed{...}`` or ``Answer: ...``). A prompt it does not know gets a plain sentence.
- A prompt that contains ``standin: fail`` gets HTTP 500, the way an overloaded or crashed engine
  answers, so runs can produce real failed attempts.

Token counts are words, and token ids are word hashes: real enough for NeMo Gym to carry them,
and labelled as coming from this stand-in wherever they are shown.

Run it by hand: ``python tests/gym_runtime/policy.py --port 8000 --release-root DIR``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import zlib
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MODEL_NAME = "standin-policy"
# A prompt containing this gets HTTP 500 (see the module docstring).
FAIL_MARKER = "standin: fail"
# Argument values for tool parameters whose names the example environments use.
KNOWN_ARGUMENTS = {"city": "San Francisco", "location": "San Francisco", "query": "weather today"}


# --- the policy: pure functions of the request ----------------------------------------------


def text_of(content: Any) -> str:
    """The text of a message's content, whether a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text") or "" for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def request_digest(prompt: str, seed: Any) -> int:
    """A number fixed by the prompt's words and the request's seed: what every choice below keys on."""
    canonical = json.dumps([prompt_key(prompt), seed], ensure_ascii=True)
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")


def last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return text_of(message.get("content"))
    return ""


def prompt_key(text: str) -> str:
    return " ".join(text.split())


def wrong_answer(expected: str, options: list[str]) -> str:
    """A deterministic wrong answer of the same kind as ``expected``."""
    if options and expected in options:
        return options[(options.index(expected) + 1) % len(options)]
    if len(expected) == 1 and expected.isalpha():
        return "B" if expected.upper() == "A" else "A"
    try:
        number = float(expected)
    except ValueError:
        return "unknown"
    return str(int(number) + 1) if number.is_integer() else str(number + 1)


def format_answer(prompt: str, answer: str) -> str:
    if "boxed" in prompt:
        return f"Working through the problem step by step gives the result.\n\\boxed{{{answer}}}"
    return f"Working through the problem step by step gives the result.\nAnswer: {answer}"


def arguments_for(tool: dict) -> dict:
    """Arguments for a tool call, built from the tool's JSON schema."""
    schema = tool.get("parameters") or (tool.get("function") or {}).get("parameters") or {}
    arguments: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if isinstance(spec, dict) and spec.get("enum"):
            arguments[name] = spec["enum"][0]
        elif kind in ("integer", "number"):
            arguments[name] = 1
        elif kind == "boolean":
            arguments[name] = True
        elif kind == "array":
            arguments[name] = []
        elif kind == "object":
            arguments[name] = {}
        else:
            arguments[name] = KNOWN_ARGUMENTS.get(name, "example")
    return arguments


def tool_name(tool: dict) -> str:
    return tool.get("name") or (tool.get("function") or {}).get("name") or "tool"


class AnswerKey:
    """Expected answers by prompt text, from task rows that carry ``expected_answer``."""

    def __init__(self) -> None:
        self._answers: dict[str, tuple[str, list[str]]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def add_rows(self, rows: Iterable[dict]) -> int:
        added = 0
        for row in rows:
            if not isinstance(row, dict) or row.get("expected_answer") in (None, ""):
                continue
            params = row.get("responses_create_params") or {}
            prompt = params.get("input")
            text = prompt if isinstance(prompt, str) else last_user_text(prompt if isinstance(prompt, list) else [])
            if not text:
                continue
            options = [key for option in row.get("options") or [] if isinstance(option, dict) for key in option]
            with self._lock:
                self._answers[prompt_key(text)] = (str(row["expected_answer"]), options)
            added += 1
        return added

    def add_file(self, path: Path) -> int:
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # not a task row; the answer key only needs the rows it can read
        return self.add_rows(rows)

    def lookup(self, prompt: str) -> tuple[str, list[str]] | None:
        return self._answers.get(prompt_key(prompt))


def decide(messages: list[dict], tools: list | None, seed: Any, key: AnswerKey) -> dict:
    """The assistant turn for a request: ``{"content": str | None, "tool_call": (name, args) | None}``."""
    prompt = last_user_text(messages)
    digest = request_digest(prompt, seed)
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        result = text_of(last.get("content")).strip() or "no result"
        return {"content": f"Here is what I found: {result}", "tool_call": None}
    if tools:
        if digest % 3 != 0:
            tool = tools[0]
            return {"content": None, "tool_call": (tool_name(tool), arguments_for(tool))}
        return {"content": "I can answer this without calling a tool.", "tool_call": None}
    known = key.lookup(prompt)
    if known is None:
        return {"content": "I have no answer for this prompt.", "tool_call": None}
    expected, options = known
    answer = expected if digest % 3 != 0 else wrong_answer(expected, options)
    return {"content": format_answer(prompt, answer), "tool_call": None}


# --- wire formats ----------------------------------------------------------------------------


def word_tokens(text: str) -> list[int]:
    """Stand-in token ids: one per word, a hash of the word."""
    return [zlib.crc32(word.encode()) % 150_000 for word in text.split()]


def messages_text(messages: list[dict]) -> str:
    return " ".join(text_of(m.get("content")) for m in messages)


def chat_completion(body: dict, key: AnswerKey) -> dict:
    messages = body.get("messages") or []
    seed = body.get("seed")
    turn = decide(messages, body.get("tools"), seed, key)
    digest = request_digest(last_user_text(messages), seed)
    message: dict[str, Any] = {"role": "assistant", "content": turn["content"]}
    finish_reason = "stop"
    completion_text = turn["content"] or ""
    if turn["tool_call"]:
        name, arguments = turn["tool_call"]
        arguments_json = json.dumps(arguments)
        message["tool_calls"] = [
            {"id": f"call_{digest % 10**12:012d}", "type": "function",
             "function": {"name": name, "arguments": arguments_json}}
        ]
        finish_reason = "tool_calls"
        completion_text = f"{name} {arguments_json}"
    prompt_ids = word_tokens(messages_text(messages))
    generation_ids = word_tokens(completion_text) or [0]
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
    response: dict[str, Any] = {
        "id": f"chatcmpl-standin-{digest:016x}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model") or MODEL_NAME,
        "choices": [choice],
        "usage": {"prompt_tokens": len(prompt_ids), "completion_tokens": len(generation_ids),
                  "total_tokens": len(prompt_ids) + len(generation_ids)},
    }
    if body.get("logprobs"):
        choice["logprobs"] = {"content": [
            {"token": f"token_id:{token}", "logprob": -0.25, "bytes": None, "top_logprobs": []}
            for token in generation_ids
        ]}
    if body.get("return_token_ids") or body.get("logprobs"):
        response["prompt_token_ids"] = prompt_ids
        choice["token_ids"] = generation_ids
    return response


def responses_input_as_messages(body: dict) -> list[dict]:
    """The Responses API ``input`` as chat messages, enough for :func:`decide`."""
    items = body.get("input")
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call_output":
            messages.append({"role": "tool", "content": item.get("output")})
        elif item.get("type") == "function_call":
            messages.append({"role": "assistant", "content": None, "tool_call": item.get("name")})
        elif "role" in item:
            messages.append({"role": item["role"], "content": item.get("content")})
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    return messages


def response_object(body: dict, key: AnswerKey) -> dict:
    messages = responses_input_as_messages(body)
    tools = body.get("tools")
    seed = body.get("seed")
    digest = request_digest(last_user_text(messages), seed)
    turn = decide(messages, tools, seed, key)
    if turn["tool_call"]:
        name, arguments = turn["tool_call"]
        output = [{"type": "function_call", "id": f"fc_{digest:016x}", "call_id": f"call_{digest % 10**12:012d}",
                   "name": name, "arguments": json.dumps(arguments), "status": "completed"}]
        completion_text = f"{name} {json.dumps(arguments)}"
    else:
        output = [{"type": "message", "id": f"msg_{digest:016x}", "role": "assistant", "status": "completed",
                   "content": [{"type": "output_text", "text": turn["content"], "annotations": []}]}]
        completion_text = turn["content"]
    input_tokens = len(word_tokens(messages_text(messages)))
    output_tokens = len(word_tokens(completion_text)) or 1
    return {
        "id": f"resp_standin_{digest:016x}", "object": "response", "created_at": 0, "status": "completed",
        "model": body.get("model") or MODEL_NAME, "output": output, "parallel_tool_calls": False,
        "tool_choice": body.get("tool_choice") or "auto", "tools": tools or [],
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                  "total_tokens": input_tokens + output_tokens,
                  "input_tokens_details": {"cached_tokens": 0}, "output_tokens_details": {"reasoning_tokens": 0}},
    }


# --- HTTP ----------------------------------------------------------------------------------------


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], answer_key: AnswerKey) -> None:
        super().__init__(address, Handler)
        self.answer_key = answer_key
        self.requests_served = 0

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"


class Handler(BaseHTTPRequestHandler):
    server: StandinServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would drown the test output

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict | None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(HTTPStatus.OK, {"object": "list", "data": [
                {"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "standin"}]})
        elif self.path.rstrip("/") in ("/health", ""):
            self._send(HTTPStatus.OK, {"status": "ok"})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self._body()
        if body is None:
            self._send(HTTPStatus.BAD_REQUEST, {"error": {"message": "the body is not a JSON object"}})
            return
        path = self.path.rstrip("/")
        key = self.server.answer_key
        if path in ("/v1/chat/completions", "/chat/completions", "/v1/responses", "/responses") and FAIL_MARKER in (
            messages_text(body.get("messages") or []) + json.dumps(body.get("input"))
        ):
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": {"message": "stand-in engine failure",
                                                                    "type": "InternalServerError", "code": 500}})
            return
        if path in ("/v1/chat/completions", "/chat/completions"):
            payload = chat_completion(body, key)
        elif path in ("/v1/responses", "/responses"):
            payload = response_object(body, key)
        elif path in ("/tokenize", "/v1/tokenize"):
            tokens = word_tokens(messages_text(body.get("messages") or []) or body.get("prompt") or "")
            payload = {"count": len(tokens), "max_model_len": 32768, "tokens": tokens}
        elif path == "/_standin/tasks":
            added = key.add_rows(body.get("rows") or [])
            for file in body.get("files") or []:
                added += key.add_file(Path(file))
            payload = {"added": added, "known_prompts": len(key)}
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": {"message": f"no route {self.path}"}})
            return
        self.server.requests_served += 1
        self._send(HTTPStatus.OK, payload)


def release_task_files(release_root: Path) -> list[Path]:
    return sorted(release_root.glob("resources_servers/*/data/example*.jsonl"))


def make_server(host: str = "127.0.0.1", port: int = 0, task_files: Iterable[Path] = ()) -> StandinServer:
    key = AnswerKey()
    for path in task_files:
        key.add_file(path)
    return StandinServer((host, port), key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the deterministic stand-in policy.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on start)")
    parser.add_argument("--release-root", type=Path, help="an unpacked nemo-gym release: its example rows")
    parser.add_argument("--tasks", type=Path, nargs="*", default=[], help="more task JSONL files")
    args = parser.parse_args(argv)
    files = [*(release_task_files(args.release_root) if args.release_root else []), *args.tasks]
    server = make_server(args.host, args.port, files)
    print(f"stand-in policy at {server.base_url} ({len(server.answer_key)} known prompts)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
