"""The checkable parts of a page: code blocks, tables and their markers.

A marker is a MyST comment on the line directly above a block or table:
``% docs-check: skip (reason)``, ``% docs-check: fields path.py:Class``,
``% docs-check: message`` or ``% docs-check: rollout``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

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


_parser = MarkdownIt("commonmark").enable("table")


def read_page(path: Path) -> Page:
    return parse_page(path.read_text(encoding="utf-8"), path)


def parse_page(text: str, path: Path = Path("<page>")) -> Page:
    import yaml

    lines = text.splitlines()
    page = Page(path)
    body_offset = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            try:
                page.front_matter = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError:
                page.front_matter = {}
            body_offset = end + 1
    body = "\n".join(lines[body_offset:])
    tokens = _parser.parse(body)
    # Markers shown inside a code block are examples, not markers.
    in_code = {n for t in tokens if t.type in ("fence", "code_block") and t.map
               for n in range(t.map[0] + body_offset + 1, t.map[1] + body_offset + 1)}
    for number, line in enumerate(lines, 1):
        match = MARKER.match(line.strip())
        if match and number not in in_code:
            page.markers.append(Marker(match["kind"], match["argument"].strip(), number))
    by_line = {m.line: m for m in page.markers}

    def marker_above(first_line: int) -> Marker | None:
        return by_line.get(first_line - 1)

    for index, token in enumerate(tokens):
        if token.type == "fence" and token.map:
            start = token.map[0] + body_offset + 1
            language = _language(token.info)
            page.blocks.append(CodeBlock(language, token.content, start, marker_above(start)))
        elif token.type == "table_open" and token.map:
            start = token.map[0] + body_offset + 1
            page.tables.append(_table(tokens, index, start, body_offset, marker_above(start)))
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


def _table(tokens, index: int, start: int, offset: int, marker: Marker | None) -> Table:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    row: list[str] | None = None
    row_line = start
    for token in tokens[index + 1:]:
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            row = []
            row_line = token.map[0] + offset + 1 if token.map else row_line
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
