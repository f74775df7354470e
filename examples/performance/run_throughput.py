#!/usr/bin/env python3
"""Compute rollouts per hour and tokens per second from a NeMo Gym run's files.

NeMo Gym 0.7.0 prints a running rate while it collects (``Finished N / M
rollouts (P%) in H:MM:SS (R rollouts/min)``) but writes no throughput figure
into its output files. This script reads what a run leaves behind and reports:

- successful rollouts (lines of the rollouts JSONL), failed rollouts (lines of
  the ``<stem>_failures.jsonl`` sidecar) and expected rollouts (lines of
  ``<stem>_materialized_inputs.jsonl``),
- token totals and means from each rollout's ``response.usage``
  (``input_tokens``, ``output_tokens``, ``total_tokens``, cached and reasoning
  token details),
- wall-clock time, from ``--wall-seconds``, from the driver's own progress
  lines in a saved log (``--driver-log``), or, when neither is given, estimated
  from timestamps inside the rollouts (a lower bound of the real time),
- rollouts per hour and tokens per second over that wall-clock time,
- per-rollout latency percentiles from ``ng_perf.total_latency_ms`` and the
  share of rollout time spent in model calls, from
  ``ng_model_call_capture.metrics.latency_total_ms``; both exist only when the
  run had ``observability_enabled`` on,
- the ``perf_summary`` block of ``<stem>_aggregate_metrics.json`` when present.

Files named ``*_failures.jsonl`` or ``*_materialized_inputs.jsonl`` among the
arguments are skipped, so a shell glob over shard outputs can be passed as is.

Examples:

    gym eval run --no-serve ... 2>&1 | tee collect.log
    python examples/performance/run_throughput.py results/rollouts.jsonl --driver-log collect.log
    python examples/performance/run_throughput.py results/rollouts.jsonl --wall-seconds 5400 --json

    # Shards that ran at the same time: pass every shard and every driver log.
    python examples/performance/run_throughput.py shards/rollouts_*.jsonl \
        --driver-log logs/shard_0.log --driver-log logs/shard_1.log

Lines that are not JSON objects (a hard kill can cut the last line short) are
counted and skipped. Standard library only, Python 3.11 or newer, with
rollout_io.py from examples/converters/ (run it from the repository, or keep a
copy of rollout_io.py next to it). Exit status: 0 on success; 1 when a file
cannot be read or only sidecars are given; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from rollout_io import (
    InputError,
    failures_path_for,
    finite_float,
    finite_number,
    iter_jsonl_lines,
    iter_raw_lines,
    read_json,
    run_cli,
)

# The driver's progress line, printed by nemo_gym/rollout_collection.py:
#   Finished {completed} / {total} rollouts ({pct}%) in {timedelta} ({rate:.2f} rollouts/min).
# str(timedelta) is "H:MM:SS", or "D day(s), H:MM:SS" past 24 hours.
_PROGRESS_RE = re.compile(
    r"Finished (?P<completed>\d+) / (?P<total>\d+) rollouts \((?P<pct>\d+)%\) in "
    r"(?:(?P<days>\d+) days?, )?(?P<hours>\d+):(?P<minutes>\d{2}):(?P<seconds>\d{2}) "
    r"\((?P<rate>[0-9.]+) rollouts/min\)"
)
# The latency summary the driver prints when collection ends (DispatchLatencyTracker.summary).
_LATENCY_RE = re.compile(
    r"Per-task latency over (?P<count>\d+) completed rollout\(s\): "
    r"median (?P<median>[0-9.]+) min, p90 (?P<p90>[0-9.]+) min, "
    r"p99 (?P<p99>[0-9.]+) min, max (?P<max>[0-9.]+) min"
)

TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cached_tokens",
    "reasoning_tokens",
)


def materialized_path_for(rollouts_path: Path) -> Path:
    """``results/rollouts.jsonl`` -> ``results/rollouts_materialized_inputs.jsonl``."""
    return rollouts_path.with_name(rollouts_path.stem + "_materialized_inputs.jsonl")


def aggregate_metrics_path_for(rollouts_path: Path) -> Path:
    """``results/rollouts.jsonl`` -> ``results/rollouts_aggregate_metrics.json``."""
    return rollouts_path.with_name(rollouts_path.stem + "_aggregate_metrics.json")


def is_sidecar(path: Path) -> bool:
    """True for a run's failures sidecar or materialized inputs, which a shell glob also matches.

    ``gym eval aggregate`` skips the same two kinds of file when it expands its glob.
    """
    return path.stem.endswith(("_failures", "_materialized_inputs"))


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Return the JSON objects in ``path`` and the number of non-blank lines that were not one."""
    malformed: list[InputError] = []
    rows = [row for _, _, row in iter_jsonl_lines(path, on_invalid=malformed.append)]
    return rows, len(malformed)


