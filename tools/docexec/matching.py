"""Compare the output a page shows with the output a command really prints.

Only these documented placeholders differ from a literal match:

- ``<n>``: a number (digits, with an optional sign, decimal part or exponent);
- ``<path>``: one path-like word (no spaces);
- ``<time>``: a time or duration such as ``12:03:04``, ``2026-10-14T12:03:04Z`` or ``1.25s``;
- ``<port>``: a TCP port number;
- ``<any>``: any text within the line;
- a line holding only ``...``: any number of real lines, including none.

Trailing spaces and trailing blank lines never count.
"""

from __future__ import annotations

import re

PLACEHOLDERS = {
    "<n>": r"[-+]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?",
    "<path>": r"\S+",
    "<time>": r"[\dT:.\-+Z]+(?:\s?(?:ms|s|m|h))?",
    "<port>": r"\d{1,5}",
    "<any>": r".*?",
}
ELLIPSIS = "..."
_TOKEN = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))


def line_pattern(shown: str) -> re.Pattern[str]:
    parts, position = [], 0
    for match in _TOKEN.finditer(shown):
        parts.append(re.escape(shown[position:match.start()]))
        parts.append(PLACEHOLDERS[match.group(0)])
        position = match.end()
    parts.append(re.escape(shown[position:]))
    return re.compile("".join(parts))


def lines_match(shown: str, real: str) -> bool:
    return line_pattern(shown.rstrip()).fullmatch(real.rstrip()) is not None


def first_difference(shown: list[str], real: list[str]) -> int | None:
    """Index into ``shown`` of the first line that the real output does not match, ``len(shown)``
    when the real output has lines left over, or None when everything matches."""
    shown = _trim(shown)
    real = _trim(real)

    def match_from(i: int, j: int) -> int | None:
        # Returns None on success, otherwise the furthest shown index that failed.
        while i < len(shown):
            if shown[i].strip() == ELLIPSIS:
                if i + 1 == len(shown):
                    return None
                worst = i + 1
                for k in range(j, len(real) + 1):
                    failed = match_from(i + 1, k)
                    if failed is None:
                        return None
                    worst = max(worst, failed)
                return worst
            if j >= len(real) or not lines_match(shown[i], real[j]):
                return i
            i, j = i + 1, j + 1
        return None if j == len(real) else len(shown)

    return match_from(0, 0)


def _trim(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines
