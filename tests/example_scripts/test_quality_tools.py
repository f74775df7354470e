"""Tests for the data-quality tools in examples/quality/.

They run on the small files in tests/data/quality/ (whose numbers are worked
out by hand below) and on every example_rollouts.jsonl shipped in the pinned
nemo-gym wheel, through the ``example_rollout_files`` fixture. Every command
the data-quality pages show is run in page order on the test run, and its
output must match the page.

tests/data/quality/ holds the example run the pages use, ``results/run1``.
Its quality_summary.json and rollout_verdicts.jsonl were written by
``gym eval health-check`` of nemo-gym 0.7.0, and rollouts_aggregate_metrics.json
by its ``compute_aggregate_metrics``; with NEMO_GYM_PYTHON set to a Python that
has nemo-gym 0.7.0's dependencies, the last test writes them again and compares.
Its rollouts_materialized_inputs.jsonl holds the input row of every rollout and failed
attempt, for the ``gym eval profile`` command that docexec runs.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import (
    EXAMPLES,
    ROOT,
    TEST_DATA,
    load_script,
    load_scripts,
    run_script,
    write_jsonl,
)

QUALITY = EXAMPLES / "quality"
DATA = TEST_DATA / "quality"
ROLLOUTS = DATA / "rollouts.jsonl"

balance_rollouts, quality_io, review_sample, rollout_stats = load_scripts(
    QUALITY, "balance_rollouts", "quality_io", "review_sample", "rollout_stats"
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(name: str, *args: str) -> subprocess.CompletedProcess:
    return run_script(QUALITY / name, *args)


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

# manual-curation reviews the file that filtering-strategies writes. quality-metrics collects its
# own run, so it is left to the docexec tests, which start the servers it needs.
PAGES_IN_ORDER = (
    "filtering-strategies.md",
    "manual-curation.md",
    "dataset-balancing.md",
)
# The run directory the pages read. Its gym outputs were written by nemo-gym 0.7.0 itself:
# rollout_verdicts.jsonl and quality_summary.json by `gym eval health-check`, and
# rollouts_aggregate_metrics.json by nemo_gym.reward_profile.compute_aggregate_metrics.
RUN_FILES = (
    "rollouts.jsonl",
    "rollouts_failures.jsonl",
    "rollout_verdicts.jsonl",
    "quality_summary.json",
    "rollouts_aggregate_metrics.json",
)
# Python stand-ins for the jq filters that write files, for machines without jq.
JQ_SELECTS = {
    "select(.failure_kind == null)": lambda r: r.get("failure_kind") is None,
    'select(.failure_kind != "judge_unparseable")': lambda r: (
        r.get("failure_kind") != "judge_unparseable"
    ),
    'select(.response.incomplete_details.reason != "max_output_tokens")': lambda r: (
        ((r.get("response") or {}).get("incomplete_details") or {}).get("reason")
        != "max_output_tokens"
    ),
    "select((.response.usage.output_tokens // 0) <= 4096)": lambda r: (
        (((r.get("response") or {}).get("usage") or {}).get("output_tokens") or 0) <= 4096
    ),
}
# The verdicts the manual-curation page's reviewer writes into review/sheet.csv.
REVIEW = {7: ("keep", "correct zero: 17 * 23 is 391"), 19: ("drop", "no response, no reward")}


def console_commands(page: Path) -> list[tuple[str, list[str]]]:
    """(command, output lines) for each `$ ` line of the page's console blocks, in page order."""
    commands = []
    for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL):
        lines = block.splitlines()
        index = 0
        while index < len(lines):
            if not lines[index].startswith("$ "):
                index += 1
                continue
            command = lines[index][2:]
            while command.endswith("\\"):
                index += 1
                command = command[:-1].rstrip() + " " + lines[index].strip()
            index += 1
            output = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            commands.append((command, output))
    return commands


def emulate_jq(command: str, cwd: Path) -> bool:
    """Run `jq -c '<select>' IN > OUT` in Python; False when the command is not one of those."""
    match = re.fullmatch(r"jq -c '(.+)' (\S+) > (\S+)", command)
    if not match or match.group(1) not in JQ_SELECTS:
        return False
    keep = JQ_SELECTS[match.group(1)]
    rows = [json.loads(line) for line in lines_of(cwd / match.group(2))]
    (cwd / match.group(3)).write_text(
        "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows if keep(r)),
        encoding="utf-8",
    )
    return True


