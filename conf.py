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
    "sitesearch",
    "notfound.extension",
    "sphinx_sitemap",
    "sphinx_llms_txt",
    "sphinxext.opengraph",
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
html_search_scorer = "tools/sitesearch/scorer.js"  # ranking: see the script's header
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
html_copy_source = True  # sphinx-llms-txt builds llms-full.txt from these copies
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


def _canonical_base_url() -> str:
    """The absolute URL the published site lives at (canonical links, sitemap, link previews).

    DOCS_BASE_URL sets it explicitly; otherwise Read the Docs' canonical URL, or
    the GitHub Pages URL of the repository being built, or the published NeMo Gym
    docs, whose docs/ tree this section is written for.
    """
    explicit = os.environ.get("DOCS_BASE_URL") or os.environ.get("READTHEDOCS_CANONICAL_URL")
    if explicit:
        return explicit.rstrip("/") + "/"
    repository = os.environ.get("GITHUB_REPOSITORY")
    if os.environ.get("GITHUB_ACTIONS") == "true" and repository:
        owner, name = repository.split("/", 1)
        return f"https://{owner.lower()}.github.io/{name}/"
    return gym_docs_base_url


html_baseurl = _canonical_base_url()  # also makes every page name its canonical URL

# -- Machine-readable and shareable outputs -------------------------------------
# sitemap.xml lists the pages under html_baseurl (not search, index or 404).
sitemap_url_scheme = "{link}"
sitemap_excludes = ["search.html", "genindex.html", "404.html"]
# llms.txt lists every page with its description; llms-full.txt holds their text.
llms_txt_title = html_title
llms_txt_summary = ("The Training section of the NeMo Gym documentation: collect verified rollouts, "
                    "turn them into training data, and train with NeMo RL, VeRL, OpenRLHF or TRL.")
llms_txt_exclude = ["404", "search", "genindex"]
# Link previews: each page's description is its job from the plan (set by docplan),
# and docplan also writes the HTML meta description, so opengraph must not.
ogp_site_url = html_baseurl
ogp_enable_meta_description = False
ogp_social_cards = {"enable": False}  # no generated images: they need matplotlib and fonts

# -- The 404 page (sphinx-notfound-page) ----------------------------------------
# A host serves 404.html for a missing URL at any depth, so every link on it is
# absolute from the site root; the extension does that for the theme's links,
# and the body below is written with absolute links.
notfound_urls_prefix = site_root_path
notfound_context = {
    "title": "Page not found",
    "body": (
        "<h1>Page not found</h1>\n"
        "<p>There is no page at this address. It may have moved, or the link that brought "
        "you here may be mistyped.</p>\n<ul>\n"
        f'<li>Start again from the <a href="{site_root_path}training/index.html">Training section</a>, '
        "which maps every topic and guide.</li>\n"
        "<li>Search the documentation with the search box.</li>\n"
        f'<li>Go to the <a href="{site_root_path}index.html">home page</a>.</li>\n</ul>'
    ),
}


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


def setup(app):
    # JSON Lines blocks (one JSON object per line, a file the reader saves) highlight as JSON.
    from pygments.lexers.data import JsonLexer

    app.add_lexer("jsonl", JsonLexer)
