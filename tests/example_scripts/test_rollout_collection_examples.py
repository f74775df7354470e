"""Tests for examples/rollout_collection: shard_tasks, check_merged, check_samples, difficulty.

Each script is run as a command, the way the pages tell readers to run it, and
its functions are called directly. The data is the small hand-written set in
tests/data/rollout_collection/ (see its README.md) and the real rollouts and
aggregate metrics shipped in the pinned nemo-gym wheel. Expected numbers are
computed in the tests from the data, not copied from the scripts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from .helpers import (
    EXAMPLES,
    TEST_DATA,
    TRAINING_DOCS,
    assert_clean_error,
    assert_page_includes_script,
    json_lines,
    load_scripts,
    run_script,
    text_lines,
    write_jsonl,
)

SCRIPTS = EXAMPLES / "rollout_collection"
DATA = TEST_DATA / "rollout_collection"
PAGES = TRAINING_DOCS / "rollout-collection"

pytestmark = pytest.mark.usefixtures("data_unchanged")

shard_tasks, check_merged, check_samples, difficulty = load_scripts(
    SCRIPTS, "shard_tasks", "check_merged", "check_samples", "difficulty"
)


def run(script: str, *args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_script(SCRIPTS / script, *args, cwd=cwd)


def real_rollouts(files: list[Path]) -> list[tuple[Path, list[dict]]]:
    """The wheel's rollout files that are JSON (a few hold placeholder text), with their rows."""
    readable = []
    for path in files:
        try:
            readable.append((path, json_lines(path)))
        except json.JSONDecodeError:
            continue
    assert len(readable) > 100
    return readable


def placeholder_files(files: list[Path]) -> list[Path]:
    return [path for path in files if path.read_text(encoding="utf-8").startswith("<PLACEHOLDER")]


# --- the pages show the tested files ------------------------------------------------------

INCLUDED = [
    ("parallel-generation.md", "shard_tasks.py"),
    ("parallel-generation.md", "check_merged.py"),
    ("sampling-strategies.md", "check_samples.py"),
    ("collection-patterns.md", "difficulty.py"),
]


