"""Error messages quoted in a "Message" table become index entries.

A reference table whose first column is headed "Message" quotes what NeMo Gym
prints. Each message becomes an index entry that targets its row, so it is
listed in the general index and a reader who pastes the message from a log
finds the row: the search ranks a page first when the query holds the words of
one of its index entries. Placeholders such as ``<path>`` become "…", since a
pasted message carries the real value instead.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

HEADER = "message"
PLACEHOLDER = re.compile(r"\s*<[^<>]+>\s*")


def entry_text(message: str) -> str:
    """The index entry for a quoted message: placeholders as "…"; no ";" or "!"-splitting
    characters Sphinx reads as index syntax at the start."""
    text = PLACEHOLDER.sub(" … ", message).replace(";", ",")
    text = re.sub(r"\s+", " ", text).strip(" ,")
    return text.lstrip("!")


def _cell_literal(entry: nodes.entry) -> str | None:
    """The message a first cell quotes: its text when the cell is one inline literal."""
    literals = list(entry.findall(nodes.literal))
    if len(literals) != 1 or literals[0].astext().strip() != entry.astext().strip():
        return None
    return literals[0].astext().strip() or None


class MessageIndexEntries(SphinxTransform):
    """Index the first cell of every body row of a table whose first header is "Message".

    Runs before the domains collect index entries (SphinxDomains, priority 850).
    """

    default_priority = 841

    def apply(self, **kwargs: Any) -> None:
        for number, table in enumerate(self.document.findall(nodes.table)):
            thead = next(iter(table.findall(nodes.thead)), None)
            tbody = next(iter(table.findall(nodes.tbody)), None)
            if thead is None or tbody is None:
                continue
            header = next(iter(thead.findall(nodes.entry)), None)
            if header is None or header.astext().strip().casefold() != HEADER:
                continue
            for row_number, row in enumerate(tbody.findall(nodes.row)):
                first = next(iter(row.findall(nodes.entry)), None)
                message = _cell_literal(first) if first is not None else None
                if not message or not entry_text(message):
                    continue
                target_id = f"message-{number}-{row_number}"
                row["ids"].append(target_id)
                index = addnodes.index(entries=[("single", entry_text(message), target_id, "", None)])
                first.insert(0, index)