def count_jsonl_lines(path: Path) -> int:
    """Count non-blank lines; used for the sidecar and the materialized inputs."""
    return sum(1 for _, raw in iter_raw_lines(path) if raw.strip())


def usage_tokens(row: dict[str, Any]) -> dict[str, float] | None:
    """Token counts of one rollout from ``response.usage``, or None when it has no usage.

    Responses API usage carries ``input_tokens`` / ``output_tokens`` / ``total_tokens``
    with ``input_tokens_details.cached_tokens`` and ``output_tokens_details.reasoning_tokens``.
    A few agents store Chat Completions usage (``prompt_tokens`` / ``completion_tokens``);
    those are read as input and output tokens.
    """
    response = row.get("response")
    if not isinstance(response, dict):
        return None
    usage = response.get("usage")
    if not isinstance(usage, dict):
        return None
    tokens: dict[str, float] = {}
    pairs = (("input_tokens", "prompt_tokens"), ("output_tokens", "completion_tokens"))
    for name, fallback in pairs:
        value = finite_number(usage.get(name))
        if value is None:
            value = finite_number(usage.get(fallback))
        if value is not None:
            tokens[name] = value
    total = finite_number(usage.get("total_tokens"))
    if total is None and "input_tokens" in tokens and "output_tokens" in tokens:
        total = tokens["input_tokens"] + tokens["output_tokens"]
    if total is not None:
        tokens["total_tokens"] = total
    details = (
        ("cached_tokens", usage.get("input_tokens_details") or usage.get("prompt_tokens_details")),
        (
            "reasoning_tokens",
            usage.get("output_tokens_details") or usage.get("completion_tokens_details"),
        ),
    )
    for name, block in details:
        value = finite_number(block.get(name)) if isinstance(block, dict) else None
        if value is not None:
            tokens[name] = value
    return tokens or None


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), ``q`` in [0, 100]."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class DriverLog:
    """What one saved driver log says about its run."""

    path: Path
    elapsed_seconds: float | None = None
    completed: int | None = None
    total: int | None = None
    rollouts_per_min: float | None = None
    latency_minutes: dict[str, float] = field(default_factory=dict)


def parse_driver_log(path: Path) -> DriverLog:
    """Read the last progress line and the latency summary from a saved driver log."""
    log = DriverLog(path=path)
    text = path.read_text(encoding="utf-8", errors="replace")
    progress = list(_PROGRESS_RE.finditer(text))
    if progress:
        last = progress[-1]
        elapsed = timedelta(
            days=int(last["days"] or 0),
            hours=int(last["hours"]),
            minutes=int(last["minutes"]),
            seconds=int(last["seconds"]),
        )
        log.elapsed_seconds = elapsed.total_seconds()
        log.completed = int(last["completed"])
        log.total = int(last["total"])
        log.rollouts_per_min = float(last["rate"])
    latency = list(_LATENCY_RE.finditer(text))
    if latency:
        last = latency[-1]
        log.latency_minutes = {key: float(last[key]) for key in ("median", "p90", "p99", "max")}
        log.latency_minutes["count"] = float(last["count"])
    return log


def _timestamp_spans(rows: Iterable[dict[str, Any]]) -> tuple[float | None, float | None]:
    """Seconds between the first and last timestamp of two kinds found in the rollouts.

    Returns (model-call span, response.created_at span). The model-call span runs from the
    earliest ``started_at`` to the latest ``completed_at`` in ``ng_model_call_capture.calls``.
    Both miss the time before the first timestamp and after the last one, so they are lower
    bounds of the real wall-clock time.
    """
    starts: list[float] = []
    ends: list[float] = []
    created: list[float] = []
    for row in rows:
        capture = row.get("ng_model_call_capture")
        calls = capture.get("calls") if isinstance(capture, dict) else None
        for call in calls if isinstance(calls, list) else []:
            if not isinstance(call, dict):
                continue
            started = finite_number(call.get("started_at"))
            completed = finite_number(call.get("completed_at"))
            if started is not None:
                starts.append(started)
            if completed is not None:
                ends.append(completed)
        response = row.get("response")
        if isinstance(response, dict):
            stamp = finite_number(response.get("created_at"))
            if stamp is not None:
                created.append(stamp)
    call_span = (max(ends) - min(starts)) if starts and ends and max(ends) > min(starts) else None
    created_span = None
    if len(created) > 1 and max(created) > min(created):
        created_span = max(created) - min(created)
    return call_span, created_span


def _stats(values: Sequence[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "mean": sum(values) / len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values),
    }


