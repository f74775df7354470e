"""Find and stop every process of one run, including those that left its process group."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

RUN_MARKER = "DOCEXEC_RUN_ID"  # set on every process a page starts, so cleanup finds them all


def marked_pids(run_id: str, marker: str = RUN_MARKER) -> list[int]:
    """Processes whose environment carries ``marker=run_id``, or a per-command marker under it
    (``marker=run_id-…``). Ray workers leave the process group, so the group alone does not
    find them."""
    exact = f"{marker}={run_id}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                variables = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue  # gone, or not ours to read
            if any(v == exact or v.startswith(exact + b"-") for v in variables):
                pids.append(int(entry.name))
    return pids


def kill_marked(run_id: str, grace: float = 10, marker: str = RUN_MARKER) -> None:
    """SIGTERM every marked process, then SIGKILL what is left after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = marked_pids(run_id, marker)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            time.sleep(0.2)
            pids = [pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        if not pids:
            return


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 15)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, 9)
        except ProcessLookupError:
            pass
    except OSError:
        pass
