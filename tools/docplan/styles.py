"""The stylesheet of the content-type badges, generated from the plan's content types.

Each content type gets the class ``docplan-badge-<name>`` and a colour pair
from a fixed palette, in the order the plan lists the types, so a new type
in the plan is styled without editing any CSS. Every pair has at least 4.5:1
contrast on furo's light and dark backgrounds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.resources import files

# (light foreground, light background, dark foreground, dark background)
PALETTE: tuple[tuple[str, str, str, str], ...] = (
    ("#7a3e00", "#fdf0e1", "#f6c48f", "#2e1c08"),  # amber
    ("#0b6a2f", "#e6f4ea", "#8fe0a8", "#0f2a18"),  # green
    ("#174ea6", "#e8f0fe", "#a8c7fa", "#0f1d33"),  # blue
    ("#6a1b9a", "#f3e8fd", "#d7aefb", "#24102f"),  # purple
    ("#00615f", "#e0f4f3", "#7fdbd6", "#0a2625"),  # teal
    ("#a0153e", "#fde7ee", "#f7a8c0", "#330a16"),  # rose
)

_NOT_CLASS_CHARS = re.compile(r"[^a-z0-9-]+")


def badge_class(content_type: str) -> str:
    """The CSS class of a content type's badge, e.g. ``docplan-badge-how-to``."""
    return "docplan-badge-" + (_NOT_CLASS_CHARS.sub("-", content_type.lower()).strip("-") or "type")


def badge_css(content_types: Iterable[str]) -> str:
    """The base stylesheet plus one colour rule per content type, light and dark themes."""
    light, dark, auto = [], [], []
    for index, name in enumerate(content_types):
        fg, bg, dark_fg, dark_bg = PALETTE[index % len(PALETTE)]
        selector = f".{badge_class(name)}"
        light.append(f"{selector} {{ --docplan-badge-fg: {fg}; --docplan-badge-bg: {bg}; }}")
        dark.append(f'body[data-theme="dark"] {selector} {{ --docplan-badge-fg: {dark_fg}; '
                    f"--docplan-badge-bg: {dark_bg}; }}")
        auto.append(f'  body:not([data-theme="light"]) {selector} {{ --docplan-badge-fg: {dark_fg}; '
                    f"--docplan-badge-bg: {dark_bg}; }}")
    base = files("docplan").joinpath("static/docplan.css").read_text(encoding="utf-8")
    rules = light + dark + ["@media (prefers-color-scheme: dark) {", *auto, "}"] if light else []
    return base.rstrip("\n") + "\n" + "".join(f"{rule}\n" for rule in rules)
