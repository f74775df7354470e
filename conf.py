"""Sphinx configuration for the NeMo Gym Training docs.

Build from the repository root with ``-c .`` so the sources stay in ``docs/``:
``sphinx-build -c . -W -b html docs _build/html`` (or ``make html``).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))

project = "NeMo Gym"
author = "NVIDIA"
copyright = "2026, NVIDIA Corporation"
release = "0.7.0"  # the nemo-gym release these docs describe
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
docplan_enforce_phase = 1  # every page of this phase and earlier must exist

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
html_css_files = ["docplan.css"]
templates_path = ["docs/_templates"]
html_theme_options = {
    "source_repository": "https://github.com/NVIDIA-NeMo/Gym-training-docs/",
    "source_branch": "main",
    "source_directory": "docs/",
    "navigation_with_keys": True,
}
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None

# Copy only the commands, never prompts or output, so a pasted block runs.
copybutton_prompt_text = r"\$ |>>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_line_continuation_character = "\\"

# -- Link checking (make linkcheck) -------------------------------------------
linkcheck_timeout = 15
linkcheck_retries = 2
linkcheck_workers = 4
linkcheck_rate_limit_timeout = 60.0
linkcheck_ignore: list[str] = []
linkcheck_report_timeouts_as_broken = False
