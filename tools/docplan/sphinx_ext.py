"""The Sphinx hooks of docplan, and nothing else.

The plan is parsed once per build (``builder-inited``) and kept on the
environment so that a plan edit re-reads only the pages whose entry changed
(``env-get-outdated``). The whole-site check runs at ``env-updated``, which
fires on every build, incremental and no-op ones included, so a drift keeps
failing the build until it is fixed. Nothing is written into the sources.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from . import __version__
from .checks import Site, check_site
from .config import DEFAULTS
from .model import Finding, Plan
from .parsing import load_plan
from .report import build_report, write_report
from .styles import badge_class, badge_css
from .subtypes import WARNING_TYPE

logger = logging.getLogger(__name__)


def setup(app: Sphinx) -> dict[str, Any]:
    # Rebuild "": no setting changes how a page is read, so editing one must not re-read the site.
    for name, default in DEFAULTS.items():
        app.add_config_value(name, default, "", types=frozenset({type(default)}))
    app.connect("builder-inited", load_plan_into_env)
    app.connect("builder-inited", add_stylesheet)
    app.connect("env-get-outdated", pages_with_changed_entries)
    app.connect("doctree-read", add_badge_and_job)
    app.connect("env-updated", check_whole_site)
    app.connect("html-page-context", add_meta_description)
    app.connect("build-finished", write_matrix_report)
    app.connect("build-finished", write_stylesheet)
    return {
        "version": __version__,
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def load_plan_into_env(app: Sphinx) -> None:
    env = app.env
    plan, findings = load_plan(Path(app.srcdir) / app.config.docplan_plan)
    env.docplan_previous_plan = getattr(env, "docplan_plan", None)
    env.docplan_plan = plan
    env.docplan_plan_findings = findings


STYLESHEET = "docplan.css"


def add_stylesheet(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(STYLESHEET)


def write_stylesheet(app: Sphinx, exception: Exception | None) -> None:
    """The badge styles for the plan's content types, written after Sphinx copied the static files."""
    plan: Plan | None = app.env.docplan_plan
    if exception is not None or plan is None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    css = badge_css(plan.content_types)
    target = static / STYLESHEET
    if not target.is_file() or target.read_text(encoding="utf-8") != css:
        target.write_text(css, encoding="utf-8")


def pages_with_changed_entries(app: Sphinx, env: BuildEnvironment, added: set[str],
                               changed: set[str], removed: set[str]) -> list[str]:
    """Docnames whose plan entry changed what the page shows (badge label, job, title)."""
    old: Plan | None = getattr(env, "docplan_previous_plan", None)
    new: Plan | None = env.docplan_plan
    if old is None or new is None:
        return []
    outdated = []
    for entry in new.pages:
        docname = new.docname(entry)
        before = old.by_docname(docname)
        if before is None or docname not in env.all_docs:
            continue
        if _shown(old, before) != _shown(new, entry):
            outdated.append(docname)
    return outdated


def _shown(plan: Plan, entry) -> tuple[str, ...]:
    labels = tuple(sorted((name, t.label) for name, t in plan.content_types.items()))
    return (entry.jtbd, entry.title, entry.content_type, str(labels))


def add_badge_and_job(app: Sphinx, doctree: nodes.document) -> None:
    """Show the content type (from the front matter) and the job (from the plan) under the title."""
    env = app.env
    plan: Plan | None = env.docplan_plan
    entry = plan.by_docname(env.docname) if plan else None
    if entry is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    declared = env.metadata.get(env.docname, {}).get("content_type")
    content_type = plan.content_types.get(declared) if isinstance(declared, str) else None
    meta = nodes.paragraph(classes=["docplan-meta"])
    if content_type:
        meta += nodes.inline(content_type.label, content_type.label,
                             classes=["docplan-badge", badge_class(content_type.name)])
        meta += nodes.Text(" ")  # so copied text and search snippets read "How-to Speed up ..."
    meta += nodes.inline(entry.jtbd, entry.jtbd, classes=["docplan-job"])
    section.insert(1, meta)


def check_whole_site(app: Sphinx, env: BuildEnvironment) -> None:
    findings: list[Finding] = list(env.docplan_plan_findings)
    plan: Plan | None = env.docplan_plan
    if plan is not None:
        findings += check_site(plan, _scan(app), app.config.docplan_enforce_phase)
    for finding in findings:
        logger.warning(finding.text, location=finding.location, type=WARNING_TYPE, subtype=finding.subtype)
    env.docplan_findings = findings


def _scan(app: Sphinx) -> Site:
    """The pages on disk; the parse of each is kept on the environment and reused while the
    file's modification time and size are unchanged, so a no-op build only stats the pages."""
    cache = getattr(app.env, "docplan_page_cache", None)
    if cache is None:
        cache = app.env.docplan_page_cache = {}
    return Site.scan(app.env.docplan_plan, Path(app.srcdir), cache=cache)


def add_meta_description(app: Sphinx, pagename: str, templatename: str,
                         context: dict[str, Any], doctree: nodes.document | None) -> None:
    plan: Plan | None = app.env.docplan_plan
    entry = plan.by_docname(pagename) if plan else None
    if entry is not None:
        tag = f'<meta name="description" content="{html.escape(entry.jtbd, quote=True)}" />'
        context["metatags"] = f"{context.get('metatags', '')}\n    {tag}"


def write_matrix_report(app: Sphinx, exception: Exception | None) -> None:
    plan: Plan | None = app.env.docplan_plan
    if exception is not None or plan is None:
        return
    report = build_report(plan, _scan(app), app.config.docplan_enforce_phase, getattr(app.env, "docplan_findings", []))
    write_report(report, Path(app.outdir))