def fill_review_sheet(sheet: Path) -> None:
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["verdict"], row["notes"] = REVIEW.get(int(row["line"]), ("keep", ""))
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_pages_show_the_real_output_of_their_commands(tmp_path):
    """Run every command of the data-quality pages, in page order, on the test run; each output a
    page prints must be what the command prints. gym commands need servers and are left out."""
    run = tmp_path / "results" / "run1"
    run.mkdir(parents=True)
    for name in RUN_FILES:
        (run / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "eval_tasks.jsonl").write_bytes((DATA / "eval_tasks.jsonl").read_bytes())
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    has_jq = shutil.which("jq") is not None

    checked = ran = 0
    for page_name in PAGES_IN_ORDER:
        for command, expected in console_commands(
            ROOT / "docs" / "training" / "data-quality" / page_name
        ):
            words = command.split()
            if words[0] in ("gym", "for") or "curated/reverified/" in command:
                continue  # needs running servers, or the output of one
            if (words[0] == "jq" or "| jq" in command) and not has_jq:
                # A filter that writes a file feeds later steps, so it must still run.
                if re.search(r"' \S+ > \S+$", command):
                    assert emulate_jq(command, tmp_path), command
                continue
            if words[0] == "python":
                command = f"{shlex.quote(sys.executable)} {command[len('python ') :]}"
            result = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                cwd=tmp_path,
                check=False,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, (page_name, command, result.stderr)
            ran += 1
            if expected:
                shown = (result.stdout + result.stderr).splitlines()
                assert shown == expected, (page_name, command)
                checked += 1
            if "review_sample.py draw" in command:
                fill_review_sheet(tmp_path / "review" / "sheet.csv")
    assert ran >= 15 and checked >= 12, (ran, checked)
    assert (tmp_path / "curated" / "final.jsonl").is_file()


def test_review_page_shows_the_filled_sheet(tmp_path):
    """The filled-sheet excerpt on the manual-curation page matches the sheet the draw writes."""
    page = (ROOT / "docs" / "training" / "data-quality" / "manual-curation.md").read_text()
    shown = re.search(r"```text\n(line,fingerprint,.*?)```", page, re.DOTALL).group(1).splitlines()
    complete = tmp_path / "4_complete.jsonl"
    source = quality_io.read_jsonl(ROLLOUTS)
    unmasked = [r for r in source if not quality_io.is_masked(r.record)]
    keep = [
        r
        for r in unmasked
        if r.record.get("failure_kind") is None
        and (r.record.get("_ng_task_index"), r.record.get("_ng_rollout_index")) != (4, 1)
    ]
    complete.write_text("".join(r.raw + "\n" for r in keep), encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    args = ["draw", str(complete), "-o", str(sheet), "--per-group", "3", "--by", "task_source"]
    assert run("review_sample.py", *args, "--seed", "7").returncode == 0
    fill_review_sheet(sheet)
    rows = list(csv.reader(sheet.read_text(encoding="utf-8").splitlines()))
    expected = list(csv.reader(shown))
    assert rows[0] == expected[0]
    for got, want in zip(rows[1:], expected[1:], strict=False):
        # The fingerprint hashes the line's bytes, which depend on the tool that wrote the file.
        assert re.fullmatch(r"sha1:[0-9a-f]{16}", got[1]) and re.fullmatch(
            r"sha1:[0-9a-f]{16}", want[1]
        )
        assert got[:1] + got[2:] == want[:1] + want[2:]


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
        ("missing.jsonl", "missing.jsonl: cannot open input:"),
    ],
)
def test_read_errors_are_located(name, message):
    with pytest.raises(quality_io.InputError, match=None) as info:
        quality_io.read_jsonl(DATA / name)
    assert message in str(info.value)


