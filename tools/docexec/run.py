"""Run every console block of a set of pages and collect the results."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from .blocks import ConsoleBlock, console_blocks, page_steps
from .sandbox import BlockResult, Environment, Failure, PageRun

SANDBOXES = Path(__file__).with_name("sandboxes.yaml")


def load_sandboxes(path: Path = SANDBOXES) -> dict[str, dict]:
    """Page (relative to docs/) -> {"files": {destination: repository path}, "env": {...}}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of page -> sandbox")
    return {page: spec for page, spec in data.items() if not page.startswith("_")}


def default_environment(root: Path) -> Environment:
    """Commands use the pinned nemo-gym runtime when ``make gym-runtime`` built it
    (``python`` and ``gym`` come from there), otherwise this interpreter."""
    runtime = os.environ.get("NEMO_GYM_PYTHON")
    candidates = [Path(runtime).parent] if runtime else []
    candidates.append(root / ".gym-runtime" / "bin")
    bin_dir = next((c for c in candidates if (c / "gym").exists()), Path(sys.executable).parent)
    return Environment(root=root, bin_dir=bin_dir, keep_servers=True)


def run_pages(pages: Iterable[Path], root: Path, docs: Path,
              environment: Environment | None = None,
              sandboxes: dict[str, dict] | None = None, progress=None) -> list[BlockResult]:
    environment = environment or default_environment(root)
    sandboxes = load_sandboxes() if sandboxes is None else sandboxes
    results: list[BlockResult] = []
    try:
        for page in pages:
            page_results = run_page(page, docs, environment, sandboxes)
            results.extend(page_results)
            if progress and page_results:
                progress(page, page_results)
    finally:
        environment.servers.stop()
    return results


def run_page(page: Path, docs: Path, environment: Environment,
             sandboxes: dict[str, dict]) -> list[BlockResult]:
    blocks = console_blocks(page)
    if not blocks:
        return []
    try:
        key = page.resolve().relative_to(docs.resolve()).as_posix()
    except ValueError:
        key = page.name
    spec = sandboxes.get(key) or {}
    if all(b.skip_reason for b in blocks):
        return [PageRun.skipped(b) for b in blocks]
    with PageRun(environment, spec.get("files"), spec.get("env"), spec.get("after"),
                 spec.get("before")) as sandbox:
        if spec.get("follows"):
            for item in page_steps(docs / spec["follows"]):
                sandbox.run(item) if isinstance(item, ConsoleBlock) else sandbox.save(item)
        problem = None
        if spec.get("servers"):
            # Servers the page assumes are running ("in another terminal, start ..."), started
            # before its first block; their output is not the page's to show.
            _, problem = sandbox.start_servers(sandbox.rewrite(spec["servers"]))
        results = []
        for item in page_steps(page):
            if isinstance(item, ConsoleBlock):
                results.append(sandbox.run(item))
            else:
                sandbox.save(item)
        if problem:
            first = next((r for r in results if r.status == "executed"), None)
            if first:
                first.failures.insert(0, Failure(f"{SANDBOXES.name}: {key}: servers",
                                                 f"`{spec['servers']}` {problem}"))
        return results


def write_report(results: list[BlockResult], path: Path, root: Path) -> dict:
    """Write the report list and return the totals."""
    return write_entries([r.as_report(root) for r in results], path)


def write_entries(entries: list[dict], path: Path) -> dict:
    """Write report entries (``BlockResult.as_report``) and return their totals."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    return totals(entries)


def totals(entries: list[dict]) -> dict:
    """Counts over report entries; they, not the results, cross from a test worker's process."""
    executed = sum(e["status"] == "executed" for e in entries)
    failed = sum(e["status"] == "executed" and not e["passed"] for e in entries)
    total = len(entries)
    return {"total": total, "executed": executed, "skipped": total - executed, "failed": failed,
            "executed_share": executed / total if total else 0.0}


def summary_line(counts: dict) -> str:
    return (f"console blocks: {counts['total']} total, {counts['executed']} executed "
            f"({counts['executed_share']:.0%}), {counts['skipped']} skipped, "
            f"{counts['failed']} failed")
