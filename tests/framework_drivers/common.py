"""What every framework driver shares: offline settings, the file list and the report.

A driver is run by the framework environment's Python with two arguments: a
JSON manifest ``{"<kind>": ["file.jsonl", ...], ...}`` and the path of the
report to write. It loads every file with the framework's own code, keeps
going after a failure, and writes one JSON report: for each kind the files and
records loaded and every failure as ``file: error``. It exits 1 when anything
failed. (The frameworks print to standard output, so the report is a file.)
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

# No hub access and no telemetry: everything the drivers use is built here. The tests
# pass the same settings in the environment, since the frameworks read them on import.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")


def read_manifest() -> dict[str, list[str]]:
    return json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))


class Report:
    def __init__(self) -> None:
        self.kinds: dict[str, dict] = {}

    def run(self, kind: str, path: str, load: Callable[[str], int]) -> None:
        """Call ``load(path)``, which returns the number of records it loaded."""
        entry = self.kinds.setdefault(kind, {"files": 0, "records": 0, "failures": []})
        started = time.monotonic()
        try:
            records = load(path)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, with its type
            last = traceback.extract_tb(exc.__traceback__)[-1]
            entry["failures"].append(
                f"{path}: {type(exc).__name__}: {exc} (at {last.filename}:{last.lineno})"
            )
            return
        finally:
            entry["seconds"] = round(entry.get("seconds", 0) + time.monotonic() - started, 1)
        entry["files"] += 1
        entry["records"] += records

    def note(self, kind: str, key: str, value: object) -> None:
        self.kinds.setdefault(kind, {"files": 0, "records": 0, "failures": []})[key] = value

    def finish(self) -> int:
        Path(sys.argv[2]).write_text(json.dumps(self.kinds, indent=1), encoding="utf-8")
        return 1 if any(entry["failures"] for entry in self.kinds.values()) else 0
