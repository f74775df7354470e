"""Shared helpers for the data-quality tools: read rollouts, name their groups, write JSONL.

rollout_stats.py, balance_rollouts.py, review_sample.py and the other scripts in
this directory import this module, so keep it in the same directory as them.
Standard library only; Python 3.11+.

Reading a JSONL file (and its located error messages), the atomic writer, the
exit codes, the reward and mask helpers and the command-line wrapper come from
``rollout_io.py``, which sits next to this file (in the repository, a link to
``examples/converters/rollout_io.py``).

Every reader keeps each line exactly as it was read (``Rollout.raw``), so the
tools can write selected rollouts back out byte for byte.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rollout_io import (
    EXIT_INPUT_ERROR,
    EXIT_OK,
    EXIT_USAGE_ERROR,
    InputError,
    UsageError,
    check_output,
    failures_path_for,
    is_masked,
    iter_jsonl_lines,
    reward_of,
    run_cli,
    write_lines,
)

__all__ = [
    "EXIT_INPUT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE_ERROR",
    "InputError",
    "UsageError",
    "failures_path_for",
    "is_masked",
    "reward_of",
    "run_cli",
    "write_lines",
]

# Keys that NeMo Gym stamps on every rollout line (nemo_gym/global_config.py).
TASK_INDEX_KEY = "_ng_task_index"
ROLLOUT_INDEX_KEY = "_ng_rollout_index"
ENVIRONMENT_SERVER_KEY = "_ng_environment_server"
TASK_SOURCE_KEY = "task_source"
AGENT_REF_KEY = "agent_ref"
# The key on every row of the failures sidecar (nemo_gym/rollout_collection.py).
FAILURE_CLASS_KEY = "_ng_failure_class"

# Pass-rate buckets for a task, from the share of its scored repeats that pass.
PASS_RATE_BUCKETS = ("unsolved", "hard", "easy", "solved")
UNSCORED_BUCKET = "unscored"
NO_REWARD_BUCKET = "no_reward"


@dataclass(frozen=True)
class Rollout:
    """One line of a rollout JSONL file."""

    path: str
    line: int  # 1-based line number in ``path``
    raw: str  # the line as read, without its line ending (and without a byte order mark)
    record: dict[str, Any]


def read_jsonl(path: str | Path) -> list[Rollout]:
    """Read every non-blank line of a JSONL file as a JSON object, keeping the line's text.

    Parsing and its errors are those of ``rollout_io.iter_jsonl_lines``: InputError
    names ``path`` and the line for a line that is not UTF-8, not JSON or not an
    object, and names ``path`` for a file that cannot be opened. Standard input
    is not supported: the tools name the input file in what they report and
    read the files NeMo Gym writes next to it.
    """
    name = str(path)
    if name == "-":
        raise UsageError("-: reading standard input is not supported here; give a file path")
    return [Rollout(name, number, text, record) for number, text, record in iter_jsonl_lines(name)]


def line_digest(raw: str) -> str:
    """A short fingerprint of one line, to notice that a file changed between two steps.

    The ``sha1:`` prefix keeps spreadsheet programs from reading the value as a number.
    """
    return "sha1:" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- fields


def agent_of(record: dict[str, Any]) -> str:
    """What ran the rollout: ``agent_ref.name``, else the environment server, else the source."""
    agent_ref = record.get(AGENT_REF_KEY)
    if isinstance(agent_ref, dict) and isinstance(agent_ref.get("name"), str):
        return agent_ref["name"]
    for key in (ENVIRONMENT_SERVER_KEY, TASK_SOURCE_KEY):
        if isinstance(record.get(key), str):
            return record[key]
    return "unknown"


def source_of(record: dict[str, Any]) -> str:
    """Where the task came from: ``task_source``, else ``agent_ref.name``, else the server."""
    if isinstance(record.get(TASK_SOURCE_KEY), str):
        return record[TASK_SOURCE_KEY]
    return agent_of(record)


def task_key(rollout: Rollout) -> str:
    """A name for the task a rollout belongs to, shared by all repeats of that task.

    ``<agent>#<_ng_task_index>`` when the line has a task index. Without one,
    ``<agent>#prompt-<hash>`` from the prompt (``responses_create_params.input``).
    Without either, the line itself (``<file>:<line>``), so the rollout is a task of its own.
    """
    record = rollout.record
    index = record.get(TASK_INDEX_KEY)
    if isinstance(index, (int, str)) and not isinstance(index, bool):
        return f"{agent_of(record)}#{index}"
    params = record.get("responses_create_params")
    if isinstance(params, dict) and "input" in params:
        text = json.dumps(params["input"], sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
        return f"{agent_of(record)}#prompt-{digest}"
    return f"{rollout.path}:{rollout.line}"


def identity_of(rollout: Rollout) -> tuple[str, Any, Any] | None:
    """``(agent, _ng_task_index, _ng_rollout_index)``, or None when the line has no task index."""
    record = rollout.record
    if TASK_INDEX_KEY not in record:
        return None
    return agent_of(record), record.get(TASK_INDEX_KEY), record.get(ROLLOUT_INDEX_KEY, 0)


def usage_tokens(record: dict[str, Any]) -> tuple[int | None, int | None]:
    """(input, output) token counts from ``response.usage``; Responses or Chat Completions names."""
    response = record.get("response")
    usage = response.get("usage") if isinstance(response, dict) else None
    if not isinstance(usage, dict):
        return None, None

    def count(*names: str) -> int | None:
        for name in names:
            value = usage.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
        return None

    return count("input_tokens", "prompt_tokens"), count("output_tokens", "completion_tokens")


def incomplete_reason(record: dict[str, Any]) -> str | None:
    """Why the model's response stopped early (``response.incomplete_details.reason``), or None."""
    response = record.get("response")
    if not isinstance(response, dict):
        return None
    details = response.get("incomplete_details")
    if isinstance(details, dict) and details.get("reason"):
        return str(details["reason"])
    if response.get("status") == "incomplete":
        return "incomplete"
    return None


