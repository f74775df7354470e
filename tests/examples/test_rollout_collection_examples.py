"""Tests for examples/rollout_collection: split_tasks, check_merged, check_samples, difficulty.

Each script is run as a command, the way the pages tell readers to run it, and
its functions are called directly. The data is the small hand-written set in
tests/data/rollout_collection/ (see its README.md) and the real rollouts and
aggregate metrics shipped in the pinned nemo-gym wheel. Expected numbers are
computed in the tests from the data, not copied from the scripts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "examples" / "rollout_collection"
DATA = ROOT / "tests" / "data" / "rollout_collection"
PAGES = ROOT / "docs" / "training" / "rollout-collection"


def load(name: str) -> ModuleType:
    """Import a script by path under a name no other test module uses."""
    spec = importlib.util.spec_from_file_location(
        f"rollout_collection_{name}", SCRIPTS / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


split_tasks = load("split_tasks")
check_merged = load("check_merged")
check_samples = load("check_samples")
difficulty = load("difficulty")


def run(script: str, *args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def digests(paths) -> dict[Path, str]:
    return {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


@pytest.fixture(autouse=True)
def data_is_never_modified():
    """Every test leaves the checked-in data exactly as it found it."""
    before = digests(sorted(DATA.iterdir()))
    yield
    assert digests(sorted(DATA.iterdir())) == before


def text_lines(path: Path) -> list[str]:
    """The non-blank lines of a file, split on newlines only (JSON strings may hold U+2028)."""
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in text_lines(path)]


def page_output(page: Path, command: str) -> list[str]:
    """The output lines shown under ``$ command`` in a console block of ``page``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"$ {command}")
    output = []
    for line in lines[start + 1 :]:
        if line.startswith(("```", "$ ")):
            break
        output.append(line)
    return output


def assert_clean_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    for fragment in fragments:
        assert fragment in proc.stderr


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
    ("parallel-generation.md", "split_tasks.py"),
    ("parallel-generation.md", "check_merged.py"),
    ("sampling-strategies.md", "check_samples.py"),
    ("collection-patterns.md", "difficulty.py"),
]


@pytest.mark.parametrize(("page", "script"), INCLUDED)
def test_page_includes_the_script_and_runs_it_from_the_repository(page, script):
    text = (PAGES / page).read_text(encoding="utf-8")
    assert f"```{{literalinclude}} /../examples/rollout_collection/{script}\n" in text
    assert f":caption: examples/rollout_collection/{script}\n" in text
    assert f"$ python examples/rollout_collection/{script} " in text
    assert f"python {script}" not in text and f"Save this as `{script}`" not in text
    assert "```python" not in text


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("*.py")))
def test_scripts_print_help(script):
    proc = run(script, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage:")


# --- split_tasks.py ---------------------------------------------------------------------------


def test_split_tasks_deals_tasks_out_with_global_indices(tmp_path):
    source = DATA / "tasks.jsonl"
    rows = json_lines(source)
    out = tmp_path / "shards"
    proc = run("split_tasks.py", source, 4, out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"Wrote {len(rows)} tasks to 4 shards in {out}\n"
    assert proc.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == [f"shard-{i:02d}.jsonl" for i in range(4)]
    written = {}
    for shard in range(4):
        for row in json_lines(out / f"shard-{shard:02d}.jsonl"):
            index = row.pop("_ng_task_index")
            assert index % 4 == shard
            written[index] = row
    # Position i (blank lines skipped) becomes task i, and nothing else changes.
    assert written == dict(enumerate(rows))
    # The file holds one task twice; each copy gets its own index.
    assert rows[1] == rows[5] and {1, 5} <= written.keys()


def test_split_tasks_keeps_existing_indices_and_their_lines(tmp_path):
    source = DATA / "tasks_stamped.jsonl"
    raw_lines = text_lines(source)
    counts = split_tasks.split_tasks(source, 3, tmp_path)
    assert counts == [
        sum(1 for line in raw_lines if json.loads(line)["_ng_task_index"] % 3 == shard)
        for shard in range(3)
    ]
    for shard in range(3):
        lines = text_lines(tmp_path / f"shard-{shard:02d}.jsonl")
        # Rows that keep their index are copied byte for byte, in input order.
        assert lines == [
            line for line in raw_lines if json.loads(line)["_ng_task_index"] % 3 == shard
        ]


def test_split_tasks_refuses_a_kept_index_that_another_task_gets(tmp_path):
    source = tmp_path / "tasks.jsonl"
    first, second = json_lines(DATA / "tasks.jsonl")[:2]
    second["_ng_task_index"] = 0  # the position split_tasks gives the first row
    source.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    out = tmp_path / "shards"
    proc = run("split_tasks.py", source, 2, out)
    assert_clean_error(proc, f"{source}:2:", "_ng_task_index 0")
    assert not out.exists()


def test_split_tasks_stops_on_a_bad_line_and_writes_nothing(tmp_path):
    proc = run("split_tasks.py", DATA / "bad_line.jsonl", 2, tmp_path)
    assert_clean_error(proc, f"{DATA / 'bad_line.jsonl'}:2: not valid JSON")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"a": 1}\n[1, 2]\n', ":2: expected a JSON object, got list"),
        (b'{"a": 1}\n{"_ng_task_index": "3"}\n', ":2: _ng_task_index must be an integer"),
        (b'{"a": 1}\n{"q": "\xff"}\n', ":2: not UTF-8 text"),
    ],
)
def test_split_tasks_names_the_line_of_other_bad_input(tmp_path, content, message):
    source = tmp_path / "tasks.jsonl"
    source.write_bytes(content)
    proc = run("split_tasks.py", source, 2, tmp_path / "out")
    assert_clean_error(proc, f"{source}{message}")
    assert source.read_bytes() == content


