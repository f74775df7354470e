"""Find the task rows that `gym dataset collate` leaves out of its metrics without a message.

Usage:
    python check_task_rows.py TASKS.jsonl [TASKS.jsonl ...]

Validates every line with the model collate uses, NeMo Gym's BaseRunRequest,
and prints one line per invalid row as FILE:LINE: FIELD: MESSAGE (the first
error of the row), then the number of invalid rows. Exits 0 when every row is
valid, 1 when a row is invalid or a file cannot be opened, and 2 for a usage
error. Run it with the Python environment that has nemo-gym installed. A blank
line is reported too: collate stops on it. Materialized taskset rows (an
object `task_id` and a `task_input`) are skipped: collate does not check them
against BaseRunRequest.
"""

from __future__ import annotations

import argparse
import json
import sys

try:
    from nemo_gym.base_resources_server import BaseRunRequest
    from nemo_gym.episode_types import is_materialized_task_row
    from pydantic import ValidationError
except ImportError as error:  # run with a Python that has no nemo-gym
    sys.exit(
        f"error: check_task_rows.py needs nemo-gym ({error.name} cannot be imported); run it "
        "with the Python environment that has nemo-gym installed"
    )


def row_problem(raw: bytes) -> str | None:
    """Why one line fails collate's row check, or None when it passes."""
    try:
        row = json.loads(raw.decode("utf-8"))
        if isinstance(row, dict) and is_materialized_task_row(row):
            return None
        BaseRunRequest.model_validate(row)
    except UnicodeDecodeError as error:
        return f"not UTF-8 text ({error.reason})"
    except json.JSONDecodeError as error:
        return f"not valid JSON ({error.msg})"
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(row)"
        return f"{where}: {first['msg']}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Find the task rows that gym dataset collate leaves out of its metrics."
    )
    parser.add_argument("paths", nargs="+", metavar="TASKS.jsonl", help="task files to check")
    invalid = 0
    for path in parser.parse_args(argv).paths:
        try:
            with open(path, "rb") as handle:
                for number, line in enumerate(handle, start=1):
                    problem = row_problem(line)
                    if problem is not None:
                        invalid += 1
                        print(f"{path}:{number}: {problem}")
        except OSError as error:
            print(f"error: {path}: cannot open input: {error.strerror or error}", file=sys.stderr)
            return 1
    print(f"{invalid} invalid row(s)")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
