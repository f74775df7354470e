"""What a MyST Markdown page says, read with MyST's own Markdown parser.

The page is tokenised by the markdown-it parser MyST builds from the site's
MyST settings, so front matter, headings (ATX and setext), comments and
directives are recognised exactly where MyST recognises them. Directive bodies
that MyST parses as Markdown (notes, cards, tabs) are tokenised again, so a
toctree nested in a four-backtick ``{note}`` fence is found; ``{eval-rst}``
bodies are searched for ``.. toctree::``. Everything keeps its line number,
so every finding points at the line to change. Only the source is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from .prose import Prose, prose_from_tokens

_DIRECTIVE = re.compile(r"^\{(?P<name>[\w:.-]+)\}\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^:(?P<name>[\w-]+):(?P<value>.*)$")
_EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")
_RST_TOCTREE = re.compile(r"^(?P<indent>\s*)\.\.\s+toctree::\s*$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://|^mailto:")

# Directives whose body is not Markdown: code, math, raw text, tables from data.
# Every other directive's body is read as Markdown, as MyST does for admonitions,
# cards, tabs, grids and dropdowns.
LITERAL_DIRECTIVES = frozenset({
    "code", "code-block", "sourcecode", "code-cell", "literalinclude", "include", "math", "raw",
    "csv-table", "highlight", "mermaid", "graphviz", "digraph", "graph", "parsed-literal",
    "eval-rst", "toctree", "glossary", "productionlist", "testcode", "testoutput", "doctest",
})

# The seed's bracketed placeholders ("[How-to content for ...]"), and the usual markers.
PLACEHOLDERS = re.compile(
    r"\[(?:How-to|Brief|Detailed|Step-by-step|Complete|Common|More)\b[^\]\n]*"
    r"(?:content|explanation|guide|examples|reference|list)[^\]\n]*\]"
    r"|\bTODO\b|\bTBD\b|\bFIXME\b|[Ll]orem ipsum|[Cc]oming soon|\[\.\.\.\s"
)
# Every placeholder contains one of these. Most pages contain none, and looking for them is
# far quicker than running the pattern, which has no literal start to search for.
_PLACEHOLDER_LITERALS = ("[How-to", "[Brief", "[Detailed", "[Step-by-step", "[Complete", "[Common", "[More",
                         "TODO", "TBD", "FIXME", "orem ipsum", "oming soon", "[...")


class UnreadablePage(ValueError):
    """A page that cannot be read as text; ``line`` is where the problem is."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(reason)
        self.path, self.line, self.reason = path, line, reason

    @classmethod
    def from_os_error(cls, path: Path, exc: OSError) -> UnreadablePage:
        return cls(path, 1, f"cannot be read: {exc.strerror or exc}")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class ToctreeEntry:
    target: str  # as written, without an explicit title
    line: int

    @property
    def is_self(self) -> bool:
        return self.target == "self"

    @property
    def is_url(self) -> bool:
        return bool(_URL.match(self.target))

    @property
    def is_glob(self) -> bool:
        return any(ch in self.target for ch in "*?[")


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
    # As given: a Sphinx build passes the string it has, since making a Path of it for every
    # page was the largest part of keeping a page. Findings use str(path); two reads of the
    # same file compare equal whichever type named it.
    path: str | Path = field(compare=False)
    front_matter: FrontMatter
    headings: list[Heading]  # the page's own sections, not headings nested in directives
    toctrees: list[Toctree]
    placeholders: list[tuple[int, str]]
    # Words, paragraphs, tables and links, for the prose checks; None when the page was read
    # without them (a Sphinx build runs the plan checks only).
    prose: Prose | None = field(default_factory=lambda: Prose())

    @property
    def title_line(self) -> int:
        first = next((h for h in self.headings if h.level == 1), None)
        return first.line if first else 1

    def sections(self, level: int = 2) -> list[Heading]:
        return [h for h in self.headings if h.level == level]


class Located(NamedTuple):
    """A markdown-it token, with the 1-based page line it starts on and whether it lies
    inside a directive's body (where MyST does not make sections). A tuple: a page has
    dozens, and a tuple is made several times faster than a frozen dataclass."""

    token: Token
    line: int
    nested: bool


