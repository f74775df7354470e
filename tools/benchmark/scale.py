"""docplan at scale: the figures on synthetic sites of 500 and 2,000 pages.

For each size: the docplan overhead on a cold build (CPU time with the
extension over without it, interleaved runs), ``docplan check`` as a whole
process, and a one-page edit rebuilt with the extension. The pure check is
also timed in process (no interpreter start-up) at each size, so its growth
with the page count can be judged: linear growth keeps the time per page flat.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from .hooks import docplan_share
from .runner import PYTHON, docplan_check, interleaved, pair_quartiles, paired_overhead, reads_writes, sphinx
from .synthetic import WITHOUT_DOCPLAN, write_site

SIZES = (500, 2000)
EDITED = "docs/guide/topic-001/page-01.md"


def pure_check_seconds(site: Path) -> float:
    """The plan parse, page scan and every check, in this process, with a cold page cache."""
    from docplan.checks import Site, check_site
    from docplan.gcpause import cyclic_gc_paused
    from docplan.parsing import load_plan

    start = time.process_time()  # CPU time: other work on a shared machine does not count
    with cyclic_gc_paused():  # as both front ends run it
        plan, findings = load_plan(site / "docs" / "plan.yaml")
        assert plan is not None and not findings, findings
        assert check_site(plan, Site.scan(plan, site / "docs"), 4) == []
    return time.process_time() - start


def hook_share(site: Path, out: str, without: str | None = None) -> dict[str, object]:
    """docplan's CPU time inside one cold build, the build's, and its garbage collections
    (``benchmark.hooks``); with ``without``, the build without docplan."""
    result = subprocess.run([PYTHON, "-m", "benchmark.hooks", str(site), str(site / out), *([without] if without else [])],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def overhead_pairs(pages: int, runs: int) -> int:
    """Pairs of cold builds for the overhead figure: ``runs`` at the largest size, more on a
    smaller site, so that every size gets about the same building time. One pair's ratio
    moves by a few percent with the machine; the median of more pairs moves less."""
    return max(runs, round(runs * max(SIZES) / pages))


def measure(pages: int, runs: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        site = write_site(Path(tmp) / "site", pages)
        cold: dict[str, list[float]] = {"with": [], "without": [], "with_cpu": [], "without_cpu": []}
        for n in range(overhead_pairs(pages, runs)):  # interleaved, so load changes hit both sides
            with_, without = interleaved(n, lambda: sphinx(site, "_b/with", "-E", "-q"),
                                         lambda: sphinx(site, "_b/without", "-E", "-q", without=WITHOUT_DOCPLAN))
            for label, run in (("with", with_), ("without", without)):
                cold[label].append(run.wall)
                cold[f"{label}_cpu"].append(run.cpu)
        result = {f"cold_{k}": statistics.median(v) for k, v in cold.items()}
        result["cold_runs"] = cold
        result["overhead"] = paired_overhead(cold["with_cpu"], cold["without_cpu"])
        result["overhead_quartiles"] = pair_quartiles(cold["with_cpu"], cold["without_cpu"])
        bare = hook_share(site, "_b/hooks-without", WITHOUT_DOCPLAN)
        shares = [hook_share(site, f"_b/hooks{n}") for n in range(runs)]
        inside = min(shares, key=lambda s: docplan_share(s, bare))  # the least disturbed run
        result["hooks_share"] = docplan_share(inside, bare)
        result["hooks_cpu"], result["hooks_build_cpu"] = result["hooks_share"] * inside["build"], inside["build"]
        result["hooks"], result["gc_with"], result["gc_without"] = inside["hooks"], inside["gc"], bare["gc"]
        checks = [docplan_check(site) for _ in range(max(runs, 3))]
        result["check"] = statistics.median(c.wall for c in checks)
        result["check_cpu"] = statistics.median(c.cpu for c in checks)
        result["pure_check"] = min(pure_check_seconds(site) for _ in range(max(runs, 3)))
        page = site / EDITED
        original = page.read_text(encoding="utf-8")
        edits, noops = [], []
        for n in range(runs):
            noops.append(sphinx(site, "_b/with").wall)
            page.write_text(original + f"\nEdited for the benchmark, run {n}.\n", encoding="utf-8")
            run = sphinx(site, "_b/with")
            edits.append(run.wall)
            result["edit_reads"], result["edit_writes"] = reads_writes(run.output)
            page.write_text(original, encoding="utf-8")
            sphinx(site, "_b/with")
        result["edit"], result["noop"] = statistics.median(edits), statistics.median(noops)
        result["pages"] = pages
        return result


def growth(small: dict[str, float], large: dict[str, float], key: str) -> float:
    """How the cost per page changed from the small site to the large one (1.0: exactly linear)."""
    return (large[key] / large["pages"]) / (small[key] / small["pages"])
