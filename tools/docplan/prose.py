"""What a page says in prose: its words, paragraphs, tables and links.

Prose is the Markdown source without its front matter, code blocks, the
glossary, toctrees, comments and directive options. Text inside admonitions,
cards, tabs and tables counts: readers read it. Link and role targets do not
count; link text does. A word is a whitespace-separated run with at least one
letter or digit. The parse uses markdown-it-py, the parser MyST is built on,
so fences and directives split where Sphinx splits them.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

# Directives whose body is code, data or a list of pages, never prose.
NOT_PROSE = frozenset({
    "code-block", "code", "sourcecode", "literalinclude", "toctree", "glossary", "mermaid",
    "math", "raw", "eval-rst", "csv-table", "include", "image", "figure", "graphviz",
})
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<name>[\w-]+):\s*(?P<value>.*)$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<body>[^`]*)`")
_EXPLICIT_TITLE = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]*)>$")
_MD_LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)")
_WORD = re.compile(r"\w")
# Raise when what read_prose returns changes, so parses cached in a build environment are redone.
PROSE_VERSION = 2


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(colon_fence_plugin)


@dataclass(frozen=True)
class Block:
    """One block of prose with its 1-based source line. ``kind``: paragraph, heading or cell."""

    kind: str
    line: int
    text: str

    @property
    def words(self) -> list[str]:
        return [w for w in self.text.split() if _WORD.search(w)]


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
        return sum(len(b.words) for b in self.blocks)


def prose_words(text: str) -> int:
    """The number of prose words in a MyST Markdown page."""
    return read_prose(text).words


def read_prose(text: str) -> Prose:
    prose = Prose()
    _walk(text, 1, prose)
    return prose


def _walk(text: str, first_line: int, prose: Prose) -> None:
    tokens = _parser().parse(text)
    table: list[list[str]] | None = None  # rows of plain cell texts
    table_line = 0
    context: list[str] = []
    for token in tokens:
        line = first_line + token.map[0] if token.map else 0
        if token.type == "table_open":
            table, table_line = [], line
        elif token.type == "tr_open" and table is not None:
            table.append([])
        elif token.type == "table_close" and table is not None:
            if table:
                prose.tables.append(Table(table_line, tuple(table[0]), tuple(r[0] for r in table[1:] if r)))
            table = None
        elif token.type.endswith("_open") and token.type in ("heading_open", "paragraph_open", "th_open", "td_open"):
            context.append(token.type)
        elif token.type == "inline" and token.map is not None:
            _links(token.content, line, prose)
            plain = _plain(token.content)
            kind = {"heading_open": "heading", "paragraph_open": "paragraph"}.get(context[-1] if context else "",
                                                                                  "cell")
            if table is not None and table:
                table[-1].append(_key(plain))
                kind = "cell"
            if plain:
                prose.blocks.append(Block(kind, line, plain))
        elif token.type in ("fence", "colon_fence") and token.map is not None:
            directive = _directive(token.info, token.content)
            if directive is not None:
                title, body, options = directive
                for name, value in options:
                    if name == "link":
                        prose.links.append((line, value))
                        if token.info.strip().startswith("{grid-item-card}"):
                            prose.cards.append((line, value))
                if title:  # an admonition's or card's title is read, too
                    prose.blocks.append(Block("heading", line, title))
                # The body starts on the line after the opening fence; options were
                # blanked, not removed, so line numbers still line up.
                _walk(body, line + 1, prose)
        if token.type.endswith("_close") and context and token.type[:-6] + "_open" == context[-1]:
            context.pop()
        # code_block (indented code), html_block, front_matter: not prose.


def _directive(info: str, content: str) -> tuple[str, str, list[tuple[str, str]]] | None:
    """A directive's title, Markdown body (options blanked) and options; None for code and data."""
    match = _DIRECTIVE.match(info.strip())
    if match is None or match["name"] in NOT_PROSE:
        return None  # a code block, or a directive whose body is not prose
    lines = content.split("\n")
    options: list[tuple[str, str]] = []
    if lines and lines[0].strip() == "---":  # a YAML options block
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        for i in range(end + 1):
            lines[i] = ""
    else:
        for i, line in enumerate(lines):
            option = _OPTION.match(line.strip())
            if not option:
                break
            options.append((option["name"], option["value"].strip()))
            lines[i] = ""
    return _plain(match["argument"]), "\n".join(lines), options


def _plain(content: str) -> str:
    """Inline Markdown reduced to the words a reader sees."""
    text = re.sub(r"^%.*$", "", content, flags=re.MULTILINE)  # MyST comments
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)  # images: alt text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = _ROLE.sub(lambda m: _role_text(m["body"]), text)
    text = re.sub(r"^\([\w-]+\)=$", "", text, flags=re.MULTILINE)  # targets such as (my-anchor)=
    return text.strip()


def _role_text(body: str) -> str:
    explicit = _EXPLICIT_TITLE.match(body)
    if explicit and explicit["title"]:
        return explicit["title"]
    return "" if "/" in body or body.endswith(".md") else body  # a bare page path renders as its title


def _key(cell: str) -> str:
    """A table key as compared across pages: no code marks or emphasis, case-folded."""
    return re.sub(r"`|\*\*", "", cell).strip().casefold()


def _links(content: str, line: int, prose: Prose) -> None:
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
