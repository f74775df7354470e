"""An OpenRLHF remote reward server that scores with a NeMo Gym resources server.

OpenRLHF 0.11 (``--reward.remote_url http://HOST:PORT/get_reward``) posts
``{"query": [...], "prompts": [...], "labels": [...]}`` for each sample, where
``query`` is the prompt plus the response decoded with special tokens kept,
and reads ``rewards``, ``scores`` and ``extra_logs`` from the JSON answer
(``openrlhf/utils/agent.py``, ``SingleTurnAgentExecutor``). This server cuts
the response out of each query, takes the Gym task row from the label (as
written by ``prepare_prompts.py --format openrlhf``), calls the resources
server's ``/verify`` and answers with the rewards.

Usage:
    python examples/integration/openrlhf_reward_bridge.py --verify-url http://127.0.0.1:18500 --port 5000
    python examples/integration/openrlhf_reward_bridge.py --head-url http://127.0.0.1:11000 \
        --resources-server mcqa --port 5000

It listens on 127.0.0.1 unless --host says otherwise. Any other address needs
--token-file: every request must then carry that token, as
``Authorization: Bearer TOKEN`` or as ``?token=TOKEN`` in the URL (OpenRLHF
posts to ``--reward.remote_url`` as given, so put it there). Bodies larger than
--max-body-mb get 413, at most --max-connections requests are served at once,
a connection idle for 60 seconds is closed, and a malformed request gets a 400
JSON error.

Stdlib only; run it with any Python 3.11 or newer, with gym_verify_client.py
and rollout_io.py next to it. It serves until stopped; it exits with 1 when the
head server does not know the resources server or the token file cannot be
read, and with 2 for a usage error.
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from gym_verify_client import (
    DEFAULT_TIMEOUT_S,
    GymRequestError,
    GymVerifier,
    resources_server_url,
)
from rollout_io import finite_float

DEFAULT_MAX_BODY = 32 * 1024 * 1024  # bytes; a batch of queries is far smaller
DEFAULT_MAX_CONNECTIONS = 16
IDLE_TIMEOUT_S = 60  # a connection that sends nothing for this long is closed

# End-of-turn markers that a decode with special tokens kept leaves after the response.
DEFAULT_STRIP = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "</s>")


def response_text(query: str, prompt: str, strip: tuple[str, ...] = DEFAULT_STRIP) -> str:
    """The response part of an OpenRLHF query, without trailing end-of-turn markers."""
    if query.startswith(prompt):
        text = query[len(prompt) :]
    else:
        # Decoding can normalise the prompt slightly; fall back to its last occurrence.
        tail = prompt[-64:]
        position = query.rfind(tail) if tail else -1
        text = query[position + len(tail) :] if position >= 0 else query
    changed = True
    while changed:
        changed = False
        text = text.rstrip()
        for marker in strip:
            if marker and text.endswith(marker):
                text = text[: -len(marker)]
                changed = True
    return text


def score_batch(
    verifier: GymVerifier,
    payload: dict,
    *,
    strip: tuple[str, ...] = DEFAULT_STRIP,
    error_reward: float = 0.0,
    max_workers: int = 32,
) -> dict:
    """Answer one OpenRLHF reward request."""
    if not isinstance(payload, dict):
        raise ValueError(f"the request body must be a JSON object, not {type(payload).__name__}")
    queries, prompts, labels = payload.get("query"), payload.get("prompts"), payload.get("labels")
    if not (isinstance(queries, list) and isinstance(prompts, list) and isinstance(labels, list)):
        raise ValueError('the request needs "query", "prompts" and "labels" lists')
    if not all(isinstance(v, str) for v in (*queries, *prompts, *labels)):
        raise ValueError('"query", "prompts" and "labels" must hold strings')
    if not len(queries) == len(prompts) == len(labels):
        raise ValueError(f"length mismatch: {len(queries)} queries, {len(prompts)} prompts, {len(labels)} labels")
    pairs = [(label, response_text(q, p, strip)) for q, p, label in zip(queries, prompts, labels)]
    results = verifier.verify_many(pairs, max_workers=max_workers)
    rewards, failed, masked = [], [], []
    for result in results:
        if isinstance(result, dict):
            rewards.append(float(result["reward"]))
            failed.append(0.0)
            masked.append(1.0 if result.get("mask_sample") else 0.0)
        else:
            print(f"[openrlhf_reward_bridge] verify failed: {result}", file=sys.stderr, flush=True)
            rewards.append(error_reward)
            failed.append(1.0)
            masked.append(0.0)
    return {
        "rewards": rewards,
        "scores": list(rewards),
        "extra_logs": {"gym_verify_failed": failed, "gym_mask_sample": masked},
    }


class BoundedThreadingHTTPServer(ThreadingHTTPServer):
    """A threading server that serves at most ``max_connections`` requests at once.

    Further connections wait in the listen backlog until a thread is free.
    """

    daemon_threads = True

    def __init__(self, address, handler, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def is_loopback(host: str) -> bool:
    """True for localhost and the loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(
    verifier: GymVerifier,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    strip: tuple[str, ...] = DEFAULT_STRIP,
    error_reward: float = 0.0,
    max_workers: int = 32,
    token: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> ThreadingHTTPServer:
    """A bounded threaded HTTP server; POST to any path scores, GET /health reports readiness.

    With ``token``, every request must carry it (``Authorization: Bearer`` or
    ``?token=``), else it gets 401. Every error is a JSON ``{"error": ...}``.
    """

    class Handler(BaseHTTPRequestHandler):
        timeout = IDLE_TIMEOUT_S  # closes connections that stall mid-request

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status >= 400:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            if token is None:
                return True
            header = self.headers.get("Authorization", "")
            given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
            if not given:
                given = (parse_qs(urlsplit(self.path).query).get("token") or [""])[0]
            if hmac.compare_digest(given.encode(), token.encode()):
                return True
            self._send(401, {"error": "missing or wrong token"})
            return False

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if not self._authorized():
                return
            if urlsplit(self.path).path.rstrip("/") == "/health":
                self._send(200, {"status": "ok", "verify_url": verifier.base_url})
            else:
                self._send(404, {"error": "POST a reward request; GET /health for status"})

        def do_POST(self) -> None:  # noqa: N802
            if not self._authorized():
                return
            declared = self.headers.get("Content-Length")
            if declared is None:
                self._send(411, {"error": "the request needs a Content-Length header"})
                return
            if not declared.isdigit():
                self._send(400, {"error": f"invalid Content-Length {declared!r}"})
                return
            length = int(declared)
            if length > max_body:
                self._send(413, {"error": f"body of {length} bytes is over the {max_body}-byte limit"})
                return
            try:
                body = self.rfile.read(length)
            except TimeoutError:
                self._send(408, {"error": "the body did not arrive in time"})
                return
            if len(body) < length:
                self._send(400, {"error": f"body ended after {len(body)} of {length} bytes"})
                return
            try:
                payload = json.loads(body.decode("utf-8"))
                answer = score_batch(
                    verifier, payload, strip=strip, error_reward=error_reward, max_workers=max_workers
                )
            except ValueError as exc:  # also malformed JSON and bytes that are not UTF-8
                self._send(400, {"error": str(exc)})
                return
            self._send(200, answer)

        def log_message(self, format: str, *args) -> None:  # keep the trainer's log readable
            pass

    return BoundedThreadingHTTPServer((host, port), Handler, max_connections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="OpenRLHF remote reward server backed by NeMo Gym /verify")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--verify-url", help="base URL of the resources server, e.g. http://127.0.0.1:18500")
    target.add_argument("--head-url", help="Gym head server URL, e.g. http://127.0.0.1:11000")
    parser.add_argument("--resources-server", help="resources server instance name (with --head-url)")
    parser.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on (default 127.0.0.1); any other address needs --token-file",
    )
    parser.add_argument("--token-file", help="file whose first line is the token every request must carry")
    parser.add_argument(
        "--max-body-mb", type=finite_float, default=DEFAULT_MAX_BODY / 2**20,
        help="largest request body in MiB (default 32)",
    )
    parser.add_argument(
        "--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS,
        help=f"requests served at once (default {DEFAULT_MAX_CONNECTIONS})",
    )
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")
    parser.add_argument("--seed-session", action="store_true", help="call /seed_session before each /verify")
    parser.add_argument("--strip", action="append", help="end-of-turn marker to remove; repeatable")
    parser.add_argument("--error-reward", type=finite_float, default=0.0, help="reward when /verify fails (default 0.0)")
    parser.add_argument("--timeout", type=finite_float, default=DEFAULT_TIMEOUT_S, help="seconds per /verify call")
    parser.add_argument("--workers", type=int, default=32, help="concurrent /verify calls per request")
    args = parser.parse_args(argv)
    if args.max_body_mb <= 0 or args.max_connections < 1 or args.workers < 1 or args.timeout <= 0:
        parser.error("--max-body-mb, --max-connections, --workers and --timeout must be positive")
    if not is_loopback(args.host) and not args.token_file:
        parser.error(
            f"--host {args.host} accepts connections from other machines; pass --token-file "
            "so that only holders of the token can call it (or keep 127.0.0.1 and use an SSH tunnel)"
        )
    token = None
    if args.token_file:
        try:
            with open(args.token_file, encoding="utf-8") as handle:
                token = handle.readline().strip()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: {args.token_file}: cannot read the token: {exc}", file=sys.stderr)
            return 1
        if len(token) < 16:
            print(f"error: {args.token_file}: the token must be at least 16 characters", file=sys.stderr)
            return 1

    if args.head_url:
        if not args.resources_server:
            parser.error("--head-url needs --resources-server")
        try:
            verify_url = resources_server_url(args.head_url, args.resources_server)
        except GymRequestError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    else:
        verify_url = args.verify_url
    verifier = GymVerifier(verify_url, timeout=args.timeout, seed_session=args.seed_session)
    strip = tuple(args.strip) if args.strip else DEFAULT_STRIP
    try:
        server = make_server(
            verifier, args.host, args.port, strip=strip, error_reward=args.error_reward,
            max_workers=args.workers, token=token, max_body=int(args.max_body_mb * 2**20),
            max_connections=args.max_connections,
        )
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"scoring with {verify_url}/verify; listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