@pytest.mark.parametrize(("page", "script"), INCLUDED)
def test_page_includes_the_script_and_runs_it_from_the_repository(page, script):
    text = assert_page_includes_script(PAGES / page, "rollout_collection", script)
    assert "```python" not in text


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py") if not p.is_symlink()))
def test_scripts_print_help(script):
    proc = run(script, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage:")


# --- shard_tasks.py ---------------------------------------------------------------------------


def collection_indices(lines: list[str]) -> list[int]:
    """Task indices by rollout collection's rule, worked out apart from the script.

    A row's own _ng_task_index is kept; identical lines of the others share an
    index, numbered in order of first appearance after the largest kept index.
    """
    rows = [json.loads(line) for line in lines]
    kept = [row["_ng_task_index"] for row in rows if "_ng_task_index" in row]
    start = max(kept, default=-1) + 1
    row_to_task_idx: dict[str, int] = {}
    indices = []
    for line, row in zip(lines, rows):
        if "_ng_task_index" in row:
            indices.append(row["_ng_task_index"])
        else:
            indices.append(start + row_to_task_idx.setdefault(line, len(row_to_task_idx)))
    return indices


def shard_files(out: Path, stem: str, num_shards: int) -> list[Path]:
    return [out / f"{stem}.shard{i}-of-{num_shards}.jsonl" for i in range(num_shards)]


def check_shards(source: Path, out: Path, num_shards: int) -> list[list[dict]]:
    """Check the shards of ``source`` against the rule; return the rows of each shard."""
    lines = text_lines(source)
    indices = collection_indices(lines)
    tasks = list(dict.fromkeys(indices))  # in order of first appearance
    shards = [json_lines(path) for path in shard_files(out, source.stem, num_shards)]
    for shard, rows in enumerate(shards):
        expected = [
            (index, json.loads(line))
            for line, index in zip(lines, indices)
            if tasks.index(index) % num_shards == shard
        ]
        # Tasks are dealt out in turn, rows stay in input order, and the only change
        # to a row is the task index it gets.
        assert [(row["_ng_task_index"], without_index(row)) for row in rows] == [
            (index, without_index(row)) for index, row in expected
        ]
    return shards


def without_index(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "_ng_task_index"}


def test_shard_tasks_gives_identical_rows_one_index_as_collection_does(tmp_path):
    source = DATA / "tasks.jsonl"
    rows = json_lines(source)
    out = tmp_path / "shards"
    proc = run("shard_tasks.py", source, "--num-shards", 4, "--output-dir", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    files = shard_files(out, "tasks", 4)
    assert sorted(out.iterdir()) == files
    check_shards(source, out, 4)
    # The file holds one task twice: both copies get one index and go to one shard.
    assert rows[1] == rows[5]
    stamped = [row for path in files for row in json_lines(path)]
    copies = [row for row in stamped if row == {**rows[1], "_ng_task_index": 1}]
    assert len(copies) == 2
    assert collection_indices(text_lines(source)) == [0, 1, 2, 3, 4, 1]
    assert proc.stdout.splitlines() == [
        f"{files[0]}: 2 tasks, 2 rows",
        f"{files[1]}: 1 tasks, 2 rows",
        f"{files[2]}: 1 tasks, 1 rows",
        f"{files[3]}: 1 tasks, 1 rows",
        "5 tasks in 6 rows: 0 rows kept their _ng_task_index, "
        "the others got new indices 0 to 4",
    ]


def test_shard_tasks_keeps_existing_indices_and_their_lines(tmp_path):
    source = DATA / "tasks_stamped.jsonl"
    raw_lines = text_lines(source)
    result = shard_tasks.shard_tasks(source, 3, tmp_path)
    tasks = list(dict.fromkeys(json.loads(line)["_ng_task_index"] for line in raw_lines))
    for shard, path in enumerate(shard_files(tmp_path, "tasks_stamped", 3)):
        # Rows that keep their index are copied byte for byte, in input order.
        assert text_lines(path) == [
            line
            for line in raw_lines
            if tasks.index(json.loads(line)["_ng_task_index"]) % 3 == shard
        ]
    assert result.rows == [len(text_lines(path)) for path in result.paths]
    assert sum(result.tasks) == len(tasks) == 5
    assert (result.plan.kept_rows, result.plan.new_index) == (len(raw_lines), {})


def test_shard_tasks_starts_new_indices_after_the_largest_kept_one(tmp_path):
    source = write_jsonl(
        tmp_path / "tasks.jsonl",
        [
            {"responses_create_params": {"input": "b"}},
            {"responses_create_params": {"input": "a"}, "_ng_task_index": 7},
            {"responses_create_params": {"input": "c"}},
            {"responses_create_params": {"input": "b"}},
            {"responses_create_params": {"input": "d"}, "_ng_task_index": 0},
        ],
    )
    lines = text_lines(source)
    assert collection_indices(lines) == [8, 7, 9, 8, 0]
    out = tmp_path / "out"
    result = shard_tasks.shard_tasks(source, 2, out)
    shards = check_shards(source, out, 2)
    indices = sorted(row["_ng_task_index"] for rows in shards for row in rows)
    assert indices == [0, 7, 8, 8, 9]
    assert text_lines(result.paths[1])[0] == lines[1]  # a kept row's line is unchanged
    assert shard_tasks.format_result(result)[-1] == (
        "4 tasks in 5 rows: 2 rows kept their _ng_task_index, the others got new indices 8 to 9"
    )


def test_shard_tasks_stops_on_a_bad_line_and_writes_nothing(tmp_path):
    out = tmp_path / "shards"
    proc = run("shard_tasks.py", DATA / "bad_line.jsonl", "--num-shards", 2, "--output-dir", out)
    assert_clean_error(proc, f"{DATA / 'bad_line.jsonl'}:2: not valid JSON")
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"a": 1}\n[1, 2]\n', ":2: expected a JSON object, got list"),
        (b'{"a": 1}\n{"_ng_task_index": "3"}\n', ":2: _ng_task_index must be an integer"),
        (b'{"a": 1}\n{"_ng_task_index": true}\n', ":2: _ng_task_index must be an integer"),
        (b'{"a": 1}\n{"q": "\xff"}\n', ":2: not UTF-8 text"),
    ],
)
def test_shard_tasks_names_the_line_of_other_bad_input(tmp_path, content, message):
    source = tmp_path / "tasks.jsonl"
    source.write_bytes(content)
    out = tmp_path / "out"
    proc = run("shard_tasks.py", source, "--num-shards", 2, "--output-dir", out)
    assert_clean_error(proc, f"{source}{message}")
    assert source.read_bytes() == content
    assert not out.exists()


