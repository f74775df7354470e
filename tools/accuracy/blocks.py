"""The checkable parts of a page: code blocks, tables and their markers.

A marker is a MyST comment on the line directly above a block or table:
``% docs-check: skip (reason)``, ``% docs-check: fields path.py:Class``,
``% docs-check: message`` or ``% docs-check: rollout``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from docplan.pages import Located, UnreadablePage, is_markdown_directive, read_text, tokens
from docplan.pages import parse_page as page_source
from myst_parser.config.main import MdParserConfig

__all__ = ["UnreadablePage", "read_page", "parse_page"]

MARKER = re.compile(r"^%\s*docs-check:\s*(?P<kind>[\w-]+)\s*(?P<argument>.*)$")
MARKER_KINDS = {"skip", "fields", "message", "rollout"}
_INLINE_CODE = re.compile(r"`([^`]+)`")


@dataclass
class Marker:
    kind: str
    argument: str
    line: int


@dataclass
class CodeBlock:
    language: str
    text: str
    line: int  # line of the opening fence; the first code line is line + 1
    marker: Marker | None = None


@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line, raw cells)
    line: int
    marker: Marker | None = None

    def column(self, title: str) -> int | None:
        lowered = [h.strip().lower() for h in self.header]
        return lowered.index(title.lower()) if title.lower() in lowered else None


@dataclass
class Page:
    path: Path
    blocks: list[CodeBlock] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)  # every marker, used or not
    front_matter: dict = field(default_factory=dict)
    front_matter_lines: dict[str, int] = field(default_factory=dict)  # key -> line
    front_matter_error: tuple[int, str] | None = None  # (line, what is wrong)
    source_lines: dict[str, int] = field(default_factory=dict)  # each listed source -> its line

    def sources(self) -> list[str]:
        """The upstream files the front matter's ``sources`` lists; [] when it is not a list."""
        sources = self.front_matter.get("sources")
        return [str(s) for s in sources] if isinstance(sources, list) else []


def read_page(path: Path, config: MdParserConfig | None = None) -> Page:
    """The checkable parts of the page at ``path``; raises UnreadablePage (located) when the
    file is not UTF-8 text."""
    return parse_page(read_text(path), path, config)


def parse_page(text: str, path: Path = Path("<page>"), config: MdParserConfig | None = None) -> Page:
    """Read ``text`` with the same MyST reader as the plan checks, so code blocks and tables
    nested in directives (notes, tabs, dropdowns) are checked too."""
    text = text.removeprefix("\ufeff")
    located = list(tokens(text, config))
    page = Page(path)
    source = page_source(text, path, config, located)
    page.front_matter = source.front_matter.values
    page.front_matter_error = (source.front_matter.error_line, source.front_matter.error) \
        if source.front_matter.error else None
    page.front_matter_lines = source.front_matter.lines
    lines = text.splitlines()
    for entry in page.sources():
        page.source_lines[entry] = next((i for i, t in enumerate(lines, 1) if entry in t),
                                        page.front_matter_lines.get("sources", 1))
    # Markers shown inside a code block are examples, not markers.
    in_code = {n for item in located if item.token.type in ("fence", "code_block") and item.token.map
               and not is_markdown_directive(item.token)
               for n in range(item.line, item.line + item.token.map[1] - item.token.map[0])}
    for number, line in enumerate(text.splitlines(), 1):
        match = MARKER.match(line.strip())
        if match and number not in in_code:
            page.markers.append(Marker(match["kind"], match["argument"].strip(), number))
    by_line = {m.line: m for m in page.markers}

    for index, item in enumerate(located):
        token = item.token
        if token.type == "fence" and token.map and not is_markdown_directive(token):
            page.blocks.append(CodeBlock(_language(token.info), token.content, item.line, by_line.get(item.line - 1)))
        elif token.type == "table_open" and token.map:
            page.tables.append(_table(located, index, item.line, by_line.get(item.line - 1)))
    return page


def _language(info: str) -> str:
    """The code language of a fence: ```python, or ```{code-block} python. Other directives keep
    their braces (``{toctree}``) so the checks leave them alone."""
    words = info.split()
    if not words:
        return ""
    if words[0] in ("{code-block}", "{code}", "{sourcecode}"):
        return words[1].lower() if len(words) > 1 else ""
    return words[0].lower()


def _table(located: list[Located], index: int, start: int, marker: Marker | None) -> Table:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    row: list[str] | None = None
    row_line = start
    for item in located[index + 1:]:
        token = item.token
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            row = []
            row_line = item.line if token.map else row_line
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close" and row is not None:
            if not header:
                header = row
            else:
                rows.append((row_line, row))
            row = None
    return Table(header, rows, start, marker)


def inline_code(cell: str) -> list[str]:
    return _INLINE_CODE.findall(cell)
