"""Run Sphinx and ``docplan check`` as separate processes and time them.

Each run reports wall-clock seconds and the CPU seconds the process used (user
plus system, from the kernel's accounting of finished children). On a shared
machine other work stretches the wall clock but hardly the CPU time, so the
ratios the budgets judge (docplan's overhead) compare CPU time.
"""

from __future__ import annotations

import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable
DOCPLAN = str(Path(sys.executable).with_name("docplan"))  # the console script installed beside Python


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    output: str


def timed(args: list[str], cwd: Path) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:  # every benchmarked site is clean: a failure is a broken benchmark
        raise SystemExit(f"{' '.join(args[:4])} ... failed in {cwd}:\n{result.stderr[-3000:]}")
    return Run(wall, cpu, result.stdout + result.stderr)


def sphinx(site: Path, out: str, *extra: str, without: str | None = None) -> Run:
    """Build ``site/docs`` into ``site/out`` with ``site/conf.py``; ``without`` replaces the extension list."""
    args = [PYTHON, "-m", "sphinx", "-c", ".", "-b", "html", "-d", f"{out}/.doctrees", *extra]
    if without is not None:
        args += ["-D", f"extensions={without}"]
    return timed([*args, "docs", out], site)


def reads_writes(output: str) -> tuple[int, int]:
    """Pages Sphinx read and wrote, from a build's status output."""
    match = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", output)
    outdated = re.search(r"looking for now-outdated files\.\.\. (\d+) found", output)
    read = int(match[1]) + int(match[2]) + (int(outdated[1]) if outdated else 0) if match else -1
    written = len(re.findall(r"^writing output\.\.\. \[\s*\d+%\]", output, re.M))
    return read, written


def docplan_check(site: Path, docs: str = "docs") -> Run:
    return timed([DOCPLAN, "--docs", docs, "--conf", "conf.py", "check"], site)


def paired_overhead(with_cpu: list[float], without_cpu: list[float]) -> float:
    """docplan's overhead from pairs of builds run back to back: the median of each pair's
    ratio, less one. The machine's speed drifts from minute to minute; within a pair it
    hardly does, so each ratio compares like with like, and the median ignores a pair that
    another process disturbed."""
    return statistics.median(_pair_overheads(with_cpu, without_cpu))


def pair_quartiles(with_cpu: list[float], without_cpu: list[float]) -> tuple[float, float]:
    """The first and third quartiles of the pairs' overheads: how far one pair's figure moves."""
    ratios = _pair_overheads(with_cpu, without_cpu)
    if len(ratios) < 2:
        return ratios[0], ratios[0]
    first, _, third = statistics.quantiles(ratios, n=4)
    return first, third


def _pair_overheads(with_cpu: list[float], without_cpu: list[float]) -> list[float]:
    return [w / wo - 1 for w, wo in zip(with_cpu, without_cpu, strict=True)]


def interleaved(run: int, with_: Callable[[], Run], without: Callable[[], Run]) -> tuple[Run, Run]:
    """Run ``with_`` and ``without`` back to back, alternating which goes first (ABBA), so that
    whatever favours the first or second build of a pair favours both sides alike."""
    if run % 2:
        second = without()
        return with_(), second
    first = with_()
    return first, without()
