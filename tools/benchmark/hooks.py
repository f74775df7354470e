"""docplan's share of one cold build, timed inside the build.

``python -m benchmark.hooks SITE OUT`` builds ``SITE/docs`` with ``SITE/conf.py``
once (``-E``), in this process, with each of docplan's Sphinx hooks (and the page
reading its parser adds to MyST's) wrapped in a CPU timer (``time.process_time``),
and prints a JSON object: ``docplan`` (CPU seconds inside docplan), ``build`` (CPU
seconds of the whole build), ``hooks`` (seconds per hook) and ``gc`` (per generation
of the cyclic garbage collector: collections, seconds, and the seconds of the
collections that started inside a hook). ``python -m benchmark.hooks SITE OUT
myst_parser`` builds with that extension list instead, without docplan, for its
collections. Unlike the with/without comparison of two builds, the
share does not move with the load on the machine, since its figures come from one run.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections import Counter
from pathlib import Path

# The functions setup() connects, and the page reading inside the parser.
TIMED = ("load_plan_into_env", "add_stylesheet", "pages_with_changed_entries", "leave_out_unreadable_pages",
         "add_badge_and_job", "add_next_steps", "check_whole_site", "add_meta_description",
         "write_matrix_report", "forget_environment_after_warnings", "write_stylesheet", "merge_read_pages",
         "_keep_page")


class Collections:
    """Each generation's collections and their CPU time, and the time of those that started
    while ``inside`` was set (inside one of docplan's hooks)."""

    def __init__(self) -> None:
        self.count: Counter[int] = Counter()
        self.seconds: Counter[int] = Counter()
        self.seconds_inside: Counter[int] = Counter()
        self.inside = False
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.process_time()
            return
        spent, generation = time.process_time() - self._start, info["generation"]
        self.count[generation] += 1
        self.seconds[generation] += spent
        if self.inside:
            self.seconds_inside[generation] += spent

    def as_dict(self) -> dict[str, list[float]]:
        return {str(g): [self.count[g], self.seconds[g], self.seconds_inside[g]] for g in sorted(self.count)}


def main(site: Path, out: Path, without: str | None = None) -> dict[str, object]:
    from sphinx.cmd.build import build_main

    spent: Counter[str] = Counter()
    collections = Collections()
    if without is None:
        _time_hooks(spent, collections)
    options = ["-D", f"extensions={without}"] if without is not None else []
    gc.callbacks.append(collections)
    start = time.process_time()
    status = build_main(["-E", "-q", "-b", "html", "-c", str(site), "-d", str(out / ".doctrees"), *options,
                         str(site / "docs"), str(out)])
    build = time.process_time() - start
    gc.callbacks.remove(collections)
    if status != 0:
        raise SystemExit(f"the build of {site} failed")
    return {"docplan": sum(spent.values()), "build": build, "hooks": dict(spent.most_common()),
            "gc": collections.as_dict()}


def _time_hooks(spent: Counter[str], collections: Collections) -> None:
    import docplan.sphinx_ext as extension

    for name in TIMED:  # replaced before Sphinx runs setup(), which connects the module's functions
        original = getattr(extension, name, None)
        if original is None:  # an older docplan, for a before-and-after comparison
            continue

        def timed(*args, _original=original, _name=name):
            collections.inside = True
            start = time.process_time()
            try:
                return _original(*args)
            finally:
                spent[_name] += time.process_time() - start
                collections.inside = False

        setattr(extension, name, timed)


def docplan_share(with_: dict, without: dict) -> float:
    """docplan's CPU over the build's: the time in its hooks, less the collections that
    started there, plus the collections docplan's objects add to the build (per generation,
    the extra collections at the average cost of one in this build). A collection goes
    through every object of its generations, whoever started it, so its time belongs to
    the whole heap, not to the hook that happened to be running."""
    extra = 0.0
    inside = sum(seconds_inside for _, _, seconds_inside in with_["gc"].values())
    for generation, (count, seconds, _) in with_["gc"].items():
        added = count - without["gc"].get(generation, [0, 0.0, 0.0])[0]
        extra += max(added, 0) * seconds / count
    return (with_["docplan"] - inside + extra) / with_["build"]


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])))
