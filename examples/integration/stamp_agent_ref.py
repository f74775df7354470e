"""Add the ``agent_ref`` that NeMo RL and the VeRL recipe read to collated Gym rows.

``gym dataset collate`` in nemo-gym 0.7.0 stamps each row with ``task_source``
(the config instance that declared the dataset) and strips any ``agent_ref``
(``nemo_gym/train_data_utils.py``). NeMo RL (``nemo_rl/environments/nemo_gym.py``)
and the verl-recipe ``nemo_gym`` recipe (``nemo_gym/agent_loop.py``) read
``row["agent_ref"]["name"]`` before Gym ever resolves ``task_source``, so they
need the field written into the data.

Usage:
    python examples/integration/stamp_agent_ref.py IN.jsonl OUT.jsonl
    python examples/integration/stamp_agent_ref.py IN.jsonl OUT.jsonl --map SOURCE=AGENT [--map ...]
    python examples/integration/stamp_agent_ref.py IN.jsonl OUT.jsonl --agent AGENT

By default the agent is the row's ``task_source``: every training dataset
shipped in nemo-gym 0.7.0 is declared on its agent instance (for example
``workplace_assistant_simple_agent``), so the two names are the same. Use
``--map`` when your own config declares a dataset on a resources server, to
name the agent that references it; ``--agent`` sends every row to one agent.
Rows that already carry an ``agent_ref`` keep it. The whole input is read and
stamped before the output is written; an existing output is replaced only with
--overwrite. Exit status: 0 on success; 1 when a file cannot be read or written
or a row has no agent; 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from rollout_io import (
    EXIT_OK,
    InputError,
    UsageError,
    add_overwrite_option,
    check_output,
    read_numbered,
    run_cli,
    write_jsonl,
)


def stamp_row(row: dict, mapping: dict[str, str], agent: str | None) -> dict:
    """Return ``row`` with ``agent_ref`` set; raise ``ValueError`` when no agent can be chosen."""
    existing = row.get("agent_ref")
    if isinstance(existing, dict) and existing.get("name"):
        return row
    source = row.get("task_source")
    name = agent or mapping.get(source) or source
    if not isinstance(name, str) or not name:
        raise ValueError("row has neither agent_ref nor task_source; pass --agent")
    return {**row, "agent_ref": {"type": "responses_api_agents", "name": name}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="collated rows (JSONL; '-' for stdin)")
    parser.add_argument("output", help="rows to write (JSONL; '-' for stdout)")
    parser.add_argument("--map", action="append", default=[], metavar="SOURCE=AGENT", help="task_source to agent")
    parser.add_argument("--agent", help="agent instance name for every row")
    add_overwrite_option(parser)
    args = parser.parse_args(argv)

    mapping: dict[str, str] = {}
    for item in args.map:
        source, sep, agent = item.partition("=")
        if not sep or not source or not agent:
            raise UsageError(f"--map takes SOURCE=AGENT, got {item!r}")
        mapping[source] = agent
    check_output(args.output, [args.input], overwrite=args.overwrite)

    name = "<stdin>" if args.input == "-" else args.input
    rows, counts = [], Counter()
    for line_no, row in read_numbered(args.input):
        try:
            stamped = stamp_row(row, mapping, args.agent)
        except ValueError as exc:
            raise InputError(f"{name}:{line_no}: {exc}") from None
        counts[str(stamped["agent_ref"]["name"])] += 1
        rows.append(stamped)
    write_jsonl(args.output, rows)
    summary = ", ".join(f"{agent}: {n}" for agent, n in sorted(counts.items()))
    print(f"wrote {args.output} ({summary})", file=sys.stderr if args.output == "-" else sys.stdout)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run_cli(main))