# --------------------------------------------------------------------------- groups


def parse_edges(text: str) -> list[float]:
    """Parse ``--reward-edges`` ("0.5" or "0,0.5,1") into a strictly increasing list."""
    try:
        edges = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(
            f"--reward-edges: {text!r} is not a comma-separated list of numbers"
        ) from None
    if not edges:
        raise UsageError("--reward-edges: give at least one number")
    if any(later <= earlier for earlier, later in itertools.pairwise(edges)):
        raise UsageError(f"--reward-edges: {text!r} must be strictly increasing")
    return edges


def _number(value: float) -> str:
    return f"{value:g}"


def reward_bucket(reward: float | None, edges: Sequence[float]) -> str:
    """Label a reward by the interval of ``edges`` it falls in, e.g. ``reward<1``, ``reward>=1``."""
    if reward is None:
        return NO_REWARD_BUCKET
    if reward < edges[0]:
        return f"reward<{_number(edges[0])}"
    for low, high in itertools.pairwise(edges):
        if low <= reward < high:
            return f"{_number(low)}<=reward<{_number(high)}"
    return f"reward>={_number(edges[-1])}"


def pass_rate_bucket(rate: float | None) -> str:
    """Bucket a task's pass rate: unsolved (0), hard (<0.5), easy (<1), solved (1)."""
    if rate is None:
        return UNSCORED_BUCKET
    if rate <= 0.0:
        return "unsolved"
    if rate < 0.5:
        return "hard"
    if rate < 1.0:
        return "easy"
    return "solved"


def task_pass_rates(rollouts: Iterable[Rollout], threshold: float) -> dict[str, float | None]:
    """Pass rate of every task: the share of its scored, unmasked repeats with reward >= threshold.

    A task with no scored, unmasked repeat gets None.
    """
    passed: dict[str, int] = {}
    scored: dict[str, int] = {}
    for rollout in rollouts:
        key = task_key(rollout)
        passed.setdefault(key, 0)
        scored.setdefault(key, 0)
        reward = reward_of(rollout.record)
        if reward is None or is_masked(rollout.record):
            continue
        scored[key] += 1
        passed[key] += int(reward >= threshold)
    return {key: (passed[key] / scored[key] if scored[key] else None) for key in scored}


GROUPINGS = ("task", "task_source", "agent", "reward_bucket", "pass_rate")


def known_groups(by: str, edges: Sequence[float]) -> set[str]:
    """Group names that ``--by`` can produce whatever the data: the buckets of pass_rate and
    reward_bucket. Other groupings are named by the data itself, so this is empty for them."""
    if by == "pass_rate":
        return {*PASS_RATE_BUCKETS, UNSCORED_BUCKET}
    if by == "reward_bucket":
        probes = [edges[0] - 1, *edges]
        return {reward_bucket(value, edges) for value in probes} | {NO_REWARD_BUCKET}
    return set()


def grouper(
    by: str, rollouts: Sequence[Rollout], *, threshold: float, edges: Sequence[float]
) -> Callable[[Rollout], str]:
    """Return a function that names the group of a rollout for ``--by``."""
    if by == "task":
        return task_key
    if by == "task_source":
        return lambda rollout: source_of(rollout.record)
    if by == "agent":
        return lambda rollout: agent_of(rollout.record)
    if by == "reward_bucket":
        return lambda rollout: reward_bucket(reward_of(rollout.record), edges)
    if by == "pass_rate":
        rates = task_pass_rates(rollouts, threshold)
        return lambda rollout: pass_rate_bucket(rates[task_key(rollout)])
    raise UsageError(f"--by: unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")


# --------------------------------------------------------------------------- output


def check_output_path(output: str | Path, inputs: Iterable[str | Path], overwrite: bool) -> Path:
    """Refuse an output that would lose data (see ``rollout_io.check_output``)."""
    check_output(output, inputs, overwrite=overwrite)
    return Path(output)
