"""Tests for the data-quality tools in examples/quality/.

They run on the small files in tests/data/quality/ (whose numbers are worked
out by hand below) and on every example_rollouts.jsonl shipped in the pinned
nemo-gym wheel, through the ``example_rollout_files`` fixture.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUALITY = ROOT / "examples" / "quality"
DATA = ROOT / "tests" / "data" / "quality"
ROLLOUTS = DATA / "rollouts.jsonl"

sys.path.insert(0, str(QUALITY))

import balance_rollouts
import quality_io
import review_sample
import rollout_stats


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(QUALITY / name), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines_of(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def parses(path: Path) -> bool:
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not isinstance(json.loads(line), dict):
                return False
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return True


def fill_sheet(sheet: Path, verdicts: dict[int, str], out: Path) -> None:
    """Write a copy of a CSV review sheet with verdicts filled in by input line."""
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["verdict"] = verdicts.get(int(row["line"]), "")
        row["notes"] = f"note for line {row['line']}"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


# --------------------------------------------------------------------------- the pages' output


def documented_runs() -> list[tuple[str, str, list[str]]]:
    """(page, command, output lines) for each `python examples/quality/...` console command in the
    data-quality pages that reads only results/run1/ and shows its output."""
    runs = []
    for page in sorted((ROOT / "docs" / "training" / "data-quality").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
            lines = block.splitlines()
            index = 0
            while index < len(lines):
                if not lines[index].startswith("$ "):
                    index += 1
                    continue
                command = lines[index][2:]
                while command.endswith("\\"):
                    index += 1
                    command = command[:-1] + " " + lines[index].strip()
                index += 1
                output = []
                while index < len(lines) and not lines[index].startswith("$ "):
                    output.append(lines[index])
                    index += 1
                words = command.split()
                if (
                    output
                    and words[0] == "python"
                    and words[1].startswith("examples/quality/")
                    and "|" not in words
                    and all(
                        not w.endswith(".jsonl") or w.startswith(("results/run1/", "balanced/"))
                        for w in words
                    )
                ):
                    runs.append((page.name, command, output))
    return runs


def test_pages_show_the_real_output_of_the_scripts(tmp_path):
    """The outputs printed in the data-quality pages are what the scripts print for the test run."""
    run = tmp_path / "results" / "run1"
    run.mkdir(parents=True)
    (tmp_path / "balanced").mkdir()
    for name in ("rollouts.jsonl", "rollouts_failures.jsonl"):
        (run / name).write_bytes((DATA / name).read_bytes())
    runs = documented_runs()
    assert len(runs) >= 4, runs
    for page, command, expected in runs:
        words = command.split()
        argv = [sys.executable, str(QUALITY / Path(words[1]).name), *words[2:], "--overwrite"]
        if words[1].endswith("rollout_stats.py"):
            argv = argv[:-1]
        result = subprocess.run(argv, cwd=tmp_path, check=False, capture_output=True, text=True)
        assert result.returncode == 0, (page, command, result.stderr)
        shown = (result.stdout + result.stderr).splitlines()
        assert shown == expected, (page, command)


# --------------------------------------------------------------------------- quality_io


def test_read_jsonl_keeps_raw_lines_and_line_numbers():
    rollouts = quality_io.read_jsonl(ROLLOUTS)
    assert len(rollouts) == 21
    assert [r.line for r in rollouts] == list(range(1, 22))
    assert [r.raw for r in rollouts] == lines_of(ROLLOUTS)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.jsonl", "malformed.jsonl:3: not valid JSON ("),
        ("not_object.jsonl", "not_object.jsonl:2: expected a JSON object, got list"),
        ("missing.jsonl", "missing.jsonl: file not found"),
    ],
)
def test_read_errors_are_located(name, message):
    with pytest.raises(quality_io.InputError, match=None) as info:
        quality_io.read_jsonl(DATA / name)
    assert message in str(info.value)


def test_task_key_falls_back_to_prompt_hash_then_line():
    with_index = quality_io.Rollout("f", 1, "", {"_ng_task_index": 4, "agent_ref": {"name": "a"}})
    prompt = {"responses_create_params": {"input": "hi"}, "agent_ref": {"name": "a"}}
    same_prompt = [quality_io.Rollout("f", n, "", prompt) for n in (2, 3)]
    bare = quality_io.Rollout("f", 9, "", {"reward": 1.0})
    assert quality_io.task_key(with_index) == "a#4"
    assert quality_io.task_key(same_prompt[0]) == quality_io.task_key(same_prompt[1])
    assert quality_io.task_key(same_prompt[0]).startswith("a#prompt-")
    assert quality_io.task_key(bare) == "f:9"


def test_buckets():
    edges = quality_io.parse_edges("0,0.5,1")
    assert quality_io.reward_bucket(-1, edges) == "reward<0"
    assert quality_io.reward_bucket(0.25, edges) == "0<=reward<0.5"
    assert quality_io.reward_bucket(1, edges) == "reward>=1"
    assert quality_io.reward_bucket(None, edges) == "no_reward"
    assert [quality_io.pass_rate_bucket(r) for r in (0.0, 0.25, 0.5, 1.0, None)] == [
        "unsolved",
        "hard",
        "easy",
        "solved",
        "unscored",
    ]
    with pytest.raises(quality_io.InputError, match="strictly increasing"):
        quality_io.parse_edges("1,0.5")


# --------------------------------------------------------------------------- rollout_stats


def test_stats_on_hand_made_file():
    result = run_script("rollout_stats.py", str(ROLLOUTS), "--json", "--per-task")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["rollouts"] == 21
    assert stats["masked"] == 1
    assert stats["missing_reward"] == 1
    reward = stats["reward"]
    assert reward["count"] == 19
    assert reward["mean"] == pytest.approx(9 / 19)
    assert reward["min"] == 0.0 and reward["max"] == 1.0 and reward["median"] == 0.0
    assert stats["reward_distribution"] == {
        "values": [{"value": 0.0, "count": 10}, {"value": 1.0, "count": 9}]
    }
    assert stats["passes"] == 9
    assert stats["failure_kinds"] == {"judge_failed": 1}
    assert stats["failure_reason_set"] == 1
    assert stats["incomplete"] == {"max_output_tokens": 1}
    assert stats["tokens"]["missing_usage"] == 1
    assert stats["tokens"]["output"]["total"] == 814
    assert stats["tokens"]["output"]["max"] == 512
    tasks = stats["tasks"]
    assert tasks["count"] == 7
    assert (tasks["all_fail"], tasks["mixed"], tasks["all_pass"], tasks["unscored"]) == (1, 3, 2, 1)
    assert tasks["pass_rate_buckets"] == {
        "unsolved": 1,
        "hard": 1,
        "easy": 2,
        "solved": 2,
        "unscored": 1,
    }
    assert tasks["zero_variance"] == 2
    assert tasks["multi_repeat"] == 5
    expected_std = (math.sqrt(0.5) + 0 + 0 + math.sqrt(1 / 3) + 0.5) / 5
    assert tasks["mean_within_task_std"] == pytest.approx(expected_std)
    assert stats["by_source"]["code_resources_server"] == {
        "rollouts": 5,
        "tasks": 3,
        "scored": 3,
        "masked": 1,
        "mean_reward": pytest.approx(2 / 3),
        "pass_rate": pytest.approx(2 / 3),
    }
    assert stats["by_source"]["math_resources_server"]["tasks"] == 4
    assert stats["failures_sidecar"] == {
        "rows": 2,
        "by_class": {"agent_request_failed": 1, "agent_run_error": 1},
    }
    assert stats["duplicate_identities"] == 0
    hard = next(row for row in stats["per_task"] if row["task"] == "math_simple_agent#3")
    assert (hard["pass_rate"], hard["bucket"]) == (0.25, "hard")


def test_stats_text_report_and_threshold():
    result = run_script("rollout_stats.py", str(ROLLOUTS), "--pass-threshold", "0.5")
    assert result.returncode == 0, result.stderr
    assert "Pass rate (reward >= 0.5): 47.4% (9 of 19)" in result.stdout
    assert "Failures sidecar rows: 2 (agent_request_failed 1, agent_run_error 1)" in result.stdout


def test_stats_counts_duplicate_identities(tmp_path):
    copy = tmp_path / "dup.jsonl"
    lines = lines_of(ROLLOUTS)
    copy.write_text("\n".join(lines + lines[:3]) + "\n", encoding="utf-8")
    stats = rollout_stats.compute_stats(quality_io.read_jsonl(copy))
    assert stats["duplicate_identities"] == 3


def test_stats_histogram_for_continuous_rewards(tmp_path):
    path = tmp_path / "continuous.jsonl"
    path.write_text(
        "".join(json.dumps({"reward": i / 20}) + "\n" for i in range(21)), encoding="utf-8"
    )
    stats = rollout_stats.compute_stats(quality_io.read_jsonl(path), bins=4)
    histogram = stats["reward_distribution"]["histogram"]
    assert [bucket["count"] for bucket in histogram] == [5, 5, 5, 6]
    assert stats["reward"]["p25"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("name", "located"),
    [("malformed.jsonl", "malformed.jsonl:3:"), ("not_object.jsonl", "not_object.jsonl:2:")],
)
def test_cli_errors_name_file_and_line_without_traceback(name, located):
    for script in ("rollout_stats.py", "balance_rollouts.py", "review_sample.py"):
        args = {
            "rollout_stats.py": [str(DATA / name)],
            "balance_rollouts.py": [
                str(DATA / name),
                "-o",
                "/nonexistent-dir/x.jsonl",
                "--by",
                "task",
                "--cap",
                "1",
                "--dry-run",
            ],
            "review_sample.py": [
                "draw",
                str(DATA / name),
                "-o",
                str(DATA / "never-written.csv"),
                "--n",
                "1",
            ],
        }[script]
        result = run_script(script, *args)
        assert result.returncode == 1, (script, result.stderr)
        assert result.stderr.startswith("error: ") and located in result.stderr, (
            script,
            result.stderr,
        )
        assert "Traceback" not in result.stderr
    assert not (DATA / "never-written.csv").exists()


def test_stats_on_every_example_rollouts_file(example_rollout_files, capsys):
    checked = 0
    for path in example_rollout_files:
        code = quality_io.run_cli(rollout_stats.main, [str(path), "--json"])
        out, err = capsys.readouterr()
        if not parses(path):
            assert code == quality_io.EXIT_INPUT_ERROR
            assert err.startswith(f"error: {path}:") and "Traceback" not in err
            continue
        assert code == 0, err
        stats = json.loads(out)
        assert stats["rollouts"] == len(lines_of(path)), path
        assert (
            stats["reward"]["count"] + stats["masked"] + stats["missing_reward"]
            == stats["rollouts"]
        )
        assert sum(stats["tasks"]["pass_rate_buckets"].values()) == stats["tasks"]["count"]
        assert sum(row["rollouts"] for row in stats["by_source"].values()) == stats["rollouts"]
        checked += 1
    assert checked >= 100


def test_stats_agree_with_gym_aggregate_metrics(gym_release):
    """Where the wheel ships <stem>_aggregate_metrics.json, our reward statistics match it."""
    compared = 0
    for metrics_path in sorted(
        gym_release.glob("resources_servers/*/data/example_rollouts_aggregate_metrics.json")
    ):
        rollouts_path = metrics_path.with_name("example_rollouts.jsonl")
        if not parses(rollouts_path):
            continue
        agent_metrics = json.loads(metrics_path.read_text())[0]["agent_metrics"]
        stats = rollout_stats.compute_stats(quality_io.read_jsonl(rollouts_path))
        for name in ("mean", "std", "min", "max", "median"):
            if f"{name}/reward" in agent_metrics:
                assert stats["reward"][name] == pytest.approx(agent_metrics[f"{name}/reward"]), (
                    metrics_path,
                    name,
                )
        for field, side in (("input_tokens", "input"), ("output_tokens", "output")):
            if f"mean/{field}" in agent_metrics:
                assert stats["tokens"][side]["mean"] == pytest.approx(
                    agent_metrics[f"mean/{field}"]
                )
        compared += 1
    assert compared >= 10


# --------------------------------------------------------------------------- balance_rollouts


def test_cap_whole_tasks_per_task_source(tmp_path):
    out = tmp_path / "balanced.jsonl"
    before = digest(ROLLOUTS)
    args = [
        str(ROLLOUTS),
        "-o",
        str(out),
        "--by",
        "task_source",
        "--unit",
        "task",
        "--cap",
        "2",
        "--seed",
        "5",
    ]
    result = run_script("balance_rollouts.py", *args)
    assert result.returncode == 0, result.stderr
    assert digest(ROLLOUTS) == before
    kept = quality_io.read_jsonl(out)
    tasks = {}
    for rollout in kept:
        tasks.setdefault(quality_io.source_of(rollout.record), set()).add(
            quality_io.task_key(rollout)
        )
    assert {source: len(keys) for source, keys in tasks.items()} == {
        "code_resources_server": 2,
        "math_resources_server": 2,
    }
    # Whole tasks: every repeat of a chosen task is kept, and lines are written exactly as read.
    source_lines = lines_of(ROLLOUTS)
    all_rollouts = quality_io.read_jsonl(ROLLOUTS)
    chosen = {quality_io.task_key(r) for r in kept}
    assert lines_of(out) == [r.raw for r in all_rollouts if quality_io.task_key(r) in chosen]
    assert set(lines_of(out)) <= set(source_lines)
    # Same seed, same file.
    again = tmp_path / "again.jsonl"
    assert run_script("balance_rollouts.py", *args[:2], str(again), *args[3:]).returncode == 0
    assert out.read_bytes() == again.read_bytes()


def test_target_resamples_with_copies():
    rollouts = quality_io.read_jsonl(ROLLOUTS)
    result = balance_rollouts.balance(rollouts, by="task_source", target=10, seed=1)
    counts = {}
    for rollout in result.rollouts:
        source = quality_io.source_of(rollout.record)
        counts[source] = counts.get(source, 0) + 1
    assert counts == {"code_resources_server": 10, "math_resources_server": 10}
    assert result.copies == 5
    report = {group.name: group for group in result.groups}
    assert (
        report["math_resources_server"].rollouts_before,
        report["math_resources_server"].rollouts_after,
    ) == (16, 10)
    # Output stays in input order: positions never decrease.
    positions = [rollout.line for rollout in result.rollouts]
    assert positions == sorted(positions)


def test_drop_pass_rate_groups_keeps_mixed_tasks():
    rollouts = quality_io.read_jsonl(ROLLOUTS)
    result = balance_rollouts.balance(
        rollouts, by="pass_rate", unit="task", drop_groups=["unsolved", "solved", "unscored"]
    )
    assert sorted({quality_io.task_key(r) for r in result.rollouts}) == [
        "code_simple_agent#4",
        "math_simple_agent#2",
        "math_simple_agent#3",
    ]
    assert len(result.rollouts) == 10


def test_drop_group_accepts_absent_bucket_names_but_not_typos():
    math_only = [
        r
        for r in quality_io.read_jsonl(ROLLOUTS)
        if r.record["task_source"] == "math_resources_server"
    ]
    result = balance_rollouts.balance(
        math_only, by="pass_rate", unit="task", drop_groups=["unscored"]
    )
    assert len(result.rollouts) == len(math_only)
    with pytest.raises(quality_io.InputError, match="no group named 'unsolvd'"):
        balance_rollouts.balance(math_only, by="pass_rate", drop_groups=["unsolvd"])


def test_reward_bucket_cap():
    rollouts = quality_io.read_jsonl(ROLLOUTS)
    result = balance_rollouts.balance(rollouts, by="reward_bucket", cap=3, edges=[0.5], seed=2)
    names = {group.name: group.rollouts_after for group in result.groups}
    assert names == {"no_reward": 1, "reward<0.5": 3, "reward>=0.5": 3}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--by", "reward_bucket", "--unit", "task", "--cap", "1"],
            "cannot be combined with --by reward_bucket",
        ),
        (["--by", "pass_rate", "--drop-group", "trivial"], "no group named 'trivial'"),
        (["--by", "task"], "nothing to do"),
        (["--by", "task", "--cap", "0"], "--cap must be at least 1"),
    ],
)
def test_balance_errors(tmp_path, extra, message):
    result = run_script(
        "balance_rollouts.py", str(ROLLOUTS), "-o", str(tmp_path / "o.jsonl"), *extra
    )
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_balance_refuses_to_overwrite_input_or_existing_output(tmp_path):
    result = run_script(
        "balance_rollouts.py", str(ROLLOUTS), "-o", str(ROLLOUTS), "--by", "task", "--cap", "1"
    )
    assert result.returncode == 1 and "output is one of the input files" in result.stderr
    existing = tmp_path / "exists.jsonl"
    existing.write_text("keep me\n")
    result = run_script(
        "balance_rollouts.py", str(ROLLOUTS), "-o", str(existing), "--by", "task", "--cap", "1"
    )
    assert result.returncode == 1 and "--overwrite" in result.stderr
    assert existing.read_text() == "keep me\n"


def test_balance_every_example_rollouts_file(example_rollout_files, tmp_path):
    for path in example_rollout_files:
        if not parses(path):
            continue
        rollouts = quality_io.read_jsonl(path)
        one_per_task = balance_rollouts.balance(rollouts, by="task", cap=1, seed=3)
        tasks = {quality_io.task_key(r) for r in rollouts}
        assert len(one_per_task.rollouts) == len(tasks), path
        assert {quality_io.task_key(r) for r in one_per_task.rollouts} == tasks
        by_source = balance_rollouts.balance(rollouts, by="task_source", unit="task", cap=2, seed=3)
        assert [r.raw for r in by_source.rollouts] == [
            r.raw
            for r in balance_rollouts.balance(
                rollouts, by="task_source", unit="task", cap=2, seed=3
            ).rollouts
        ]


# --------------------------------------------------------------------------- review_sample


def test_draw_is_reproducible_and_describes_each_rollout(tmp_path):
    sheet = tmp_path / "sheet.csv"
    args = ["draw", str(ROLLOUTS), "-o", str(sheet), "--n", "6", "--seed", "7"]
    result = run_script("review_sample.py", *args)
    assert result.returncode == 0, result.stderr
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6
    assert list(rows[0]) == list(review_sample.SHEET_COLUMNS)
    lines = [int(row["line"]) for row in rows]
    assert lines == sorted(lines)
    by_line = {r.line: r for r in quality_io.read_jsonl(ROLLOUTS)}
    for row in rows:
        rollout = by_line[int(row["line"])]
        assert row["fingerprint"] == quality_io.line_digest(rollout.raw)
        assert row["prompt"] == rollout.record["responses_create_params"]["input"][-1]["content"]
        assert row["verdict"] == "" and row["notes"] == ""
    again = tmp_path / "again.csv"
    assert (
        run_script(
            "review_sample.py", "draw", str(ROLLOUTS), "-o", str(again), "--n", "6", "--seed", "7"
        ).returncode
        == 0
    )
    assert again.read_bytes() == sheet.read_bytes()


def test_draw_per_group():
    rollouts = quality_io.read_jsonl(ROLLOUTS)
    sample = review_sample.draw_sample(rollouts, per_group=2, by="task_source", seed=1)
    sources = [quality_io.source_of(r.record) for r in sample]
    assert sorted(sources) == ["code_resources_server"] * 2 + ["math_resources_server"] * 2


def test_merge_drops_and_keeps_without_touching_inputs(tmp_path):
    sheet = tmp_path / "sheet.csv"
    assert (
        run_script(
            "review_sample.py", "draw", str(ROLLOUTS), "-o", str(sheet), "--n", "5", "--seed", "3"
        ).returncode
        == 0
    )
    with sheet.open(encoding="utf-8", newline="") as handle:
        sampled = [int(row["line"]) for row in csv.DictReader(handle)]
    verdicts = {sampled[0]: "keep", sampled[1]: "drop", sampled[2]: " Keep ", sampled[3]: "drop"}
    filled = tmp_path / "filled.csv"
    fill_sheet(sheet, verdicts, filled)
    before = (digest(ROLLOUTS), digest(filled))

    curated = tmp_path / "curated.jsonl"
    result = run_script(
        "review_sample.py", "merge", str(ROLLOUTS), str(filled), "-o", str(curated), "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["reviewed"] == 4 and summary["dropped"] == 2 and summary["unreviewed"] == 1
    assert summary["written"] == 19
    source = quality_io.read_jsonl(ROLLOUTS)
    assert lines_of(curated) == [r.raw for r in source if r.line not in (sampled[1], sampled[3])]
    assert (digest(ROLLOUTS), digest(filled)) == before

    kept = tmp_path / "kept.jsonl"
    args = ["merge", str(ROLLOUTS), str(filled), "-o", str(kept), "--only-kept", "--annotate"]
    assert run_script("review_sample.py", *args).returncode == 0
    records = [json.loads(line) for line in lines_of(kept)]
    assert [r["_review"]["verdict"] for r in records] == ["keep", "keep"]
    assert records[0]["_review"]["notes"] == f"note for line {sampled[0]}"


def test_merge_jsonl_sheet(tmp_path):
    sheet = tmp_path / "sheet.jsonl"
    assert (
        run_script(
            "review_sample.py", "draw", str(ROLLOUTS), "-o", str(sheet), "--n", "3"
        ).returncode
        == 0
    )
    rows = [json.loads(line) for line in lines_of(sheet)]
    for row in rows:
        row["verdict"] = "drop"
    sheet.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    curated = tmp_path / "curated.jsonl"
    assert (
        run_script(
            "review_sample.py", "merge", str(ROLLOUTS), str(sheet), "-o", str(curated)
        ).returncode
        == 0
    )
    assert len(lines_of(curated)) == 21 - 3


def test_merge_errors_are_located(tmp_path):
    sheet = tmp_path / "sheet.csv"
    assert (
        run_script(
            "review_sample.py", "draw", str(ROLLOUTS), "-o", str(sheet), "--n", "3", "--seed", "1"
        ).returncode
        == 0
    )
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    def merge_with(mutate) -> str:
        changed = [dict(row) for row in rows]
        mutate(changed)
        bad = tmp_path / "bad.csv"
        with bad.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(changed)
        result = run_script(
            "review_sample.py", "merge", str(ROLLOUTS), str(bad), "-o", str(tmp_path / "o.jsonl")
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr
        return result.stderr

    err = merge_with(lambda r: r[1].update(verdict="maybe"))
    assert "bad.csv:3 (spreadsheet row 3): verdict 'maybe' is not one of keep, drop" in err
    err = merge_with(lambda r: r[0].update(fingerprint="0" * 16))
    assert (
        "bad.csv:2 (spreadsheet row 2): the rollout on input line" in err and "changed since" in err
    )
    assert "no rollout on line 99" in merge_with(lambda r: r[2].update(line="99"))
    assert "appears twice" in merge_with(lambda r: r.append(dict(r[0])))
    assert "'line' must be a line number" in merge_with(lambda r: r[0].update(line="seven"))


def test_wilson_interval():
    low, high = review_sample.wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = review_sample.wilson_interval(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert review_sample.wilson_interval(0, 0) is None


def test_review_round_trip_on_every_example_rollouts_file(example_rollout_files, tmp_path):
    for number, path in enumerate(example_rollout_files):
        if not parses(path):
            continue
        rollouts = quality_io.read_jsonl(path)
        sample = review_sample.draw_sample(rollouts, n=3, seed=number)
        sheet = tmp_path / f"sheet{number}.csv"
        review_sample.write_sheet(sheet, [review_sample.sheet_row(r, 500) for r in sample])
        filled = tmp_path / f"filled{number}.csv"
        fill_sheet(sheet, {r.line: "keep" for r in sample}, filled)
        verdicts = review_sample.check_verdicts(review_sample.read_sheet(str(filled)), rollouts)
        assert review_sample.merge_lines(rollouts, verdicts, only_kept=True) == [
            r.raw for r in sample
        ], path