def summarize(
    rollout_paths: Sequence[Path],
    *,
    driver_logs: Sequence[Path] = (),
    wall_seconds: float | None = None,
) -> dict[str, Any]:
    """Summarize one run, or several shards that ran at the same time.

    Wall-clock time, in order of preference: ``wall_seconds``; the longest elapsed time in
    ``driver_logs`` (shards that ran side by side finish when the slowest one does); the
    model-call span; the ``response.created_at`` span. The last two are lower bounds, so the
    rates computed from them are upper bounds.
    """
    rollout_paths = [path for path in rollout_paths if not is_sidecar(Path(path))]
    if not rollout_paths:
        raise ValueError("give at least one rollouts JSONL file")
    rows: list[dict[str, Any]] = []
    malformed = 0
    failed = 0
    expected = 0
    expected_known = True
    files: list[dict[str, Any]] = []
    perf_summaries: list[dict[str, Any]] = []
    for path in rollout_paths:
        file_rows, file_malformed = read_jsonl(path)
        rows.extend(file_rows)
        malformed += file_malformed
        sidecar = failures_path_for(path)
        file_failed = count_jsonl_lines(sidecar) if sidecar.exists() else 0
        failed += file_failed
        materialized = materialized_path_for(path)
        if materialized.exists():
            expected += count_jsonl_lines(materialized)
        else:
            expected_known = False
        metrics_path = aggregate_metrics_path_for(path)
        if metrics_path.exists():
            try:
                entries = read_json(metrics_path)
            except InputError:
                entries = []
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("perf_summary"), dict):
                    agent = (entry.get("agent_ref") or {}).get("name")
                    label = agent or entry.get("_ng_environment_server")
                    perf_summaries.append(
                        {"file": str(metrics_path), "agent": label, **entry["perf_summary"]}
                    )
        files.append(
            {
                "rollouts": str(path),
                "successful": len(file_rows),
                "failed": file_failed,
                "malformed_lines": file_malformed,
            }
        )

    token_totals = {name: 0.0 for name in TOKEN_FIELDS}
    token_counts = {name: 0 for name in TOKEN_FIELDS}
    rows_with_usage = 0
    latencies: list[float] = []
    model_call_ms = 0.0
    model_call_rollout_ms = 0.0
    model_calls = 0
    for row in rows:
        tokens = usage_tokens(row)
        if tokens is not None:
            rows_with_usage += 1
            for name, value in tokens.items():
                token_totals[name] += value
                token_counts[name] += 1
        perf = row.get("ng_perf")
        rollout_ms = finite_number(perf.get("total_latency_ms")) if isinstance(perf, dict) else None
        if rollout_ms is not None:
            latencies.append(rollout_ms)
        capture = row.get("ng_model_call_capture")
        capture_metrics = capture.get("metrics") if isinstance(capture, dict) else None
        call_ms = None
        if isinstance(capture_metrics, dict):
            call_ms = finite_number(capture_metrics.get("latency_total_ms"))
        if call_ms is not None and rollout_ms is not None and rollout_ms > 0:
            model_call_ms += call_ms
            model_call_rollout_ms += rollout_ms
            model_calls += int(finite_number(capture_metrics.get("num_calls")) or 0)

    logs = [parse_driver_log(path) for path in driver_logs]
    wall_source = None
    lower_bound = False
    if wall_seconds is not None:
        wall, wall_source = float(wall_seconds), "--wall-seconds"
    else:
        elapsed = [log.elapsed_seconds for log in logs if log.elapsed_seconds]
        call_span, created_span = _timestamp_spans(rows)
        if elapsed:
            wall, wall_source = max(elapsed), "driver log"
        elif call_span:
            wall, wall_source, lower_bound = call_span, "model-call timestamps", True
        elif created_span:
            wall, wall_source, lower_bound = created_span, "response.created_at timestamps", True
        else:
            wall = None

    successful = len(rows)
    summary: dict[str, Any] = {
        "files": files,
        "successful_rollouts": successful,
        "failed_rollouts": failed,
        "expected_rollouts": expected if expected_known else None,
        "malformed_lines": malformed,
        "wall_seconds": wall,
        "wall_source": wall_source,
        "wall_is_lower_bound": lower_bound,
        "rollouts_with_usage": rows_with_usage,
        "tokens": {
            name: {
                "total": token_totals[name],
                "rollouts": token_counts[name],
                "mean_per_rollout": (
                    token_totals[name] / token_counts[name] if token_counts[name] else None
                ),
            }
            for name in TOKEN_FIELDS
        },
        "latency_ms": _stats(latencies) if latencies else None,
        "model_call_share": (
            {
                "share": model_call_ms / model_call_rollout_ms,
                "model_call_ms": model_call_ms,
                "rollout_ms": model_call_rollout_ms,
                "model_calls": model_calls,
            }
            if model_call_rollout_ms
            else None
        ),
        "driver_logs": [
            {
                "path": str(log.path),
                "elapsed_seconds": log.elapsed_seconds,
                "completed": log.completed,
                "total": log.total,
                "rollouts_per_min": log.rollouts_per_min,
                "latency_minutes": log.latency_minutes or None,
            }
            for log in logs
        ],
        "perf_summaries": perf_summaries,
        "rates": None,
    }
    if wall:
        hours = wall / 3600.0
        summary["rates"] = {
            "successful_rollouts_per_hour": successful / hours,
            "attempted_rollouts_per_hour": (successful + failed) / hours,
            "output_tokens_per_second": token_totals["output_tokens"] / wall,
            "input_tokens_per_second": token_totals["input_tokens"] / wall,
            "total_tokens_per_second": token_totals["total_tokens"] / wall,
        }
    return summary


def _fmt_duration(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))


