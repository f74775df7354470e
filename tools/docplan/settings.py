"""The site's settings and source files, read the way Sphinx reads them.

Both front ends get their settings here: the extension from the running
Sphinx application, ``docplan check`` and ``accuracy check`` by executing
``conf.py`` with Sphinx's own ``Config.read``. The docplan settings are
validated once (:func:`validate`), with findings located at their line in
``conf.py``; the pages are listed with Sphinx's own ``Project`` and the
configured exclude patterns and source suffixes (:func:`list_pages`), so what
Sphinx builds is what gets checked, wherever the checkout lives.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from myst_parser.config.main import MdParserConfig
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.project import Project
from sphinx.util.tags import Tags

from .config import DEFAULTS
from .model import Finding


@dataclass(frozen=True)
class Settings:
    plan: str
    enforce_phase: int


class UnreadableConfig(Exception):
    """conf.py could not be executed; ``finding`` says where and why."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def read_config(confdir: Path) -> Config:
    """Execute ``confdir/conf.py`` as sphinx-build does, with the docplan and MyST settings
    registered so that their values (or defaults) can be read."""
    conf = confdir / "conf.py"
    try:
        config = Config.read(confdir, overrides={}, tags=Tags())
    except ConfigError as exc:
        detail = " ".join(str(exc).split())
        raise UnreadableConfig(Finding(str(conf), 1, "config", f"conf.py cannot be executed: {detail[:200]}.",
                                       "run 'make html' to see Sphinx's full error, and correct conf.py.")) from exc
    for name, default in DEFAULTS.items():
        _ensure(config, name, default)
    for name, default, _ in MdParserConfig().as_triple():
        _ensure(config, f"myst_{name}", default)
    return config


def _ensure(config: Config, name: str, default: Any) -> Any:
    if name not in config:
        config.add(name, default, "", Any)
    return getattr(config, name)


def validate(values: dict[str, Any], conf_path: Path) -> tuple[Settings, list[Finding]]:
    """The docplan settings from ``values`` (name -> value as conf.py set it), with a located
    finding for each wrong one; a wrong value is replaced by its default."""
    findings = []
    plan = values.get("docplan_plan", DEFAULTS["docplan_plan"])
    phase = values.get("docplan_enforce_phase", DEFAULTS["docplan_enforce_phase"])
    if not isinstance(plan, str) or not plan.strip():
        findings.append(_wrong(conf_path, "docplan_plan", plan, "a file name, relative to the docs source directory",
                               "docplan_plan = \"training-plan.yaml\""))
        plan = DEFAULTS["docplan_plan"]
    if isinstance(phase, bool) or not isinstance(phase, int) or phase < 0:
        example = f"docplan_enforce_phase = {phase.strip()}" if isinstance(phase, str) and phase.strip().isdigit() \
            else "docplan_enforce_phase = 2"
        findings.append(_wrong(conf_path, "docplan_enforce_phase", phase, "a whole number (0 enforces no phase)",
                               example))
        phase = DEFAULTS["docplan_enforce_phase"]
    return Settings(plan, phase), findings


def _wrong(conf_path: Path, name: str, value: Any, expected: str, example: str) -> Finding:
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    kind = {str: "a string", bool: "true/false", float: "a fraction", type(None): "nothing",
            int: "a negative number"}.get(type(value), f"a {type(value).__name__}")
    return Finding(str(conf_path), assignment_line(conf_path, name), "config",
                   f"{name} is {shown} ({kind}); it must be {expected}.", f"write it as {example} in conf.py.")


def assignment_line(conf_path: Path, name: str) -> int:
    """The line of the last assignment to ``name`` in conf.py, or 1."""
    try:
        tree = ast.parse(conf_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return 1
    lines = [node.lineno for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
             for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
             if isinstance(target, ast.Name) and target.id == name]
    return lines[-1] if lines else 1


def myst_config(config: Config) -> MdParserConfig:
    """The MyST parser settings of the site (``myst_*`` in conf.py), as the MyST extension builds them."""
    values = {name: getattr(config, f"myst_{name}") for name, _, field in MdParserConfig().as_triple()
              if "sphinx" not in field.metadata.get("omit", []) and f"myst_{name}" in config}
    try:
        return MdParserConfig(**values)
    except (TypeError, ValueError):
        return MdParserConfig()  # the MyST extension reports the bad setting itself


def plain_myst_config() -> Config:
    """The settings of a site that enables MyST and nothing else (for tests and tools without a conf.py)."""
    config = Config({"extensions": ["myst_parser"]})
    for name, default in DEFAULTS.items():
        _ensure(config, name, default)
    return config


def list_pages(srcdir: Path, config: Config) -> dict[str, Path]:
    """Every page Sphinx builds from ``srcdir``: docname -> absolute path. The same rules as
    sphinx-build with the HTML builder: exclude_patterns, templates_path, the HTML static and
    extra paths, include_patterns, and the source suffixes of the enabled parsers."""
    exclude = [*_ensure(config, "exclude_patterns", []), *_ensure(config, "templates_path", []),
               *_ensure(config, "html_extra_path", []), *_ensure(config, "html_static_path", [])]
    project = Project(srcdir, source_suffixes(config))
    project.discover(exclude, _ensure(config, "include_patterns", ["**"]))
    return {docname: Path(project.doc2path(docname, absolute=True)) for docname in sorted(project.docnames)}


def source_suffixes(config: Config) -> list[str]:
    suffix = _ensure(config, "source_suffix", {".rst": "restructuredtext"})
    suffixes = [suffix] if isinstance(suffix, str) else list(suffix)
    if "myst_parser" in _ensure(config, "extensions", []) and ".md" not in suffixes:
        suffixes.append(".md")  # registered by the MyST extension
    return suffixes
