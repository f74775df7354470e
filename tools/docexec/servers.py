"""Servers that pages start (``gym env start``), shared between consecutive pages.

Starting NeMo Gym's servers takes tens of seconds, and neighbouring pages often start the
same ones. The pool keeps the last started set running after its page ends. When the next
page starts the same command with the same inputs (its variables, working directory and the
config and code files of its project), that page reuses the running servers and compares its
shown lines with their start output; any other start stops them first. The servers' project
directory lives as long as they run, since they may read files from it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .processes import kill_marked, stop_group

# Files whose content can change what a server start does: configs, env.yaml, server code and
# its requirements. Data files (rollouts, task rows) are read by the commands that follow.
INPUT_SUFFIXES = (".yaml", ".yml", ".py", ".toml", ".txt")
LARGEST_INPUT = 1 << 20  # bytes; larger files are data, named in the key by size only


@dataclass
class RunningServers:
    key: str
    process: subprocess.Popen
    marker: str  # the run id every process of this start carries
    log: Path
    directory: Path | None = None  # the project directory, removed when the servers stop
    reused_by: list[str] = field(default_factory=list)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class ServerPool:
    """At most one running set of servers, since every page shares one head-server port."""

    def __init__(self) -> None:
        self.current: RunningServers | None = None

    def find(self, key: str) -> RunningServers | None:
        if self.current and self.current.key == key and self.current.process.poll() is None:
            return self.current
        return None

    def add(self, servers: RunningServers) -> None:
        self.stop()
        self.current = servers

    def adopt_directory(self, directory: Path) -> bool:
        """Keep ``directory`` (a page's sandbox) alive while the servers started in it run."""
        if self.current and self.current.directory is None:
            self.current.directory = directory
            return True
        return False

    def stop(self) -> None:
        servers, self.current = self.current, None
        if servers is None:
            return
        if servers.process.poll() is None:
            try:
                os.killpg(servers.process.pid, signal.SIGINT)  # Ctrl-C, as the reader stops it
                servers.process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        kill_marked(servers.marker)
        stop_group(servers.process)
        if servers.directory:
            shutil.rmtree(servers.directory, ignore_errors=True)


def new_marker() -> str:
    return uuid.uuid4().hex


def start_key(command: str, cwd: Path, project: Path, variables: str, sandbox: Path) -> str:
    """What decides a start's result: the command, the variables (with the page's own
    temporary paths and run id left out), the working directory, and the project's inputs."""
    digest = hashlib.sha256()
    relative = lambda text: text.replace(str(sandbox), "<sandbox>")  # noqa: E731
    digest.update(command.encode())
    digest.update(relative(str(cwd)).encode())
    for line in sorted(variables.splitlines()):
        if "DOCEXEC_RUN_ID=" not in line:
            digest.update(relative(line).encode())
    for path in sorted(_inputs(project)):
        digest.update(path.relative_to(project).as_posix().encode())
        size = path.stat().st_size
        digest.update(path.read_bytes() if size <= LARGEST_INPUT else str(size).encode())
    return digest.hexdigest()


def _inputs(project: Path):
    for root, directories, files in os.walk(project):  # does not follow the examples/ link
        directories[:] = [d for d in directories if not d.startswith(".") and d != "__pycache__"]
        for name in files:
            if name.endswith(INPUT_SUFFIXES):
                yield Path(root) / name


# An exception's last line, as a traceback ends: "ModuleNotFoundError: No module named 'fastapi'",
# with a server's "(name) " prefix when it has one. A start's servers share one output, so the
# line that says why one of them exited is often far above the end, where the others shut down.
_EXCEPTION_LINE = re.compile(r"^(?:\(\S+\) )?(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception)\b(?::.*)?$", re.M)


def exception_lines(output: str, limit: int = 10) -> list[str]:
    """The output's distinct exception lines, at most ``limit``, in order."""
    return list(dict.fromkeys(match.group(0) for match in _EXCEPTION_LINE.finditer(output)))[:limit]


def wait_ready(servers: RunningServers, ready, timeout: float) -> str | None:
    """None once the ready line appears, else why not."""
    deadline = time.monotonic() + timeout
    while True:
        if ready.search(servers.output()):
            return None
        if servers.process.poll() is not None:
            return f"exited with {servers.process.returncode}"
        if time.monotonic() > deadline:
            return f"was not ready within {timeout:.0f} s"
        time.sleep(0.5)
