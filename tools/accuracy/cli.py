"""``python -m accuracy``: check the pages against a nemo-gym release.

``check`` reads every page under the docs and reports each claim the release
contradicts; ``upgrade-review OLD NEW`` lists the pages whose upstream
sources changed between two releases; ``facts`` prints what was read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .blocks import read_page
from .checks import check_pages
from .gym_release import ReleaseUnavailable, cache_root, pinned_version, release_dir
from .review import command_changes, field_changes
from .source import GymFacts, read_facts

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "examples" / "converters" / "rollout.schema.json"


def load_facts(version: str, cached_only: bool = False) -> GymFacts | None:
    """Facts for ``version``, from the cache when present; None when ``cached_only`` and absent."""
    cache = cache_root() / f"facts-{version}.json"
    if cache.exists():
        facts = GymFacts.from_json(cache.read_text(encoding="utf-8"))
        if facts is not None:
            return facts
    unpacked = cache_root() / f"nemo-gym-{version}" / ".complete"
    if cached_only and not unpacked.exists():
        return None
    facts = read_facts(release_dir(version), version)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(facts.to_json(), encoding="utf-8")
    return facts


def page_paths(docs: Path) -> list[Path]:
    return sorted(p for p in docs.rglob("*.md") if not any(part.startswith(("_", ".")) for part in p.parts))


def run_check(docs: Path, version: str, cached_only: bool) -> int:
    try:
        facts = load_facts(version, cached_only)
    except ReleaseUnavailable as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return 1
    if facts is None:
        print(f"accuracy: nemo-gym {version} is not cached yet, so the accuracy checks were skipped; "
              "'make test' downloads it.")
        return 0
    schema = json.loads(SCHEMA.read_text(encoding="utf-8")) if SCHEMA.exists() else None
    pages = [(read_page(p), _display(p)) for p in page_paths(docs)]
    findings, counts = check_pages(pages, facts, schema)
    for finding in findings:
        print(finding.format(), file=sys.stderr)
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    print(f"accuracy: {len(pages)} pages against nemo-gym {version}: {summary}; "
          f"{len(findings)} finding(s).")
    return 1 if findings else 0


def upgrade_review(docs: Path, old: str, new: str) -> int:
    try:
        before, after = load_facts(old), load_facts(new)
    except ReleaseUnavailable as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return 1
    changed = {path for path in set(before.files) | set(after.files)
               if before.files.get(path) != after.files.get(path)}
    print(f"nemo-gym {old} -> {new}: {len(changed)} file(s) changed.")
    affected = 0
    pages = [(read_page(p), _display(p)) for p in page_paths(docs)]
    for page, display in pages:
        sources = page.front_matter.get("sources") or []
        hits = [s for s in sources if s in changed]
        if hits:
            affected += 1
            print(display)
            for source in hits:
                state = "removed" if source not in after.files else "added" if source not in before.files else "changed"
                print(f"    {state}: {source}")
    facts = command_changes(before, after) + field_changes(before, after, pages)
    if facts:
        print("Documented facts that changed:")
        for change in facts:
            print(f"    {change}")
    print(f"{affected} page(s) to review.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check every page against the pinned release")
    check.add_argument("--version", help="nemo-gym version (default: the pinned one)")
    check.add_argument("--cached-only", action="store_true",
                       help="skip, with a note, when the release is not downloaded yet")
    review = commands.add_parser("upgrade-review", help="pages whose sources changed between two releases")
    review.add_argument("old")
    review.add_argument("new")
    facts = commands.add_parser("facts", help="print the facts read from a release as JSON")
    facts.add_argument("--version")
    args = parser.parse_args(argv)
    if args.command == "check":
        return run_check(args.docs, args.version or pinned_version(), args.cached_only)
    if args.command == "upgrade-review":
        return upgrade_review(args.docs, args.old, args.new)
    data = json.loads(load_facts(args.version or pinned_version()).to_json())
    data.pop("literals")
    print(json.dumps(data, indent=1))
    return 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
