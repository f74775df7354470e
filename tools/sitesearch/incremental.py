"""Keep index entries in the search index across incremental builds.

Sphinx 9.0 reloads the previous ``searchindex.js`` for the pages it does not
rewrite, but its ``IndexBuilder.load`` restores their words and titles, not
their index entries: after an incremental build only the rewritten pages keep
theirs. The search ranks on index entries (error messages, keywords), so this
reads them back from the unchanged pages' doctrees before the index is written.
"""

from __future__ import annotations

from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.index_entries import split_index_msg


def restore_index_entries(app: Sphinx) -> list:
    """``html-collect-pages`` runs after every page is written and before the index is dumped."""
    indexer = getattr(app.builder, "indexer", None)
    entries_by_doc = getattr(indexer, "_index_entries", None)
    titles = getattr(indexer, "_titles", None)
    if entries_by_doc is None or titles is None:
        return []
    for docname in titles:
        if docname in entries_by_doc:
            continue
        entries: set[tuple[str, str, str]] = set()
        for node in app.env.get_doctree(docname).findall(addnodes.index):
            for entry_type, value, target_id, main, _category in node["entries"]:
                try:
                    result = split_index_msg(entry_type, value)
                except ValueError:
                    continue
                entries |= {(text, target_id or "", main) for text in result}
        entries_by_doc[docname] = sorted(entries)
    return []
