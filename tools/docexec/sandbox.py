"""Run the console blocks of one page, in order, in one temporary project directory.

Every command runs in a fresh ``bash`` that first restores the working directory
and variables the previous command left (``set -a`` exports every assignment),
so ``cd``, ``export`` and ``VAR=...`` lines carry over to later blocks on the
page the way they do in a reader's terminal. The project directory starts with
``examples/`` and the files ``sandboxes.yaml`` lists for the page.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import string
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .blocks import ConsoleBlock, FileBlock, Step
from .matching import first_difference, lines_match
from .processes import RUN_MARKER, kill_marked, marked_pids, stop_group  # noqa: F401 (re-exported)
from .servers import RunningServers, ServerPool, exception_lines, new_marker, start_key, wait_ready

COMMAND_TIMEOUT = 180  # seconds; a command that takes longer fails the block
# Commands that run until stopped. They start in the background; the block goes on once the
# ready line appears, and they stop (Ctrl-C, then every process of the run) when other servers
# start, or when the page ends unless the environment keeps them for the next page. Their shown
# output is an excerpt: the shown lines must appear in the real output in order, other lines
# may come between.
SERVER_COMMANDS = ("gym env start", "ng_run")
READY = re.compile(r"All (\d+) / \1 servers ready!")
# Other commands a reader leaves running in a terminal of its own, by a word of the command, and
# the line that says they are ready. They run in the background until the next one starts or the
# page ends, next to the servers; their shown output is an excerpt, as for servers.
FOREGROUND = {"openrlhf_reward_bridge.py": re.compile(r"listening on http://")}
# Commands that start servers of their own from their flags, as `gym env start` does. The page
# tells the reader to stop running servers first (they share the head-server port), so the
# harness does; 0.7.0's `gym eval reverify` leaves its servers running after it exits, which the
# page's warning tells the reader to kill, so the harness stops them when the command ends.
OWN_SERVERS = ("gym eval reverify",)
SERVER_TIMEOUT = float(os.environ.get("DOCEXEC_SERVER_TIMEOUT", "900"))  # first start builds venvs


@dataclass
class Failure:
    location: str  # page:line of the line to change
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class BlockResult:
    block: ConsoleBlock
    status: str  # "executed" or "skipped"
    reason: str = ""
    failures: list[Failure] = field(default_factory=list)

    def as_report(self, root: Path) -> dict:
        page = self.block.page
        try:
            page = page.resolve().relative_to(root)
        except ValueError:
            pass
        entry = {"page": page.as_posix(), "line": self.block.line, "status": self.status,
                 "reason": self.reason}
        if self.status == "executed":
            entry["passed"] = not self.failures
            if self.failures:
                entry["failure"] = "; ".join(f.message for f in self.failures)
        return entry


@dataclass
class Environment:
    """What the commands see: the repository (for examples/ and fixture files), the
    interpreter directory put first on PATH (``python``, ``gym``), extra variables."""

    root: Path
    bin_dir: Path | None = None
    variables: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # project path -> text, e.g. env.yaml
    # Project paths made links to directories outside the project, such as a shared uv cache.
    links: dict[str, Path] = field(default_factory=dict)
    # Text replaced in every command before it runs, such as the policy URL a page assumes
    # (http://localhost:8000/v1) -> the local stand-in policy's URL.
    rewrites: dict[str, str] = field(default_factory=dict)
    # Started servers, and whether they may keep running for the next page (see servers.py).
    servers: ServerPool = field(default_factory=ServerPool)
    keep_servers: bool = False


class PageRun:
    """One page's sandbox. Use as a context manager; ``run(block)`` runs blocks in order."""

    def __init__(self, environment: Environment, files: dict[str, str] | None = None,
                 variables: dict[str, str] | None = None, after: dict[str, str] | None = None,
                 before: dict[str, str] | None = None):
        self.environment = environment
        self._after = after or {}
        self._before = dict(before or {})  # each runs once, before the first command that names it
        self._foreground: subprocess.Popen | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="docexec-"))
        self.project = self._tmp / "project"
        self.project.mkdir()
        self._state = self._tmp / "state"
        self._state.mkdir()
        (self.project / "examples").symlink_to(environment.root / "examples", target_is_directory=True)
        for destination, target in environment.links.items():
            link = self.project / destination
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target, target_is_directory=True)
        for destination, source in (files or {}).items():
            target = self.project / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            origin = environment.root / source
            if origin.is_dir():
                shutil.copytree(origin, target)
            else:
                shutil.copyfile(origin, target)
        for destination, text in environment.files.items():
            (self.project / destination).write_text(text, encoding="utf-8")
        self.run_id = uuid.uuid4().hex
        home = self._tmp / "home"
        home.mkdir()
        base = {
            "HOME": str(home),
            "PATH": os.pathsep.join(filter(None, [
                str(environment.bin_dir) if environment.bin_dir else None, os.environ.get("PATH", "")])),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "dumb",
            "NO_COLOR": "1",
            "COLUMNS": "100",
            "DOCEXEC_REPO": str(environment.root),  # for the `after` steps of sandboxes.yaml
            RUN_MARKER: self.run_id,
        }
        base.update(environment.variables)
        # A page's variables may name the sandbox's own ones, such as
        # PATH: $DOCEXEC_REPO/.framework-env/bin:$PATH (a framework's interpreter first).
        base.update({k: string.Template(str(v)).safe_substitute(base) for k, v in (variables or {}).items()})
        (self._state / "env").write_text(
            "".join(f"export {k}={shlex.quote(v)}\n" for k, v in base.items()), encoding="utf-8")
        (self._state / "cwd").write_text(str(self.project), encoding="utf-8")
        self._markers: set[str] = set()  # run ids of the servers this page started

    @staticmethod
    def skipped(block: ConsoleBlock) -> BlockResult:
        """The result of a marked block, without building a sandbox."""
        return BlockResult(block, "skipped", block.skip_reason or "")

    def __enter__(self) -> PageRun:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._stop_foreground()
        pool = self.environment.servers
        keep = self.environment.keep_servers and pool.current and pool.current.marker in self._markers
        if keep:
            pool.adopt_directory(self._tmp)  # the servers may read files of this project
        elif pool.current and pool.current.marker in self._markers:
            pool.stop()
        kill_marked(self.run_id)
        if not keep:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def stop_server(self) -> None:
        self.environment.servers.stop()

    def save(self, block: FileBlock) -> None:
        """Save a file block where the page says, relative to the current directory."""
        target = Path((self._state / "cwd").read_text(encoding="utf-8").strip()) / block.destination
        target.parent.mkdir(parents=True, exist_ok=True)
        text = block.text
        runtime = self.environment.files.get("env.yaml")
        if target == self.project / "env.yaml" and runtime:
            for old, new in self.environment.rewrites.items():  # the endpoints commands see, too
                text = text.replace(old, new)
            # The page's env.yaml goes over the runtime's (its head-server port, shared server
            # virtualenvs and stand-in policy), key by key, as the reader's own machine would.
            page = yaml.safe_load(text) or {}
            text = yaml.safe_dump((yaml.safe_load(runtime) or {}) | page, sort_keys=False)
        target.write_text(text, encoding="utf-8")

    def run(self, block: ConsoleBlock) -> BlockResult:
        if block.problem:
            return BlockResult(block, "executed", failures=[Failure(block.location, block.problem)])
        if block.skip_reason:
            return BlockResult(block, "skipped", block.skip_reason)
        result = BlockResult(block, "executed")
        for step in block.steps:
            failure = self._run_step(block, step)
            if failure:
                result.failures.append(failure)
                break  # later commands of the block depend on this one
        return result

    def _command(self, step: Step) -> str:
        return self.rewrite(step.command)

    def rewrite(self, command: str) -> str:
        """The command with the environment's documented substitutions (policy URL, ports)."""
        for old, new in self.environment.rewrites.items():
            command = command.replace(old, new)
        return command

    def _run_step(self, block: ConsoleBlock, step: Step) -> Failure | None:
        for trigger in [t for t in self._before if t in step.command]:
            problem = self._prepare(self._before.pop(trigger))
            if problem:
                return Failure(f"{block.page}:{step.line}", f"sandboxes.yaml: before `{trigger}`: {problem}")
        if step.command.startswith(SERVER_COMMANDS):
            return self._start_server(block, step)
        ready = next((r for word, r in FOREGROUND.items() if word in step.command.split("\n")[0]), None)
        if ready:
            return self._start_foreground(block, step, ready)
        own_servers = step.command.startswith(OWN_SERVERS)
        if own_servers:
            self.environment.servers.stop()
        command_marker = f"{self.run_id}-{uuid.uuid4().hex}"
        # (a marker of its own for this one command, set as a prefix so it does not carry over)
        code, output = self.execute(
            (f"{RUN_MARKER}={command_marker} " if own_servers else "") + self._command(step))
        if own_servers:
            kill_marked(command_marker)
        real = output.splitlines()
        for trigger, action in self._after.items():
            if trigger in step.command:
                self.execute(action)
        where = f"{block.page}:{step.line}"
        if code is None:
            return Failure(where, f"`{_first_line(step.command)}` did not finish within {COMMAND_TIMEOUT} s")
        if code != 0 and not step.shown:
            return Failure(where, f"`{_first_line(step.command)}` exited with {code}:\n{_indent(real)}")
        if step.shown or real:
            index = first_difference(step.shown, real)
            if index is not None:
                line = step.shown_line + min(index, len(step.shown)) if step.shown else step.line
                what = (f"shows {step.shown[index]!r}" if index < len(step.shown)
                        else "shows less output than the command prints" if step.shown
                        else "shows no output, but the command prints some")
                return Failure(f"{block.page}:{line}",
                               f"{what}; `{_first_line(step.command)}` printed (exit {code}):\n{_indent(real)}")
        return None

    def _prepare(self, action: str) -> str | None:
        """A step the reader took before the command (``before`` in sandboxes.yaml): a server
        start, or a shell command that must exit 0. Returns what went wrong, if anything."""
        action = self.rewrite(action)
        if action.startswith(SERVER_COMMANDS):
            return self.start_servers(action)[1]
        code, output = self.execute(action)
        return None if code == 0 else f"exited with {code}:\n{_indent(output.splitlines()[-20:])}"

    def _start_foreground(self, block: ConsoleBlock, step: Step, ready: re.Pattern) -> Failure | None:
        """Start a command that runs until stopped (FOREGROUND) in the background; the block goes
        on once it prints its ready line."""
        self._stop_foreground()
        log = self._tmp / "foreground.log"
        with log.open("w") as handle:
            self._foreground = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-c", self._script(self._command(step))],
                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, text=True,
                start_new_session=True, env={"PATH": os.environ.get("PATH", "")})
        deadline = time.monotonic() + COMMAND_TIMEOUT
        problem = None
        while not ready.search(log.read_text(errors="replace")):
            if self._foreground.poll() is not None:
                problem = f"exited with {self._foreground.returncode} before it was ready"
            elif time.monotonic() > deadline:
                problem = f"was not ready within {COMMAND_TIMEOUT} s"
            if problem:
                real = log.read_text(errors="replace").splitlines()
                return Failure(f"{block.page}:{step.line}", f"`{_first_line(step.command)}` {problem}:\n{_indent(real)}")
            time.sleep(0.2)
        real = log.read_text(errors="replace").splitlines()
        index = excerpt_difference(step.shown, real)
        if index is not None:
            return Failure(f"{block.page}:{step.shown_line + index}",
                           f"shows {step.shown[index]!r}, which `{_first_line(step.command)}` does not print "
                           f"(in this order) before it is ready:\n{_indent(real)}")
        return None

    def _stop_foreground(self) -> None:
        process, self._foreground = self._foreground, None
        if process and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the reader stops it
                process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                stop_group(process)

    def _start_server(self, block: ConsoleBlock, step: Step) -> Failure | None:
        where = f"{block.page}:{step.line}"
        output, problem = self.start_servers(self._command(step))
        if problem:
            return Failure(where, f"`{_first_line(step.command)}` {problem}")
        real = output.splitlines()
        index = excerpt_difference(step.shown, real)
        if index is not None:
            return Failure(f"{block.page}:{step.shown_line + index}",
                           f"shows {step.shown[index]!r}, which `{_first_line(step.command)}` does not print "
                           f"(in this order) before it is ready:\n{_indent(real[-40:])}")
        return None

    def start_servers(self, command: str) -> tuple[str, str | None]:
        """Start ``command`` in the background, or reuse the same running servers; returns
        (start output, None) once they are ready, or (output, what went wrong)."""
        pool = self.environment.servers
        if SERVER_TIMEOUT <= 0:
            return "", "cannot run: servers are turned off (DOCEXEC_SERVER_TIMEOUT=0)"
        cwd = Path((self._state / "cwd").read_text(encoding="utf-8").strip())
        key = start_key(command, cwd, self.project, (self._state / "env").read_text(encoding="utf-8"),
                        self._tmp)
        running = pool.find(key) if self.environment.keep_servers else None
        if running is not None:
            return running.output(), None
        # On a loaded machine Ray's start can time out ("The current node timed out during
        # startup"); a start that exits before it is ready gets one more try.
        attempts = 0
        while attempts < 2:
            attempts += 1
            marker = new_marker()
            self._markers.add(marker)
            log = self._tmp / f"server-{len(self._markers)}.log"
            with log.open("w") as handle:
                process = subprocess.Popen(
                    ["bash", "--noprofile", "--norc", "-c",
                     # Their own run id: the servers may outlive this page (see servers.py).
                     self._script(f"export {RUN_MARKER}={marker}\nexec {command}")],
                    stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, text=True,
                    start_new_session=True, env={"PATH": os.environ.get("PATH", "")})
            running = RunningServers(key, process, marker, log)
            pool.add(running)
            problem = wait_ready(running, READY, SERVER_TIMEOUT)
            output = running.output()
            if not problem:
                return output, None
            pool.stop()
            if not problem.startswith("exited"):
                break
        tries = " (twice)" if attempts == 2 else ""
        lines = output.splitlines()
        found = exception_lines("\n".join(lines[:-40]))
        shown = [*found, "... (the last 40 lines:)", *lines[-40:]] if found else lines[-40:]
        return output, f"{problem}{tries}:\n{_indent(shown, limit=len(shown))}"

    def _script(self, command: str) -> str:
        state = shlex.quote(str(self._state / "cwd")), shlex.quote(str(self._state / "env"))
        return (f"cd \"$(cat {state[0]})\"\nset -a; . {state[1]}\nset +a\n"
                # A shell starts background jobs with SIGINT ignored; the server must see Ctrl-C.
                f"trap - INT\n{command}\n")

    def execute(self, command: str) -> tuple[int | None, str]:
        """Run one command as the reader would; returns (exit code or None on timeout, output)."""
        script = (
            f"cd \"$(cat {shlex.quote(str(self._state / 'cwd'))})\"\n"
            f"set -a; . {shlex.quote(str(self._state / 'env'))}\n"
            "set -o pipefail\n"
            f"{command}\n"
            "__status=$?\n"
            f"pwd > {shlex.quote(str(self._state / 'cwd'))}\n"
            f"export -p | grep -v -e '^declare -x __status=' > {shlex.quote(str(self._state / 'env'))}.new"
            f" && mv {shlex.quote(str(self._state / 'env'))}.new {shlex.quote(str(self._state / 'env'))}\n"
            "exit $__status\n"
        )
        # Output goes to a file, not a pipe, and the command ends when its shell exits: servers
        # it leaves running (0.7.0's `gym eval reverify` does) hold the file open without
        # holding up the page. They stop with the page, found by its run id.
        output_file = self._tmp / "command.out"
        with output_file.open("w") as handle:
            process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-c", script], stdin=subprocess.DEVNULL,
                stdout=handle, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                env={"PATH": os.environ.get("PATH", "")})
        try:
            process.wait(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            stop_group(process)
            return None, output_file.read_text(errors="replace")
        return process.returncode, output_file.read_text(errors="replace")


def excerpt_difference(shown: list[str], real: list[str]) -> int | None:
    """Index of the first shown line that does not appear, in order, in the real output."""
    position = 0
    for index, line in enumerate(shown):
        while position < len(real) and not lines_match(line, real[position]):
            position += 1
        if position == len(real):
            return index
        position += 1
    return None


def _first_line(command: str) -> str:
    first = command.splitlines()[0]
    return first + " ..." if "\n" in command else first


def _indent(lines: list[str], limit: int = 30, head: int = 10) -> str:
    """The output, or when it is long its first ``head`` lines and its last lines, where
    commands print their summaries (a page's shown lines are mostly those)."""
    if len(lines) > limit:
        lines = [*lines[:head], f"... ({len(lines) - limit} lines left out)", *lines[head - limit:]]
    return "\n".join("    " + line for line in lines) or "    (no output)"
