"""What a MyST Markdown page says, as far as the plan checks need to know.

A light line scanner, not a Markdown parser: it finds the front matter, the
ATX headings and the toctree directives outside code, with their line numbers,
so every finding can point at the line to change. It reads only the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<marker>`{3,}|~{3,}|:{3,})\s*(?P<info>.*)$")
_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?\s*$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<name>[\w-]+):(?P<value>.*)$")
_EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")

# The seed's bracketed placeholders ("[How-to content for ...]"), and the usual markers.
PLACEHOLDERS = re.compile(
    r"\[(?:How-to|Brief|Detailed|Step-by-step|Complete|Common|More)\b[^\]]*"
    r"(?:content|explanation|guide|examples|reference|list)[^\]]*\]"
    r"|\bTODO\b|\bTBD\b|\bFIXME\b|[Ll]orem ipsum|[Cc]oming soon|\[\.\.\.\s"
)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class ToctreeEntry:
    target: str  # as written, without an explicit title
    line: int


@dataclass
class Toctree:
    line: int
    options: dict[str, int] = field(default_factory=dict)  # option name -> line
    entries: list[ToctreeEntry] = field(default_factory=list)


@dataclass
class FrontMatter:
    """The page's front matter: values by key, with the line of each key."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    present: bool = False
    error: str | None = None
    error_line: int = 1


@dataclass
class PageSource:
    path: Path
    front_matter: FrontMatter
    headings: list[Heading]
    toctrees: list[Toctree]
    placeholders: list[tuple[int, str]]

    @property
    def title_line(self) -> int:
        first = next((h for h in self.headings if h.level == 1), None)
        return first.line if first else 1

    def sections(self, level: int = 2) -> list[Heading]:
        return [h for h in self.headings if h.level == level]


def read_page(path: str | Path) -> PageSource:
    path = Path(path)
    return parse_page(path.read_text(encoding="utf-8"), path)


def parse_page(text: str, path: str | Path = "<page>") -> PageSource:
    lines = text.splitlines()
    front_matter, body_start = _front_matter(lines)
    headings: list[Heading] = []
    toctrees: list[Toctree] = []
    placeholders: list[tuple[int, str]] = []

    fence: tuple[str, int] | None = None  # (marker char, length) of the open code fence
    toctree: tuple[Toctree, str, int] | None = None  # open toctree with its fence
    for index in range(body_start, len(lines)):
        number, line = index + 1, lines[index]
        hit = PLACEHOLDERS.search(line)
        if hit:
            placeholders.append((number, hit.group(0)))
        match = _FENCE.match(line)
        if toctree:
            current, char, length = toctree
            if match and match["marker"][0] == char and len(match["marker"]) >= length and not match["info"]:
                toctree = None
            else:
                _toctree_line(current, line.strip(), number)
            continue
        if fence:
            char, length = fence
            if match and match["marker"][0] == char and len(match["marker"]) >= length and not match["info"].strip():
                fence = None
            continue
        if match:
            marker, info = match["marker"], match["info"].strip()
            directive = _DIRECTIVE.match(info)
            if directive and directive["name"] == "toctree":
                current = Toctree(line=number)
                toctrees.append(current)
                toctree = (current, marker[0], len(marker))
            elif marker[0] != ":":
                # Code and directive bodies in backtick or tilde fences are not prose;
                # colon fences hold Markdown (cards, admonitions) and are scanned.
                fence = (marker[0], len(marker))
            continue
        heading = _HEADING.match(line)
        if heading:
            headings.append(Heading(len(heading["hashes"]), _plain_heading(heading["text"]), number))
    return PageSource(Path(path), front_matter, headings, toctrees, placeholders)


def _toctree_line(toctree: Toctree, stripped: str, number: int) -> None:
    if not stripped or stripped in ("---",):
        return
    option = _OPTION.match(stripped)
    if option:
        toctree.options[option["name"]] = number
        return
    if re.match(r"^[\w-]+:\s", stripped) and not toctree.entries:
        toctree.options[stripped.split(":", 1)[0]] = number  # YAML-style options block
        return
    explicit = _EXPLICIT_TITLE.match(stripped)
    target = explicit["target"] if explicit else stripped
    toctree.entries.append(ToctreeEntry(target.strip(), number))


def _plain_heading(text: str) -> str:
    text = re.sub(r"\s*\{#[^}]*\}\s*$", "", text)  # explicit anchor
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return text.strip()


def _front_matter(lines: list[str]) -> tuple[FrontMatter, int]:
    """Parse a leading ``---`` block. Returns it and the index of the first body line."""
    result = FrontMatter()
    if not lines or lines[0].strip() != "---":
        return result, 0
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        result.present = True
        result.error = "front matter starts with '---' on line 1 but is never closed"
        return result, 0
    result.present = True
    block = "\n".join(lines[1:end])
    try:
        # Compose once with the C loader (fast), then build values from the same nodes.
        node = yaml.compose(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        values = yaml.constructor.SafeConstructor().construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        result.error = f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}"
        result.error_line = (mark.line + 2) if mark else 1
        return result, end + 1
    if values is None:
        values = {}
    if not isinstance(values, dict) or not isinstance(node, (yaml.MappingNode, type(None))):
        result.error = "front matter must be a mapping of 'key: value' lines"
        return result, end + 1
    result.values = values
    if node is not None:
        result.lines = {str(k.value): k.start_mark.line + 2 for k, _ in node.value}
    return result, end + 1
