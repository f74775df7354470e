"""make upgrade-review: the pages to re-read when nemo-gym moves between two real releases."""

from __future__ import annotations

import subprocess
import sys
from itertools import takewhile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCURACY = str(Path(sys.executable).with_name("docs-accuracy"))  # the installed console script


@pytest.mark.slow
def test_upgrade_review_lists_pages_whose_sources_changed(gym_release):
    result = subprocess.run([ACCURACY, "upgrade-review", "0.6.0", "0.7.0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("nemo-gym 0.6.0 -> 0.7.0: ") and lines[0].endswith("file(s) changed.")
    pages = [line for line in lines if line.startswith("docs/")]
    assert "docs/training/rollout-collection/configuration-reference.md" in pages
    # Each listed page is followed by the sources that changed, and those are in its front matter.
    index = lines.index("docs/training/rollout-collection/configuration-reference.md")
    changed = [line.split(": ", 1)[1] for line in takewhile(lambda text: text.startswith("    "), lines[index + 1:])]
    front = (ROOT / "docs/training/rollout-collection/configuration-reference.md").read_text().split("---")[1]
    assert changed and all(source in front for source in changed)
    assert lines[-1] == f"{len(pages)} page(s) to review."
    # The concrete differences in documented facts, located at the table that documents them.
    facts = lines[lines.index("Documented facts that changed:") + 1:-1]
    assert "    flag added: gym eval run --interleave-repeats" in facts
    table = [line for line in facts if "rollout-collection/configuration-reference.md:" in line]
    assert any(line.endswith("RolloutCollectionConfig max_resident_rollout_tasks") for line in table), table


def test_upgrade_review_between_identical_releases_lists_nothing(gym_release):
    result = subprocess.run([ACCURACY, "upgrade-review", "0.7.0", "0.7.0"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["nemo-gym 0.7.0 -> 0.7.0: 0 file(s) changed.", "0 page(s) to review."]
