"""The console blocks of a page, split into the commands a reader types and the output shown.

A block is run unless the MyST comment lines directly above it carry
``% docs-exec: skip (reason)``. The reason is required: it tells the reader of
the report why the block cannot run here (a GPU, a cluster, a hosted model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from accuracy.blocks import read_page

MARKER = re.compile(r"^%\s*docs-exec:\s*(?P<kind>[\w-]+)\s*(?P<argument>.*)$")
MARKER_KINDS = {"skip"}
PROMPT = "$ "


@dataclass
class Step:
    """One command of a block and the output the page shows under it."""

    command: str
    line: int  # page line of the ``$`` prompt
    shown: list[str] = field(default_factory=list)
    shown_line: int = 0  # page line of the first shown output line


@dataclass
class ConsoleBlock:
    page: Path
    line: int  # line of the opening fence
    steps: list[Step]
    skip_reason: str | None = None
    problem: str | None = None  # a marker or block the harness cannot use

    @property
    def location(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class FileBlock:
    """A code block the page asks the reader to save, at the path the paragraph before it names."""

    page: Path
    line: int
    destination: str
    text: str


_PATH = r"`(?P<path>[\w.][\w./-]*\.\w+)`"
# The paragraph before a block names the file to save it as: it ends with the path and a colon
# ("... as `configs/x.yaml`:"), starts with "Create `path`" or "Replace `path`", or starts with
# the path and ends with a colon ("`gym/prod/env.yaml` reads its secrets from ...:").
SAVED_AS = (re.compile(_PATH + r":\s*$"), re.compile(r"^(?:Create|Replace) " + _PATH),
            re.compile(r"^" + _PATH + r" .*:\s*$"))


def page_steps(path: Path) -> list[ConsoleBlock | FileBlock]:
    """The console blocks and the files to save, in page order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    items: list[ConsoleBlock | FileBlock] = list(console_blocks(path))
    for block in read_page(path).blocks:
        if block.language in ("console", "bash", "sh", "shell", "text", "") or block.language.startswith("{"):
            continue
        destination = saved_as(_paragraph_above(lines, block.line))
        if destination and not (block.language == "json" and destination.endswith(".jsonl")):
            # (a pretty-printed row shows one line of a JSONL file; it is not the file)
            items.append(FileBlock(path, block.line, destination, block.text))
    return sorted(items, key=lambda item: item.line)


def saved_as(paragraph: str) -> str | None:
    for pattern in SAVED_AS:
        match = pattern.search(paragraph)
        if match and ".." not in match["path"].split("/") and not match["path"].startswith("/"):
            return match["path"]
    return None


def _paragraph_above(lines: list[str], fence_line: int) -> str:
    index = fence_line - 2
    while index >= 0 and not lines[index].strip():
        index -= 1
    paragraph: list[str] = []
    while index >= 0 and lines[index].strip() and not lines[index].lstrip().startswith(("```", "%", ":::")):
        paragraph.insert(0, lines[index].strip())
        index -= 1
    return " ".join(paragraph)


def console_blocks(path: Path) -> list[ConsoleBlock]:
    """Every console block of the page at ``path``, in page order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    result = []
    for block in read_page(path).blocks:
        if block.language != "console":
            continue
        console = ConsoleBlock(path, block.line, split_steps(block.text, block.line + 1))
        marker, problem = marker_above(lines, block.line)
        if problem:
            console.problem = problem
        elif marker:
            console.skip_reason = marker
        if not console.steps and not console.problem:
            console.problem = "a console block without a '$ ' command line"
        result.append(console)
    return result


def marker_above(lines: list[str], fence_line: int) -> tuple[str | None, str | None]:
    """The skip reason of the ``% docs-exec:`` marker among the comment lines above a block.

    Returns ``(reason, None)``, ``(None, None)`` without a marker, or ``(None, problem)``.
    """
    index = fence_line - 2  # the line above the fence, 0-based
    while index >= 0 and lines[index].lstrip().startswith("%"):
        match = MARKER.match(lines[index].strip())
        if match:
            kind, argument = match["kind"], match["argument"].strip()
            if kind not in MARKER_KINDS:
                return None, f"line {index + 1}: unknown docs-exec marker {kind!r}; use 'skip (reason)'"
            reason = re.fullmatch(r"\((.+)\)", argument)
            if not reason:
                return None, f"line {index + 1}: 'docs-exec: skip' needs a reason in parentheses"
            return reason.group(1).strip(), None
        index -= 1
    return None, None


def split_steps(text: str, first_line: int) -> list[Step]:
    """Split a console block into steps: a ``$ `` line (with its ``\\`` continuation lines)
    is a command; the lines up to the next ``$ `` line are its shown output."""
    steps: list[Step] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(PROMPT):
            number = first_line + index
            command = [line[len(PROMPT):]]
            while command[-1].endswith("\\") and index + 1 < len(lines):
                index += 1
                command.append(lines[index])
            steps.append(Step("\n".join(command), number, shown_line=first_line + index + 1))
        elif steps:
            steps[-1].shown.append(line)
        index += 1
    for step in steps:
        while step.shown and not step.shown[-1].strip():
            step.shown.pop()
    return steps
