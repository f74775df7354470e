"""Give the stand-in policy the answer key of task rows a page writes, as a real model would
know the answers: reads ``policy_base_url`` from the sandbox's ``env.yaml`` and posts the
files to the stand-in's ``/_standin/tasks``.

Usage (a sandboxes.yaml ``after`` step): ``python teach_standin.py TASKS.jsonl ...``
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import yaml


def main(paths: list[str]) -> int:
    url = (yaml.safe_load(Path("env.yaml").read_text(encoding="utf-8")) or {}).get("policy_base_url")
    if not url:
        print("env.yaml names no policy_base_url", file=sys.stderr)
        return 1
    body = json.dumps({"files": [str(Path(p).resolve()) for p in paths]}).encode()
    request = urllib.request.Request(url.removesuffix("/v1") + "/_standin/tasks", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        json.load(response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
