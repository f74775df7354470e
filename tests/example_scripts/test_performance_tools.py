"""Tests for examples/performance: the throughput report.

The report is checked on synthetic run files with hand-computed answers
(tests/data/performance) and on the real example rollouts shipped in the
nemo-gym wheel, whose token counts it must add up exactly as a direct count
does. The driver-log parser is checked against the format strings in the
released nemo_gym/rollout_collection.py, so a change to the printed progress
line fails here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from .helpers import (
    EXAMPLES,
    TEST_DATA,
    TRAINING_DOCS,
    assert_clean_error,
    load_script,
    run_script,
    write_jsonl,
)

DATA = TEST_DATA / "performance"
SCRIPT = EXAMPLES / "performance" / "run_throughput.py"

rt = load_script(SCRIPT)
ROLLOUTS = DATA / "rollouts.jsonl"
LOG = DATA / "collect.log"


# --- run_throughput: synthetic run --------------------------------------------------------------


def test_counts_and_sidecars():
    summary = rt.summarize([ROLLOUTS])
    assert summary["successful_rollouts"] == 4
    assert summary["failed_rollouts"] == 1
    assert summary["expected_rollouts"] == 6
    assert summary["malformed_lines"] == 1  # the line a hard kill cut short


def test_token_totals_include_chat_usage():
    tokens = rt.summarize([ROLLOUTS])["tokens"]
    assert tokens["input_tokens"]["total"] == 3800  # 1000 + 1100 + 800 + 900 (prompt_tokens)
    assert tokens["output_tokens"]["total"] == 750  # 200 + 300 + 100 + 150 (completion_tokens)
    assert tokens["total_tokens"]["total"] == 4550  # 1050 computed for the chat-usage row
    assert tokens["output_tokens"]["mean_per_rollout"] == pytest.approx(187.5)
    # cached_tokens is null on one row and absent on another: two rollouts report it.
    assert tokens["cached_tokens"] == {"total": 400, "rollouts": 2, "mean_per_rollout": 200}
    assert tokens["reasoning_tokens"]["total"] == 150
    assert tokens["reasoning_tokens"]["rollouts"] == 3


def test_rates_from_driver_log():
    summary = rt.summarize([ROLLOUTS], driver_logs=[LOG])
    assert summary["wall_seconds"] == 600
    assert summary["wall_source"] == "driver log"
    assert summary["wall_is_lower_bound"] is False
    rates = summary["rates"]
    assert rates["successful_rollouts_per_hour"] == pytest.approx(24.0)
    assert rates["attempted_rollouts_per_hour"] == pytest.approx(30.0)
    assert rates["output_tokens_per_second"] == pytest.approx(1.25)
    assert rates["total_tokens_per_second"] == pytest.approx(4550 / 600)
    log = summary["driver_logs"][0]
    assert (log["completed"], log["total"], log["rollouts_per_min"]) == (5, 6, 0.5)
    assert log["latency_minutes"]["p90"] == 0.5


def test_wall_seconds_wins_over_log():
    summary = rt.summarize([ROLLOUTS], driver_logs=[LOG], wall_seconds=1800)
    assert summary["wall_source"] == "--wall-seconds"
    assert summary["rates"]["successful_rollouts_per_hour"] == pytest.approx(8.0)


def test_timestamp_fallbacks_are_lower_bounds(tmp_path):
    # With no log, the model-call span is used: first started_at 1000.0, last completed_at 1060.0.
    summary = rt.summarize([ROLLOUTS])
    assert summary["wall_source"] == "model-call timestamps"
    assert summary["wall_seconds"] == pytest.approx(60.0)
    assert summary["wall_is_lower_bound"] is True
    # Without capture data, the response.created_at span: 1010.0 .. 1100.0.
    stripped = tmp_path / "rollouts.jsonl"
    rows, _ = rt.read_jsonl(ROLLOUTS)
    without_capture = [{k: v for k, v in r.items() if k != "ng_model_call_capture"} for r in rows]
    write_jsonl(stripped, without_capture)
    summary = rt.summarize([stripped])
    assert summary["wall_source"] == "response.created_at timestamps"
    assert summary["wall_seconds"] == pytest.approx(90.0)
    assert summary["expected_rollouts"] is None  # no materialized inputs next to this copy


def test_latency_and_model_call_share():
    summary = rt.summarize([ROLLOUTS])
    latency = summary["latency_ms"]
    assert latency["count"] == 3
    assert latency["p50"] == 20000
    assert latency["p90"] == pytest.approx(28000)
    assert latency["p99"] == pytest.approx(29800)
    share = summary["model_call_share"]
    assert share["share"] == pytest.approx(45000 / 60000)
    assert share["model_calls"] == 6
    # The hand-written perf_summary agrees with the per-rollout ng_perf values.
    perf = summary["perf_summaries"][0]
    assert perf["agent"] == "example_agent"
    assert perf["total_latency_p90_ms"] == pytest.approx(latency["p90"])


def test_percentile_matches_linear_interpolation():
    assert rt.percentile([1, 2, 3, 4], 50) == 2.5
    assert rt.percentile([10], 99) == 10
    assert rt.percentile([0, 10], 90) == pytest.approx(9.0)
    with pytest.raises(ValueError):
        rt.percentile([], 50)


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("Finished 10 / 10 rollouts (100%) in 0:00:07 (85.71 rollouts/min). ", 7),
        ("Finished 9 / 10 rollouts (90%) in 2:03:04 (0.07 rollouts/min). ", 2 * 3600 + 3 * 60 + 4),
        ("Finished 1 / 2 rollouts (50%) in 1 day, 0:00:01 (0.00 rollouts/min). ", 86401),
        (
            "Finished 1 / 2 rollouts (50%) in 3 days, 4:05:06 (0.00 rollouts/min). ",
            3 * 86400 + 4 * 3600 + 306,
        ),
    ],
)
def test_driver_log_elapsed_formats(tmp_path, line, seconds):
    path = tmp_path / "run.log"
    path.write_text(line + "Examples left:\n")
    assert rt.parse_driver_log(path).elapsed_seconds == seconds


def test_log_patterns_match_the_released_format_strings(gym_release: Path):
    source = (gym_release / "nemo_gym" / "rollout_collection.py").read_text(encoding="utf-8")
    progress = (
        'f"Finished {completed_count} / {len(input_rows)} rollouts ({int(current_pct)}%) '
        'in {time_taken} ({rollouts_per_min:.2f} rollouts/min). "'
    )
    assert progress in source
    assert 'f"Per-task latency over {len(self._durations)} completed rollout(s): "' in source
    assert 'f"median {self.quantile(0.5) / 60:.1f} min, "' in source
    assert 'f"p90 {self.quantile(0.9) / 60:.1f} min, "' in source
    assert 'f"p99 {self.quantile(0.99) / 60:.1f} min, "' in source
    # Sidecar and metrics file names come from nemo_gym/path_utils.py.
    path_utils = (gym_release / "nemo_gym" / "path_utils.py").read_text(encoding="utf-8")
    assert 'output_fpath.stem + "_failures.jsonl"' in path_utils
    assert 'output_fpath.stem + "_aggregate_metrics"' in path_utils
    assert 'output_fpath.stem + "_materialized_inputs"' in path_utils


def test_perf_field_names_match_the_release(gym_release: Path):
    collection = (gym_release / "nemo_gym" / "rollout_collection.py").read_text(encoding="utf-8")
    assert 'NG_PERF_KEY = "ng_perf"' in collection
    assert 'ng_perf["total_latency_ms"] = rollout_latency_ms' in collection
    model = (gym_release / "nemo_gym" / "base_responses_api_model.py").read_text(encoding="utf-8")
    assert '"latency_total_ms": _sum("latency_total_ms")' in model
    assert '"num_calls": len(calls)' in model
    profile = (gym_release / "nemo_gym" / "reward_profile.py").read_text(encoding="utf-8")
    assert 'summary[f"total_latency_{stat}_ms"]' in profile


def test_cli_report_and_json(capsys):
    assert rt.main([str(ROLLOUTS), "--driver-log", str(LOG)]) == 0
    report = capsys.readouterr().out
    assert "Rollouts per hour: 24.0 successful, 30.0 attempted" in report
    assert "Time in model calls: 75% of rollout time (6 calls)" in report
    assert rt.main([str(ROLLOUTS), "--wall-seconds", "600", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rates"]["output_tokens_per_second"] == pytest.approx(1.25)


def test_sidecars_in_the_arguments_are_skipped():
    # A shell glob such as rollouts*.jsonl also matches the sidecar and the materialized inputs.
    paths = sorted(DATA.glob("rollouts*.jsonl"))
    assert len(paths) == 3
    summary = rt.summarize(paths)
    assert [entry["rollouts"] for entry in summary["files"]] == [str(ROLLOUTS)]
    assert summary["successful_rollouts"] == 4
    with pytest.raises(ValueError):
        rt.summarize([DATA / "rollouts_failures.jsonl"])


def test_benchmarks_page_shows_the_real_report(monkeypatch):
    # performance-benchmarks.md quotes the report on this data; keep the page and the script in step.
    monkeypatch.chdir(DATA)
    report = rt.format_report(
        rt.summarize([Path("rollouts.jsonl")], driver_logs=[Path("collect.log")])
    )
    page = (TRAINING_DOCS / "performance" / "performance-benchmarks.md").read_text()
    # The page's console block shows the command's output (docexec also runs it).
    command = "$ python examples/performance/run_throughput.py rollouts.jsonl --driver-log collect.log"
    assert "```console\n" + command + "\n" + report + "\n```" in page


def test_cli_errors(tmp_path):
    assert_clean_error(run_script(SCRIPT, tmp_path / "missing.jsonl"), "file not found", code=1)
    proc = run_script(SCRIPT, ROLLOUTS, "--wall-seconds", "0")
    assert_clean_error(proc, "usage:", "--wall-seconds must be positive", code=2)
    proc = run_script(SCRIPT, DATA / "rollouts_failures.jsonl")
    assert_clean_error(proc, "not only its sidecars", code=1)
    with pytest.raises(SystemExit) as exit_info:
        rt.main([str(ROLLOUTS), "--wall-seconds", "-1"])
    assert exit_info.value.code == 2


def test_unknown_wall_time_gives_no_rates(tmp_path):
    path = tmp_path / "rollouts.jsonl"
    usage = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    write_jsonl(path, [{"response": {"usage": usage}}])
    summary = rt.summarize([path])
    assert summary["wall_seconds"] is None and summary["rates"] is None
    assert "Wall-clock time: unknown" in rt.format_report(summary)


# --- run_throughput: real example rollouts from the wheel ---------------------------------------


def _direct_count(path: Path) -> tuple[int, float, int]:
    """Independent count: parseable rows, summed output tokens, rows with a usage object."""
    rows = 0
    output = 0.0
    with_usage = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        rows += 1
        response = row.get("response")
        usage = response.get("usage") if isinstance(response, dict) else None
        if isinstance(usage, dict):
            value = usage.get("output_tokens", usage.get("completion_tokens"))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                output += value
                with_usage += 1
    return rows, output, with_usage


def test_example_rollouts_add_up(example_rollout_files: list[Path]):
    files_with_usage = 0
    for path in example_rollout_files:
        summary = rt.summarize([path], wall_seconds=3600)
        rows, output, with_usage = _direct_count(path)
        assert summary["successful_rollouts"] == rows, path
        assert summary["tokens"]["output_tokens"]["total"] == output, path
        assert summary["tokens"]["output_tokens"]["rollouts"] == with_usage, path
        # With one hour of wall time, rollouts per hour equals the number of rollouts.
        assert summary["rates"]["successful_rollouts_per_hour"] == pytest.approx(rows)
        files_with_usage += with_usage > 0
        rt.format_report(summary)  # renders without error
    assert files_with_usage > 0, "no example rollout file carries response.usage"


def test_example_rollouts_with_placeholders_are_skipped(example_rollout_files: list[Path]):
    placeholder_files = [
        p for p in example_rollout_files if "<PLACEHOLDER ROW>" in p.read_text(encoding="utf-8")
    ]
    for path in placeholder_files:
        summary = rt.summarize([path])
        assert summary["malformed_lines"] > 0
        assert summary["successful_rollouts"] == _direct_count(path)[0]


def test_usage_field_names_match_the_release(gym_release: Path):
    # accumulate_response_usage sums these over an agent's turns into the rollout's response.usage.
    source = (gym_release / "nemo_gym" / "openai_utils.py").read_text(encoding="utf-8")
    for name in ("input_tokens", "output_tokens", "total_tokens"):
        assert f"result.{name} += additional.{name}" in source, name
    assert "result.input_tokens_details.cached_tokens = _add_optional_token_counts(" in source
    assert "result.output_tokens_details.reasoning_tokens = _add_optional_token_counts(" in source


def test_no_nan_in_report_for_synthetic_run():
    summary = rt.summarize([ROLLOUTS], driver_logs=[LOG])
    for value in summary["rates"].values():
        assert math.isfinite(value)
