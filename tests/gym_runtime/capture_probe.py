"""Run with a model server's venv Python: does a client get a model response's body before
NeMo Gym has written that call's capture?

The app is assembled as the release's model servers assemble theirs (``setup_webserver``):
Gym's session middleware, then model-call capture around it. Capture writes are slowed to one
second, as on a busy disk. Prints JSON: the capture lines on disk when the body arrived, and
a moment later. ``--without-session-middleware`` leaves the session middleware out.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from nemo_gym import base_responses_api_model as model
from nemo_gym.server_utils import SimpleServer

WRITE_DELAY = 1.0


def main() -> None:
    capture_dir = Path(tempfile.mkdtemp(prefix="capture-probe"))
    app = FastAPI()

    @app.post("/v1/responses")
    async def responses() -> dict:
        return {"id": "resp_probe", "object": "response", "status": "completed", "output": []}

    if "--without-session-middleware" not in sys.argv:
        SimpleServer.setup_session_middleware(types.SimpleNamespace(get_session_middleware_key=lambda: "probe"), app)
    model.install_model_call_capture(
        app, model.ModelCallCaptureConfig(observability_enabled=True, model_call_capture_dir=capture_dir))

    record = model.CaptureStore.record

    def slow_record(store, rollout_id, exchange):
        time.sleep(WRITE_DELAY)
        record(store, rollout_id, exchange)

    model.CaptureStore.record = slow_record

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    capture = capture_dir / "0-0.capture.jsonl"

    def lines() -> int:
        return len(capture.read_text().splitlines()) if capture.exists() else 0

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/ng-rollout/0-0/v1/responses", body=json.dumps({"input": "hi"}),
                       headers={"Content-Type": "application/json"})
    body = json.loads(connection.getresponse().read())
    at_body = lines()
    time.sleep(WRITE_DELAY * 3)
    print(json.dumps({"response_id": body["id"], "capture_lines_at_body": at_body, "capture_lines_later": lines()}))
    server.should_exit = True


if __name__ == "__main__":
    main()