def test_shard_tasks_leaves_no_partial_shard_when_the_file_changes(tmp_path, monkeypatch):
    source = DATA / "tasks.jsonl"
    out = tmp_path / "out"
    real_plan = shard_tasks.plan_tasks

    def plan_missing_a_task(path):
        plan = real_plan(path)
        del plan.order[next(iter(reversed(plan.order)))]
        return plan

    monkeypatch.setattr(shard_tasks, "plan_tasks", plan_missing_a_task)
    with pytest.raises(shard_tasks.InputError, match="changed while it was read"):
        shard_tasks.shard_tasks(source, 2, out)
    assert list(out.iterdir()) == []


def test_shard_tasks_reports_a_missing_file_and_bad_options(tmp_path):
    out = tmp_path / "out"
    assert_clean_error(
        run("shard_tasks.py", tmp_path / "missing.jsonl", "--num-shards", 2, "--output-dir", out),
        "missing.jsonl: cannot open input",
    )
    for options in (["--num-shards", 0, "--output-dir", out], ["--num-shards", 2]):
        proc = run("shard_tasks.py", DATA / "tasks.jsonl", *options)
        assert_clean_error(proc, "usage:", code=2)
    assert not out.exists()
    with pytest.raises(ValueError):
        shard_tasks.shard_tasks(DATA / "tasks.jsonl", 0, out)


def test_shard_tasks_warns_about_empty_and_stale_shards(tmp_path):
    tasks = len(set(text_lines(DATA / "tasks.jsonl")))
    options = ["--num-shards", tasks + 2, "--output-dir", tmp_path]
    proc = run("shard_tasks.py", DATA / "tasks.jsonl", *options)
    assert proc.returncode == 0
    assert "warning: 2 shard(s) have no task" in proc.stderr
    assert len(list(tmp_path.iterdir())) == tasks + 2
    proc = run("shard_tasks.py", DATA / "tasks.jsonl", "--num-shards", 2, "--output-dir", tmp_path)
    assert proc.returncode == 0
    stale = shard_files(tmp_path, "tasks", tasks + 2)
    for path in stale:
        assert f"warning: {path} is left from an earlier split" in proc.stderr
    check_shards(DATA / "tasks.jsonl", tmp_path, 2)


def test_shard_tasks_on_an_empty_file(tmp_path):
    source = tmp_path / "tasks.jsonl"
    source.write_text("\n", encoding="utf-8")
    result = shard_tasks.shard_tasks(source, 2, tmp_path / "out")
    assert [path.read_text() for path in result.paths] == ["", ""]
    assert shard_tasks.format_result(result)[-1] == (
        "0 tasks in 0 rows: 0 rows kept their _ng_task_index"
    )


def test_collection_honours_a_stamped_task_index(gym_release):
    """The rule the script follows is the one in the released rollout collection."""
    source = (gym_release / "nemo_gym" / "rollout_collection.py").read_text(encoding="utf-8")
    assert "if TASK_INDEX_KEY_NAME not in row:" in source
    stamp = "row[TASK_INDEX_KEY_NAME] = row_to_task_idx.setdefault(row_str, len(row_to_task_idx))"
    assert stamp in source


def test_shard_tasks_on_the_task_files_in_the_release(gym_release, tmp_path):
    files = sorted(gym_release.glob("resources_servers/*/data/example.jsonl"))
    assert len(files) > 100
    split = kept = deduplicated = 0
    for number, source in enumerate(files):
        out = tmp_path / str(number)
        try:
            lines = text_lines(source)
            collection_indices(lines)
        except json.JSONDecodeError:
            with pytest.raises(shard_tasks.InputError, match=f"{source}:1:"):
                shard_tasks.shard_tasks(source, 3, out)
            assert not out.exists()
            continue
        before = source.read_bytes()
        result = shard_tasks.shard_tasks(source, 3, out)
        assert source.read_bytes() == before
        assert sum(result.rows) == len(lines)
        check_shards(source, out, 3)
        kept += any('"_ng_task_index"' in line for line in lines)
        deduplicated += len(set(lines)) < len(lines)
        split += 1
    assert split > 100 and kept >= 1


