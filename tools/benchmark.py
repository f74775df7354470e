"""Measure build, rebuild, check and live-preview performance, and page weight.

Run with ``make bench`` (``python -m benchmark``). Every figure is taken in one run on one machine, on a
temporary copy of the site, and ratios compare runs made side by side
(interleaved, median of several) so the machine's load affects both sides.
The budgets are printed with each figure; the script exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DOCPLAN = str(Path(sys.executable).with_name("docplan"))  # the console script installed beside Python
EDITED_PAGE = "docs/training/datasets/validate-format.md"
WITHOUT_DOCPLAN = "myst_parser,sphinx_design,sphinx_copybutton,sphinx.ext.extlinks"


def copy_site(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copy2(ROOT / "conf.py", target / "conf.py")
    shutil.copy2(ROOT / "pyproject.toml", target / "pyproject.toml")  # conf.py reads the release from it
    for name in ("docs", "examples"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def sphinx(site: Path, out: str, *extra: str, docplan: bool = True) -> tuple[float, str]:
    args = [PYTHON, "-m", "sphinx", "-c", ".", "-b", "html", "-d", f"{out}/.doctrees", *extra]
    if not docplan:
        args += ["-D", f"extensions={WITHOUT_DOCPLAN}"]
    start = time.perf_counter()
    result = subprocess.run([*args, "docs", out], cwd=site, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout


def reads_writes(output: str) -> tuple[int, int]:
    match = re.search(r"(\d+) added, (\d+) changed, (\d+) removed", output)
    read = int(match.group(1)) + int(match.group(2)) if match else -1
    written = len(re.findall(r"^writing output\.\.\. \[\s*\d+%\]", output, re.M))
    return read, written


def cold_builds(site: Path, runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"with": [], "without": [], "parallel": []}
    for _ in range(runs):  # interleaved, so load changes hit both sides
        times["with"].append(sphinx(site, "_b/with", "-E", "-q")[0])
        times["without"].append(sphinx(site, "_b/without", "-E", "-q", docplan=False)[0])
        times["parallel"].append(sphinx(site, "_b/par", "-E", "-q", "-j", "2")[0])
    return {k: statistics.median(v) for k, v in times.items()}


def incremental(site: Path, runs: int) -> dict[str, object]:
    page = site / EDITED_PAGE
    original = page.read_text()
    results: dict[str, list] = {"noop_with": [], "noop_without": [], "edit_with": [], "edit_without": []}
    counts = {}
    for out, docplan in (("_b/with", True), ("_b/without", False)):
        sphinx(site, out, docplan=docplan)  # make sure the environment is current
    for n in range(runs):
        for out, docplan, label in (("_b/with", True, "with"), ("_b/without", False, "without")):
            results[f"noop_{label}"].append(sphinx(site, out, docplan=docplan)[0])
            page.write_text(original + f"\nEdited for the benchmark, run {n}.\n")
            elapsed, output = sphinx(site, out, docplan=docplan)
            results[f"edit_{label}"].append(elapsed)
            counts[label] = reads_writes(output)
            page.write_text(original)
            sphinx(site, out, docplan=docplan)
    summary = {k: statistics.median(v) for k, v in results.items()}
    summary["edit_reads"], summary["edit_writes"] = counts["with"]
    return summary


def docplan_check(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([DOCPLAN, "check"], cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def main() -> int:
    os.environ["NO_COLOR"] = "1"  # the script parses Sphinx's output; CI=true would colour it
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (median is reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = copy_site(Path(tmp) / "site")
        cold = cold_builds(site, args.runs)
        inc = incremental(site, args.runs)
        check = docplan_check(max(args.runs, 5))
        live = live_preview(site, args.runs)
        html = site / "_b/with"
        pages = sorted(html.rglob("*.html"), key=lambda p: p.stat().st_size)
        hub = page_weight(html, html / "training/index.html")
        largest = page_weight(html, pages[-1])
        largest_name = pages[-1].relative_to(html).as_posix()

    overhead = cold["with"] / cold["without"] - 1
    edit_ratio = inc["edit_with"] / inc["edit_without"]
    rows = [
        ("cold build, with docplan", f"{cold['with']:.2f} s", ""),
        ("cold build, without docplan", f"{cold['without']:.2f} s", ""),
        ("docplan overhead on a cold build", f"{overhead:+.1%}", _budget(overhead <= 0.03, "<= +3%")),
        ("cold build, -j 2", f"{cold['parallel']:.2f} s", f"{cold['with'] / cold['parallel']:.2f}x serial"),
        ("no-op rebuild, with / without docplan", f"{inc['noop_with']:.2f} s / {inc['noop_without']:.2f} s", ""),
        ("one-page edit, with / without docplan", f"{inc['edit_with']:.2f} s / {inc['edit_without']:.2f} s",
         _budget(edit_ratio <= 1.10, "within 10%")),
        ("one-page edit: pages re-read / written", f"{inc['edit_reads']} / {inc['edit_writes']}",
         _budget(inc["edit_reads"] == 1 and inc["edit_writes"] <= 3, "1 / <= 3")),
        ("docplan check (whole process)", f"{check:.3f} s", _budget(check < 0.5, "< 0.5 s")),
        ("live preview: save to served", f"{live:.2f} s", _budget(live < 3.0, "< 3 s")),
        ("page weight, hub (html+css+js+fonts)", _kib(hub), ""),
        (f"page weight, largest ({largest_name})", _kib(largest), ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for name, value, budget in rows:
        print(f"{name:<{width}}  {value:<22} {budget}")
    out = ROOT / "_build"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps({"cold": cold, "incremental": inc, "docplan_check": check,
                                                 "live_preview": live, "hub": hub, "largest": largest}, indent=2))
    return 1 if any(r[2].startswith("FAIL") for r in rows) else 0


def _budget(ok: bool, text: str) -> str:
    return f"{'ok' if ok else 'FAIL'} (budget {text})"


def _kib(weight: dict[str, int]) -> str:
    return (f"{weight['total'] / 1024:.0f} KiB (html {weight['html'] // 1024}, css {weight['css'] // 1024}, "
            f"js {weight['js'] // 1024}, fonts {weight['fonts'] // 1024})")


if __name__ == "__main__":
    sys.exit(main())
