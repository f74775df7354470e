"""The extension inside real Sphinx builds of the real site.

One session-wide copy of the site is built once; each drift test plants one
change in that copy, builds it incrementally with -W, expects exit status 1
and the exact located message, and restores the file. The real docs are only
ever read.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import tree_digest

ROOT = Path(__file__).resolve().parents[2]
SPHINX = [sys.executable, "-m", "sphinx"]
PLAN = "docs/training-plan.yaml"

pytestmark = pytest.mark.slow


def build(site: Path, *extra: str, out: str = "_build/html", verbose: bool = False) -> subprocess.CompletedProcess:
    args = [*SPHINX, "-c", ".", "-W", "--keep-going", "-b", "html", "-d", "_build/doctrees", *extra]
    if not verbose:
        args.append("-q")
    return subprocess.run([*args, "docs", out], cwd=site, capture_output=True, text=True, timeout=600)


def docplan_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "[docplan." in line]


def copy_site(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("conf.py", "pyproject.toml"):  # conf.py reads the release from pyproject.toml
        shutil.copy2(ROOT / name, target / name)
    for name in ("docs", "tools", "examples"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A copy of the site, built once; drift tests change it and put it back."""
    path = copy_site(tmp_path_factory.mktemp("site") / "site")
    result = build(path)
    assert result.returncode == 0, result.stderr
    return path


@contextmanager
def edited(site: Path, relative: str, change):
    """Apply ``change`` (text -> text, or None to delete) to a file, and restore it afterwards."""
    path = site / relative
    original = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        new = change(original)
        if new is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(new, encoding="utf-8")
        yield path
    finally:
        if original is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(original, encoding="utf-8")


def line_of(site: Path, relative: str, needle: str) -> int:
    lines = (site / relative).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == needle)


def plan_line(site: Path, page: str) -> int:
    """The line of a page's key in the nested plan: its directory's key, then its name below it."""
    lines = (site / PLAN).read_text(encoding="utf-8").splitlines()
    *directories, name = page.split("/")
    index = 0
    for part in [*(d + "/" for d in directories), name]:
        index = next(i for i in range(index, len(lines)) if lines[i].strip() == f"{part}:")
    return index + 1


def assert_fails_with(site: Path, expected: str) -> None:
    result = build(site)
    assert result.returncode == 1, result.stderr
    assert expected in docplan_lines(result.stderr), "\n".join(docplan_lines(result.stderr)) or result.stderr


# -- The real site ---------------------------------------------------------------------------


def test_the_real_site_builds_with_zero_warnings(real_build):
    result, html = real_build.result, real_build.html
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (html / "training" / "index.html").is_file()


def test_the_build_never_writes_into_the_docs(real_build):
    assert tree_digest(ROOT / "docs") == real_build.docs_digest_before


def test_the_build_output_holds_the_matrix_report(real_build):
    html = real_build.html
    report = json.loads((html / "docplan-report.json").read_text())
    assert report["totals"]["planned"] == 50
    assert report["totals"]["by_content_type"] == {"explanation": 9, "how-to": 30, "reference": 11}
    assert len(report["pages"]) == 50 and report["directories"]["integration"]["how-to"] == 5
    enforced = [p for p in report["phases"] if p["enforced"]]
    assert enforced and all(p["complete"] for p in enforced)
    assert report["findings"] == {}


def test_pages_show_their_badge_and_job(real_build):
    html = real_build.html
    page = (html / "training" / "rollout-collection" / "optimize-throughput.html").read_text()
    assert re.search(r'<span class="docplan-badge docplan-badge-how-to">How-to</span>', page)
    assert '<meta name="description" content="Speed up data generation" />' in page
    reference = (html / "training" / "datasets" / "format-specification.html").read_text()
    assert '<span class="docplan-badge docplan-badge-reference">Reference</span>' in reference


# -- Drift in pages, front matter and toctrees ------------------------------------------------


def test_missing_page_of_an_enforced_phase(site):
    index = "docs/training/datasets/index.md"
    with edited(site, "docs/training/datasets/format-specification.md", lambda text: None), \
            edited(site, index, lambda text: text.replace("\nformat-specification\n", "\n")):
        assert_fails_with(site, (
            f"{PLAN}:{plan_line(site, 'datasets/format-specification.md')}: WARNING: planned page "
            "docs/training/datasets/format-specification.md does not exist; it belongs to phase 1 (week 4), and "
            "phases up to 4 must be complete. Fix: create it with 'make new PAGE=datasets/format-specification.md', "
            "or set docplan_enforce_phase in conf.py below 1. [docplan.page-missing]"))


def test_unplanned_page(site):
    page = "docs/training/datasets/notes.md"
    with edited(site, page, lambda _: "---\ncontent_type: how-to\n---\n\n# Notes\n\n```{toctree}\n```\n"):
        assert_fails_with(site, (
            f"{page}:1: WARNING: this page is not in the plan, which lists every page under training/. Fix: add an "
            f"entry for 'datasets/notes.md' to {PLAN}, or move the page out of training/. [docplan.page-unplanned]"))


