"""Tests for examples/troubleshooting: summarize_failures, check_rows, verification_report.

Each script is run as a command, the way the pages tell readers to run it, and
its functions are called directly, on the small hand-written files in
tests/data/troubleshooting/ (see its README.md) and on the real files shipped
in the pinned nemo-gym wheel. Where a page shows a script's output, the test
checks that the script prints exactly that on matching data.

The Python block left inline on a page (it imports nemo_gym, which
needs a newer Python than this project) is checked to parse and to import
only names the released source defines.
"""

from __future__ import annotations

import ast
import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from docexec.matching import first_difference

from .helpers import (
    EXAMPLES,
    TEST_DATA,
    TRAINING_DOCS,
    assert_clean_error,
    assert_page_includes_script,
    json_lines,
    load_scripts,
    page_output,
    python_blocks,
    run_script,
    text_lines,
    top_level_names,
)

SCRIPTS = EXAMPLES / "troubleshooting"
DATA = TEST_DATA / "troubleshooting"
PAGES = TRAINING_DOCS / "troubleshooting"

pytestmark = pytest.mark.usefixtures("data_unchanged")

summarize_failures, check_rows, verification_report = load_scripts(
    SCRIPTS, "summarize_failures", "check_rows", "verification_report"
)


def run(
    script: str, *args: object, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run a script without the attempt limit of this shell, unless ``env`` sets it."""
    environment = {"NEMO_GYM_MAX_ROLLOUT_ATTEMPTS": None, **(env or {})}
    return run_script(SCRIPTS / script, *args, cwd=cwd, env=environment)


# --- the pages show the tested files ------------------------------------------------------

INCLUDED = [
    ("collection-failures.md", "summarize_failures.py"),
    ("data-format-issues.md", "check_rows.py"),
    ("verification-errors.md", "verification_report.py"),
]


@pytest.mark.parametrize(("page", "script"), INCLUDED)
def test_page_includes_the_script_and_runs_it_from_the_repository(page, script):
    assert_page_includes_script(PAGES / page, "troubleshooting", script)


def test_no_page_still_names_the_old_script():
    assert "reward_report.py" not in (PAGES / "verification-errors.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py") if not p.is_symlink()))
def test_scripts_print_help(script):
    proc = run(script, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage:")


# --- summarize_failures.py --------------------------------------------------------------------


def test_summarize_failures_reproduces_the_page():
    path = DATA / "rollouts_failures.jsonl"
    command = (
        "python examples/troubleshooting/summarize_failures.py results/rollouts_failures.jsonl"
    )
    proc = run("summarize_failures.py", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == page_output(PAGES / "collection-failures.md", command)
    # The same numbers, worked out from the data.
    rows = json_lines(path)
    classes = Counter(row["_ng_failure_class"] for row in rows)
    attempts = Counter((row["_ng_task_index"], row["_ng_rollout_index"]) for row in rows)
    assert classes == {"agent_request_failed": 4, "agent_run_error": 4}
    assert len(attempts) == 6 and sum(1 for n in attempts.values() if n >= 3) == 1


def test_summarize_failures_attempt_limit_from_flag_and_environment():
    path = DATA / "rollouts_failures.jsonl"
    attempts = Counter(
        (row["_ng_task_index"], row["_ng_rollout_index"]) for row in json_lines(path)
    )

    def at_limit(limit: int) -> str:
        reached = sum(1 for n in attempts.values() if n >= limit)
        return f"Rollouts with failures: {len(attempts)}; at the attempt limit: {reached}"

    assert at_limit(1) in run("summarize_failures.py", path, "--max-attempts", 1).stdout
    assert (
        at_limit(2)
        in run("summarize_failures.py", path, env={"NEMO_GYM_MAX_ROLLOUT_ATTEMPTS": "2"}).stdout
    )
    # A value NeMo Gym cannot use falls back to its default of 3, as NeMo Gym does.
    assert (
        at_limit(3)
        in run("summarize_failures.py", path, env={"NEMO_GYM_MAX_ROLLOUT_ATTEMPTS": "x"}).stdout
    )
    assert (
        at_limit(1)
        in run(
            "summarize_failures.py",
            path,
            "--max-attempts",
            1,
            env={"NEMO_GYM_MAX_ROLLOUT_ATTEMPTS": "5"},
        ).stdout
    )
    assert summarize_failures.max_attempts_from_env({"NEMO_GYM_MAX_ROLLOUT_ATTEMPTS": "0"}) == 3
    assert summarize_failures.max_attempts_from_env({}) == 3


def test_summarize_failures_judge_terminal_and_keyless_rows():
    path = DATA / "failures_edge.jsonl"
    rows = json_lines(path)
    proc = run("summarize_failures.py", path, "--top", 10)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    keyed = {
        (r["_ng_task_index"], r["_ng_rollout_index"]) for r in rows if "_ng_rollout_index" in r
    }
    terminal = {
        (r["_ng_task_index"], r["_ng_rollout_index"])
        for r in rows
        if "_ng_rollout_index" in r and r.get("_ng_failure_terminal") is True
    }
    keyless = sum(1 for r in rows if "_ng_task_index" not in r)
    assert lines[-3:] == [
        f"Rollouts with failures: {len(keyed)}; at the attempt limit: 0",
        f"Rollouts with a terminal failure (never retried): {len(terminal)}",
        f"Rows without _ng_task_index or _ng_rollout_index (resume ignores them): {keyless}",
    ]
    judge = [r for r in rows if r["_ng_failure_class"] == "judge_failed"]
    # A judge failure has no _ng_failure_message; its judge error is shown instead.
    assert f"{len(judge):6d}  judge_failed  None  {judge[0]['_ng_failure_judge_error']}" in lines
    long = next(
        r["_ng_failure_message"] for r in rows if len(r.get("_ng_failure_message") or "") > 100
    )
    assert f"     1  agent_request_failed  None  {long[:100]}" in lines
    assert "     1  skipped  None  task has no reference file" in lines


def test_summarize_failures_bad_input(tmp_path):
    bad = tmp_path / "bad_failures.jsonl"
    bad.write_text('{"_ng_failure_class": "skipped", "_ng_task_index": 0}\n{"_ng_failure_cl\n')
    assert_clean_error(run("summarize_failures.py", bad), f"{bad}:2: not valid JSON")
    # A rollouts file given by mistake is refused, not counted as failures.
    rollouts = DATA / "rollouts.jsonl"
    assert_clean_error(
        run("summarize_failures.py", rollouts), f"{rollouts}:1: no _ng_failure_class"
    )
    assert_clean_error(
        run("summarize_failures.py", tmp_path / "none.jsonl"), "none.jsonl: cannot open input"
    )
    listed = tmp_path / "list.jsonl"
    listed.write_text('{"_ng_failure_class": "skipped"}\n["skipped"]\n', encoding="utf-8")
    assert_clean_error(
        run("summarize_failures.py", listed), f"{listed}:2: expected a JSON object, got list"
    )
    proc = run("summarize_failures.py", DATA / "rollouts_failures.jsonl", "--max-attempts", 0)
    assert_clean_error(proc, "--max-attempts must be at least 1", code=2)


def test_summarize_failures_empty_sidecar(tmp_path):
    empty = tmp_path / "rollouts_failures.jsonl"
    empty.write_text("", encoding="utf-8")
    proc = run("summarize_failures.py", empty)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        "Rows per failure class:",
        "Most common errors (class, HTTP status, message):",
        "Rollouts with failures: 0; at the attempt limit: 0",
    ]


# --- check_rows.py ----------------------------------------------------------------------------


def test_check_rows_reproduces_the_page():
    path = DATA / "math_tasks.jsonl"
    command = "python examples/troubleshooting/check_rows.py data/math_tasks.jsonl"
    proc = run("check_rows.py", path)
    assert proc.returncode == 1
    shown = page_output(PAGES / "data-format-issues.md", command)
    # The page shows the parser's own wording as <any>: it varies between Python releases.
    assert first_difference(shown, proc.stdout.splitlines()) is None, (shown, proc.stdout)


def test_check_rows_names_every_kind_of_problem():
    path = DATA / "tasks_mixed.jsonl"
    rows = [json.loads(line) for line in text_lines(path, keep_blank=True)]
    expected = []
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            expected.append(f"line {number}: expected a JSON object, got {type(row).__name__}")
        elif "task_id" in row:
            continue  # a materialized task
        elif not isinstance(row.get("responses_create_params"), dict):
            expected.append(f"line {number}: no responses_create_params object")
        elif "input" not in row["responses_create_params"]:
            expected.append(f"line {number}: responses_create_params has no input")
    assert len(expected) == 3
    proc = run("check_rows.py", path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [*expected, f"{len(expected)} problem line(s)"]


def test_check_rows_flags_non_utf8_and_trailing_blank_lines(tmp_path):
    path = tmp_path / "tasks.jsonl"
    good = json.dumps({"responses_create_params": {"input": "hi"}})
    path.write_bytes(f"{good}\n".encode() + b'{"q": "\xff"}\n' + f"{good}\n\n".encode())
    proc = run("check_rows.py", path)
    assert proc.stdout.splitlines() == [
        "line 2: not UTF-8 text (invalid start byte)",
        "line 4: blank line",
        "2 problem line(s)",
    ]
    assert proc.returncode == 1


def test_check_rows_clean_file_and_missing_file(tmp_path):
    path = tmp_path / "tasks.jsonl"
    path.write_text(
        json.dumps({"responses_create_params": {"input": "What is 7 * 6?"}}) + "\n",
        encoding="utf-8",
    )
    proc = run("check_rows.py", path)
    assert (proc.returncode, proc.stdout) == (0, "0 problem line(s)\n")
    assert_clean_error(
        run("check_rows.py", tmp_path / "none.jsonl"), "none.jsonl: cannot open input"
    )
    assert_clean_error(run("check_rows.py"), "usage:", code=2)


def test_row_problem_messages():
    assert check_rows.row_problem(b"\n") == "blank line"
    assert check_rows.row_problem(b'{"responses_create_params": {"input": []}}\n') is None
    assert (
        check_rows.row_problem(b'{"task_id": {"taskset": "t", "task": "1"}, "task_input": {}}')
        is None
    )
    assert (
        check_rows.row_problem(b'{"task_id": "1", "task_input": {}}')
        == "no responses_create_params object"
    )
    assert check_rows.row_problem(b"[1]") == "expected a JSON object, got list"
    assert check_rows.row_problem(b'{"a": 1,}\n').startswith(
        "not valid JSON (Expecting property name"
    )
    assert check_rows.row_problem(b'{"q": "\xff"}\n') == (
        "not UTF-8 text (invalid start byte)"
    )
    # Rollout collection reads a task file without skipping a byte order mark.
    assert check_rows.row_problem(b'\xef\xbb\xbf{"a": 1}\n').startswith("not valid JSON")


def test_check_rows_on_the_task_files_in_the_release(gym_release):
    files = sorted(gym_release.glob("resources_servers/*/data/example.jsonl"))
    assert len(files) > 100
    flagged_files = 0
    for path in files:
        before = path.read_bytes()
        expected = []
        for number, line in enumerate(text_lines(path, keep_blank=True), 1):
            if not line.strip():
                expected.append((number, "blank line"))
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                expected.append((number, "not valid JSON"))
                continue
            materialized = isinstance(row.get("task_id"), dict) and "task_input" in row
            params = row.get("responses_create_params")
            if not materialized and not (isinstance(params, dict) and "input" in params):
                expected.append(
                    (
                        number,
                        "no responses_create_params"
                        if not isinstance(params, dict)
                        else "no input",
                    )
                )
        found = check_rows.find_problems(check_rows.iter_raw_lines(path))
        assert [n for n, _ in found] == [n for n, _ in expected], path
        for (_, problem), (_, kind) in zip(found, expected):
            assert kind in problem
        flagged_files += bool(found)
        assert path.read_bytes() == before
    assert flagged_files < len(files) // 10


# --- verification_report.py -------------------------------------------------------------------


def test_verification_report_reproduces_the_page_on_the_release(gym_release):
    relative = "resources_servers/math_with_judge/data/example_rollouts.jsonl"
    command = f'python examples/troubleshooting/verification_report.py "$GYM_ROOT"/{relative}'
    proc = run("verification_report.py", relative, cwd=gym_release)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == page_output(PAGES / "verification-errors.md", command)


def test_verification_report_counts_each_problem():
    path = DATA / "rollouts.jsonl"
    rows = json_lines(path)
    responses = [row.get("response") or {} for row in rows]
    rewards = dict(Counter(row["reward"] for row in rows).most_common(10))
    masked = sum(1 for r in rows if r.get("mask_sample"))
    skipped = sum(1 for r in rows if r.get("verification_skipped"))
    kinds = dict(Counter(r["failure_kind"] for r in rows if r.get("failure_kind")))
    statuses = dict(Counter(resp.get("status") for resp in responses))
    empty = sum(1 for resp in responses if not resp.get("usage", {}).get("output_tokens"))
    proc = run("verification_report.py", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"Rollouts: {len(rows)}",
        f"Reward values (value: count): {rewards}",
        f"mask_sample true: {masked}; verification skipped: {skipped}",
        f"failure_kind: {kinds}",
        f"response status: {statuses}",
        f"Responses with no output tokens: {empty}",
    ]
    # The data holds one case of each problem the page's table sends the reader to.
    assert "mask_sample true: 1; verification skipped: 1" in proc.stdout
    assert "'incomplete': 1" in proc.stdout
    assert "Responses with no output tokens: 1" in proc.stdout


def test_verification_report_bad_input(tmp_path):
    bad = DATA / "bad_line.jsonl"
    assert_clean_error(run("verification_report.py", bad), f"{bad}:3: not valid JSON")
    assert_clean_error(
        run("verification_report.py", tmp_path / "none.jsonl"), "none.jsonl: cannot open input"
    )


def test_verification_report_on_the_release_rollouts(example_rollout_files):
    checked = 0
    for path in example_rollout_files:
        try:
            rows = json_lines(path)
        except json.JSONDecodeError:
            proc = run("verification_report.py", path)
            assert_clean_error(proc, f"{path}:1: not valid JSON")
            continue
        rows_read = (row for _, row in verification_report.iter_jsonl(path))
        report = verification_report.summarize(rows_read)
        assert report.rows == len(rows)
        assert sum(report.rewards.values()) == len(rows)
        assert report.masked == sum(1 for row in rows if row.get("mask_sample"))
        assert sum(report.statuses.values()) == len(rows)
        checked += 1
    assert checked > 100


# --- the Python blocks left inline ------------------------------------------------------------


INLINE = [("verification-errors.md", 1)]


@pytest.mark.parametrize(("page", "count"), INLINE)
def test_inline_blocks_parse_and_import_only_released_names(gym_release, page, count):
    blocks = python_blocks(PAGES / page)
    assert len(blocks) == count
    for block in blocks:
        tree = ast.parse(block)
        imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert any(node.module.startswith("nemo_gym") for node in imports)
        for node in imports:
            if not node.module.startswith("nemo_gym"):
                continue
            source = gym_release / (node.module.replace(".", "/") + ".py")
            assert source.is_file(), f"{page}: {node.module} is not in the release"
            missing = {alias.name for alias in node.names} - top_level_names(source)
            assert not missing, f"{page}: {node.module} has no {missing}"


def test_ask_judge_passes_the_keywords_call_judge_takes(gym_release):
    (block,) = python_blocks(PAGES / "verification-errors.md")
    calls = [
        node
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "call_judge"
    ]
    assert len(calls) == 1
    judge = ast.parse((gym_release / "nemo_gym" / "judge.py").read_text(encoding="utf-8"))
    (definition,) = [
        n for n in judge.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "call_judge"
    ]
    positional = [a.arg for a in definition.args.args]
    keyword_only = {a.arg for a in definition.args.kwonlyargs}
    call = calls[0]
    assert len(call.args) <= len(positional)
    assert {k.arg for k in call.keywords} == keyword_only


def test_row_check_uses_the_model_collate_uses(gym_release):
    page = (PAGES / "data-format-issues.md").read_text(encoding="utf-8")
    assert "examples/converters/check_task_rows.py" in page and "Save this as" not in page
    script = (EXAMPLES / "converters" / "check_task_rows.py").read_text(encoding="utf-8")
    assert "BaseRunRequest.model_validate" in script
    collate = (gym_release / "nemo_gym" / "train_data_utils.py").read_text(encoding="utf-8")
    assert "from nemo_gym.base_resources_server import BaseRunRequest" in collate
    assert "BaseRunRequest.model_validate(sample_dict)" in collate
