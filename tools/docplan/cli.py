"""``docplan`` (or ``python -m docplan``): the plan checks and reports, without Sphinx.

Commands: ``check`` (exit 1 on drift, with the build's messages), ``matrix``
(content-type matrix and gaps), ``status`` (progress by phase and week) and
``new PAGE`` (create a planned page from its template). Settings come from
the Sphinx ``conf.py`` (``docplan_plan``, ``docplan_enforce_phase``), read
without executing it, so both front ends check the same thing.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path
from typing import Any

from .checks import Site, check_site
from .config import DEFAULTS
from .model import display_path
from .parsing import load_plan
from .report import build_report, format_matrix, format_status
from .scaffold import PageExists, create_page


def read_conf(conf: Path) -> dict[str, Any]:
    """The docplan settings assigned as literals in ``conf``."""
    settings = dict(DEFAULTS)
    try:
        tree = ast.parse(conf.read_text(encoding="utf-8"), filename=str(conf))
    except (OSError, SyntaxError) as exc:
        raise SystemExit(f"docplan: cannot read settings from {conf}: {exc}") from exc
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id in settings and node.value is not None:
                try:
                    settings[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docplan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="docs source directory (default: docs)")
    parser.add_argument("--conf", type=Path, default=Path("conf.py"), help="Sphinx conf.py to read settings from")
    parser.add_argument("--plan", type=Path, help="plan file (default: docplan_plan from conf.py, in --docs)")
    parser.add_argument("--phase", type=int, help="enforce phases up to this one (default: from conf.py)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check the pages against the plan; exit 1 on drift")
    matrix = commands.add_parser("matrix", help="print the content-type matrix and gap analysis")
    matrix.add_argument("--json", action="store_true", help="print the full JSON report")
    commands.add_parser("status", help="print progress by phase and week")
    new = commands.add_parser("new", help="create a planned page from its template")
    new.add_argument("page", help="page path relative to the plan root, e.g. datasets/organize-datasets.md")
    args = parser.parse_args(argv)

    settings = read_conf(args.conf) if args.conf.exists() else dict(DEFAULTS)
    plan_path = args.plan or args.docs / settings["docplan_plan"]
    phase = args.phase if args.phase is not None else settings["docplan_enforce_phase"]
    plan, plan_findings = load_plan(plan_path)
    if plan is None:
        for finding in plan_findings:
            print(finding.format(), file=sys.stderr)
        return 1

    if args.command == "new":
        return _new(plan, args.docs, args.page)
    site = Site.scan(plan, args.docs)
    findings = check_site(plan, site, phase)
    if args.command == "check":
        for finding in findings:
            print(finding.format(), file=sys.stderr)
        written = sum(1 for p in plan.pages if p.page in site.pages)
        verdict = f"{len(findings)} finding(s)" if findings else "no drift"
        print(f"docplan: {written}/{len(plan.pages)} planned pages written, phases up to {phase} enforced: {verdict}.")
        return 1 if findings else 0
    report = build_report(plan, site, phase, findings)
    if args.command == "matrix":
        print(json.dumps(report, indent=2) if args.json else format_matrix(report))
    else:
        print(format_status(report))
    return 0


def _new(plan, docs: Path, page: str) -> int:
    page = page.removeprefix(f"{plan.root}/").removeprefix(f"{docs.as_posix()}/{plan.root}/")
    try:
        path = create_page(plan, docs, page)
    except KeyError:
        print(f"docplan: '{page}' is not in the plan ({display_path(plan.path)}); add its entry first.",
              file=sys.stderr)
        return 1
    except PageExists as exc:
        print(f"docplan: {display_path(str(exc))} already exists; not overwriting it.", file=sys.stderr)
        return 1
    print(f"docplan: created {display_path(path)}; write its sections, then add it to its parent's toctree.")
    return 0
