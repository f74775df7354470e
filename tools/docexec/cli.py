"""``python -m docexec [PAGE ...]``: run the console blocks of the pages (all of docs/ by
default), print every difference as ``page:line: what``, write the report, exit 1 on any."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .run import run_pages, summary_line, write_report

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REPORT = ROOT / "_build" / "exec-report.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docexec", description=__doc__)
    parser.add_argument("pages", nargs="*", type=Path, help="pages to run (default: every page)")
    parser.add_argument("--report", type=Path, default=REPORT, help=f"default: {REPORT}")
    args = parser.parse_args(argv)
    pages = args.pages or sorted(DOCS.rglob("*.md"))
    missing = [p for p in pages if not p.is_file()]
    if missing:
        parser.error(f"no such page: {missing[0]}")
    def progress(page, page_results):
        for result in page_results:
            for failure in result.failures:
                print(failure, flush=True)
        failed = sum(bool(r.failures) for r in page_results)
        print(f"# {page}: {len(page_results)} blocks, {failed} failed", file=sys.stderr, flush=True)

    results = run_pages(pages, ROOT, DOCS, progress=progress)
    counts = write_report(results, args.report, ROOT)
    print(summary_line(counts))
    return 1 if counts["failed"] else 0
