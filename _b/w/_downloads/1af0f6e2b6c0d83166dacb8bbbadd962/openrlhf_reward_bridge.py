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

Stdlib only; run it with any Python 3.11 or newer. It serves until stopped;
it exits with 1 when the head server does not know the resources server, and
with 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gym_verify_client import (  # noqa: E402
    DEFAULT_TIMEOUT_S,
    GymRequestError,
    GymVerifier,
    resources_server_url,
)

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
    queries, prompts, labels = payload.get("query"), payload.get("prompts"), payload.get("labels")
    if not (isinstance(queries, list) and isinstance(prompts, list) and isinstance(labels, list)):
        raise ValueError('the request needs "query", "prompts" and "labels" lists')
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


def make_server(
    verifier: GymVerifier,
    host: str = "127.0.0.1",
    port: int = 5000,
    *,
    strip: tuple[str, ...] = DEFAULT_STRIP,
    error_reward: float = 0.0,
    max_workers: int = 32,
) -> ThreadingHTTPServer:
    """A threaded HTTP server; POST to any path scores, GET /health reports readiness."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if self.path.rstrip("/") == "/health":
                self._send(200, {"status": "ok", "verify_url": verifier.base_url})
            else:
                self._send(404, {"error": "POST a reward request; GET /health for status"})

        def do_POST(self) -> None:  # noqa: N802
            try:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length).decode("utf-8"))
                answer = score_batch(
                    verifier, payload, strip=strip, error_reward=error_reward, max_workers=max_workers
                )
            except ValueError as exc:
                self._send(400, {"error": str(exc)})
                return
            self._send(200, answer)

        def log_message(self, format: str, *args) -> None:  # keep the trainer's log readable
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="OpenRLHF remote reward server backed by NeMo Gym /verify")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--verify-url", help="base URL of the resources server, e.g. http://127.0.0.1:18500")
    target.add_argument("--head-url", help="Gym head server URL, e.g. http://127.0.0.1:11000")
    parser.add_argument("--resources-server", help="resources server instance name (with --head-url)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")
    parser.add_argument("--seed-session", action="store_true", help="call /seed_session before each /verify")
    parser.add_argument("--strip", action="append", help="end-of-turn marker to remove; repeatable")
    parser.add_argument("--error-reward", type=float, default=0.0, help="reward when /verify fails (default 0.0)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per /verify call")
    parser.add_argument("--workers", type=int, default=32, help="concurrent /verify calls per request")
    args = parser.parse_args(argv)

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
    server = make_server(
        verifier, args.host, args.port, strip=strip, error_reward=args.error_reward, max_workers=args.workers
    )
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
