"""The real site's figures, on a temporary copy of it: builds with and without
docplan, incremental and no-op rebuilds, ``docplan check``, the live preview's
save-to-served time, and page weight.

Runs that are compared are interleaved in pairs, so the machine's load affects
both sides. docplan's overhead compares CPU time (see runner): the median of
the pairs' ratios (``runner.paired_overhead``). Other figures are medians.
"""

from __future__ import annotations

import re
import runpy
import shutil
import socket
import statistics
import subprocess
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from .runner import PYTHON, docplan_check, interleaved, paired_overhead, reads_writes, sphinx

ROOT = Path(__file__).resolve().parents[2]
EDITED_PAGE = "docs/training/datasets/validate-format.md"


def copy_site(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy2(ROOT / "conf.py", target / "conf.py")
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")  # conf.py reads the release from it
    for name in ("docs", "examples"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "tools").symlink_to(ROOT / "tools")  # conf.py names files under tools/ (the search scorer)
    return target


def without_docplan(site: Path) -> str:
    """The site's extension list minus docplan, for the builds that leave it out."""
    extensions = runpy.run_path(str(site / "conf.py"))["extensions"]
    return ",".join(e for e in extensions if not e.startswith("docplan"))


def cold_builds(site: Path, runs: int) -> dict[str, float]:
    others = without_docplan(site)
    times: dict[str, list[float]] = {k: [] for k in ("with", "without", "with_cpu", "without_cpu", "parallel")}
    for n in range(runs):  # interleaved, so load changes hit both sides
        with_, without = interleaved(n, lambda: sphinx(site, "_b/with", "-E", "-q"),
                                     lambda: sphinx(site, "_b/without", "-E", "-q", without=others))
        times["with"].append(with_.wall)
        times["with_cpu"].append(with_.cpu)
        times["without"].append(without.wall)
        times["without_cpu"].append(without.cpu)
        times["parallel"].append(sphinx(site, "_b/par", "-E", "-q", "-j", "2").wall)
    summary = {k: statistics.median(v) for k, v in times.items()}
    summary["overhead"] = paired_overhead(times["with_cpu"], times["without_cpu"])
    summary["runs"] = times
    return summary


def incremental(site: Path, runs: int) -> dict[str, object]:
    others = without_docplan(site)
    page = site / EDITED_PAGE
    original = page.read_text()
    results: dict[str, list] = {"noop_with": [], "noop_without": [], "edit_with": [], "edit_without": [],
                                "edit_with_cpu": [], "edit_without_cpu": []}
    counts = {}
    variants = (("_b/with", None, "with"), ("_b/without", others, "without"))
    for out, without, _ in variants:
        sphinx(site, out, without=without)  # make sure the environment is current
    for n in range(runs):
        for out, without, label in variants if n % 2 == 0 else variants[::-1]:  # ABBA, as interleaved()
            results[f"noop_{label}"].append(sphinx(site, out, without=without).wall)
            page.write_text(original + f"\nEdited for the benchmark, run {n}.\n")
            run = sphinx(site, out, without=without)
            results[f"edit_{label}"].append(run.wall)
            results[f"edit_{label}_cpu"].append(run.cpu)
            counts[label] = reads_writes(run.output)
            page.write_text(original)
            sphinx(site, out, without=without)
    summary = {k: statistics.median(v) for k, v in results.items()}
    summary["edit_overhead"] = paired_overhead(results["edit_with_cpu"], results["edit_without_cpu"])
    summary["edit_reads"], summary["edit_writes"] = counts["with"]
    return summary


def check_time(runs: int) -> dict[str, float]:
    """``docplan check`` on the real site: median wall-clock and CPU seconds."""
    checks = [docplan_check(ROOT) for _ in range(runs)]
    return {"wall": statistics.median(c.wall for c in checks), "cpu": statistics.median(c.cpu for c in checks)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - the server is restarting or mid-write; poll again
        return None


def live_preview(site: Path, runs: int) -> float:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "sphinx_autobuild", "-c", ".", "--host", "127.0.0.1", "--port", str(port),
         "--watch", str(ROOT / "tools"), "--watch", "examples", "docs", "_b/live"],
        cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/training/datasets/validate-format.html"
    try:
        deadline = time.monotonic() + 300
        while fetch(url) is None:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("sphinx-autobuild did not start")
            time.sleep(0.2)
        page = site / EDITED_PAGE
        original = page.read_text()
        times = []
        for n in range(runs):
            token = f"live-preview-token-{n}-{time.time_ns()}"
            start = time.perf_counter()
            page.write_text(original + f"\n{token}\n")
            while token not in (fetch(url) or ""):
                if time.perf_counter() - start > 60:
                    raise SystemExit("the edit never reached the served page")
                time.sleep(0.05)
            times.append(time.perf_counter() - start)
            page.write_text(original)
            time.sleep(2.5)  # let the revert build finish before the next edit
        return statistics.median(times)
    finally:
        server.terminate()
        server.wait(timeout=20)


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.files: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.files.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.files.append(attrs["src"])


def page_weight(html_dir: Path, page: Path) -> dict[str, int]:
    parser = _Assets()
    parser.feed(page.read_text())
    weight = {"html": page.stat().st_size, "css": 0, "js": 0, "fonts": 0}
    for href in parser.files:
        path = (page.parent / href.split("?")[0]).resolve()
        if not path.is_file():
            continue
        kind = "css" if path.suffix == ".css" else "js"
        weight[kind] += path.stat().st_size
        if kind == "css":
            for font in re.findall(r"url\(['\"]?([^'\")]+\.(?:woff2?|ttf|otf))", path.read_text(errors="replace")):
                font_path = (path.parent / font).resolve()
                if font_path.is_file():
                    weight["fonts"] += font_path.stat().st_size
    weight["total"] = sum(weight.values())
    return weight
