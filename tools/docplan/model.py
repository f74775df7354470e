"""The plain data model: the plan, its pages, and the findings of a check."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .subtypes import SUBTYPES, qualified


@dataclass(frozen=True)
class ContentType:
    name: str
    label: str
    default_template: str
    description: str = ""


@dataclass(frozen=True)
class Template:
    name: str
    required_sections: tuple[str, ...]


@dataclass(frozen=True)
class Phase:
    number: int
    name: str
    goal: str
    weeks: tuple[int, int]


@dataclass(frozen=True)
class PlannedPage:
    """One page of the plan. ``page`` is relative to the governed directory."""

    page: str
    title: str
    content_type: str
    template: str
    jtbd: str
    phase: int
    week: tuple[int, int]
    parent: str | None
    line: int  # where the entry starts in the plan file

    @property
    def directory(self) -> str:
        return os.path.dirname(self.page)

    @property
    def stem(self) -> str:
        """The page path without ``.md``, as a toctree or Sphinx docname names it."""
        return self.page[: -len(".md")]

    def week_label(self) -> str:
        first, last = self.week
        return str(first) if first == last else f"{first}-{last}"


@dataclass(frozen=True)
class ReaderPath:
    """A route through the section for one kind of reader: steps of existing pages.

    Each step is one page, or several alternatives (e.g. one page per trainer); the
    last step's pages end the path. ``needs`` (Markdown) says what the reader needs
    before starting; ``ends_with`` names the file the trainer reads at the end.
    """

    id: str
    title: str
    needs: str
    ends_with: str
    steps: tuple[tuple[str, ...], ...]
    line: int

    def pages(self) -> list[str]:
        return [page for step in self.steps for page in step]

    def position(self, page: str) -> int | None:
        """The index of the step that holds ``page``, or None when it is not on this path."""
        return next((i for i, step in enumerate(self.steps) if page in step), None)


@dataclass(frozen=True)
class WordBudgets:
    """Most prose words allowed: in total, and per page by template. Each is a finding only
    when named in ``enforced`` ("total", "by_template")."""

    total: int | None
    by_template: dict[str, int]
    enforced: frozenset[str]
    line: int


@dataclass(frozen=True)
class Plan:
    path: Path
    root: str  # the governed directory, relative to the docs source directory
    content_types: dict[str, ContentType]
    templates: dict[str, Template]
    phases: dict[int, Phase]
    pages: tuple[PlannedPage, ...]
    paths: tuple[ReaderPath, ...] = ()
    word_budgets: WordBudgets | None = None

    def page(self, page: str) -> PlannedPage | None:
        return self._by_page.get(page)

    def children(self, page: str) -> list[PlannedPage]:
        return list(self._children.get(page, ()))

    def hub(self) -> PlannedPage:
        return next(p for p in self.pages if p.parent is None)

    def docname(self, entry: PlannedPage) -> str:
        """The Sphinx docname of a planned page, e.g. ``training/datasets/index``."""
        return f"{self.root}/{entry.stem}" if self.root else entry.stem

    def by_docname(self, docname: str) -> PlannedPage | None:
        prefix = f"{self.root}/" if self.root else ""
        if not docname.startswith(prefix):
            return None
        return self.page(docname[len(prefix):] + ".md")

    def paths_through(self, page: str) -> list[ReaderPath]:
        return [p for p in self.paths if p.position(page) is not None]

    # Indexes built once per plan: the checks look pages up for every page and toctree entry,
    # so a scan of the page list on each lookup would grow with the square of the site.
    @cached_property
    def _by_page(self) -> dict[str, PlannedPage]:
        return {p.page: p for p in self.pages}

    @cached_property
    def _children(self) -> dict[str | None, tuple[PlannedPage, ...]]:
        children: dict[str | None, list[PlannedPage]] = {}
        for entry in self.pages:
            children.setdefault(entry.parent, []).append(entry)
        return {parent: tuple(entries) for parent, entries in children.items()}


@dataclass(frozen=True, order=True)
class Finding:
    """One located problem: where, what kind, what is wrong and how to fix it.

    The one finding type of both checkers: ``tool`` is ``docplan`` (plan drift, printed as
    the Sphinx warning the build shows) or ``accuracy`` (a claim the release contradicts).
    """

    path: str
    line: int
    subtype: str
    message: str
    fix: str = field(default="", compare=False)
    tool: str = field(default="docplan", compare=False)

    def __post_init__(self) -> None:
        if self.tool == "docplan" and self.subtype not in SUBTYPES:
            raise ValueError(f"unknown docplan subtype {self.subtype!r}")
        # A last guard: whatever value a message quotes, it stays one readable line.
        object.__setattr__(self, "message", _bounded(self.message, MESSAGE_LIMIT))
        object.__setattr__(self, "fix", _bounded(self.fix, FIX_LIMIT))

    @property
    def location(self) -> str:
        return f"{display_path(self.path)}:{self.line}"

    @property
    def text(self) -> str:
        """The message and its fix, without location or subtype."""
        return f"{self.message} Fix: {self.fix}" if self.fix else self.message

    def format(self) -> str:
        """The line Sphinx prints for this finding, so CLI and build read the same."""
        if self.tool == "docplan":
            return f"{self.location}: WARNING: {self.text} [{qualified(self.subtype)}]"
        return f"{self.location}: ERROR: {self.text} [{self.tool}.{self.subtype}]"


MESSAGE_LIMIT, FIX_LIMIT = 300, 200  # characters


def _bounded(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative
