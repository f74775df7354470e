"""The harness itself: how it splits blocks, reads markers, matches output, and that a changed
line of shown output fails, named by page and line."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from docexec.blocks import console_blocks, split_steps
from docexec.matching import first_difference, lines_match
from docexec.run import default_environment, load_sandboxes, run_page, write_report
from docexec.sandbox import Environment, PageRun, excerpt_difference, marked_pids

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def page(tmp_path: Path, text: str, name: str = "page.md") -> Path:
    path = tmp_path / "docs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, sandboxes: dict | None = None):
    return run_page(path, path.parents[0] if sandboxes is None else DOCS,
                    Environment(root=ROOT), sandboxes or {})


def test_split_steps_joins_continuation_lines_and_keeps_output_lines():
    steps = split_steps("$ echo a \\\n    b\na b\n$ true\n\n", 10)
    assert [(s.command, s.line, s.shown, s.shown_line) for s in steps] == [
        ("echo a \\\n    b", 10, ["a b"], 12), ("true", 13, [], 14)]


@pytest.mark.parametrize(("shown", "real", "same"), [
    ("took <n> s", "took 12.5 s", True),
    ("took <n> s", "took abc s", False),
    ("wrote <path>", "wrote /tmp/x/y.jsonl", True),
    ("port <port> at <time>", "port 8080 at 2026-10-14T12:03:04Z", True),
    ("a <any> z", "a anything at all z", True),
    ("exact", "exact   ", True),
    ("exact", "exactly", False),
    ("1+1 (x)", "1+1 (x)", True),  # regex characters in shown text are literal
])
def test_placeholders(shown, real, same):
    assert lines_match(shown, real) is same


def test_an_ellipsis_line_stands_for_any_lines():
    assert first_difference(["a", "...", "z"], ["a", "b", "c", "z"]) is None
    assert first_difference(["a", "...", "z"], ["a", "z"]) is None
    assert first_difference(["a", "...", "z"], ["a", "b"]) == 2
    assert first_difference(["a", "b"], ["a", "b", "c"]) == 2
    assert first_difference(["a", "x"], ["a", "b"]) == 1
    assert first_difference([], ["a"]) == 0


def test_a_server_excerpt_needs_its_lines_in_order():
    assert excerpt_difference(["b", "d"], ["a", "b", "c", "d"]) is None
    assert excerpt_difference(["d", "b"], ["a", "b", "c", "d"]) == 1


def test_the_marker_skips_a_block_with_its_reason(tmp_path):
    path = page(tmp_path, "# T\n\n% docs-exec: skip (needs a GPU)\n```console\n$ false\n```\n\n"
                          "% docs-check: skip (an example)\n% docs-exec: skip (needs a cluster)\n"
                          "```console\n$ false\n```\n")
    results = run(path)
    assert [(r.status, r.reason, r.failures) for r in results] == [
        ("skipped", "needs a GPU", []), ("skipped", "needs a cluster", [])]


@pytest.mark.parametrize("marker", ["% docs-exec: skip", "% docs-exec: skip needs a GPU", "% docs-exec: run"])
def test_a_marker_without_a_reason_or_of_an_unknown_kind_fails_located(tmp_path, marker):
    path = page(tmp_path, f"# T\n\n{marker}\n```console\n$ true\n```\n")
    (result,) = run(path)
    assert result.failures and str(result.failures[0]).startswith(f"{path}:4: line 3: ")


def test_blocks_on_a_page_share_directory_and_variables(tmp_path):
    path = page(tmp_path, "# T\n\n```console\n$ mkdir -p out && cd out\n$ RUN=r1\n$ export K=v\n```\n\n"
                          "```console\n$ pwd | sed 's|.*/||'\nout\n$ echo $RUN $K\nr1 v\n```\n")
    assert [r.failures for r in run(path)] == [[], []]


def test_a_failing_command_without_shown_output_fails_at_its_line(tmp_path):
    path = page(tmp_path, "# T\n\n```console\n$ true\n$ ls no-such-file\n$ true\n```\n")
    (result,) = run(path)
    assert [f.location for f in result.failures] == [f"{path}:5"]
    assert "exited with 2" in result.failures[0].message


def test_a_failing_command_passes_when_the_page_shows_its_error(tmp_path):
    path = page(tmp_path, "# T\n\n```console\n$ echo 'error: bad' >&2; exit 1\nerror: bad\n```\n")
    assert run(path)[0].failures == []


def test_output_the_page_does_not_show_fails(tmp_path):
    path = page(tmp_path, "# T\n\n```console\n$ echo surprise\n```\n")
    (result,) = run(path)
    assert result.failures[0].location == f"{path}:4"


def test_a_server_command_starts_in_the_background_and_stops_with_the_page(tmp_path):
    server = tmp_path / "fake-gym"
    server.mkdir()
    (server / "ng_run").write_text(
        "#!/bin/sh\necho starting\necho 'All 2 / 2 servers ready! Polling every 60s'\nexec sleep 300\n")
    (server / "ng_run").chmod(0o755)
    path = page(tmp_path, "# T\n\n```console\n$ ng_run +x=1\nAll <n> / <n> servers ready!<any>\n"
                          "$ echo after\nafter\n```\n")
    with PageRun(Environment(root=ROOT, bin_dir=server)) as sandbox:
        (block,) = console_blocks(path)
        assert sandbox.run(block).failures == []
        pid = sandbox.environment.servers.current.process.pid
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


REAL_PAGE = "training/data-quality/filtering-strategies.md"


@pytest.mark.slow  # runs every block of a real page
def test_changing_one_line_of_shown_output_fails_naming_page_and_line(tmp_path):
    """Copy a real page, change one output line, and run it with the real sandbox."""
    original = (DOCS / REAL_PAGE).read_text(encoding="utf-8").splitlines(keepends=True)
    target = next(i for i, line in enumerate(original) if line.startswith("Pass rate (reward >= 1):"))
    changed = tmp_path / "docs" / REAL_PAGE
    changed.parent.mkdir(parents=True)
    shutil.copytree(DOCS / "training", tmp_path / "docs" / "training", dirs_exist_ok=True)
    lines = list(original)
    lines[target] = lines[target].replace("47.4%", "48.4%")
    changed.write_text("".join(lines), encoding="utf-8")
    sandboxes = {REAL_PAGE: load_sandboxes()[REAL_PAGE]}
    results = run_page(changed, tmp_path / "docs", default_environment(ROOT), sandboxes)
    failures = [f for r in results for f in r.failures]
    assert failures, "a changed output line went unnoticed"
    assert failures[0].location == f"{changed}:{target + 1}"
    assert "48.4%" in failures[0].message


def test_the_report_lists_every_block(tmp_path):
    path = page(tmp_path, "# T\n\n% docs-exec: skip (needs a GPU)\n```console\n$ x\n```\n\n"
                          "```console\n$ echo hi\nhi\n```\n")
    results = run(path)
    report = tmp_path / "exec-report.json"
    counts = write_report(results, report, tmp_path)
    assert json.loads(report.read_text()) == [
        {"page": "docs/page.md", "line": 4, "status": "skipped", "reason": "needs a GPU"},
        {"page": "docs/page.md", "line": 8, "status": "executed", "reason": "", "passed": True},
    ]
    assert (counts["executed"], counts["skipped"], counts["failed"]) == (1, 1, 0)


def fake_server(tmp_path: Path) -> Path:
    """An ``ng_run`` that counts its starts in ``starts`` and runs until stopped."""
    server = tmp_path / "fake-gym"
    server.mkdir(exist_ok=True)
    (server / "ng_run").write_text(
        f"#!/bin/sh\necho start >> {tmp_path}/starts\necho \"config $(cat conf.yaml 2>/dev/null)\"\n"
        "echo 'All 1 / 1 servers ready!'\nexec sleep 300\n")
    (server / "ng_run").chmod(0o755)
    return server


def starts(tmp_path: Path) -> int:
    return len((tmp_path / "starts").read_text().splitlines())


def test_consecutive_pages_with_the_same_start_share_the_running_servers(tmp_path):
    environment = Environment(root=ROOT, bin_dir=fake_server(tmp_path), keep_servers=True)
    text = "# T\n\n```console\n$ ng_run +x=1\nconfig a\n```\n"
    first, second = page(tmp_path, text, "a.md"), page(tmp_path, text, "b.md")
    sandboxes = {p.name: {"files": {"conf.yaml": str(tmp_path / "conf.yaml")}} for p in (first, second)}
    (tmp_path / "conf.yaml").write_text("a")
    try:
        for path in (first, second):
            (result,) = run_page(path, path.parent, environment, sandboxes)
            assert result.failures == []
        assert starts(tmp_path) == 1
        pid = environment.servers.current.process.pid
        assert Path(f"/proc/{pid}").exists(), "the servers stopped with the first page"
        # Other inputs (a changed config file) are another start; the running servers stop.
        (tmp_path / "conf.yaml").write_text("b")
        (result,) = run_page(first, first.parent, environment, sandboxes)
        assert "shows 'config a'" in result.failures[0].message
        assert starts(tmp_path) == 2
    finally:
        environment.servers.stop()
    assert environment.servers.current is None
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_servers_a_page_assumes_start_before_its_first_block(tmp_path):
    environment = Environment(root=ROOT, bin_dir=fake_server(tmp_path))
    path = page(tmp_path, "# T\n\n```console\n$ wc -l < \"$STARTS\"\n1\n```\n")
    sandboxes = {"page.md": {"servers": "ng_run +y=2", "env": {"STARTS": str(tmp_path / "starts")}}}
    (result,) = run_page(path, path.parent, environment, sandboxes)
    assert result.failures == []  # the servers had started when the block ran
    assert environment.servers.current is None, "servers outlived a page that does not keep them"


def test_servers_that_do_not_start_fail_the_page_naming_the_sandbox_entry(tmp_path):
    environment = Environment(root=ROOT, bin_dir=tmp_path)
    (tmp_path / "ng_run").write_text("#!/bin/sh\necho broken config\nexit 3\n")
    (tmp_path / "ng_run").chmod(0o755)
    path = page(tmp_path, "# T\n\n```console\n$ echo hi\nhi\n```\n")
    (result,) = run_page(path, path.parent, environment, {"page.md": {"servers": "ng_run"}})
    assert result.failures[0].location == "sandboxes.yaml: page.md: servers"
    assert "exited with 3" in result.failures[0].message and "broken config" in result.failures[0].message


def test_servers_that_exit_name_the_exception_printed_above_the_last_lines(tmp_path):
    environment = Environment(root=ROOT, bin_dir=tmp_path)
    (tmp_path / "ng_run").write_text(
        "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'fastapi'\"\n"
        "for i in $(seq 60); do echo \"(mcqa) INFO: shutting down $i\"; done\n"
        "echo 'RuntimeError: Process `mcqa` finished unexpectedly!'\nexit 1\n")
    (tmp_path / "ng_run").chmod(0o755)
    path = page(tmp_path, "# T\n\n```console\n$ echo hi\nhi\n```\n")
    (result,) = run_page(path, path.parent, environment, {"page.md": {"servers": "ng_run"}})
    message = result.failures[0].message
    assert "    ModuleNotFoundError: No module named 'fastapi'\n    ... (the last 40 lines:)" in message
    assert "shutting down 22\n" in message and "shutting down 21\n" not in message
    assert message.count("finished unexpectedly") == 1


def test_a_page_variable_can_name_the_sandbox_variables():
    system = os.environ["PATH"]
    environment = Environment(root=ROOT, variables={"PATH": f"/runtime/bin:{system}"})
    with PageRun(environment, variables={"PATH": "$DOCEXEC_REPO/.framework-env/bin:$PATH",
                                         "LEFT": "$UNKNOWN"}) as sandbox:
        code, output = sandbox.execute('echo "$PATH|$LEFT"')
    assert (code, output.strip()) == (0, f"{ROOT}/.framework-env/bin:/runtime/bin:{system}|$UNKNOWN")


def test_a_command_that_leaves_a_process_running_ends_when_its_shell_exits(tmp_path):
    """Like 0.7.0's `gym eval reverify`, which leaves its servers running after it exits."""
    path = page(tmp_path, "# T\n\n```console\n$ (sleep 300 &) ; echo done\ndone\n```\n")
    with PageRun(Environment(root=ROOT), {}) as sandbox:
        (block,) = console_blocks(path)
        result = sandbox.run(block)
        left = marked_pids(sandbox.run_id)
    assert result.failures == []
    assert left, "the background process should still run until the page ends"
    assert all(not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
               for pid in left)


def test_a_long_output_in_a_failure_keeps_its_first_and_last_lines(tmp_path):
    # The summary a page shows is at the end of a long output, so the failure must show it.
    path = page(tmp_path, "```console\n$ seq 1 100\n1\n2\nthree\n```\n")
    [result] = run(path)
    message = result.failures[0].message
    assert "shows 'three'" in message
    printed = [line.strip() for line in message.splitlines()[1:]]
    assert printed == [*map(str, range(1, 11)), "... (70 lines left out)", *map(str, range(81, 101))]