def test_reading_is_shared_with_the_converters(tmp_path):
    """quality_io reads through examples/converters/rollout_io.py and keeps each line's text."""
    rollout_io = load_script(EXAMPLES / "converters" / "rollout_io.py")
    assert quality_io.InputError is rollout_io.InputError
    assert quality_io.reward_of is rollout_io.reward_of
    assert quality_io.run_cli is rollout_io.run_cli
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\n{"b":2}\n')
    rows = quality_io.read_jsonl(path)
    assert [(r.line, r.raw, r.record) for r in rows] == [
        (1, '{"a": 1}', {"a": 1}),
        (3, '{"b":2}', {"b": 2}),
    ]
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"a": 1}\n{"b": "caf\xe9"}\n')
    with pytest.raises(quality_io.InputError, match=r"latin1.jsonl:2: not UTF-8 text"):
        quality_io.read_jsonl(bad)
    pointer = tmp_path / "pointer.jsonl"
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n")
    with pytest.raises(
        quality_io.InputError, match=r"pointer.jsonl:1: not valid JSON .*git lfs pull"
    ):
        quality_io.read_jsonl(pointer)
    with pytest.raises(quality_io.InputError, match="standard input"):
        quality_io.read_jsonl("-")


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
    result = run("rollout_stats.py", str(ROLLOUTS), "--json", "--per-task")
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
    result = run("rollout_stats.py", str(ROLLOUTS), "--pass-threshold", "0.5")
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
    write_jsonl(path, ({"reward": i / 20} for i in range(21)))
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
        result = run(script, *args)
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
    result = run("balance_rollouts.py", *args)
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
    assert run("balance_rollouts.py", *args[:2], str(again), *args[3:]).returncode == 0
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
    """Options that parse but cannot be used together are usage errors: exit status 2."""
    result = run(
        "balance_rollouts.py", str(ROLLOUTS), "-o", str(tmp_path / "o.jsonl"), *extra
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["draw", str(ROLLOUTS), "--n", "2", "--per-group", "1"], "not allowed with argument --n"),
        (["draw", str(ROLLOUTS), "--per-group", "1"], "--per-group needs --by"),
        (["draw", "-", "--n", "2"], "reading standard input is not supported"),
        (["draw", str(ROLLOUTS), "--n", "2", "--reward-edges", "1,0"], "strictly increasing"),
    ],
)
def test_review_usage_errors_exit_2(tmp_path, args, message):
    sheet = tmp_path / "sheet.csv"
    result = run("review_sample.py", *args, "-o", str(sheet))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not sheet.exists()