@pytest.mark.parametrize("change, expected", [
    (lambda text: text.replace("content_type: how-to\n", "", 1),
     "{page}:1: WARNING: front matter has no content_type; the plan says 'how-to'. Fix: set 'content_type: how-to' "
     "in the front matter. [docplan.content-type-missing]"),
    (lambda text: text.replace("content_type: how-to", "content_type: guide", 1),
     "{page}:{line}: WARNING: content_type 'guide' is not one of: explanation, how-to, reference; the plan says "
     "'how-to'. Fix: set 'content_type: how-to' in the front matter. [docplan.content-type-unknown]"),
    (lambda text: text.replace("content_type: how-to", "content_type: reference", 1),
     "{page}:{line}: WARNING: content_type is 'reference', but the plan says 'how-to' ({plan}:{plan_line}). Fix: "
     "set 'content_type: how-to' in the front matter, or change the page's content_type in the plan. "
     "[docplan.content-type-mismatch]"),
], ids=["missing", "unknown", "mismatch"])
def test_front_matter_content_type(site, change, expected):
    page = "docs/training/rollout-collection/optimize-throughput.md"
    line = line_of(site, page, "content_type: how-to")
    with edited(site, page, change):
        assert_fails_with(site, expected.format(page=page, line=line, plan=PLAN,
                                                plan_line=plan_line(site, "rollout-collection/optimize-throughput.md")))


def test_broken_front_matter(site):
    page = "docs/training/integration/verl.md"
    with edited(site, page, lambda text: text.replace("content_type: how-to", "content_type: [how-to", 1)):
        result = build(site)
        assert result.returncode == 1
        [message] = [line for line in docplan_lines(result.stderr) if line.startswith(page)]
        assert re.fullmatch(rf"{page}:\d+: WARNING: front matter is not valid YAML: .+\. Fix: write the front matter "
                            r"as '---', 'content_type: how-to', '---'\. \[docplan\.front-matter\]", message), message
        assert "Traceback" not in result.stderr


def test_toctree_missing_child(site):
    index = "docs/training/rollout-collection/index.md"
    after = line_of(site, index, "parallel-generation")
    with edited(site, index, lambda text: text.replace("\nsampling-strategies\n", "\n")):
        assert_fails_with(site, (
            f"{index}:{after}: WARNING: toctree is missing planned page 'sampling-strategies'; expected it after "
            "'parallel-generation'. Fix: add 'sampling-strategies' to this toctree. [docplan.toctree-missing]"))


def test_toctree_wrong_order(site):
    index = "docs/training/rollout-collection/index.md"
    first = line_of(site, index, "optimize-throughput")
    swap = lambda text: text.replace("\noptimize-throughput\nparallel-generation\n",  # noqa: E731
                                     "\nparallel-generation\noptimize-throughput\n")
    with edited(site, index, swap):
        assert_fails_with(site, (
            f"{index}:{first}: WARNING: toctree lists 'parallel-generation' where the plan puts 'optimize-throughput'; "
            "the plan's order is: optimize-throughput, parallel-generation, sampling-strategies, collection-patterns, "
            "configuration-reference. Fix: reorder the entries to: optimize-throughput, parallel-generation, "
            "sampling-strategies, collection-patterns, configuration-reference. [docplan.toctree-order]"))


def test_page_listed_in_two_toctrees(site):
    index = "docs/training/datasets/index.md"
    last = line_of(site, index, "conversion-utilities")
    with edited(site, index, lambda text: text.replace("\nconversion-utilities\n", "\nconversion-utilities\n../integration/trl\n")):
        assert_fails_with(site, (
            f"{index}:{last + 1}: WARNING: toctree lists '../integration/trl', which is already listed in the toctree "
            f"of docs/training/integration/index.md (line {line_of(site, 'docs/training/integration/index.md', 'trl')}); "
            "a page belongs in one toctree. Fix: remove this entry; the plan places it under 'integration/index.md'. "
            "[docplan.toctree-duplicate]"))


def test_toctree_lists_a_page_of_another_topic(site):
    hub = "docs/training/index.md"
    last = line_of(site, hub, "troubleshooting/index")
    with edited(site, "docs/training/integration/index.md", lambda text: text.replace("\ntrl\n", "\n")), \
            edited(site, hub, lambda text: text.replace("\ntroubleshooting/index\n", "\ntroubleshooting/index\nintegration/trl\n")):
        assert_fails_with(site, (
            f"{hub}:{last + 1}: WARNING: toctree lists 'integration/trl', which the plan places under "
            "'integration/index.md'. Fix: remove the entry here and list it in the toctree of 'integration/index.md'. "
            "[docplan.toctree-unexpected]"))


