"""docplan's share of one cold build, timed inside the build.

``python -m benchmark.hooks SITE OUT`` builds ``SITE/docs`` with ``SITE/conf.py``
once (``-E``), in this process, with each of docplan's Sphinx hooks (and the page
reading its parser adds to MyST's) wrapped in a CPU timer (``time.process_time``),
and prints a JSON object: ``docplan`` (CPU seconds inside docplan), ``build`` (CPU
seconds of the whole build) and ``hooks`` (seconds per hook). Unlike the
with/without comparison of two builds, the share does not move with the load on
the machine, since both figures come from the same run.
"""

from __future__ import annotations

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


def main(site: Path, out: Path) -> dict[str, object]:
    import docplan.sphinx_ext as extension
    from sphinx.cmd.build import build_main

    spent: Counter[str] = Counter()
    for name in TIMED:  # replaced before Sphinx runs setup(), which connects the module's functions
        original = getattr(extension, name, None)
        if original is None:  # an older docplan, for a before-and-after comparison
            continue

        def timed(*args, _original=original, _name=name):
            start = time.process_time()
            try:
                return _original(*args)
            finally:
                spent[_name] += time.process_time() - start

        setattr(extension, name, timed)
    start = time.process_time()
    status = build_main(["-E", "-q", "-b", "html", "-c", str(site), "-d", str(out / ".doctrees"),
                         str(site / "docs"), str(out)])
    build = time.process_time() - start
    if status != 0:
        raise SystemExit(f"the build of {site} failed")
    return {"docplan": sum(spent.values()), "build": build, "hooks": dict(spent.most_common())}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
