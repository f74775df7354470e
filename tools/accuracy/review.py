"""What changed between two releases in the facts the pages document.

The upgrade review lists the pages whose upstream sources changed; this adds
the concrete differences a writer has to look at: commands and flags that
appeared or went away, and, for every config class a page documents in a
fields table, the fields added, removed or given a new default.
"""

from __future__ import annotations

from .blocks import Page
from .source import GymFacts


def command_changes(before: GymFacts, after: GymFacts) -> list[str]:
    changes = [f"command added: gym {name}" for name in sorted(set(after.commands) - set(before.commands))]
    changes += [f"command removed: gym {name}" for name in sorted(set(before.commands) - set(after.commands))]
    for name in sorted(set(before.commands) & set(after.commands)):
        old = {o.names[0] for o in before.commands[name].options}
        new = {o.names[0] for o in after.commands[name].options}
        changes += [f"flag added: gym {name} {flag}" for flag in sorted(new - old)]
        changes += [f"flag removed: gym {name} {flag}" for flag in sorted(old - new)]
    return changes


def field_changes(before: GymFacts, after: GymFacts, pages: list[tuple[Page, str]]) -> list[str]:
    """Differences in the config classes that fields tables document, located at each table."""
    changes = []
    for page, display in pages:
        for table in page.tables:
            if not (table.marker and table.marker.kind == "fields"):
                continue
            spec = table.marker.argument
            where = f"{display}:{table.marker.line}"
            old, new = before.fields(spec), after.fields(spec)
            if old is None and new is None:
                continue
            if new is None:
                changes.append(f"{where}: {spec} no longer exists")
                continue
            if old is None:
                changes.append(f"{where}: {spec} is new")
                continue
            old_by, new_by = {f.name: f for f in old}, {f.name: f for f in new}
            changes += [f"{where}: field added: {spec} {n}" for n in new_by if n not in old_by]
            changes += [f"{where}: field removed: {spec} {n}" for n in old_by if n not in new_by]
            changes += [f"{where}: default changed: {spec} {n}: {old_by[n].default} -> {new_by[n].default}"
                        for n in new_by if n in old_by and old_by[n].default != new_by[n].default]
    return changes
