"""Live preview: `make livehtml` (sphinx-autobuild) rebuilds on save, reports plan drift, keeps serving.

The server runs the Makefile's own livehtml command (read with ``make -n``, on a
free port) against a temporary copy of the site, so the real docs are never
touched.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE_SOURCE = "docs/training/rollout-collection/optimize-throughput.md"
PAGE_URL = "training/rollout-collection/optimize-throughput.html"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SERVING = re.compile(r"Serving on (http://[\d.]+:\d+)")
REBUILD_BUDGET_S = 10  # "within a few seconds"; measured 1-3 s on a 2-core machine

pytestmark = pytest.mark.slow


def livehtml_command(out_dir: Path) -> list[str]:
    """The Makefile's livehtml recipe, expanded by make, on port 0 (a free port)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), "livehtml", "PORT=0",
                              f"OUT={out_dir}"], capture_output=True, text=True, check=True).stdout
    lines = dry_run.replace("\\\n", " ").splitlines()
    command = next((line for line in lines if "sphinx-autobuild" in line), None)
    assert command, f"the livehtml target does not run sphinx-autobuild:\n{dry_run}"
    argv = shlex.split(command)
    assert Path(argv[0]).name == "sphinx-autobuild"
    assert argv[argv.index("--host") + 1] == "127.0.0.1", "make livehtml must serve on 127.0.0.1 only"
    assert argv[argv.index("--port") + 1] == "0"
    return [sys.executable, "-u", "-m", "sphinx_autobuild", *argv[1:]]


def copy_site(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("conf.py", "pyproject.toml"):  # conf.py reads the release from pyproject.toml
        shutil.copy2(ROOT / name, target / name)
    for name in ("docs", "tools", "examples"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "_build"))
    return target


class Server:
    """sphinx-autobuild in the background, with its output collected line by line."""

    def __init__(self, argv: list[str], cwd: Path):
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, errors="replace", start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = ""

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(ANSI.sub("", line.rstrip("\n")))

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: re.Pattern | str, timeout: float, start: int = 0) -> re.Match:
        pattern = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                match = pattern.search(line)
                if match:
                    return match
            assert self.process.poll() is None, f"sphinx-autobuild exited early:\n{self.output()[-4000:]}"
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern.pattern!r} within {timeout} s:\n{self.output()[-4000:]}")

    def get(self, path: str) -> tuple[int, str]:
        """GET from the server; retries while a rebuild cuts a response short."""
        parts = urlsplit(self.url)
        for _attempt in range(20):
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                connection.request("GET", "/" + path)
                response = connection.getresponse()
                return response.status, response.read().decode("utf-8", "replace")
            except (http.client.IncompleteRead, ConnectionError, http.client.RemoteDisconnected):
                time.sleep(0.1)
            finally:
                connection.close()
        raise AssertionError(f"could not read {path} from {self.url}")

    def wait_for_page(self, path: str, contains: str, timeout: float) -> float:
        """Seconds until the served ``path`` contains ``contains``."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            status, body = self.get(path)
            if status == 200 and contains in body:
                return time.monotonic() - started
            time.sleep(0.1)
        raise AssertionError(f"{path} did not show {contains!r} within {timeout} s:\n{self.output()[-4000:]}")

    def stop(self) -> int | None:
        """Ctrl+C, as a writer would; returns the exit status (None if it had to be killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the server's own process group
                self.process.wait(timeout=10)
                return None
        self._reader.join(timeout=5)
        return self.process.returncode


def port_is_open(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((parts.hostname, parts.port)) == 0


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_live_preview_rebuilds_reports_drift_and_stops_cleanly(tmp_path):
    site = copy_site(tmp_path / "site")
    argv = livehtml_command(tmp_path / "_build")
    server = Server(argv, cwd=site)
    try:
        server.url = server.wait_for_line(SERVING, timeout=180).group(1)
        assert urlsplit(server.url).hostname == "127.0.0.1"
        status, body = server.get(PAGE_URL)
        assert status == 200 and "docplan-badge-how-to" in body

        # 1. An edit shows up in the served page within a few seconds.
        marker = f"Live preview marker {uuid.uuid4().hex[:12]}."
        page = site / PAGE_SOURCE
        edit(page, "# Optimize rollout throughput\n", f"# Optimize rollout throughput\n\n{marker}\n")
        took = server.wait_for_page(PAGE_URL, marker, timeout=60)
        print(f"\nedit served after {took:.2f} s")
        assert took <= REBUILD_BUDGET_S, f"the edit took {took:.1f} s to be served (budget {REBUILD_BUDGET_S} s)"

        # 2. Plan drift: the extension's message appears in the server's output, and it keeps serving.
        seen = len(server.lines)
        edit(page, "content_type: how-to\n", "content_type: reference\n")
        drift = server.wait_for_line(
            re.compile(re.escape(PAGE_SOURCE) + r":\d+: .*\[docplan\.content-type-mismatch\]"), timeout=60, start=seen)
        print(f"drift reported: {drift.string}")
        took = server.wait_for_page(PAGE_URL, "docplan-badge-reference", timeout=60)
        assert server.process.poll() is None, "the server stopped after a build with warnings"
        status, _ = server.get("training/index.html")
        assert status == 200
    finally:
        code = server.stop()
    assert code is not None, f"sphinx-autobuild ignored Ctrl+C and had to be killed:\n{server.output()[-2000:]}"
    assert code == 0, f"sphinx-autobuild exited with status {code} on Ctrl+C:\n{server.output()[-2000:]}"
    assert not port_is_open(server.url), "the port is still open after the server stopped"
    assert "Traceback" not in server.output(), server.output()[-4000:]
