"""Find facts with two homes: a table keyed by the same identifiers on two pages, or a
paragraph repeated, nearly word for word, on another page.

Pure functions over each page's :class:`~docplan.prose.Prose`. Paragraphs are matched in
two stages so the check stays fast on a large site: pages that share several five-word
shingles with a paragraph become candidates through an inverted index, and only those
candidates are compared with :class:`difflib.SequenceMatcher`.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass

from .prose import Block, Prose, Table

MIN_SHARED_KEYS = 4  # tables sharing fewer keys are not a copy (small tables of flags, say)
MIN_KEY_SHARE = 0.6  # ... and the shared keys must be this share of the smaller table's keys
MIN_PARAGRAPH_WORDS = 25  # shorter paragraphs repeat legitimately (a one-line pointer)
MIN_SIMILARITY = 0.85  # SequenceMatcher ratio over the paragraphs' words
SHINGLE = 5
MIN_SHARED_SHINGLES = 3


@dataclass(frozen=True)
class TableCopy:
    page: str
    table: Table
    home_page: str
    home_table: Table
    shared: tuple[str, ...]


@dataclass(frozen=True)
class ParagraphCopy:
    page: str
    block: Block
    home_page: str
    home_block: Block
    similarity: float


def copied_tables(pages: dict[str, Prose], order: list[str]) -> list[TableCopy]:
    """Tables whose keys mostly repeat a table on an earlier page (in ``order``)."""
    copies: list[TableCopy] = []
    seen: list[tuple[str, Table, frozenset[str]]] = []
    for page in order:
        for table in pages[page].tables:
            keys = frozenset(k for k in table.keys if k)
            if len(keys) < MIN_SHARED_KEYS:
                continue
            for home_page, home, home_keys in seen:
                if home_page == page:
                    continue
                shared = keys & home_keys
                if len(shared) >= MIN_SHARED_KEYS and len(shared) >= MIN_KEY_SHARE * min(len(keys), len(home_keys)):
                    copies.append(TableCopy(page, table, home_page, home, tuple(sorted(shared))))
                    break
        seen += [(page, t, frozenset(k for k in t.keys if k)) for t in pages[page].tables]
    return copies


_TOKEN = re.compile(r"\w+")


def _normal_words(block: Block) -> list[str]:
    """The paragraph's words, case-folded, punctuation and markup dropped."""
    return _TOKEN.findall(block.text.casefold())


def copied_paragraphs(pages: dict[str, Prose], order: list[str]) -> list[ParagraphCopy]:
    """Paragraphs that repeat, nearly word for word, a paragraph on an earlier page."""
    # shingle -> the earlier paragraph that has it, or the list of them when several do. Most
    # shingles belong to one paragraph, so they are stored and looked up in bulk (set and
    # dict operations), and only the shared ones are counted one by one.
    index: dict[int, int | list[int]] = {}
    earlier: list[tuple[str, Block, list[str]]] = []
    copies: list[ParagraphCopy] = []
    for page in order:
        mine: list[tuple[Block, list[str], set[int]]] = []
        for block in pages[page].blocks:
            if block.kind != "paragraph":
                continue
            if block.word_count < MIN_PARAGRAPH_WORDS:  # prose words, as the word budget counts them
                continue
            words = _normal_words(block)
            # every run of SHINGLE words, as its hash: an int hashes for free in the set and dict
            # operations below, where a tuple is hashed again each time. A collision only adds a
            # candidate, which the ratio below then rejects.
            shingles = set(map(hash, zip(*(words[i:] for i in range(SHINGLE)))))
            hits: dict[int, int] = defaultdict(int)
            for shingle in index.keys() & shingles:
                holders = index[shingle]
                for number in holders if isinstance(holders, list) else (holders,):
                    hits[number] += 1
            best: ParagraphCopy | None = None
            for number in sorted(hits):  # earliest first, so a tie goes to the earliest home
                home_page, home_block, home_words = earlier[number]
                if hits[number] < MIN_SHARED_SHINGLES or home_page == page:
                    continue
                ratio = difflib.SequenceMatcher(None, words, home_words, autojunk=False).ratio()
                if ratio >= MIN_SIMILARITY and (best is None or ratio > best.similarity):
                    best = ParagraphCopy(page, block, home_page, home_block, ratio)
            if best:
                copies.append(best)
            mine.append((block, words, shingles))
        for block, words, shingles in mine:  # indexed after the page: a page does not copy itself
            number = len(earlier)
            earlier.append((page, block, words))
            shared = index.keys() & shingles
            for shingle in shared:
                holders = index[shingle]
                if isinstance(holders, list):
                    holders.append(number)
                else:
                    index[shingle] = [holders, number]
            index.update(dict.fromkeys(shingles - shared, number))
    return copies