def test_split_tasks_reports_a_missing_file_and_a_bad_shard_count(tmp_path):
    assert_clean_error(
        run("split_tasks.py", tmp_path / "missing.jsonl", 2, tmp_path), "missing.jsonl: cannot read"
    )
    proc = run("split_tasks.py", DATA / "tasks.jsonl", 0, tmp_path)
    assert proc.returncode == 2 and "at least 1" in proc.stderr and "Traceback" not in proc.stderr


def test_split_tasks_warns_about_empty_and_stale_shards(tmp_path):
    tasks = len(json_lines(DATA / "tasks.jsonl"))
    proc = run("split_tasks.py", DATA / "tasks.jsonl", tasks + 2, tmp_path)
    assert proc.returncode == 0
    assert "2 shard(s) are empty" in proc.stderr
    proc = run("split_tasks.py", DATA / "tasks.jsonl", 2, tmp_path)
    assert proc.returncode == 0
    stale = sorted(tmp_path.glob("shard-*.jsonl"))[2:]
    assert len(stale) == tasks
    for path in stale:
        assert f"{path} is left from an earlier split" in proc.stderr


def test_split_tasks_on_the_task_files_in_the_release(gym_release, tmp_path):
    files = sorted(gym_release.glob("resources_servers/*/data/example.jsonl"))
    assert len(files) > 100
    split = kept = 0
    for number, source in enumerate(files):
        try:
            rows = json_lines(source)
        except json.JSONDecodeError:
            with pytest.raises(split_tasks.InputError, match=f"{source}:1:"):
                split_tasks.split_tasks(source, 3, tmp_path / str(number))
            continue
        before = source.read_bytes()
        out = tmp_path / str(number)
        counts = split_tasks.split_tasks(source, 3, out)
        assert source.read_bytes() == before
        assert sum(counts) == len(rows)
        expected = sorted(row.get("_ng_task_index", position) for position, row in enumerate(rows))
        indices = []
        for shard in range(3):
            for row in json_lines(out / f"shard-{shard:02d}.jsonl"):
                assert row["_ng_task_index"] % 3 == shard
                indices.append(row["_ng_task_index"])
        assert sorted(indices) == expected
        kept += any("_ng_task_index" in row for row in rows)
        split += 1
    assert split > 100 and kept >= 1


# --- check_merged.py --------------------------------------------------------------------------


def test_check_merged_matches_the_page_format():
    report = check_merged.KeyReport(rollouts=40000, tasks=10000)
    command = "python examples/rollout_collection/check_merged.py results/merged/rollouts.jsonl"
    assert check_merged.format_report(report) == page_output(
        PAGES / "parallel-generation.md", command
    )


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
    assert_clean_error(run("check_merged.py", tmp_path / "nope.jsonl"), "nope.jsonl: cannot read")


def test_check_merged_on_the_release_rollouts(example_rollout_files):
    checked = 0
    for path, rows in real_rollouts(example_rollout_files):
        report = check_merged.check_keys(check_merged.iter_rows(path))
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


def test_check_samples_reproduces_the_page():
    path = DATA / "dpo_rollouts.jsonl"
    command = "python examples/rollout_collection/check_samples.py results/dpo/rollouts.jsonl"
    proc = run("check_samples.py", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == page_output(PAGES / "sampling-strategies.md", command)
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
    assert_clean_error(run("check_samples.py", tmp_path), f"{tmp_path}: cannot read")


def test_check_samples_on_the_release_rollouts(example_rollout_files):
    checked = 0
    for path, rows in real_rollouts(example_rollout_files):
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
    assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr


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
    assert_clean_error(run("difficulty.py", DATA / "missing.json"), "missing.json: cannot read")