# -- Reading -----------------------------------------------------------------------------------


def read_text(path: str | Path) -> str:
    """The page's text, decoded as Sphinx decodes it (UTF-8, byte-order mark dropped).

    Raises UnreadablePage, with the line of the first bad byte, for a page that is not UTF-8.
    """
    path = Path(path)
    data = _read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadablePage(path, *_decode_problem(data, exc)) from exc


def unreadable_reason(path: str) -> tuple[int, str] | None:
    """What :func:`read_text` would raise for the file at ``path``, as (line, reason), or None
    when it reads; without building the text (a Sphinx build checks every page it reads)."""
    try:
        data = _read_bytes(path)
    except UnreadablePage as exc:
        return exc.line, exc.reason
    if data.isascii():  # most pages, and far quicker to test than to decode
        return None
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _decode_problem(data, exc)
    return None


def _read_bytes(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise UnreadablePage.from_os_error(Path(path), exc) from exc


def _decode_problem(data: bytes, exc: UnicodeDecodeError) -> tuple[int, str]:
    line = data.count(b"\n", 0, exc.start) + 1
    return line, f"is not UTF-8 text (byte 0x{data[exc.start]:02x})"


def read_page(path: str | Path, config: MdParserConfig | None = None, prose: bool = True) -> PageSource:
    path = Path(path)
    return parse_page(read_text(path), path, config, prose=prose)


def markdown_parser(config: MdParserConfig | None = None, tables: bool = True):
    """MyST's markdown-it parser for ``config`` (built once per distinct configuration).

    The checks read block structure only; a heading's or cell's text is its inline token's
    source, so inline parsing (most of the time spent) is left out. Without ``tables``, table
    rows read as paragraphs, which changes no heading, fence or directive, and saves a fifth
    of the time.
    """
    global _LAST
    if _LAST is not None and _LAST[0] is config and _LAST[1] == tables:
        return _LAST[2]  # the usual case: every page of a scan has the same settings object
    settings = config or _default_config()
    key = (repr(settings), tables)  # MdParserConfig is unhashable; its repr names every setting (slow)
    if key not in _PARSERS:
        parser = create_md_parser(settings, RendererHTML).disable("inline")
        _PARSERS[key] = parser if tables else parser.disable("table")
    # Holding ``config`` keeps its identity from being reused by another settings object.
    _LAST = (config, tables, _PARSERS[key])
    return _PARSERS[key]


_PARSERS: dict[tuple[str, bool], object] = {}
_LAST: tuple[MdParserConfig | None, bool, object] | None = None


def _default_config() -> MdParserConfig:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = MdParserConfig()
    return _DEFAULT


_DEFAULT: MdParserConfig | None = None


def tokens(text: str, config: MdParserConfig | None = None, tables: bool = True) -> Iterator[Located]:
    """Every token of the page in document order, directive bodies MyST reads as Markdown
    included (their tokens follow the directive's own fence token)."""
    yield from _walk(text.removeprefix("\ufeff"), 0, False, markdown_parser(config, tables))


def located(top: list[Token], config: MdParserConfig | None = None, plan_only: bool = False) -> Iterator[Located]:
    """What :func:`tokens` gives for a page whose top-level tokens ``top`` were parsed already
    (by MyST, during the build, with the same settings); directive bodies are parsed here.
    With ``plan_only``, the top-level tokens the plan checks read, and no others: front
    matter, headings with their text, and fences (a page has dozens of other tokens)."""
    parser = markdown_parser(config)
    heading = False
    for token in top:
        kind = token.type
        if plan_only and not heading and kind not in _PLAN_KINDS:
            continue
        heading = kind == "heading_open"  # its text is the next token
        line = (token.map[0] if token.map else 0) + 1
        yield Located(token, line, False)
        if kind in _FENCES and is_markdown_directive(token):
            skipped, body = _directive_body(token.content)
            yield from _walk(body, line + skipped, True, parser)


_FENCES = ("fence", "colon_fence")
_PLAN_KINDS = frozenset({"front_matter", "heading_open", *_FENCES})


def _walk(text: str, offset: int, nested: bool, parser) -> Iterator[Located]:
    yield from _walk_tokens(parser.parse(text), offset, nested, parser)


def _walk_tokens(parsed: list[Token], offset: int, nested: bool, parser) -> Iterator[Located]:
    for token in parsed:
        line = offset + (token.map[0] if token.map else 0) + 1
        yield Located(token, line, nested)
        if is_markdown_directive(token):
            skipped, body = _directive_body(token.content)
            yield from _walk(body, line + skipped, True, parser)


def is_markdown_directive(token: Token) -> bool:
    """True for a directive fence whose body MyST reads as Markdown (its tokens follow it)."""
    directive = _directive(token)
    return directive is not None and directive[0] not in LITERAL_DIRECTIVES


def _directive(token: Token) -> tuple[str, str] | None:
    """(name, argument) of a MyST directive fence, or None for a code fence."""
    if token.type not in ("fence", "colon_fence"):
        return None
    match = _DIRECTIVE.match(token.info.strip())
    return (match["name"], match["argument"]) if match else None


def _directive_body(content: str) -> tuple[int, str]:
    """Split a directive's options (``:key: value`` lines or a ``---`` YAML block) from its body.
    Returns the number of lines the options take and the body."""
    lines = content.split("\n")
    index = 0
    if lines and lines[0].strip() == "---":
        index = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
    else:
        while index < len(lines) and _OPTION.match(lines[index].strip()):
            index += 1
    return index, "\n".join(lines[index:])


def parse_page(text: str, path: str | Path = "<page>", config: MdParserConfig | None = None,
               located_tokens: list[Located] | None = None, prose: bool = True,
               topmatter: dict[str, Any] | None = None) -> PageSource:
    """What the checks need from the page; ``located_tokens`` are the page's tokens when the
    caller has them already. Without ``prose``, only what the plan checks need.
    ``topmatter``: the front matter's values as MyST read them, when the caller has them."""
    text = text.removeprefix("\ufeff")
    front_matter = FrontMatter()
    headings: list[Heading] = []
    toctrees: list[Toctree] = []
    pending: Heading | None = None  # a heading whose text is the next inline token
    if located_tokens is None:
        # Tables are parsed only for the prose checks, which compare tables across pages.
        located_tokens = list(tokens(text, config, tables=prose))
    for located in located_tokens:
        token = located.token
        kind = token.type
        if kind == "front_matter":
            front_matter = _front_matter(token.content, located.line, topmatter)
        elif kind == "heading_open" and not located.nested and token.level == 0:
            pending = Heading(int(token.tag[1:]), "", located.line)
        elif kind == "inline" and pending is not None:
            headings.append(Heading(pending.level, _plain_heading(token.content), pending.line))
            pending = None
        elif kind in _FENCES:
            directive = _directive(token)
            if directive and directive[0] == "toctree":
                toctrees.append(_toctree(token.content, located.line))
            elif directive and directive[0] == "eval-rst":
                toctrees += _rst_toctrees(token.content, located.line)
    if not front_matter.present and text.split("\n", 1)[0].strip() == "---":
        front_matter = FrontMatter(present=True, error="front matter starts with '---' on line 1 but is never closed")
    placeholders, seen_lines = [], set()
    hits = PLACEHOLDERS.finditer(text) if any(s in text for s in _PLACEHOLDER_LITERALS) else ()
    for hit in hits:  # one pass over the page, the first hit of each line
        number = text.count("\n", 0, hit.start()) + 1
        if number not in seen_lines:
            seen_lines.add(number)
            placeholders.append((number, hit.group(0)))
    return PageSource(path, front_matter, headings, toctrees, placeholders,
                      prose_from_tokens(located_tokens) if prose else None)


# -- Toctrees ----------------------------------------------------------------------------------


def _toctree(content: str, fence_line: int) -> Toctree:
    toctree = Toctree(line=fence_line)
    in_yaml_options = False
    for index, raw in enumerate(content.split("\n")):
        number, stripped = fence_line + 1 + index, raw.strip()
        if stripped == "---" and not toctree.entries:
            in_yaml_options = not in_yaml_options
            continue
        if not stripped:
            continue
        option = _OPTION.match(stripped)
        if option and not toctree.entries:
            toctree.options[option["name"]] = number
        elif in_yaml_options:
            toctree.options[stripped.split(":", 1)[0].strip()] = number
        else:
            _add_entry(toctree, stripped, number)
    return toctree


def _rst_toctrees(content: str, fence_line: int) -> list[Toctree]:
    """``.. toctree::`` directives in an ``{eval-rst}`` body, at any depth."""
    lines = content.split("\n")
    found = []
    for index, raw in enumerate(lines):
        match = _RST_TOCTREE.match(raw)
        if not match:
            continue
        toctree = Toctree(line=fence_line + 1 + index)
        depth = len(match["indent"])
        for inner in range(index + 1, len(lines)):
            line = lines[inner]
            if line.strip() and len(line) - len(line.lstrip()) <= depth:
                break  # the directive's indented block has ended
            stripped, number = line.strip(), fence_line + 1 + inner
            option = _OPTION.match(stripped)
            if option and not toctree.entries:
                toctree.options[option["name"]] = number
            elif stripped:
                _add_entry(toctree, stripped, number)
        found.append(toctree)
    return found


def _add_entry(toctree: Toctree, stripped: str, number: int) -> None:
    explicit = _EXPLICIT_TITLE.match(stripped)
    target = explicit["target"] if explicit else stripped
    toctree.entries.append(ToctreeEntry(target.strip(), number))


_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")
_CODE_SPAN = re.compile(r"`([^`]*)`")


def _plain_heading(text: str) -> str:
    if "{#" in text:
        text = _ANCHOR.sub("", text)  # explicit anchor
    return (_CODE_SPAN.sub(r"\1", text) if "`" in text else text).strip()


# -- Front matter ------------------------------------------------------------------------------


def _front_matter(block: str, first_line: int, topmatter: dict[str, Any] | None = None) -> FrontMatter:
    """Parse the YAML between the ``---`` lines; ``first_line`` is the line of the opening ``---``.
    ``topmatter`` is what MyST read from the same page, used when it is sure to be the same."""
    if topmatter is not None:
        lines = _key_lines(block, topmatter, first_line)
        if lines is not None:
            return FrontMatter(dict(topmatter), lines, present=True)
    result = FrontMatter(present=True)
    try:
        # Compose once with the C loader (fast), then build values from the same nodes.
        node = yaml.compose(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        values = yaml.constructor.SafeConstructor().construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        result.error = f"front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}"
        result.error_line = (mark.line + first_line + 1) if mark else first_line
        return result
    except (TypeError, ValueError, RecursionError) as exc:  # e.g. an unhashable key such as '? [a, b]'
        result.error = f"front matter has a value YAML cannot build: {str(exc)[:120]}"
        result.error_line = first_line
        return result
    if values is None:
        values = {}
    if not isinstance(values, dict) or not isinstance(node, (yaml.MappingNode, type(None))):
        result.error = "front matter must be a mapping of 'key: value' lines"
        result.error_line = first_line + 1
        return result
    result.values = values
    if node is not None:
        result.lines = {str(k.value): k.start_mark.line + first_line + 1 for k, _ in node.value}
    return result


# A top-level key on a line of its own: a plain name at the start of the line, then a colon.
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?=[ \t]|$)", re.M)


def _key_lines(block: str, topmatter: dict[str, Any], first_line: int) -> dict[str, int] | None:
    """The line of each of MyST's front-matter keys, when MyST surely read this block as the
    YAML parse above would; None when in any doubt, and the block is parsed again.

    MyST reads the lines up to the first one starting with ``---`` or ``...``, each with
    trailing whitespace removed. A block with neither, without trailing whitespace, whose
    plain top-level keys are exactly MyST's keys in order, is the same YAML mapping.
    """
    if "---" in block or "..." in block or any(line != line.rstrip() for line in block.split("\n")):
        return None
    found = [(m[1], block.count("\n", 0, m.start())) for m in _TOP_KEY.finditer(block)]
    if [key for key, _ in found] != list(topmatter):  # also catches a non-string key, or a repeated one
        return None
    return {key: index + first_line + 1 for key, index in found}
