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
Rows that already carry an ``agent_ref`` keep it. Exit status: 0 on success; 1
when a file cannot be read or written or a row has no agent; 2 for a usage
error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def stamp_row(row: dict, mapping: dict[str, str], agent: str | None) -> dict:
    """Return ``row`` with ``agent_ref`` set; raise ``ValueError`` when no agent can be chosen."""
    existing = row.get("agent_ref")
    if isinstance(existing, dict) and existing.get("name"):
        return row
    source = row.get("task_source")
    name = agent or mapping.get(source) or source
    if not name:
        raise ValueError("row has neither agent_ref nor task_source; pass --agent")
    return {**row, "agent_ref": {"type": "responses_api_agents", "name": name}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--map", action="append", default=[], metavar="SOURCE=AGENT", help="task_source to agent")
    parser.add_argument("--agent", help="agent instance name for every row")
    args = parser.parse_args(argv)

    mapping: dict[str, str] = {}
    for item in args.map:
        source, sep, agent = item.partition("=")
        if not sep or not source or not agent:
            parser.error(f"--map takes SOURCE=AGENT, got {item!r}")
        mapping[source] = agent

    counts: dict[str, int] = {}
    try:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.input.open(encoding="utf-8") as source_file, args.output.open("w", encoding="utf-8") as target:
            for line_no, line in enumerate(source_file, 1):
                if not line.strip():
                    continue
                try:
                    row = stamp_row(json.loads(line), mapping, args.agent)
                except ValueError as exc:
                    print(f"{args.input}:{line_no}: {exc}", file=sys.stderr)
                    return 1
                name = row["agent_ref"]["name"]
                counts[name] = counts.get(name, 0) + 1
                target.write(json.dumps(row, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items())) or "no rows"
    print(f"wrote {args.output} ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
