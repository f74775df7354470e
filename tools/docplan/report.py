"""The content-type matrix and phase status, computed from the plan and the pages."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from .checks import Site
from .model import Finding, Plan
from .routes import site_prose, word_counts

REPORT_NAME = "docplan-report.json"


def build_report(plan: Plan, site: Site, enforce_phase: int, findings: list[Finding]) -> dict[str, Any]:
    """A JSON-ready summary: per page, per directory, per type, per phase, and the findings."""
    pages = []
    for entry in plan.pages:
        source = site.pages.get(entry.page)
        declared = source.front_matter.values.get("content_type") if source else None
        pages.append({
            "page": f"{plan.root}/{entry.page}",
            "directory": entry.directory or ".",
            "title": entry.title,
            "content_type": entry.content_type,
            "declared_content_type": declared,
            "template": entry.template,
            "jtbd": entry.jtbd,
            "phase": entry.phase,
            "week": entry.week_label(),
            "exists": source is not None,
        })
    types = list(plan.content_types)
    directories: dict[str, dict[str, int]] = {}
    for row in pages:
        counts = directories.setdefault(row["directory"], {t: 0 for t in types} | {"written": 0})
        counts[row["content_type"]] += 1
        counts["written"] += row["exists"]
    phases = []
    for number, phase in sorted(plan.phases.items()):
        rows = [r for r in pages if r["phase"] == number]
        written = sum(r["exists"] for r in rows)
        phases.append({
            "phase": number, "name": phase.name, "goal": phase.goal,
            "weeks": f"{phase.weeks[0]}-{phase.weeks[1]}",
            "planned": len(rows), "written": written, "complete": written == len(rows),
            "enforced": number <= enforce_phase,
            "missing": [r["page"] for r in rows if not r["exists"]],
        })
    return {
        "plan": plan.path.name,
        "root": plan.root,
        "enforce_phase": enforce_phase,
        "totals": {
            "planned": len(pages),
            "written": sum(r["exists"] for r in pages),
            "by_content_type": {t: Counter(r["content_type"] for r in pages)[t] for t in types},
        },
        "directories": directories,
        "phases": phases,
        "pages": pages,
        "findings": dict(sorted(Counter(f.subtype for f in findings).items())),
    }


def write_report(report: dict[str, Any], outdir: Path) -> Path:
    """Write the report into the build output, touching the file only when it changes."""
    path = outdir / REPORT_NAME
    text = json.dumps(report, indent=2, sort_keys=False) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        outdir.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def format_matrix(report: dict[str, Any]) -> str:
    """The content-type matrix and gap analysis as a plain-text table."""
    types = list(report["totals"]["by_content_type"])
    header = ["directory", *types, "total", "written"]
    rows = []
    for directory, counts in report["directories"].items():
        total = sum(counts[t] for t in types)
        rows.append([directory + ("/" if directory != "." else " (hub)"), *(str(counts[t]) for t in types),
                     str(total), f"{counts['written']}/{total}"])
    totals = report["totals"]
    rows.append(["total", *(str(totals["by_content_type"][t]) for t in types), str(totals["planned"]),
                 f"{totals['written']}/{totals['planned']}"])
    lines = _table(header, rows)
    share = ", ".join(f"{t} {100 * n / totals['planned']:.0f}%" for t, n in totals["by_content_type"].items())
    lines += ["", f"Share by content type: {share}."]
    gaps = [d for d, c in report["directories"].items() if d != "." and not all(c[t] for t in types if t != "explanation")]
    lines.append("Directories without a how-to or a reference page: " + (", ".join(gaps) or "none") + ".")
    return "\n".join(lines)


def format_status(report: dict[str, Any]) -> str:
    """Progress by phase and week."""
    header = ["phase", "name", "weeks", "written", "status"]
    rows = []
    for phase in report["phases"]:
        status = "complete" if phase["complete"] else f"{len(phase['missing'])} to write"
        if phase["enforced"]:
            status += " (enforced)"
        rows.append([str(phase["phase"]), phase["name"], phase["weeks"],
                     f"{phase['written']}/{phase['planned']}", status])
    lines = _table(header, rows)
    by_week: dict[str, list[dict[str, Any]]] = {}
    for page in report["pages"]:
        by_week.setdefault(page["week"], []).append(page)
    lines.append("")
    for week in sorted(by_week, key=lambda w: [int(x) for x in w.split("-")]):
        pages = by_week[week]
        done = sum(p["exists"] for p in pages)
        todo = [p["page"] for p in pages if not p["exists"]]
        lines.append(f"week {week:>5}: {done}/{len(pages)} written" + (f"; to write: {', '.join(todo)}" if todo else ""))
    return "\n".join(lines)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)]


def _words(plan: Plan, site: Site) -> dict[str, int]:
    return word_counts(plan, site_prose(site))


def word_summary(plan: Plan, site: Site) -> str:
    """One line for ``docplan check``: the total and the pages over their budget."""
    counts = _words(plan, site)
    total = sum(counts.values())
    budgets = plan.word_budgets
    if budgets is None:
        return f"prose: {total} words in {len(counts)} pages (no word budgets in the plan)."
    over = [(page, n, limit) for page, n in counts.items()
            if (limit := budgets.by_template.get(plan.page(page).template)) is not None and n > limit]
    status = {0: "not enforced yet", 2: "enforced"}.get(len(budgets.enforced),
                                                        f"enforced for {', '.join(sorted(budgets.enforced))} only")
    line = f"prose: {total} words in {len(counts)} pages"
    if budgets.total is not None:
        line += f" (budget {budgets.total})"
    line += f"; {len(over)} page(s) over their budget; budgets {status}."
    return line + "".join(f"\n  {page}: {n} > {limit}" for page, n, limit in over)


def format_words(plan: Plan, site: Site) -> str:
    """Prose words per page, with each page's budget, and the total."""
    counts = _words(plan, site)
    budgets = plan.word_budgets
    rows = []
    for page, n in counts.items():
        limit = budgets.by_template.get(plan.page(page).template) if budgets else None
        flag = "over" if limit is not None and n > limit else ""
        rows.append([page, str(n), str(limit) if limit is not None else "-", flag])
    total = sum(counts.values())
    limit = budgets.total if budgets and budgets.total is not None else None
    rows.append(["total", str(total), str(limit) if limit is not None else "-",
                 "over" if limit is not None and total > limit else ""])
    return "\n".join(_table(["page", "words", "budget", ""], rows))
