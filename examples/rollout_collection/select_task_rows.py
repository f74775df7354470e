"""Turn the tasks you selected from a collection run back into task rows for an RL trainer.

Usage:
    python examples/rollout_collection/select_task_rows.py TASKS.jsonl --mixed AGGREGATE_METRICS.json
        --output OUT.jsonl [--limit N] [--agent AGENT | --map SOURCE=AGENT ...]
    python examples/rollout_collection/select_task_rows.py TASKS.jsonl --keep KEPT.jsonl
        --output OUT.jsonl [--limit N] [--agent AGENT | --map SOURCE=AGENT ...]

Selecting tasks by difficulty works on what a run wrote: the aggregate metrics
and the rollouts, which name each task by its `_ng_task_index`. RL trainers
read task rows. This script maps each selected index back to its row in
TASKS.jsonl, the file the run read with `--input`, and writes those rows, in
input order, each once, with the `agent_ref` that NeMo RL and the VeRL recipe
read.

- `--mixed` keeps the tasks whose repeats got different rewards: those whose
  record under `group_level_metrics` has `min/reward` below `max/reward`.
- `--keep` keeps every task that has a line in KEPT.jsonl (rollouts you
  filtered, or lines of `<stem>_reward_profiling.jsonl`), read from each
  line's `_ng_task_index`.

Task indices follow rollout collection's rule (`_preprocess_raw_rows` in
nemo_gym/rollout_collection.py): a row keeps an `_ng_task_index` it already
has; otherwise identical input lines are one task, numbered from 0 in the
order they first appear. Pass the run's `--limit` as `--limit` so only the
rows it read are numbered.

The agent: a row's own `agent_ref` is kept; otherwise the `agent_ref` the
KEPT.jsonl lines of that task carry; otherwise `--agent`, or the `--map` entry
for the row's `task_source`, or the `task_source` itself (every training
dataset shipped in nemo-gym 0.7.0 is declared on its agent, so the names are
the same).

Standard library only, Python 3.11 or newer, with rollout_io.py next to it.
The output is written under a temporary name and renamed at the end, never
over an input, and over an existing file only with --overwrite. Exit status: 0
on success;
1 when a file cannot be read or written, a line is not a JSON object, a
selected index has no row in TASKS.jsonl, or a row names no agent (the
message names the file and line); 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rollout_io import (
    InputError,
    add_overwrite_option,
    check_output,
    finite_number,
    iter_jsonl_lines,
    read_json,
    run_cli,
    write_jsonl,
)

TASK_INDEX_KEY = "_ng_task_index"
AGENT_REF_KEY = "agent_ref"


@dataclass
class Selection:
    indices: set[int] = field(default_factory=set)
    agents: dict[int, str] = field(default_factory=dict)  # task index -> agent name seen in KEPT


def _index(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{where}: {TASK_INDEX_KEY} must be a whole number, got {value!r}")
    return value


def _agent_name(row: dict[str, Any]) -> str | None:
    ref = row.get(AGENT_REF_KEY)
    name = ref.get("name") if isinstance(ref, dict) else None
    return name if isinstance(name, str) and name else None


def select_kept(path: Path) -> Selection:
    """The tasks that have a line in ``path``, with the agent those lines name."""
    selection = Selection()
    for number, _, row in iter_jsonl_lines(path):
        where = f"{path}:{number}"
        if TASK_INDEX_KEY not in row:
            raise InputError(f"{where}: no {TASK_INDEX_KEY}; pass rollouts written by gym eval run")
        index = _index(row[TASK_INDEX_KEY], where)
        selection.indices.add(index)
        agent = _agent_name(row)
        if agent:
            selection.agents.setdefault(index, agent)
    return selection


def select_mixed(path: Path) -> Selection:
    """The tasks whose repeats got different rewards, from an aggregate metrics file."""
    data = read_json(path)
    if not isinstance(data, list):
        raise InputError(f"{path}: expected the JSON list of an _aggregate_metrics.json file")
    selection = Selection()
    for number, entry in enumerate(data, 1):
        tasks = entry.get("group_level_metrics") if isinstance(entry, dict) else None
        if not isinstance(tasks, list):
            raise InputError(f"{path}: entry {number} has no group_level_metrics list")
        for task in tasks:
            if not isinstance(task, dict) or TASK_INDEX_KEY not in task:
                continue
            low, high = finite_number(task.get("min/reward")), finite_number(task.get("max/reward"))
            if low is not None and high is not None and low < high:
                index = _index(task[TASK_INDEX_KEY], f"{path}: entry {number}")
                selection.indices.add(index)
                agent = _agent_name(task)
                if agent:
                    selection.agents.setdefault(index, agent)
    return selection


def number_tasks(path: Path, limit: int | None):
    """Yield (line number, task index, row) for each row collection reads, by its rule."""
    by_text: dict[str, int] = {}
    read = 0
    for number, text, row in iter_jsonl_lines(path):
        if limit is not None and read >= limit:
            return
        read += 1
        if TASK_INDEX_KEY in row:
            index = _index(row[TASK_INDEX_KEY], f"{path}:{number}")
        else:
            # Collection keys identical rows by their line's text, so do the same (the text
            # here has no line ending; collection's keeps it, which differs only for a last
            # line without one that repeats an earlier line).
            index = by_text.setdefault(text, len(by_text))
        yield number, index, row


def stamp(row: dict[str, Any], seen: str | None, mapping: dict[str, str], agent: str | None,
          where: str) -> dict[str, Any]:
    if _agent_name(row):
        return row
    source = row.get("task_source")
    name = seen or agent or mapping.get(source) or source
    if not isinstance(name, str) or not name:
        raise InputError(f"{where}: the row has no agent_ref or task_source; pass --agent")
    return {**row, AGENT_REF_KEY: {"type": "responses_api_agents", "name": name}}


def select_rows(tasks: Path, selection: Selection, limit: int | None, mapping: dict[str, str],
                agent: str | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    written: set[int] = set()
    for number, index, row in number_tasks(tasks, limit):
        if index in selection.indices and index not in written:
            written.add(index)
            rows.append(stamp(row, selection.agents.get(index), mapping, agent, f"{tasks}:{number}"))
    missing = sorted(selection.indices - written)
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise InputError(f"{tasks}: no row has task index {shown}; pass the file the run read with --input "
                         "(and its --limit)")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", type=Path, help="the task rows the run read with --input")
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--mixed", type=Path, metavar="AGGREGATE_METRICS.json",
                        help="keep the tasks whose repeats got different rewards")
    chosen.add_argument("--keep", type=Path, metavar="KEPT.jsonl", help="keep the tasks that have a line here")
    parser.add_argument("--output", required=True, help="the task-row file to write ('-' for stdout)")
    parser.add_argument("--limit", type=int, help="the --limit the run used, if any")
    parser.add_argument("--agent", help="agent instance for rows without one")
    parser.add_argument("--map", action="append", default=[], metavar="SOURCE=AGENT",
                        help="agent for rows of this task_source")
    add_overwrite_option(parser)
    args = parser.parse_args(argv)
    mapping: dict[str, str] = {}
    for item in args.map:
        source, sep, agent = item.partition("=")
        if not sep or not source or not agent:
            parser.error(f"--map takes SOURCE=AGENT, got {item!r}")
        mapping[source] = agent
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be 1 or more")
    inputs = [args.tasks, args.mixed or args.keep]
    check_output(args.output, inputs, overwrite=args.overwrite)
    selection = select_mixed(args.mixed) if args.mixed else select_kept(args.keep)
    rows = select_rows(args.tasks, selection, args.limit, mapping, args.agent)
    write_jsonl(args.output, rows)
    agents: dict[str, int] = {}
    for row in rows:
        agents[row[AGENT_REF_KEY]["name"]] = agents.get(row[AGENT_REF_KEY]["name"], 0) + 1
    summary = ", ".join(f"{name}: {count}" for name, count in sorted(agents.items())) or "no rows"
    print(f"wrote {len(rows)} task rows to {args.output} ({summary})",
          file=sys.stderr if args.output == "-" else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
