"""What a page says in prose: its words, paragraphs, tables and links.

Prose is the Markdown source without its front matter, code blocks, the
glossary, toctrees, comments and directive options. Text inside admonitions,
cards, tabs and tables counts: readers read it. Link and role targets do not
count; link text does. A word is a whitespace-separated run with at least one
letter or digit. The prose is read from the same MyST tokens as the rest of the
page (``docplan.pages.tokens``), in the same pass, so directives and fences
split exactly where Sphinx splits them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pages import Located

_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<name>[\w-]+):\s*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")
_EXPLICIT_TITLE = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]*)>$")
_MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)")
# A word: a run of non-space characters with at least one letter or digit. One match per such
# run (the last ``\S*`` always reaches the run's end), so counting matches counts words.
_WORD = re.compile(r"\S*\w\S*")
_BLOCKS = {"heading_open": "heading", "paragraph_open": "paragraph", "th_open": "cell", "td_open": "cell"}


@dataclass(frozen=True)
class Block:
    """One block of prose with its 1-based source line. ``kind``: paragraph, heading or cell."""

    kind: str
    line: int
    text: str

    @cached_property  # read by the word budgets, the word summary and the paragraph matcher
    def word_count(self) -> int:
        return len(_WORD.findall(self.text))


@dataclass(frozen=True)
class Table:
    """A Markdown table: its line, its header cells and the first cell of each body row."""

    line: int
    header: tuple[str, ...]
    keys: tuple[str, ...]


@dataclass
class Prose:
    blocks: list[Block] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[tuple[int, str]] = field(default_factory=list)  # (line, target as written)
    cards: list[tuple[int, str]] = field(default_factory=list)  # (line, the card's :link: as written)

    @property
    def words(self) -> int:
        return sum(b.word_count for b in self.blocks)


def prose_words(text: str) -> int:
    """The number of prose words in a MyST Markdown page."""
    return read_prose(text).words


def read_prose(text: str, config=None) -> Prose:
    """The prose of page text; ``config`` is the site's MyST parser configuration
    (default: MyST's defaults with colon fences, as this site enables them)."""
    from myst_parser.config.main import MdParserConfig

    from .pages import tokens  # the page reader imports this module; import it when used

    return prose_from_tokens(tokens(text, config or MdParserConfig(enable_extensions={"colon_fence"})))


def prose_from_tokens(located: Iterable[Located]) -> Prose:
    """The prose of a page from its located tokens (``docplan.pages.tokens``), which list a
    Markdown directive's body right after the directive and leave literal bodies out."""
    prose = Prose()
    table: list[list[str]] | None = None  # rows of plain cell texts
    table_line = 0
    kind = "paragraph"
    for item in located:
        token, line = item.token, item.line
        if token.type == "table_open":
            table, table_line = [], line
        elif token.type == "tr_open" and table is not None:
            table.append([])
        elif token.type == "table_close" and table is not None:
            if table:
                prose.tables.append(Table(table_line, tuple(table[0]), tuple(r[0] for r in table[1:] if r)))
            table = None
        elif token.type in _BLOCKS:
            kind = _BLOCKS[token.type]
        elif token.type == "inline":
            _links(token.content, line, prose)
            plain = _plain(token.content)
            if table:
                table[-1].append(_key(plain))
            if plain:
                prose.blocks.append(Block(kind, line, plain))
        elif token.type in ("fence", "colon_fence"):
            _directive(token, line, prose)
        # code fences, indented code, HTML blocks and front matter are not prose.
    return prose


def _directive(token, line: int, prose: Prose) -> None:
    """A directive's title and options; its Markdown body is in the tokens that follow."""
    match = _DIRECTIVE.match(token.info.strip())
    if match is None:
        return  # a code fence
    lines = token.content.split("\n")
    if not (lines and lines[0].strip() == "---"):
        for option in map(_OPTION.match, (text.strip() for text in lines)):
            if option is None:
                break
            if option["name"] == "link":
                prose.links.append((line, option["value"].strip()))
                if match["name"] == "grid-item-card":
                    prose.cards.append((line, option["value"].strip()))
    from .pages import is_markdown_directive

    title = _plain(match["argument"])
    if title and is_markdown_directive(token):  # an admonition's or card's title is read, too
        prose.blocks.append(Block("heading", line, title))


def _plain(content: str) -> str:
    """Inline Markdown reduced to the words a reader sees."""
    # Each pattern runs only on text that holds the characters every match of it holds:
    # most blocks have no comment, link, role or target, and a search for two characters
    # is far quicker than running a pattern.
    text = _COMMENT.sub("", content) if "%" in content else content  # MyST comments
    if "<!--" in text:
        text = _HTML_COMMENT.sub("", text)
    if "](" in text:
        text = _IMAGE.sub(r"\1", text)  # images: alt text
        text = _LINK.sub(r"\1", text)  # links: their text
    if "}`" in text:
        text = _ROLE.sub(lambda m: _role_text(m["body"]), text)
    if ")=" in text:
        text = _TARGET.sub("", text)  # targets such as (my-anchor)=
    return text.strip()


_COMMENT = re.compile(r"^%.*$", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TARGET = re.compile(r"^\([\w-]+\)=$", re.MULTILINE)
_MARKS = re.compile(r"`|\*\*")


def _role_text(body: str) -> str:
    explicit = _EXPLICIT_TITLE.match(body)
    if explicit and explicit["title"]:
        return explicit["title"]
    return "" if "/" in body or body.endswith(".md") else body  # a bare page path renders as its title


def _key(cell: str) -> str:
    """A table key as compared across pages: no code marks or emphasis, case-folded, and a
    path reduced to its file name, so that tables of the same files under different example
    directories still match."""
    key = _MARKS.sub("", cell).strip().casefold()
    return ", ".join(part.rsplit("/", 1)[-1] if " " not in part else part for part in key.split(", "))


def _links(content: str, line: int, prose: Prose) -> None:
    if "}`" not in content and "](" not in content:  # no role and no link (see _plain)
        return
    for match in _ROLE.finditer(content):
        if match["role"] in ("doc", "download"):
            explicit = _EXPLICIT_TITLE.match(match["body"])
            prose.links.append((line, explicit["target"] if explicit else match["body"]))
    for match in _MD_LINK.finditer(content):
        prose.links.append((line, match["target"]))


def linked_pages(prose: Prose, page: str) -> set[str]:
    """The pages (relative to the plan root, with .md) that ``page`` links to."""
    return {resolved for _, target in prose.links if (resolved := resolve_link(page, target))}


def resolve_link(page: str, target: str) -> str | None:
    """The plan-relative page a link on ``page`` points to, or None for an outside link."""
    target = target.split("#", 1)[0].strip()
    if not target or "://" in target or target.startswith(("mailto:", "/")):
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
    if resolved.startswith(".."):
        return None
    return resolved if resolved.endswith(".md") else f"{resolved}.md"