def test_balance_refuses_to_overwrite_input_or_existing_output(tmp_path):
    result = run(
        "balance_rollouts.py", str(ROLLOUTS), "-o", str(ROLLOUTS), "--by", "task", "--cap", "1"
    )
    assert result.returncode == 1 and "output is the input file" in result.stderr
    existing = tmp_path / "exists.jsonl"
    existing.write_text("keep me\n")
    result = run(
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
    result = run("review_sample.py", *args)
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
        run(
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
        run(
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
    result = run(
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
    assert run("review_sample.py", *args).returncode == 0
    records = [json.loads(line) for line in lines_of(kept)]
    assert [r["_review"]["verdict"] for r in records] == ["keep", "keep"]
    assert records[0]["_review"]["notes"] == f"note for line {sampled[0]}"


def test_merge_jsonl_sheet(tmp_path):
    sheet = tmp_path / "sheet.jsonl"
    assert (
        run(
            "review_sample.py", "draw", str(ROLLOUTS), "-o", str(sheet), "--n", "3"
        ).returncode
        == 0
    )
    rows = [json.loads(line) for line in lines_of(sheet)]
    for row in rows:
        row["verdict"] = "drop"
    write_jsonl(sheet, rows)
    curated = tmp_path / "curated.jsonl"
    assert (
        run(
            "review_sample.py", "merge", str(ROLLOUTS), str(sheet), "-o", str(curated)
        ).returncode
        == 0
    )
    assert len(lines_of(curated)) == 21 - 3


def test_merge_errors_are_located(tmp_path):
    sheet = tmp_path / "sheet.csv"
    assert (
        run(
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
        result = run(
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


# --------------------------------------------------------------------------- drop_unhealthy


def test_drop_unhealthy_uses_the_runs_verdicts(tmp_path):
    out = tmp_path / "healthy.jsonl"
    before = digest(ROLLOUTS)
    result = run(
        "drop_unhealthy.py", str(ROLLOUTS), str(DATA / "rollout_verdicts.jsonl"), "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "Verdicts of the 21 rollouts: 0 healthy, 1 unhealthy, 20 unobserved, 0 without a verdict",
        f"Dropped 1 unhealthy; wrote 20 rollouts to {out}",
    ]
    source = quality_io.read_jsonl(ROLLOUTS)
    assert lines_of(out) == [
        r.raw
        for r in source
        if (r.record["_ng_task_index"], r.record["_ng_rollout_index"]) != (4, 1)
    ]
    assert digest(ROLLOUTS) == before


def test_drop_unhealthy_warns_about_rollouts_without_a_verdict(tmp_path):
    verdicts = tmp_path / "verdicts.jsonl"
    verdicts.write_text("\n".join(lines_of(DATA / "rollout_verdicts.jsonl")[:5]) + "\n")
    out = tmp_path / "out.jsonl"
    result = run("drop_unhealthy.py", str(ROLLOUTS), str(verdicts), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert (
        "16 without a verdict" in result.stderr
        and "Note: 16 rollouts have no verdict" in result.stderr
    )
    assert len(lines_of(out)) == 21


def test_drop_unhealthy_rejects_a_file_that_is_not_verdicts(tmp_path):
    result = run(
        "drop_unhealthy.py", str(ROLLOUTS), str(ROLLOUTS), "-o", str(tmp_path / "o.jsonl")
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "rollouts.jsonl:1: not a health-check verdict" in result.stderr


# --------------------------------------------------------------------------- deduplicate


def test_deduplicate_drops_repeats_and_evaluation_prompts(tmp_path):
    out = tmp_path / "final.jsonl"
    result = run(
        "deduplicate.py",
        str(ROLLOUTS),
        "-o",
        str(out),
        "--eval-tasks",
        str(DATA / "eval_tasks.jsonl"),
    )
    assert result.returncode == 0, result.stderr
    kept = [json.loads(line) for line in lines_of(out)]
    # Task 2 ("What is 12 / 4?") is the evaluation prompt; tasks 0 and 1 always give one answer.
    assert all(r["_ng_task_index"] != 2 for r in kept)
    by_task = {}
    for r in kept:
        by_task.setdefault(r["_ng_task_index"], []).append(r["_ng_rollout_index"])
    assert by_task[0] == [0] and by_task[1] == [0]
    assert by_task[3] == [0, 1]  # answers 1000 and 1024
    assert "prompt is in an evaluation set" in result.stderr

    rl = tmp_path / "rl.jsonl"
    args = [
        str(ROLLOUTS),
        "-o",
        str(rl),
        "--eval-tasks",
        str(DATA / "eval_tasks.jsonl"),
        "--keep-duplicates",
    ]
    assert run("deduplicate.py", *args).returncode == 0
    assert len(lines_of(rl)) == 21 - 4


def test_deduplicate_prompt_ignores_system_prompt_and_whitespace():
    import deduplicate

    a = quality_io.Rollout(
        "f",
        1,
        "",
        {
            "responses_create_params": {
                "input": [
                    {"role": "system", "content": "Be brief."},
                    {
                        "role": "user",
                        "content": [{"type": "input_text", "text": "What  is\n2 + 3?"}],
                    },
                ]
            }
        },
    )
    b = quality_io.Rollout("f", 2, "", {"responses_create_params": {"input": "What is 2 + 3?"}})
    assert deduplicate.prompt_of(a) == deduplicate.prompt_of(b) == "What is 2 + 3?"
    with pytest.raises(quality_io.InputError, match="f:3: no responses_create_params.input"):
        deduplicate.prompt_of(quality_io.Rollout("f", 3, "", {"reward": 1.0}))


# --------------------------------------------------------------------------- reward_changes


def test_reward_changes_lists_changed_rollouts(tmp_path):
    after = tmp_path / "after.jsonl"
    rows = [json.loads(line) for line in lines_of(ROLLOUTS)]
    for row in rows:
        if (row["_ng_task_index"], row["_ng_rollout_index"]) == (3, 0):
            row["reward"] = 1.0
    write_jsonl(after, rows[:-1])
    result = run("reward_changes.py", str(ROLLOUTS), str(after))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Rewards changed: 1 of 20 rollouts in both files",
        "  task 3, repeat 0: 0 -> 1",
        f"Only in {ROLLOUTS}: 1; only in {after}: 0",
    ]
    as_json = json.loads(
        run("reward_changes.py", str(ROLLOUTS), str(after), "--json").stdout
    )
    assert as_json["changed"] == [
        {
            "stage_index": None,
            "_ng_task_index": 3,
            "_ng_rollout_index": 0,
            "before": 0.0,
            "after": 1.0,
        }
    ]


def test_reward_changes_refuses_repeated_rollouts(tmp_path):
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_text("\n".join(lines_of(ROLLOUTS) * 2) + "\n", encoding="utf-8")
    result = run("reward_changes.py", str(doubled), str(ROLLOUTS))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "doubled.jsonl:22: task 0, repeat 0 appears twice" in result.stderr


# --------------------------------------------------------------------------- gym's own outputs

NEMO_GYM_PYTHON = os.environ.get("NEMO_GYM_PYTHON")
needs_gym_python = pytest.mark.skipif(
    not NEMO_GYM_PYTHON,
    reason="set NEMO_GYM_PYTHON to a Python with nemo-gym 0.7.0's dependencies to run it",
)

# Recomputes what the driver writes to <stem>_aggregate_metrics.json: the rows it sends to each
# environment server's /aggregate_metrics (nemo_gym/rollout_collection.py), scored by
# compute_aggregate_metrics, wrapped in the entry the driver writes.
AGGREGATE_DRIVER = """
import json, sys, warnings
warnings.simplefilter("ignore")
from nemo_gym.reward_profile import compute_aggregate_metrics
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
heavy = ("response", "responses_create_params", "ng_agent_observations", "ng_model_call_capture",
         "ng_trajectory")
entries = []
for agent, server in json.loads(sys.argv[2]):
    sent = []
    for row in rows:
        if row["agent_ref"]["name"] != agent:
            continue
        entry = {k: v for k, v in row.items() if k not in heavy}
        response = row.get("response") or {}
        kept = {k: response[k] for k in ("usage", "incomplete_details") if response.get(k) is not None}
        if kept:
            entry["response"] = kept
        sent.append(entry)
    m = compute_aggregate_metrics(sent)
    entry = {"agent_ref": {"name": agent}, "_ng_environment_server": server,
             "agent_metrics": m.agent_metrics, "key_metrics": m.key_metrics,
             "group_level_metrics": m.group_level_metrics,
             "repeat_level_metrics": m.repeat_level_metrics}
    if m.perf_summary is not None:
        entry["perf_summary"] = m.perf_summary
    entries.append(entry)
print(json.dumps(entries))
"""


@needs_gym_python
def test_run_files_are_what_nemo_gym_writes(gym_release, tmp_path):
    """The committed health reports and aggregate metrics of the test run come from nemo-gym."""
    env = dict(os.environ, PYTHONPATH=str(gym_release))
    run = tmp_path / "run1"
    run.mkdir()
    (run / "rollouts.jsonl").write_bytes(ROLLOUTS.read_bytes())
    health = subprocess.run(
        [
            NEMO_GYM_PYTHON,
            "-c",
            "from nemo_gym.cli.main import main; main()",
            "eval",
            "health-check",
            str(run),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert health.returncode == 0, health.stderr[-3000:]
    assert (
        health.stdout.splitlines()[-2]
        == "Rollout health: 21 checked, 0 healthy, 1 unhealthy, 20 unobserved"
    )
    assert json.loads((run / "quality_summary.json").read_text()) == json.loads(
        (DATA / "quality_summary.json").read_text()
    )
    assert lines_of(run / "rollout_verdicts.jsonl") == lines_of(DATA / "rollout_verdicts.jsonl")

    committed = json.loads((DATA / "rollouts_aggregate_metrics.json").read_text())
    agents = [[e["agent_ref"]["name"], e["_ng_environment_server"]] for e in committed]
    script = tmp_path / "aggregate.py"
    script.write_text(AGGREGATE_DRIVER, encoding="utf-8")
    metrics = subprocess.run(
        [NEMO_GYM_PYTHON, str(script), str(ROLLOUTS), json.dumps(agents)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert metrics.returncode == 0, metrics.stderr[-3000:]
    assert json.loads(metrics.stdout) == committed
