"""Bad input for every script in examples/: no traceback, no lost input, no replaced special file.

Each script runs as a reader would run it (``python examples/<dir>/<name>.py``)
on the same set of bad inputs: an empty file, a truncated line, bytes that
are not UTF-8, a 50 MB line, NaN and Infinity, wrong types, missing fields, a
directory and a missing path. Every script that writes a file is also pointed
at its own input, at an existing file, at a FIFO, a symbolic link and a
device node. After each run the input files hold the same bytes, the special
files are still what they were, no ``.partial`` file is left, and stderr has
no traceback.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .helpers import EXAMPLES

# Each script with how it is called: {in} is the bad input, {out} the output (when it writes).
SCRIPTS = {
    "converters/check_training_files.py": ["{in}"],
    "converters/filter_rollouts.py": ["{in}", "{out}", "--min-reward", "0.5"],
    "converters/rollouts_to_sft.py": ["{in}", "{out}"],
    "converters/rollouts_to_dpo.py": ["{in}", "{out}", "--group-by", "prompt"],
    "converters/validate_rollouts.py": ["{in}"],
    "integration/gym_token_ids.py": ["{in}"],
    "integration/prepare_prompts.py": ["--format", "verl", "{in}", "{out}"],
    "integration/stamp_agent_ref.py": ["{in}", "{out}"],
    "performance/run_throughput.py": ["{in}"],
    "quality/balance_rollouts.py": ["{in}", "-o", "{out}", "--by", "task", "--cap", "1"],
    "quality/deduplicate.py": ["{in}", "-o", "{out}"],
    "quality/drop_unhealthy.py": ["{in}", "{verdicts}", "-o", "{out}"],
    "quality/review_sample.py": ["draw", "{in}", "-o", "{out}", "--n", "2"],
    "quality/reward_changes.py": ["{in}", "{in}"],
    "quality/rollout_stats.py": ["{in}"],
    "rollout_collection/check_merged.py": ["{in}"],
    "rollout_collection/check_samples.py": ["{in}"],
    "rollout_collection/difficulty.py": ["{in}"],
    "rollout_collection/select_task_rows.py": ["{in}", "--keep", "{in}", "--output", "{out}"],
    "rollout_collection/shard_tasks.py": ["{in}", "--num-shards", "2", "--output-dir", "{outdir}"],
    "troubleshooting/check_rows.py": ["{in}"],
    "troubleshooting/summarize_failures.py": ["{in}"],
    "troubleshooting/verification_report.py": ["{in}"],
    "verification/reward_report.py": ["{in}"],
}
WRITERS = {name for name, args in SCRIPTS.items() if "{out}" in args}
# Not run here: check_task_rows.py imports nemo-gym (it is run on bad rows where nemo-gym is
# installed, and its missing-nemo-gym message is tested below); the bridge is a server, tested
# with malformed requests in test_integration_examples.py; the rest are modules.
NOT_COMMANDS = {
    "converters/rollout_io.py", "converters/check_task_rows.py", "quality/quality_io.py",
    "integration/gym_verify_client.py", "integration/trl_gym_reward.py",
    "integration/verl_gym_reward.py", "integration/openrlhf_reward_bridge.py",
    "verification/reward_helpers.py",
}

BIG_LINE = b'{"responses_create_params": {"input": "' + b"a" * (50 * 2**20) + b'"}, "reward": 1}\n'
BAD_INPUTS = {
    "empty": b"",
    "truncated": b'{"_ng_task_index": 0, "reward": 1.0}\n{"_ng_task_index": 1, "rew',
    "not_utf8": b'{"reward": "\xff\xfe"}\n',
    "nan_inf": b'{"_ng_task_index": NaN, "_ng_rollout_index": Infinity, "reward": NaN, '
    b'"responses_create_params": {"input": "q", "temperature": -Infinity}, '
    b'"response": {"output": []}}\n',
    "wrong_types": b'{"_ng_task_index": "a", "_ng_rollout_index": [], "reward": "high", '
    b'"mask_sample": "yes", "responses_create_params": "x", "response": 5, "agent_ref": 3, '
    b'"_ng_failure_class": 7, "task_source": {}}\n[1, 2]\n"text"\n',
    "missing_fields": b"{}\n{}\n",
}


def run(script: str, args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
        stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def fill_args(script: str, source: Path, out: Path, verdicts: Path | None = None) -> list[str]:
    """The arguments; the verdicts file is the bad input too unless a good one is given."""
    return [
        arg.replace("{in}", str(source)).replace("{verdicts}", str(verdicts or source))
        .replace("{outdir}", str(out.parent)).replace("{out}", str(out))
        for arg in SCRIPTS[script]
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clean(proc: subprocess.CompletedProcess, *codes: int) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in codes, (proc.returncode, proc.stderr[-2000:])


def no_partials(directory: Path) -> bool:
    return not list(directory.glob(".*.partial"))


def test_every_script_is_fuzzed():
    commands = {
        path.relative_to(EXAMPLES).as_posix()
        for path in EXAMPLES.glob("*/*.py")
        if not path.is_symlink()
    }
    assert commands - NOT_COMMANDS == set(SCRIPTS), commands - NOT_COMMANDS ^ set(SCRIPTS)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("bad")
    files = {}
    for name, data in {**BAD_INPUTS, "big_line": BIG_LINE}.items():
        files[name] = directory / f"{name}.jsonl"
        files[name].write_bytes(data)
    return files


@pytest.mark.slow  # seven runs per script, one of them with a 50 MB line
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_bad_input(script, inputs, tmp_path):
    """Every bad input: exit 0, 1 or 2 with a message, never a traceback; inputs unchanged."""
    before = {name: digest(path) for name, path in inputs.items() if name != "big_line"}
    outs = {name: tmp_path / name / "out.jsonl" for name in inputs}
    for out in outs.values():
        out.parent.mkdir()
    with ThreadPoolExecutor(max_workers=4) as pool:  # the runs are independent processes
        procs = dict(zip(inputs, pool.map(
            lambda name: run(script, fill_args(script, inputs[name], outs[name])), inputs)))
    for name, proc in procs.items():
        out = outs[name]
        assert_clean(proc, 0, 1)
        if proc.returncode == 1:  # checkers report problems on stdout, errors go to stderr
            assert (proc.stderr + proc.stdout).strip(), f"{script} on {name}: exit 1 without a message"
        assert no_partials(out.parent)
    assert before == {name: digest(path) for name, path in inputs.items() if name != "big_line"}
    assert inputs["big_line"].stat().st_size == len(BIG_LINE)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_directory_and_missing_path(script, tmp_path):
    (tmp_path / "out").mkdir()
    for source in (tmp_path / "out", tmp_path / "missing.jsonl"):
        proc = run(script, fill_args(script, source, tmp_path / "out" / "o.jsonl"))
        assert_clean(proc, 1)
        assert str(source) in proc.stderr, proc.stderr


@pytest.fixture()
def good_input(tmp_path) -> Path:
    """A small valid rollouts file every script reads."""
    path = tmp_path / "rollouts.jsonl"
    rows = [
        b'{"_ng_task_index": 0, "_ng_rollout_index": 0, "reward": 1.0, "agent_ref": {"name": "a"}, '
        b'"task_source": "a", "responses_create_params": {"input": "q"}, '
        b'"response": {"output": [{"type": "message", "role": "assistant", '
        b'"content": [{"type": "output_text", "text": "x"}]}]}}\n',
        b'{"_ng_task_index": 0, "_ng_rollout_index": 1, "reward": 0.0, "agent_ref": {"name": "a"}, '
        b'"task_source": "a", "responses_create_params": {"input": "q"}, '
        b'"response": {"output": [{"type": "message", "role": "assistant", '
        b'"content": [{"type": "output_text", "text": "y"}]}]}}\n',
    ]
    path.write_bytes(b"".join(rows))
    return path


def special_files(directory: Path) -> dict[str, Path]:
    """A FIFO, a symbolic link to a file, and (as root) a copy of the /dev/null device node."""
    files = {}
    files["fifo"] = directory / "fifo.jsonl"
    os.mkfifo(files["fifo"])
    target = directory / "link-target.jsonl"
    target.write_text("keep me\n")
    files["symlink"] = directory / "link.jsonl"
    files["symlink"].symlink_to(target)
    if os.geteuid() == 0:
        files["device"] = directory / "null.jsonl"
        os.mknod(files["device"], stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return files


@pytest.mark.slow  # thirteen runs per writer
@pytest.mark.parametrize("script", sorted(WRITERS))
def test_writers_never_lose_data(script, good_input, tmp_path):
    original = good_input.read_bytes()
    verdicts = tmp_path / "rollout_verdicts.jsonl"
    verdicts.write_text(
        '{"_ng_task_index": 0, "_ng_rollout_index": 0, "verdict": "healthy"}\n'
        '{"_ng_task_index": 0, "_ng_rollout_index": 1, "verdict": "unhealthy"}\n'
    )

    def args(out: Path) -> list[str]:
        return fill_args(script, good_input, out, verdicts)

    # output == input, directly, through a symbolic link and through a hard link
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(good_input)
    hard = tmp_path / "hard.jsonl"
    os.link(good_input, hard)
    for target in (good_input, alias, hard):
        proc = run(script, args(target))
        assert_clean(proc, 1)
        assert good_input.read_bytes() == original, f"{script} changed its input through {target}"
    # an existing output is kept unless --overwrite
    existing = tmp_path / "existing.jsonl"
    existing.write_text("keep me\n")
    proc = run(script, args(existing))
    assert_clean(proc, 1)
    assert "--overwrite" in proc.stderr and existing.read_text() == "keep me\n"
    proc = run(script, [*args(existing), "--overwrite"])
    assert_clean(proc, 0)
    assert existing.read_text() != "keep me\n"
    # special files are never opened for writing nor replaced
    for kind, path in special_files(tmp_path).items():
        mode = os.lstat(path).st_mode
        proc = run(script, args(path), timeout=20)
        assert_clean(proc, 1)
        assert "not a regular file" in proc.stderr, (kind, proc.stderr)
        assert os.lstat(path).st_mode == mode, f"{script} replaced the {kind}"
        proc = run(script, [*args(path), "--overwrite"], timeout=20)
        assert_clean(proc, 1)
        assert os.lstat(path).st_mode == mode, f"{script} replaced the {kind} with --overwrite"
    assert (tmp_path / "link-target.jsonl").read_text() == "keep me\n"
    assert good_input.read_bytes() == original and no_partials(tmp_path)
    # standard output (a review sheet needs a .csv or .jsonl name: a usage error)
    proc = run(script, args(Path("-")))
    assert_clean(proc, 2 if script == "quality/review_sample.py" else 0)


def test_shard_tasks_never_replaces_shards(good_input, tmp_path):
    script = "rollout_collection/shard_tasks.py"
    out = tmp_path / "shards"
    out.mkdir()
    first = out / f"{good_input.stem}.shard0-of-2.jsonl"
    first.write_text("keep me\n")
    proc = run(script, fill_args(script, good_input, out / "x"))
    assert_clean(proc, 1)
    assert "--overwrite" in proc.stderr and first.read_text() == "keep me\n"
    first.unlink()
    os.mkfifo(first)
    proc = run(script, [*fill_args(script, good_input, out / "x"), "--overwrite"], timeout=20)
    assert_clean(proc, 1)
    assert stat.S_ISFIFO(os.lstat(first).st_mode)


def test_check_task_rows_without_nemo_gym(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-S", "-I", str(EXAMPLES / "converters" / "check_task_rows.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert_clean(proc, 1)
    assert "needs nemo-gym" in proc.stderr
