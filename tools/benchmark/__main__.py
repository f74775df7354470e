"""``make bench``: every performance figure in one run, with its budget; exit 1 when one fails.

The figures and their budgets are printed as a table; the raw numbers go to
``_build/bench.json``. The machine's load average is printed with them, since
the machine may be shared.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

from . import real_site, scale


def main(argv: list[str] | None = None) -> int:
    os.environ["NO_COLOR"] = "1"  # the script parses Sphinx's output; CI=true would colour it
    parser = argparse.ArgumentParser(prog="python -m benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions per figure on the real site")
    parser.add_argument("--scale-runs", type=int, default=4, help="repetitions per figure on the synthetic sites")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(scale.SIZES),
                        help="synthetic site sizes in pages (default: 500 2000); none to skip")
    parser.add_argument("--scale-only", action="store_true", help="only the synthetic sites")
    args = parser.parse_args(argv)
    compile_tools()
    load_before = os.getloadavg()
    rows = real_site_rows(args.runs) if not args.scale_only else []
    synthetic = [scale.measure(size, args.scale_runs) for size in args.sizes]

    for s in synthetic:
        n = s["pages"]
        rows += [
            (f"{n} pages: cold build, with / without docplan",
             f"{s['cold_with']:.1f} s / {s['cold_without']:.1f} s", ""),
            (f"{n} pages: docplan overhead on a cold build (CPU), median of {len(s['cold_runs']['with'])} pairs",
             f"{s['overhead']:+.1%} (quartiles {s['overhead_quartiles'][0]:+.1%}, {s['overhead_quartiles'][1]:+.1%})",
             _budget(s["overhead"] <= 0.03, "<= +3%")),
            (f"{n} pages: docplan's CPU in one cold build (hooks, added GC), share",
             f"{s['hooks_cpu']:.2f} s of {s['hooks_build_cpu']:.1f} s ({s['hooks_share']:.1%})",
             _budget(s["hooks_share"] <= 0.03, "<= 3%")),
            (f"{n} pages: docplan check (whole process), wall / CPU", f"{s['check']:.2f} s / {s['check_cpu']:.2f} s",
             _budget(s["check_cpu"] < 2.0, "CPU < 2 s") if n >= 2000 else ""),
            (f"{n} pages: docplan checks alone (in process, CPU)", f"{s['pure_check']:.2f} s", ""),
            (f"{n} pages: one-page edit / no-op rebuild", f"{s['edit']:.2f} s / {s['noop']:.2f} s", ""),
            (f"{n} pages: one-page edit: re-read / written", f"{s['edit_reads']} / {s['edit_writes']}",
             _budget(s["edit_reads"] == 1 and s["edit_writes"] <= 3, "1 / <= 3")),
        ]
    if len(synthetic) >= 2:
        small, large = synthetic[0], synthetic[-1]
        label = f"{small['pages']} -> {large['pages']} pages"
        for key, name in (("pure_check", "docplan checks"), ("cold_with_cpu", "cold build with docplan (CPU)"),
                          ("check_cpu", "docplan check (whole process, CPU)")):
            factor = scale.growth(small, large, key)
            rows.append((f"{label}: {name}, cost per page", f"x{factor:.2f}", _budget(factor <= 1.5, "linear: <= x1.5")))
    load_after = os.getloadavg()
    width = max(len(r[0]) for r in rows)
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    for name, value, budget in rows:
        print(f"{name:<{width}}  {value:<24} {budget}")
    out = real_site.ROOT / "_build"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps({"load_average": [load_before, load_after], "real_site": RAW,
                                                 "synthetic": synthetic}, indent=2))
    return 1 if any(r[2].startswith("FAIL") for r in rows) else 0


def compile_tools() -> None:
    """Byte-compile the project's packages, as installing them from a wheel does. The editable
    install leaves that to the first import, which writes nothing when PYTHONDONTWRITEBYTECODE
    is set; every timed build would then compile docplan's source again, a cost of the checkout
    rather than of docplan."""
    compileall.compile_dir(real_site.ROOT / "tools", quiet=1)


RAW: dict[str, object] = {}  # the real site's raw numbers, for bench.json


def real_site_rows(runs: int) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        site = real_site.copy_site(Path(tmp) / "site")
        cold = real_site.cold_builds(site, runs)
        inc = real_site.incremental(site, runs)
        check = real_site.check_time(max(runs, 5))
        live = real_site.live_preview(site, runs)
        html = site / "_b/with"
        pages = sorted(html.rglob("*.html"), key=lambda p: p.stat().st_size)
        hub = real_site.page_weight(html, html / "training/index.html")
        largest = real_site.page_weight(html, pages[-1])
        largest_name = pages[-1].relative_to(html).as_posix()
    RAW.update(cold=cold, incremental=inc, docplan_check=check, live_preview=live, hub=hub, largest=largest)
    overhead = cold["overhead"]
    edit_ratio = 1 + inc["edit_overhead"]
    return [
        ("cold build, with / without docplan", f"{cold['with']:.2f} s / {cold['without']:.2f} s", ""),
        ("docplan overhead on a cold build (CPU)", f"{overhead:+.1%}", _budget(overhead <= 0.03, "<= +3%")),
        ("cold build, -j 2", f"{cold['parallel']:.2f} s", f"{cold['with'] / cold['parallel']:.2f}x serial"),
        ("no-op rebuild, with / without docplan", f"{inc['noop_with']:.2f} s / {inc['noop_without']:.2f} s", ""),
        ("one-page edit, with / without docplan (wall)", f"{inc['edit_with']:.2f} s / {inc['edit_without']:.2f} s", ""),
        ("one-page edit, docplan overhead (CPU)", f"{edit_ratio - 1:+.1%}", _budget(edit_ratio <= 1.10, "within 10%")),
        ("one-page edit: pages re-read / written", f"{inc['edit_reads']} / {inc['edit_writes']}",
         _budget(inc["edit_reads"] == 1 and inc["edit_writes"] <= 3, "1 / <= 3")),
        ("docplan check (whole process), wall / CPU", f"{check['wall']:.2f} s / {check['cpu']:.2f} s",
         _budget(check["cpu"] < 0.5, "CPU < 0.5 s")),
        ("live preview: save to served", f"{live:.2f} s", _budget(live < 3.0, "< 3 s")),
        ("page weight, hub (html+css+js+fonts)", _kib(hub), ""),
        (f"page weight, largest ({largest_name})", _kib(largest), ""),
    ]


def _budget(ok: bool, text: str) -> str:
    return f"{'ok' if ok else 'FAIL'} (budget {text})"


def _kib(weight: dict[str, int]) -> str:
    return (f"{weight['total'] / 1024:.0f} KiB (html {weight['html'] // 1024}, css {weight['css'] // 1024}, "
            f"js {weight['js'] // 1024}, fonts {weight['fonts'] // 1024})")


if __name__ == "__main__":
    sys.exit(main())
