"""The docplan settings and their defaults: the one table both front ends read.

The Sphinx extension registers each setting with its default; the command line
reads the same names from ``conf.py`` and falls back to the same defaults.
"""

from __future__ import annotations

DEFAULTS: dict[str, object] = {
    "docplan_plan": "plan.yaml",  # the plan file, relative to the docs source directory
    "docplan_enforce_phase": 1,  # every page of this phase and earlier must exist
}
