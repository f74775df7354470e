"""Sphinx configuration for the NeMo Gym Training docs.

Build from the repository root with ``-c .`` so the sources stay in ``docs/``:
``sphinx-build -c . -W -b html docs _build/html`` (or ``make html``).
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
# The docplan extension is an installed package (`make venv` installs the project in editable mode).

project = "NeMo Gym"
author = "NVIDIA"
copyright = "2026, NVIDIA Corporation"
with (ROOT / "pyproject.toml").open("rb") as _pyproject:
    release = tomllib.load(_pyproject)["tool"]["nemo-gym-docs"]["gym_version"]  # the nemo-gym release described
html_title = "NeMo Gym Training"

extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinx_copybutton",
    "sphinx.ext.extlinks",
    "docplan.sphinx_ext",
]

exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
suppress_warnings: list[str] = []

# -- The plan checker ---------------------------------------------------------
docplan_plan = "training-plan.yaml"  # relative to the source directory
docplan_enforce_phase = 4  # every page of this phase and earlier must exist

# -- MyST ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "attrs_block"]
myst_heading_anchors = 3
# Front matter keys are page metadata; the title comes from the first heading.
myst_title_to_header = False

# Broken internal references fail the build under -W.
nitpicky = False
myst_all_links_external = False

# -- Links to the rest of the NeMo Gym documentation --------------------------
# Pages outside the Training section (Get Started, Concepts) live in the
# published NeMo Gym docs; every link to them goes through this one base URL.
gym_docs_base_url = "https://docs.nvidia.com/nemo/gym/latest/"
extlinks = {
    "gym-docs": (gym_docs_base_url + "%s", "%s"),
}
extlinks_detect_hardcoded_links = True

# -- HTML output --------------------------------------------------------------
html_theme = "furo"
html_static_path = ["docs/_static"]
html_css_files = ["site.css"]  # docplan adds its own stylesheet
html_js_files = ["site.js"]
html_favicon = "docs/_static/favicon.svg"  # also stops browsers asking for /favicon.ico
templates_path = ["docs/_templates"]


def _source_repository() -> str:
    """The repository behind the 'Edit this page' and 'View this page' links.

    The Training section is written to live in the docs/ tree of the NeMo Gym
    repository, so that is the default. In GitHub Actions and on Read the Docs
    the links point at the repository actually being built instead.
    """
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server.rstrip('/')}/{repository}/"
    clone_url = os.environ.get("READTHEDOCS_GIT_CLONE_URL", "").strip()
    if clone_url:
        ssh = re.match(r"^(?:ssh://)?git@([^:/]+)[:/](.+)$", clone_url)  # git@github.com:owner/repo.git
        url = f"https://{ssh[1]}/{ssh[2]}" if ssh else clone_url
        return url.removesuffix("/").removesuffix(".git") + "/"
    return "https://github.com/NVIDIA-NeMo/Gym/"


source_repository = _source_repository()
source_branch = "main"
html_theme_options = {
    "source_repository": source_repository,
    "source_branch": source_branch,
    "source_directory": "docs/",
    "navigation_with_keys": True,
}
if not source_repository.startswith(("https://github.com/", "https://gitlab.com/", "https://bitbucket.org/")):
    # furo only knows the public hosts; GitHub Enterprise uses GitHub's URL layout.
    html_theme_options["source_edit_link"] = f"{source_repository}edit/{source_branch}/docs/{{filename}}"
    html_theme_options["source_view_link"] = f"{source_repository}blob/{source_branch}/docs/{{filename}}"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None


def _site_root_path() -> str:
    """The URL path the site is served from, e.g. "/" or "/Gym/" (used by the 404 page).

    A host serves 404.html for a missing URL at any depth, so that page's
    links must be absolute paths from the site root, not relative ones.
    DOCS_SITE_ROOT sets it explicitly (a custom domain: "/"); otherwise Read
    the Docs' canonical URL, or the GitHub Pages project path, or "/".
    """
    explicit = os.environ.get("DOCS_SITE_ROOT")
    if explicit:
        return "/" + explicit.strip("/") + "/" if explicit.strip("/") else "/"
    canonical = os.environ.get("READTHEDOCS_CANONICAL_URL")
    if canonical:
        return urlsplit(canonical).path.rstrip("/") + "/"
    repository = os.environ.get("GITHUB_REPOSITORY")
    if os.environ.get("GITHUB_ACTIONS") == "true" and repository:
        return f"/{repository.split('/', 1)[1]}/"
    return "/"


site_root_path = _site_root_path()
_RELATIVE_URL = re.compile(r'(\s(?:href|src|action|data-content_root)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*)"')


def _root_the_404_page(app, exception) -> None:
    """Rewrite the relative URLs of 404.html into absolute paths from the site root."""
    page = Path(app.outdir) / "404.html"
    if exception is not None or app.builder.name not in {"html", "dirhtml"} or not page.is_file():
        return
    text = page.read_text(encoding="utf-8")
    fixed = _RELATIVE_URL.sub(lambda m: f'{m[1]}{site_root_path}{m[2].removeprefix("./")}"', text)
    if fixed != text:
        page.write_text(fixed, encoding="utf-8")


def setup(app) -> None:
    app.connect("build-finished", _root_the_404_page)


# Copy only the commands, never prompts or output, so a pasted block runs.
copybutton_prompt_text = r"\$ |>>> |\.\.\.(?: |$)"
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_line_continuation_character = "\\"
copybutton_here_doc_delimiter = "EOF"  # a prompt line opening <<EOF copies the here-document too

# -- Link checking (make linkcheck) -------------------------------------------
linkcheck_timeout = 15
linkcheck_retries = 2
linkcheck_workers = 4
linkcheck_rate_limit_timeout = 60.0
linkcheck_ignore: list[str] = []
linkcheck_report_timeouts_as_broken = False
