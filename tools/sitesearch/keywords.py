"""Front-matter ``keywords`` become index entries: Sphinx's own way to give a page the
words readers search with (an error message as they paste it, an old command name).

The entries show in the general index like any ``{index}`` entry, so nothing is
hidden: the words are listed where readers can see them, and the search ranks the
page first when a query contains every word of one of them.
"""

from __future__ import annotations

import json
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

KEY = "keywords"


def parse_keywords(value: Any) -> list[str]:
    """The keywords of a front-matter value: a list of strings, or its JSON text
    (MyST keeps non-string front-matter values as JSON)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def front_matter_value(document: nodes.document, key: str) -> str | None:
    """The text of one front-matter field, while MyST still keeps it as docinfo."""
    for docinfo in document.findall(nodes.docinfo):
        for field in docinfo.findall(nodes.field):
            name, body = field.children[0], field.children[1]
            if name.astext() == key:
                return body.astext()
    return None


class KeywordIndexEntries(SphinxTransform):
    """Add one index entry per keyword, for the page as a whole.

    The entries name no target: the search page shows the text of an entry's
    target as the result's summary, and fails on an empty one (Sphinx 9.0).

    Runs before the domains collect index entries (SphinxDomains, priority 850)
    and before the metadata collector removes the docinfo (doctree-read, 880).
    """

    default_priority = 840

    def apply(self, **kwargs: Any) -> None:
        keywords = parse_keywords(front_matter_value(self.document, KEY))
        if not keywords:
            return
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is None:
            return
        index = addnodes.index(entries=[("single", keyword, "", "", None) for keyword in keywords])
        position = 1 if section.children and isinstance(section[0], nodes.title) else 0
        section.insert(position, index)
