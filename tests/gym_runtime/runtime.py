"""Run the pinned nemo-gym release for real: find the runtime, build the environment its
commands need, and start and stop ``gym env start`` safely.

The runtime is ``.gym-runtime/`` (``make gym-runtime``): a Python 3.13 virtualenv with
nemo-gym and ``uv`` installed from PyPI, and a ``uv.toml`` beside them. ``gym env start``
builds one virtualenv per server with ``uv``; this module points it at:

- a base interpreter on ``PATH`` that ``uv venv --python <version>`` finds (never a download);
- ``uv.toml``, which targets Python 3.13.14 during resolution so the release's
  ``requires-python`` accepts the older 3.13 found here;
- a ``uv_venv_dir`` under the runtime for each test process (``server-venvs/<worker>``), reused
  by its sandboxes and later runs (``skip_venv_if_present``), and one shared ``uv_cache_dir``.
  Test processes never share a server environment: with ``skip_venv_if_present``, 0.7.0's start
  uses a venv as soon as its ``bin/python`` exists, so a start that arrives while another
  process is still installing it runs its servers without their packages
  (``ModuleNotFoundError: No module named 'fastapi'``);
- a private Ray temp dir, loopback-only Ray, and a head server on a free loopback port;
- one Ray head node per test process (:class:`RayCluster`) that every start joins through
  ``RAY_ADDRESS``, as ``gym env start`` does on a machine where ``ray start`` has run: a start
  then connects in a second instead of starting Ray's processes for 10 to 15 seconds.

Every process a run starts carries a marker in its environment; :meth:`GymServers.stop`
ends exactly those processes, including Ray workers that leave the process group.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from docexec import processes as docexec_processes
from docexec import servers as docexec_servers

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUNTIME = ROOT / ".gym-runtime"
# Set on every process a run starts, so cleanup finds them all (and nothing else).
RUN_MARKER = "NEMO_GYM_DOCS_RUN_ID"
READY_LINE = re.compile(r"All (\d+) / (\d+) servers ready!")
# Restores the default SIGINT handler before exec: a shell that starts a background job
# ignores SIGINT in it, and Python would then ignore the Ctrl-C that gym env start handles.
_EXEC_WITH_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


class RuntimeUnavailable(RuntimeError):
    """No usable NeMo Gym runtime; the message says why and how to get one."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class GymRuntime:
    """The pinned nemo-gym installed in a Python 3.13 virtualenv."""

    root: Path
    worker: str = "main"  # the test process (pytest-xdist's worker id): it gets venvs of its own

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def gym(self) -> Path:
        return self.root / "bin" / "gym"

    @property
    def install_root(self) -> Path:
        """Where the release's ``resources_servers/`` etc. are installed (site-packages)."""
        return next(self.root.glob("lib/python3.*/site-packages"))

    @property
    def base_python_dir(self) -> Path:
        """The directory of the interpreter the virtualenv was made from (``uv venv`` needs it)."""
        for line in (self.root / "pyvenv.cfg").read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home":
                return Path(value.strip())
        raise RuntimeUnavailable(f"{self.root}/pyvenv.cfg names no base interpreter ('home = ...')")

    @property
    def venv_dir(self) -> Path:
        return self.root / "server-venvs" / self.worker

    @property
    def uv_cache_dir(self) -> Path:
        return self.root / "uv-cache"

    def environ(self, ray_tmpdir: Path, run_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        # Without PYTHONDONTWRITEBYTECODE, as on a reader's machine: a server venv compiles what its
        # server imports on the first start, and later starts reuse it (compiling every file of
        # the venvs as uv installs them took 200 s of CPU).
        unset = ("RAY_ADDRESS", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "UV_COMPILE_BYTECODE")
        env = {k: v for k, v in os.environ.items() if k not in unset}
        env.update({
            "PATH": os.pathsep.join([str(self.root / "bin"), str(self.base_python_dir), env.get("PATH", "")]),
            "UV_CONFIG_FILE": str(self.root / "uv.toml"),
            "UV_PYTHON_DOWNLOADS": "never",
            # Ray: one loopback-only node, its sockets in a private directory, no usage reports.
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
            "RAY_TMPDIR": str(ray_tmpdir),
            "RAY_USAGE_STATS_ENABLED": "0",
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",
            RUN_MARKER: run_id,
        })
        env.update(extra or {})
        return env

    def env_yaml(self, head_port: int, policy_url: str | None = None) -> dict:
        """The runtime's keys for a sandbox's ``env.yaml``: loopback head server, this process's venvs."""
        config: dict = {
            "head_server": {"host": "127.0.0.1", "port": head_port},
            "uv_venv_dir": str(self.venv_dir),
            "uv_cache_dir": str(self.uv_cache_dir),
            "skip_venv_if_present": True,
        }
        if policy_url:
            config.update(policy_base_url=policy_url, policy_api_key="EMPTY", policy_model_name="standin-policy")
        return config


def find_runtime(worker: str = "main") -> GymRuntime:
    """The runtime named by ``NEMO_GYM_PYTHON`` (its interpreter), else ``.gym-runtime/``."""
    named = os.environ.get("NEMO_GYM_PYTHON")
    root = Path(named).parent.parent if named else DEFAULT_RUNTIME
    runtime = GymRuntime(root.absolute(), worker)
    missing = [p for p in (runtime.gym, runtime.root / "bin" / "uv", runtime.root / "uv.toml") if not p.exists()]
    if missing:
        raise RuntimeUnavailable(
            f"no NeMo Gym runtime at {root} (missing {', '.join(str(p) for p in missing)}); "
            "`make gym-runtime` builds it where a Python 3.13 exists"
        )
    return runtime


@dataclass
class Sandbox:
    """A working directory for gym commands, with the runtime's ``env.yaml`` and environment."""

    runtime: GymRuntime
    path: Path
    head_port: int
    policy_url: str | None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ray: RayCluster | None = None  # the running Ray cluster its commands join, if any
    ray_tmpdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ngr")))
    _commands: int = 0

    def __post_init__(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.write_env_yaml()

    def write_env_yaml(self, extra: dict | None = None) -> Path:
        config = self.runtime.env_yaml(self.head_port, self.policy_url) | (extra or {})
        target = self.path / "env.yaml"
        target.write_text(yaml.safe_dump(config, sort_keys=False))
        return target

    @property
    def environ(self) -> dict[str, str]:
        return self._environ(self.run_id)

    def _environ(self, marker: str) -> dict[str, str]:
        if self.ray is None:
            return self.runtime.environ(self.ray_tmpdir, marker)
        return self.runtime.environ(self.ray.tmpdir, marker, self.ray.variables())

    def gym(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
        """Run one ``gym`` command to completion in the sandbox; output is returned as text.

        Output goes through files, not pipes: a command that starts servers (``eval reverify``,
        serve-mode ``eval run``) can leave children holding its pipes open. Anything the command
        left running is stopped afterwards and listed in ``result.leftover``.
        """
        self._commands += 1
        marker = f"{self.run_id}-cmd{self._commands}"
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            process = subprocess.Popen(
                [str(self.runtime.gym), *args], cwd=self.path, env=self._environ(marker),
                stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
            )
            try:
                returncode = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill_marked(marker)
                raise
            finally:
                leftover = [_describe(pid) for pid in marked_pids(marker)]
                kill_marked(marker)
            out.seek(0)
            err.seek(0)
            result = subprocess.CompletedProcess(["gym", *args], returncode, out.read(), err.read())
        result.leftover = leftover
        if check and result.returncode != 0:
            raise AssertionError(
                f"`gym {' '.join(args)}` exited {result.returncode} in {self.path}\n"
                f"--- stdout (tail)\n{result.stdout[-4000:]}\n--- stderr (tail)\n{result.stderr[-4000:]}"
            )
        return result

    def start(self, *args: str, log_name: str = "gym-env-start.log") -> GymServers:
        """Start ``gym env start ARGS`` in the background; see :meth:`GymServers.wait_ready`."""
        log_path = self.path / log_name
        log = log_path.open("w")
        process = subprocess.Popen(
            [str(self.runtime.python), "-c", _EXEC_WITH_SIGINT, str(self.runtime.gym), "env", "start", *args],
            cwd=self.path, env=self.environ, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        return GymServers(process, log_path, self.run_id)

    def cleanup(self) -> None:
        kill_marked(self.run_id)
        shutil.rmtree(self.ray_tmpdir, ignore_errors=True)


@dataclass
class RayCluster:
    """A local Ray head node (``ray start --head``) that gym commands join through ``RAY_ADDRESS``.

    It listens on loopback only, keeps its files in a private temp dir, runs no dashboard, and
    accepts only clients that hold its token (Ray's token authentication, with a token of its
    own rather than the one in ``~/.ray``). Its processes carry their own run marker, so
    :meth:`stop` ends exactly them; Ray's own ``ray stop`` would end every cluster on the machine.
    """

    process: subprocess.Popen
    address: str
    token: str
    tmpdir: Path
    run_id: str
    log_path: Path

    @classmethod
    def start(cls, runtime: GymRuntime, timeout: float = 180) -> RayCluster:
        tmpdir = Path(tempfile.mkdtemp(prefix="ngray"))
        run_id, token = uuid.uuid4().hex, secrets.token_hex(32)
        address = f"127.0.0.1:{free_port()}"
        log_path = tmpdir / "ray-start.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [str(runtime.root / "bin" / "ray"), "start", "--head", "--block", "--disable-usage-stats",
                 "--node-ip-address=127.0.0.1", f"--port={address.rsplit(':', 1)[1]}",
                 "--include-dashboard=false",
                 # Free ports for the two that default to fixed ones (10001, 52365): another test
                 # process runs a cluster of its own beside this one.
                 f"--ray-client-server-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}"],
                env=runtime.environ(tmpdir, run_id, cls._auth(token)), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        cluster = cls(process, address, token, tmpdir, run_id, log_path)
        deadline = time.monotonic() + timeout
        while "Ray runtime started" not in cluster.log():
            if process.poll() is not None or time.monotonic() > deadline:
                log = cluster.log()
                cluster.stop()
                raise RuntimeUnavailable(f"`ray start --head` did not start within {timeout:.0f} s:\n{log[-3000:]}")
            time.sleep(0.2)
        return cluster

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}

    def variables(self) -> dict[str, str]:
        """What a gym command needs to join this cluster."""
        return {"RAY_ADDRESS": self.address, **self._auth(self.token)}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        _stop(self.process, self.run_id, signal.SIGTERM)  # --block: SIGTERM stops the node's processes
        shutil.rmtree(self.tmpdir, ignore_errors=True)


@dataclass
class GymServers:
    """A running ``gym env start``."""

    process: subprocess.Popen
    log_path: Path
    run_id: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float) -> int:
        """Wait until it prints ``All <n> / <n> servers ready!``; return n. Fails with the log's tail
        when the process exits first or the timeout passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = READY_LINE.search(self.log())
            if match and match.group(1) == match.group(2):
                return int(match.group(1))
            if self.process.poll() is not None:
                raise AssertionError(f"gym env start exited {self.process.returncode} before its servers were "
                                     f"ready\n{failure_summary(self.log())}")
            time.sleep(0.5)
        raise AssertionError(f"gym env start was not ready within {timeout:.0f}s\n{failure_summary(self.log())}")

    def log_when(self, condition, timeout: float = 60) -> str:
        """The log, once ``condition(log)`` holds or ``timeout`` passes: what the servers print
        after the ready line (their list) arrives a moment later, later still on a loaded machine."""
        deadline = time.monotonic() + timeout
        log = self.log()
        while not condition(log) and time.monotonic() < deadline:
            time.sleep(0.5)
            log = self.log()
        return log

    def stop(self, timeout: float = 30) -> None:
        """Ctrl-C, as a user stops it; then SIGTERM and SIGKILL to anything of this run still alive."""
        _stop(self.process, self.run_id, signal.SIGINT, timeout)


def failure_summary(log: str, tail: int = 4000) -> str:
    """The log's distinct exception lines, then its last ``tail`` characters."""
    listed = "".join(f"  {line}\n" for line in docexec_servers.exception_lines(log))
    return (f"exceptions in the log:\n{listed}--- log tail\n" if listed else "") + log[-tail:]


def _stop(process: subprocess.Popen, run_id: str, first: signal.Signals, timeout: float = 30) -> None:
    """Send ``first`` and wait; then end every process of the run, and the process itself."""
    if process.poll() is None:
        process.send_signal(first)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    kill_marked(run_id)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def marked_pids(run_id: str) -> list[int]:
    return docexec_processes.marked_pids(run_id, RUN_MARKER)


def kill_marked(run_id: str, grace: float = 10) -> None:
    docexec_processes.kill_marked(run_id, grace, RUN_MARKER)


def _describe(pid: int) -> str:
    try:
        return f"{pid} " + Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return str(pid)
