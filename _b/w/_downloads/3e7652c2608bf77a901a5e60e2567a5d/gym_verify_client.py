"""Score text with a NeMo Gym resources server from any training framework.

A NeMo Gym resources server answers ``POST /verify`` with a reward. The request
is one task row (the same JSON object a Gym dataset line holds, with its
``responses_create_params``) plus a ``response``: a Responses API object whose
``output`` carries what the model wrote. This module builds that request from
plain text, sends it, and reads the reward back. It uses only the standard
library, so it runs inside any trainer's Python (3.11 or newer) without
installing nemo-gym, which needs Python 3.13.14 or newer.

Checked against nemo-gym 0.7.0: ``nemo_gym/base_resources_server.py``
(``BaseVerifyRequest``, ``BaseVerifyResponse``, ``SimpleResourcesServer``),
``nemo_gym/openai_utils.py`` (``NeMoGymResponse``,
``NeMoGymResponseOutputMessage``) and ``nemo_gym/server_utils.py``
(``HeadServer`` serves ``GET /server_instances``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from typing import Any

DEFAULT_TIMEOUT_S = 180.0


class GymRequestError(RuntimeError):
    """A Gym server could not be reached or answered with an error status."""


def _request_json(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> tuple[Any, list[str]]:
    """Send one JSON request; return the parsed JSON body and any Set-Cookie headers."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            cookies = response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise GymRequestError(f"{method} {url} returned HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise GymRequestError(f"{method} {url} failed: {exc}") from None
    try:
        return json.loads(payload.decode("utf-8")), cookies
    except ValueError:
        raise GymRequestError(f"{method} {url} did not return JSON") from None


def _cookie_header(set_cookie_headers: Iterable[str]) -> str:
    """Turn Set-Cookie response headers into one Cookie request header value."""
    jar = SimpleCookie()
    for header in set_cookie_headers:
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def resources_server_url(head_url: str, instance_name: str, *, timeout: float = 10.0) -> str:
    """Find a running resources server's base URL through the Gym head server.

    ``gym env start`` runs a head server (``127.0.0.1:11000`` unless configured
    otherwise) whose ``GET /server_instances`` lists every server it started,
    each with ``process_name`` (the config instance name), ``server_type`` and
    ``url``.
    """
    instances, _ = _request_json("GET", head_url.rstrip("/") + "/server_instances", timeout=timeout)
    names = []
    for instance in instances or []:
        if instance.get("server_type") != "resources_servers":
            continue
        names.append(instance.get("process_name"))
        if instance.get("process_name") == instance_name and instance.get("url"):
            return str(instance["url"]).rstrip("/")
    raise GymRequestError(
        f"no running resources server named {instance_name!r} at {head_url}; "
        f"running resources servers: {sorted(n for n in names if n)}"
    )


def load_task(value: Any) -> dict:
    """Accept a task row as a dict or as the JSON string a dataset column stores."""
    task = json.loads(value) if isinstance(value, (str, bytes)) else value
    if not isinstance(task, dict) or not isinstance(task.get("responses_create_params"), dict):
        raise ValueError("a Gym task row is a JSON object with a responses_create_params object")
    return task


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, dict):
                raise ValueError(f"content part of type {part.get('type')!r} has no text")
        return "".join(parts)
    raise ValueError(f"unsupported message content: {type(content).__name__}")


def task_messages(task: Mapping[str, Any]) -> list[dict[str, str]]:
    """The prompt of a Gym task row as chat messages (``role`` and ``content``).

    ``responses_create_params.input`` is either a string (one user message) or
    a list of message items. ``instructions``, when set, becomes a leading
    system message. Items that are not role/content messages (for example a
    ``function_call`` replayed into the prompt) cannot be expressed as plain
    chat messages and raise ``ValueError``.
    """
    params = task["responses_create_params"]
    messages: list[dict[str, str]] = []
    instructions = params.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    prompt = params.get("input")
    if isinstance(prompt, str):
        messages.append({"role": "user", "content": prompt})
        return messages
    if not isinstance(prompt, list) or not prompt:
        raise ValueError("responses_create_params.input is empty")
    for item in prompt:
        item_type = item.get("type", "message") if isinstance(item, dict) else None
        if item_type != "message" or "role" not in item:
            raise ValueError(f"input item of type {item_type!r} is not a chat message")
        messages.append({"role": str(item["role"]), "content": _content_text(item.get("content", ""))})
    return messages


def build_verify_request(task: Mapping[str, Any], text: str, *, model: str = "policy") -> dict:
    """The ``/verify`` body for a task row and the text a model produced for it.

    The ``response`` holds one assistant ``message`` item with one
    ``output_text`` part, plus the fields the Responses API object requires.
    """
    body = dict(task)
    body["response"] = {
        "id": f"resp_{uuid.uuid4().hex}",
        "created_at": time.time(),
        "model": model,
        "object": "response",
        "output": [
            {
                "id": f"msg_{uuid.uuid4().hex}",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "parallel_tool_calls": False,
        "tool_choice": "auto",
        "tools": [],
    }
    return body


class GymVerifier:
    """A client for one resources server's ``/verify`` endpoint.

    Args:
        base_url: the resources server's base URL, such as ``http://127.0.0.1:18500``.
        timeout: seconds to wait for each request.
        seed_session: call ``POST /seed_session`` with the task row first and send
            its session cookie with ``/verify``. Needed only by servers that keep
            per-rollout state; stateless verifiers score a bare ``/verify``.
        retries: extra attempts after a failed request.
        model: the ``model`` name written into the response object.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        seed_session: bool = False,
        retries: int = 2,
        model: str = "policy",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.seed_session = seed_session
        self.retries = retries
        self.model = model

    def _once(self, task: dict, text: str) -> dict:
        headers: dict[str, str] = {}
        if self.seed_session:
            _, cookies = _request_json("POST", self.base_url + "/seed_session", task, timeout=self.timeout)
            if cookies:
                headers["Cookie"] = _cookie_header(cookies)
        body = build_verify_request(task, text, model=self.model)
        result, _ = _request_json("POST", self.base_url + "/verify", body, headers=headers, timeout=self.timeout)
        if not isinstance(result, dict) or not isinstance(result.get("reward"), (int, float)):
            raise GymRequestError(f"POST {self.base_url}/verify answered without a numeric reward")
        return result

    def verify(self, task: Any, text: str) -> dict:
        """Return the verify response (it echoes the request and adds ``reward``)."""
        task = load_task(task)
        error: GymRequestError | None = None
        for _ in range(self.retries + 1):
            try:
                return self._once(task, text)
            except GymRequestError as exc:
                error = exc
        assert error is not None
        raise error

    def reward(self, task: Any, text: str) -> float:
        return float(self.verify(task, text)["reward"])

    def verify_many(self, pairs: list[tuple[Any, str]], *, max_workers: int = 16) -> list[dict | Exception]:
        """Verify many (task, text) pairs concurrently; a failure is returned, not raised."""

        def one(pair: tuple[Any, str]) -> dict | Exception:
            try:
                return self.verify(*pair)
            except (GymRequestError, ValueError) as exc:
                return exc

        if not pairs:
            return []
        with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(pairs)))) as pool:
            return list(pool.map(one, pairs))
