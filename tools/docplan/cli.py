"""``docplan`` (or ``python -m docplan``): the plan checks and reports, without Sphinx.

Commands: ``check`` (exit 1 on drift, with the build's messages), ``matrix``
(content-type matrix and gaps), ``status`` (progress by phase and week) and
``new PAGE`` (create a planned page from its template). Settings come from
the Sphinx ``conf.py`` (``docplan_plan``, ``docplan_enforce_phase``, the MyST
settings, the exclude patterns), executed as sphinx-build executes it, so both
front ends check the same pages with the same values.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .config import DEFAULTS
from .gcpause import cyclic_gc_paused
from .model import Finding, display_path

# The modules that read pages, plans and conf.py (Sphinx, MyST, YAML) are imported inside the
# functions that use them: `docplan --help` and a wrong argument answer at once.


def main(argv: list[str] | None = None) -> int:
    """The command; a reader that stops reading its output (``docplan status | head``) ends it
    quietly, with the exit status of a process whose output pipe closed."""
    try:
        status = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, while the error can still be handled
        return status
    except BrokenPipeError:
        # Python would report the closed pipe again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # as a shell reports a process ended by SIGPIPE


def _run(argv: list[str] | None) -> int:
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
    commands.add_parser("words", help="print the prose words of every page against the plan's budgets")
    new = commands.add_parser("new", help="create a planned page from its template")
    new.add_argument("page", help="page path relative to the plan root, e.g. datasets/organize-datasets.md")
    args = parser.parse_args(argv)
    from .checks import Site, check_site
    from .parsing import load_plan
    from .settings import UnreadableConfig, list_pages, myst_config, plain_myst_config, read_config, validate

    try:
        # Without a conf.py: the defaults, for a site that enables MyST and excludes nothing.
        config = read_config(args.conf.parent) if args.conf.is_file() else plain_myst_config()
    except UnreadableConfig as exc:
        return _fail([exc.finding])
    settings, config_findings = validate({name: getattr(config, name) for name in DEFAULTS}, args.conf)
    plan_path = args.plan or args.docs / settings.plan
    phase = args.phase if args.phase is not None else settings.enforce_phase
    plan, plan_findings = load_plan(plan_path)
    if plan is None:
        return _fail(config_findings + plan_findings)

    if args.command == "new":
        return _new(plan, args.docs, args.page)
    files = list_pages(args.docs, config)
    with cyclic_gc_paused():
        site = Site.scan(plan, args.docs, files, myst_config(config))
        findings = sorted(config_findings + check_site(plan, site, phase) + _unreadable_elsewhere(plan, args.docs, files))
    from .report import build_report, format_matrix, format_status, format_words, word_summary

    if args.command == "words":
        print(format_words(plan, site))
        return 0
    if args.command == "check":
        # conf.py's suppress_warnings silences a kind in the build; here it is still shown, so
        # writers see it, but does not fail the check.
        suppressed = {s for s in getattr(config, "suppress_warnings", None) or [] if isinstance(s, str)}
        failing = [f for f in findings if not _is_suppressed(f, suppressed)]
        for finding in findings:
            note = "" if finding in failing else " (suppressed in conf.py)"
            print(finding.format() + note, file=sys.stderr)
        written = sum(1 for p in plan.pages if p.page in site.pages)
        verdict = f"{len(failing)} finding(s)" if failing else "no drift"
        if len(failing) != len(findings):
            verdict += f", {len(findings) - len(failing)} suppressed"
        print(f"docplan: {written}/{len(plan.pages)} planned pages written, phases up to {phase} enforced: {verdict}.")
        print(word_summary(plan, site))
        return 1 if failing else 0
    report = build_report(plan, site, phase, findings)
    if args.command == "matrix":
        if args.json:
            import json

            print(json.dumps(report, indent=2))
        else:
            print(format_matrix(report))
    else:
        print(format_status(report))
    return 0


def _unreadable_elsewhere(plan, docs: Path, files: dict[str, Path]) -> list[Finding]:
    """Pages outside the plan's root that Sphinx builds but cannot read (the build reports them too)."""
    from .checks import unreadable_finding
    from .pages import UnreadablePage, read_text

    root = (docs / plan.root).absolute()
    findings = []
    for path in files.values():
        if not path.absolute().is_relative_to(root):
            try:
                read_text(path)
            except UnreadablePage as exc:
                findings.append(unreadable_finding(exc))
    return findings


def _fail(findings: list[Finding]) -> int:
    for finding in findings:
        print(finding.format(), file=sys.stderr)
    return 1


def _is_suppressed(finding, suppressed: set[str]) -> bool:
    return bool({"docplan", f"docplan.{finding.subtype}"} & suppressed)


def _new(plan, docs: Path, page: str) -> int:
    from .scaffold import PageExists, create_page

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