def test_toctree_glob(site):
    index = "docs/training/performance/index.md"
    hidden = line_of(site, index, ":hidden:")
    with edited(site, index, lambda text: text.replace(":hidden:\n", ":hidden:\n:glob:\n", 1)):
        assert_fails_with(site, (
            f"{index}:{hidden + 1}: WARNING: toctree uses ':glob:', so the plan cannot check what it lists. Fix: "
            "remove ':glob:' and list the pages: throughput-optimization, bottleneck-diagnosis, model-server-tuning, "
            "distributed-generation, performance-benchmarks. [docplan.toctree-glob]"))


def test_missing_required_section(site):
    page = "docs/training/integration/trl.md"
    title = next(i for i, line in enumerate((site / page).read_text().splitlines(), 1) if line.startswith("# "))
    with edited(site, page, lambda text: text.replace("\n## Troubleshooting\n", "\n## Problems\n")):
        assert_fails_with(site, (
            f"{page}:{title}: WARNING: page has no '## Troubleshooting' section, which the how-to template requires "
            "(required: Before you start, Troubleshooting, Related). Fix: add a '## Troubleshooting' section. "
            "[docplan.section-missing]"))


def test_placeholder_text(site):
    page = "docs/training/verification/reward-shaping.md"
    lines = (site / page).read_text().count("\n")
    with edited(site, page, lambda text: text + "\n[How-to content for faster verification]\n"):
        assert_fails_with(site, (
            f"{page}:{lines + 2}: WARNING: placeholder text '[How-to content for faster verification]' is still on "
            "the page. Fix: replace it with the real content. [docplan.placeholder]"))


# -- Sphinx machinery: no-op rebuilds, incremental reads, parallel builds -------------------------


def test_a_drift_keeps_failing_on_a_no_op_rebuild(site):
    page = "docs/training/integration/trl.md"
    with edited(site, page, lambda text: text.replace("content_type: how-to", "content_type: reference", 1)):
        first = build(site)
        second = build(site, verbose=True)
        assert first.returncode == second.returncode == 1
        assert "0 added, 0 changed, 0 removed" in second.stdout
        assert docplan_lines(first.stderr) == docplan_lines(second.stderr) != []
    assert build(site).returncode == 0


def reads_and_writes(output: str) -> tuple[int, int]:
    match = re.search(r"updating environment: .*?(\d+) added, (\d+) changed, (\d+) removed", output)
    assert match, output
    read = sum(map(int, match.groups()[:2]))
    written = len(re.findall(r"^writing output\.\.\. \[\s*\d+%\] ", output, re.M))
    outdated = re.search(r"looking for now-outdated files\.\.\. (\d+) found", output)
    return read + (int(outdated.group(1)) if outdated else 0), written


def test_editing_one_page_body_rereads_only_that_page(site):
    page = "docs/training/datasets/validate-format.md"
    with edited(site, page, lambda text: text + "\nOne more sentence for the test.\n"):
        result = build(site, verbose=True)
        assert result.returncode == 0, result.stderr
        read, written = reads_and_writes(result.stdout)
        assert read == 1
        assert 1 <= written <= 3
    build(site)


def test_editing_one_plan_entry_rereads_only_that_page(site):
    change = lambda text: text.replace("jtbd: Check format compliance", "jtbd: Check that data is well formed")  # noqa: E731
    with edited(site, PLAN, change):
        result = build(site, verbose=True)
        assert result.returncode == 0, result.stderr
        read, _ = reads_and_writes(result.stdout)
        assert read == 1
        html = (site / "_build/html/training/datasets/validate-format.html").read_text()
        assert "Check that data is well formed" in html
    build(site)


def test_parallel_build_reports_the_same_findings(site, tmp_path):
    page = "docs/training/configuration/index.md"
    with edited(site, page, lambda text: text.replace("content_type: explanation", "content_type: how-to", 1)), \
            edited(site, "docs/training/configuration/extra.md", lambda _: "# Extra\n"):
        serial = build(site, "-E", out=str(tmp_path / "serial"))
        parallel = build(site, "-E", "-j", "2", out=str(tmp_path / "parallel"))
    assert serial.returncode == parallel.returncode == 1
    assert len(docplan_lines(serial.stderr)) == 2
    assert sorted(docplan_lines(serial.stderr)) == sorted(docplan_lines(parallel.stderr))
    build(site)


# -- Internal links are checked strictly on every build -------------------------------------------


def sphinx_warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if "WARNING" in line]


def test_a_broken_internal_link_fails_the_build(site):
    page = "docs/training/datasets/index.md"
    with edited(site, page, lambda text: text + "\nSee {doc}`no-such-page` for more.\n"):
        result = build(site)
        assert result.returncode == 1
        assert any("no-such-page" in w and "[ref.doc]" in w for w in sphinx_warnings(result.stderr)), result.stderr


def test_a_broken_heading_anchor_fails_the_build(site):
    page = "docs/training/datasets/index.md"
    with edited(site, page, lambda text: text + "\nSee [the format](format-specification.md#no-such-heading).\n"):
        result = build(site)
        assert result.returncode == 1
        assert any("no-such-heading" in w for w in sphinx_warnings(result.stderr)), result.stderr
