"""Run Sphinx's linkcheck and tell broken links from unreachable ones.

A link that answers 404 is broken: the run fails. A link that cannot be
reached at all (no DNS, no route, refused, timed out) is reported as
unreachable and does not fail the run, so the check is honest offline.
Usage: python -m linkcheck SRC OUT (or make linkcheck)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

UNREACHABLE = re.compile(
    r"NameResolutionError|Failed to resolve|Temporary failure in name resolution|Name or service not known"
    r"|Failed to establish a new connection|Connection refused|Network is unreachable|No route to host"
    r"|Max retries exceeded|timed out|ConnectTimeout|ReadTimeout|ProxyError",
    re.I,
)


def classify(entries: list[dict]) -> tuple[list[dict], list[dict], Counter]:
    """Split linkcheck's output.json entries into (broken, unreachable, counts by status)."""
    broken, unreachable = [], []
    counts: Counter = Counter()
    for entry in entries:
        status = entry.get("status")
        if status in ("broken", "timeout") and UNREACHABLE.search(str(entry.get("info", ""))) or status == "timeout":
            unreachable.append(entry)
            counts["unreachable"] += 1
        elif status == "broken":
            broken.append(entry)
            counts["broken"] += 1
        else:
            counts[status] += 1
    return broken, unreachable, counts


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m linkcheck SRC OUT", file=sys.stderr)
        return 2
    src, out = Path(argv[0]), Path(argv[1])
    result = subprocess.run([sys.executable, "-m", "sphinx", "-c", ".", "-b", "linkcheck", "-q", str(src), str(out)])
    report = out / "output.json"
    if not report.exists():
        print("linkcheck: Sphinx wrote no report; see the errors above.", file=sys.stderr)
        return result.returncode or 1
    entries = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    broken, unreachable, counts = classify(entries)
    for entry in unreachable:
        print(f"unreachable  {entry['filename']}:{entry['lineno']}  {entry['uri']}")
    for entry in broken:
        print(f"BROKEN       {entry['filename']}:{entry['lineno']}  {entry['uri']}  ({entry['info']})")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"linkcheck: {len(entries)} external links: {summary}.")
    if unreachable and not broken:
        print("linkcheck: unreachable links were not checked (no network?); they are reported, not failed.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
