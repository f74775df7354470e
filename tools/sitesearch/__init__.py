"""Site search: what the search index holds, beyond Sphinx's English defaults.

The ranking itself runs in the browser (``scorer.js``, set as ``html_search_scorer``).
This extension widens the index so that HTTP status codes users paste from their
logs (429, 503) are words the search can find (Sphinx drops every number), and
turns a page's front-matter ``keywords`` (``keywords.py``) and the messages quoted
in "Message" tables (``messages.py``) into index entries.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx
from sphinx.search.en import SearchEnglish

from .incremental import restore_index_entries
from .keywords import KeywordIndexEntries
from .messages import MessageIndexEntries

HTTP_STATUS = re.compile(r"[1-5]\d\d")


class SearchEnglishWithStatusCodes(SearchEnglish):
    """English, plus three-digit HTTP status codes as index words."""

    def word_filter(self, word: str) -> bool:
        return super().word_filter(word) or bool(HTTP_STATUS.fullmatch(word))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(SearchEnglishWithStatusCodes)
    app.add_transform(KeywordIndexEntries)
    app.add_transform(MessageIndexEntries)
    app.connect("html-collect-pages", restore_index_entries)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