def format_report(summary: dict[str, Any]) -> str:
    """Human-readable report of :func:`summarize`'s result."""
    lines = []
    for entry in summary["files"]:
        lines.append(f"Rollout file: {entry['rollouts']}")
    lines.append(f"Successful rollouts: {summary['successful_rollouts']}")
    lines.append(f"Failed rollouts (sidecar): {summary['failed_rollouts']}")
    if summary["expected_rollouts"] is not None:
        lines.append(f"Expected rollouts (materialized inputs): {summary['expected_rollouts']}")
    if summary["malformed_lines"]:
        lines.append(f"Lines skipped (not a JSON object): {summary['malformed_lines']}")
    wall = summary["wall_seconds"]
    if wall:
        note = ""
        if summary["wall_is_lower_bound"]:
            note = " (lower bound; rates below are upper bounds)"
        lines.append(
            f"Wall-clock time: {_fmt_duration(wall)} "
            f"({wall:.1f} s, from {summary['wall_source']}){note}"
        )
        rates = summary["rates"]
        lines.append(
            f"Rollouts per hour: {rates['successful_rollouts_per_hour']:.1f} successful, "
            f"{rates['attempted_rollouts_per_hour']:.1f} attempted"
        )
        lines.append(
            f"Tokens per second: {rates['output_tokens_per_second']:.2f} output, "
            f"{rates['input_tokens_per_second']:.2f} input, "
            f"{rates['total_tokens_per_second']:.2f} total"
        )
    else:
        lines.append("Wall-clock time: unknown (pass --wall-seconds or --driver-log to get rates)")
    lines.append(
        f"Rollouts with response.usage: {summary['rollouts_with_usage']} "
        f"of {summary['successful_rollouts']}"
    )
    for name in TOKEN_FIELDS:
        token = summary["tokens"][name]
        if token["rollouts"]:
            lines.append(
                f"  {name}: {token['total']:.0f} total, "
                f"{token['mean_per_rollout']:.1f} mean per rollout "
                f"({token['rollouts']} rollouts)"
            )
    latency = summary["latency_ms"]
    if latency:
        lines.append(
            f"Per-rollout latency (ng_perf.total_latency_ms, {latency['count']} rollouts): "
            f"p50 {latency['p50'] / 1000:.1f} s, p90 {latency['p90'] / 1000:.1f} s, "
            f"p99 {latency['p99'] / 1000:.1f} s, max {latency['max'] / 1000:.1f} s"
        )
    share = summary["model_call_share"]
    if share:
        lines.append(
            f"Time in model calls: {100 * share['share']:.0f}% of rollout time "
            f"({share['model_calls']} calls); the rest is tools, verification and overhead"
        )
    for log in summary["driver_logs"]:
        if log["latency_minutes"]:
            minutes = log["latency_minutes"]
            lines.append(
                f"Driver latency ({log['path']}): median {minutes['median']:.1f} min, "
                f"p90 {minutes['p90']:.1f} min, p99 {minutes['p99']:.1f} min"
            )
    for perf in summary["perf_summaries"]:
        shown = ("total_latency_p50_ms", "mean_num_turns")
        keys = ", ".join(f"{key}={perf[key]:.1f}" for key in shown if key in perf)
        lines.append(f"perf_summary for {perf['agent']}: {keys or 'present'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "rollouts", nargs="+", type=Path, help="Rollouts JSONL file(s) written by gym eval run."
    )
    parser.add_argument(
        "--driver-log",
        action="append",
        default=[],
        type=Path,
        help="Saved stdout of the gym eval run that wrote the file; repeat once per shard.",
    )
    parser.add_argument(
        "--wall-seconds", type=finite_float, help="Wall-clock seconds of the run, measured by you."
    )
    parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
    args = parser.parse_args(argv)

    if args.wall_seconds is not None and args.wall_seconds <= 0:
        parser.error("--wall-seconds must be positive")
    for path in [*args.rollouts, *args.driver_log]:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        if not path.is_file():
            raise InputError(f"{path}: file not found" if not path.exists() else f"{path}: not a regular file")
    if all(is_sidecar(path) for path in args.rollouts):
        raise InputError("give the rollouts JSONL file, not only its sidecars")

    summary = summarize(args.rollouts, driver_logs=args.driver_log, wall_seconds=args.wall_seconds)
    print(json.dumps(summary, indent=2) if args.json else format_report(summary))
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