def test_shard_tasks_writes_the_files_the_shard_loop_reads(tmp_path):
    """The page's own run (tests/docexec_tests) checks the printed lines; this checks the names."""
    (tmp_path / "data").mkdir()
    rows = [{"responses_create_params": {"input": f"What is {i} + {i}?"}} for i in range(10000)]
    write_jsonl(tmp_path / "data" / "tasks.jsonl", rows)
    command = (
        "python examples/rollout_collection/shard_tasks.py data/tasks.jsonl "
        "--num-shards 4 --output-dir data/shards"
    )
    proc = run("shard_tasks.py", *command.split()[2:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == (
        "10000 tasks in 10000 rows: 0 rows kept their _ng_task_index, the others got new indices 0 to 9999"
    )
    page = (PAGES / "parallel-generation.md").read_text(encoding="utf-8")
    for i in range(4):  # the loop that runs the shards reads the files the script wrote
        assert (tmp_path / f"data/shards/tasks.shard{i}-of-4.jsonl").is_file()
    assert 'for i in 0 1 2 3; do' in page
    assert '--input "data/shards/tasks.shard$i-of-4.jsonl"' in page


def test_distributed_generation_page_runs_the_downloaded_script(tmp_path):
    """The page downloads shard_tasks.py and rollout_io.py into one directory and runs it."""
    for script in (SCRIPTS / "shard_tasks.py", EXAMPLES / "converters" / "rollout_io.py"):
        shutil.copy(script, tmp_path)
    (tmp_path / "data").mkdir()
    rows = [{"responses_create_params": {"input": f"Task {i}"}} for i in range(998)]
    write_jsonl(tmp_path / "data" / "train.jsonl", [*rows, rows[0], rows[1]])
    command = "python shard_tasks.py data/train.jsonl --num-shards 4 --output-dir shards"
    proc = run_script(tmp_path / "shard_tasks.py", *command.split()[2:], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = TRAINING_DOCS / "performance" / "distributed-generation.md"
    # The page's own run (tests/docexec_tests) checks the lines it shows; this checks the counts.
    assert proc.stdout.splitlines()[-1] == (
        "998 tasks in 1000 rows: 0 rows kept their _ng_task_index, the others got new indices 0 to 997"
    )
    text = page.read_text(encoding="utf-8")
    assert "--input shards/train.shard$i-of-4.jsonl" in text
    assert (tmp_path / "shards" / "train.shard3-of-4.jsonl").is_file()


# --- check_merged.py --------------------------------------------------------------------------


def test_check_merged_report_format():
    report = check_merged.KeyReport(rollouts=40000, tasks=10000)
    assert check_merged.format_report(report) == [
        "rollouts: 40000, tasks: 10000", "duplicate (task, rollout) keys: 0"]


def test_check_merged_on_a_clean_merge():
    path = DATA / "merged_rollouts.jsonl"
    rows = json_lines(path)
    proc = run("check_merged.py", path)
    assert proc.returncode == 0, proc.stderr
    tasks = {row["_ng_task_index"] for row in rows}
    assert proc.stdout.splitlines() == [
        f"rollouts: {len(rows)}, tasks: {len(tasks)}",
        "duplicate (task, rollout) keys: 0",
    ]


def test_check_merged_finds_shards_that_reused_indices():
    path = DATA / "merged_duplicates.jsonl"
    rows = json_lines(path)
    keys = Counter((row["_ng_task_index"], row["_ng_rollout_index"]) for row in rows)
    duplicated = [key for key, count in keys.items() if count > 1]
    assert duplicated
    proc = run("check_merged.py", path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[:2] == [
        f"rollouts: {len(rows)}, tasks: {len({task for task, _ in keys})}",
        f"duplicate (task, rollout) keys: {len(duplicated)}",
    ]
    for task, rollout in duplicated[:5]:
        where = [
            n
            for n, row in enumerate(rows, 1)
            if (row["_ng_task_index"], row["_ng_rollout_index"]) == (task, rollout)
        ]
        listed = ", ".join(map(str, where))
        assert f"  task {task}, rollout {rollout}: {len(where)} rows (lines {listed})" in lines
    assert len(run("check_merged.py", path, "--show", 1).stdout.splitlines()) == 3


def test_check_merged_counts_rows_without_keys():
    path = DATA / "samples_edge.jsonl"
    rows = json_lines(path)
    missing = [n for n, row in enumerate(rows, 1) if "_ng_rollout_index" not in row]
    proc = run("check_merged.py", path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == (
        "rows without _ng_task_index or _ng_rollout_index: "
        f"{len(missing)} (first at line {missing[0]})"
    )


def test_check_merged_bad_input(tmp_path):
    assert_clean_error(
        run("check_merged.py", DATA / "bad_line.jsonl"),
        f"{DATA / 'bad_line.jsonl'}:2: not valid JSON",
    )
    assert_clean_error(
        run("check_merged.py", tmp_path / "nope.jsonl"), "nope.jsonl: cannot open input"
    )
    assert_clean_error(run("check_merged.py", DATA / "merged_rollouts.jsonl", "--show"), code=2)


def test_check_merged_on_the_release_rollouts(example_rollout_files):
    checked = 0
    for path, rows in real_rollouts(example_rollout_files):
        report = check_merged.check_keys(check_merged.iter_jsonl(path))
        keyed = [row for row in rows if "_ng_task_index" in row and "_ng_rollout_index" in row]
        keys = Counter(
            (json.dumps(row["_ng_task_index"]), json.dumps(row["_ng_rollout_index"]))
            for row in keyed
        )
        assert report.rollouts == len(rows)
        assert report.tasks == len({task for task, _ in keys})
        assert len(report.duplicates) == sum(1 for count in keys.values() if count > 1)
        assert len(report.without_keys) == len(rows) - len(keyed)
        checked += bool(keyed)
    assert checked > 50
    for path in placeholder_files(example_rollout_files):
        assert_clean_error(run("check_merged.py", path), f"{path}:1: not valid JSON")


# --- check_samples.py -------------------------------------------------------------------------


def test_check_samples_counts_the_fixture():
    path = DATA / "dpo_rollouts.jsonl"
    proc = run("check_samples.py", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "tasks: 5, rollouts: 40, rollouts per task: 8.0",
        "tasks whose rewards differ (usable for pairs): 3",
        "tasks whose repeats all produced the same text: 0",
    ]
    # The same numbers, worked out from the data.
    rows = json_lines(path)
    rewards = defaultdict(set)
    for row in rows:
        rewards[row["_ng_task_index"]].add(row["reward"])
    assert (len(rewards), len(rows)) == (5, 40)
    assert sum(1 for values in rewards.values() if len(values) > 1) == 3


def test_check_samples_edge_cases():
    path = DATA / "samples_edge.jsonl"
    rows = json_lines(path)
    grouped = [row for row in rows if "_ng_task_index" in row]
    tasks = {row["_ng_task_index"] for row in grouped}
    proc = run("check_samples.py", path)
    assert proc.returncode == 0, proc.stderr
    # Task 0 repeats one answer, task 3 repeats one tool call: 2 tasks with the same text.
    # Task 2 has a reward of 1.0 and a missing one (0.0): the only reward spread.
    assert proc.stdout.splitlines() == [
        (
            f"tasks: {len(tasks)}, rollouts: {len(grouped)}, "
            f"rollouts per task: {len(grouped) / len(tasks):.1f}"
        ),
        "tasks whose rewards differ (usable for pairs): 1",
        "tasks whose repeats all produced the same text: 2",
        f"rollouts without _ng_task_index (not counted above): {len(rows) - len(grouped)}",
    ]


def test_output_text_reads_messages_and_tool_calls():
    rollout = {
        "response": {
            "output": [
                {"type": "reasoning", "summary": [{"type": "summary_text", "text": "hidden"}]},
                {
                    "type": "function_call",
                    "name": "calculator",
                    "arguments": '{"expression": "6*7"}',
                },
                {
                    "type": "message",
                    "content": [{"type": "output_text", "text": "It is "}, {"type": "refusal"}],
                },
                {"type": "message", "content": "42"},
            ]
        }
    }
    assert check_samples.output_text(rollout) == 'calculator({"expression": "6*7"})It is 42'
    assert check_samples.output_text({}) == ""
    assert check_samples.output_text({"response": None}) == ""
    assert check_samples.summarize([]) == {
        "tasks": 0,
        "rollouts": 0,
        "with_spread": 0,
        "all_same_text": 0,
        "ungrouped": 0,
    }
    assert (
        check_samples.format_summary(check_samples.summarize([]))[0]
        == "tasks: 0, rollouts: 0, rollouts per task: 0.0"
    )


def test_check_samples_bad_input(tmp_path):
    assert_clean_error(
        run("check_samples.py", DATA / "bad_line.jsonl"),
        f"{DATA / 'bad_line.jsonl'}:2: not valid JSON",
    )
    assert_clean_error(run("check_samples.py", tmp_path), f"{tmp_path}: cannot open input")


def test_check_samples_on_the_release_rollouts(example_rollout_files):
    checked = 0
    for _path, rows in real_rollouts(example_rollout_files):
        summary = check_samples.summarize(rows)
        by_task = defaultdict(list)
        for row in rows:
            if "_ng_task_index" in row:
                by_task[row["_ng_task_index"]].append(float(row.get("reward") or 0.0))
        assert summary["tasks"] == len(by_task)
        assert summary["rollouts"] == sum(map(len, by_task.values()))
        assert summary["ungrouped"] == len(rows) - summary["rollouts"]
        assert summary["with_spread"] == sum(
            1 for values in by_task.values() if max(values) > min(values)
        )
        assert summary["all_same_text"] <= sum(1 for values in by_task.values() if len(values) > 1)
        checked += bool(by_task)
    assert checked > 50
    proc = run("check_samples.py", example_rollout_files[0])
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr


# --- difficulty.py ----------------------------------------------------------------------------


def expected_buckets(entry: dict) -> tuple[list, list, list]:
    mixed, uniform, none = [], [], []
    for task in entry["group_level_metrics"]:
        if "min/reward" not in task:
            none.append(task["_ng_task_index"])
        elif task["min/reward"] == task["max/reward"]:
            uniform.append(task["_ng_task_index"])
        else:
            mixed.append(task["_ng_task_index"])
    return mixed, uniform, none


def test_difficulty_buckets_each_agent():
    path = DATA / "rollouts_aggregate_metrics.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    proc = run("difficulty.py", path)
    assert proc.returncode == 0, proc.stderr
    expected = []
    for entry in entries:
        mixed, uniform, none = expected_buckets(entry)
        line = (
            f"{entry['agent_ref']['name']}: {len(mixed)} tasks with mixed rewards, "
            f"{len(uniform)} tasks where every repeat scored the same"
        )
        expected.append(line + (f", {len(none)} tasks with no reward" if none else ""))
    assert proc.stdout.splitlines() == expected
    assert expected[0].endswith(
        ": 3 tasks with mixed rewards, 2 tasks where every repeat scored the same, "
        "1 tasks with no reward"
    )


def test_difficulty_lists_task_indices():
    path = DATA / "rollouts_aggregate_metrics.json"
    first = json.loads(path.read_text(encoding="utf-8"))[0]
    mixed, uniform, none = expected_buckets(first)
    lines = run("difficulty.py", path, "--list").stdout.splitlines()
    assert lines[1:4] == [
        f"  mixed: {' '.join(map(str, mixed))}",
        f"  same: {' '.join(map(str, uniform))}",
        f"  no reward: {' '.join(map(str, none))}",
    ]


def test_difficulty_on_the_release_metrics(gym_release):
    files = sorted(gym_release.glob("resources_servers/*/data/*aggregate_metrics.json"))
    assert len(files) > 10
    for path in files:
        before = path.read_bytes()
        entries = json.loads(before)
        proc = run("difficulty.py", path)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert len(lines) == len(entries)
        for line, entry in zip(lines, entries):
            mixed, uniform, _ = expected_buckets(entry)
            assert line.startswith(
                f"{entry['agent_ref']['name']}: {len(mixed)} tasks with mixed rewards, "
                f"{len(uniform)} tasks where every repeat scored the same"
            )
        assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2", ":1: not valid JSON"),
        ('{"agent_ref": {}}', ": expected a JSON list of agent entries, got dict"),
        ('[{"agent_ref": {"name": "a"}}]', ": entry 1 has no group_level_metrics list"),
    ],
)
def test_difficulty_bad_input(tmp_path, content, message):
    path = tmp_path / "rollouts_aggregate_metrics.json"
    path.write_text(content, encoding="utf-8")
    assert_clean_error(run("difficulty.py", path), f"{path}{message}")


def test_difficulty_given_the_rollouts_instead():
    path = DATA / "merged_rollouts.jsonl"
    assert_clean_error(run("difficulty.py", path), f"{path}:2: not valid JSON", "not the rollouts")
    assert_clean_error(
        run("difficulty.py", DATA / "missing.json"), "missing.json: cannot open input"
    )
