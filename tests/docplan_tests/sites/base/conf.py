"""A small site for the docplan tests: a hub, one topic with two pages (guide/)."""

extensions = ["myst_parser", "docplan.sphinx_ext"]
docplan_plan = "plan.yaml"
docplan_enforce_phase = 2
exclude_patterns = ["_build"]
html_theme = "basic"  # the fastest theme; the badge markup does not depend on it
