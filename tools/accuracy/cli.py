"""``docs-accuracy`` (or ``python -m accuracy``): check the pages against a nemo-gym release.

``check`` reads every page under the docs and reports each claim the release
contradicts; ``upgrade-review OLD NEW`` lists the pages whose upstream
sources changed between two releases; ``facts`` prints what was read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from docplan.model import Finding
from docplan.settings import UnreadableConfig, list_pages, myst_config, read_config

from .blocks import Page, UnreadablePage, read_page
from .checks import check_pages
from .gym_release import ReleaseUnavailable, cache_root, pinned_version, release_dir
from .review import command_changes, field_changes
from .source import GymFacts, read_facts

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "examples" / "converters" / "rollout.schema.json"


def load_facts(version: str, cached_only: bool = False) -> GymFacts:
    """Facts for ``version``: from the facts cache when it is sound, else read from the release
    (downloaded first unless ``cached_only``). A corrupt facts cache is deleted and rebuilt.

    Raises ReleaseUnavailable, with what to do, when the release cannot be had or read.
    """
    cache = cache_root() / f"facts-{version}.json"
    if cache.exists():
        try:
            facts = GymFacts.from_json(cache.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            facts = None
        if facts is not None and facts.version == version:
            return facts
        cache.unlink(missing_ok=True)  # stale, cut short or edited: read the release again
    root = release_dir(version, download=not cached_only)
    try:
        facts = read_facts(root, version)
    except (OSError, SyntaxError, ValueError, KeyError, AssertionError, AttributeError) as exc:
        raise ReleaseUnavailable(f"could not read nemo-gym {version} from {root} ({type(exc).__name__}: "
                                 f"{str(exc)[:120]}). Delete {root}; the next run unpacks it again.") from exc
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(".partial")
    partial.write_text(facts.to_json(), encoding="utf-8")
    partial.replace(cache)  # never leave a half-written cache behind
    return facts


def page_paths(docs: Path, confdir: Path = ROOT) -> list[Path]:
    """The pages Sphinx builds from ``docs`` with the settings in ``confdir/conf.py``."""
    return list(list_pages(docs, read_config(confdir)).values())


def run_check(docs: Path, version: str | None, cached_only: bool, confdir: Path = ROOT) -> int:
    try:
        version = version or pinned_version()
        facts = load_facts(version, cached_only)
        config = read_config(confdir)
    except ReleaseUnavailable as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return 1
    except UnreadableConfig as exc:
        print(exc.finding.format(), file=sys.stderr)
        return 1
    schema = json.loads(SCHEMA.read_text(encoding="utf-8")) if SCHEMA.exists() else None
    paths = list(list_pages(docs, config).values()) if docs.is_dir() else []
    if not paths:  # checking nothing must not pass
        print(f"accuracy: no pages to check in {docs}; pass the docs source directory with --docs.",
              file=sys.stderr)
        return 1
    pages, unreadable = read_pages(paths, myst_config(config))
    findings, counts = check_pages(pages, facts, schema)
    findings = sorted(findings + unreadable)
    for finding in findings:
        print(finding.format(), file=sys.stderr)
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    print(f"accuracy: {len(pages) + len(unreadable)} pages against nemo-gym {version}: {summary}; "
          f"{len(findings)} finding(s).")
    return 1 if findings else 0


def read_pages(paths: list[Path], myst=None) -> tuple[list[tuple[Page, str]], list[Finding]]:
    """The parsed pages, and a located finding for each page that cannot be read."""
    pages, unreadable = [], []
    for path in paths:
        try:
            pages.append((read_page(path, myst), _display(path)))
        except UnreadablePage as exc:
            unreadable.append(Finding(_display(path), exc.line, "page", f"this page {exc.reason}, so it was not "
                                      "checked.", "save the file as UTF-8 text.", tool="accuracy"))
    return pages, unreadable


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
    pages, unreadable = read_pages(page_paths(docs))
    for finding in unreadable:
        print(finding.format(), file=sys.stderr)
    for page, display in pages:
        hits = [s for s in page.sources() if s in changed]
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
    parser.add_argument("--conf", type=Path, default=ROOT / "conf.py", help="the Sphinx conf.py of the site")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check every page against the pinned release")
    check.add_argument("--version", help="nemo-gym version (default: the pinned one)")
    check.add_argument("--cached-only", action="store_true",
                       help="never download: fail, saying how to fill the cache, when the release is not cached")
    review = commands.add_parser("upgrade-review", help="pages whose sources changed between two releases")
    review.add_argument("old")
    review.add_argument("new")
    facts = commands.add_parser("facts", help="print the facts read from a release as JSON")
    facts.add_argument("--version")
    args = parser.parse_args(argv)
    if args.command == "check":
        return run_check(args.docs, args.version, args.cached_only, args.conf.parent)
    if args.command == "upgrade-review":
        return upgrade_review(args.docs, args.old, args.new)
    try:
        data = json.loads(load_facts(args.version or pinned_version()).to_json())
    except ReleaseUnavailable as exc:
        print(f"accuracy: {exc}", file=sys.stderr)
        return 1
    data.pop("literals")
    print(json.dumps(data, indent=1))
    return 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
