"""Pure reward helpers to call from a resources server's ``verify()``.

Every function here takes plain Python values (strings, numbers, dicts, lists) and
returns a number, a string or ``None``. Nothing imports NeMo Gym, so the module
runs on any Python 3.11+ and you can unit-test your scoring rules without
starting a server. Save the file next to your server's ``app.py`` and import it
there by its bare name, ``from reward_helpers import ...``: NeMo Gym starts a
server, and runs its tests, with the server's own folder on the Python path.

The groups below follow the order a verifier usually works in:

1. read the model's text out of a response;
2. extract a candidate answer from that text;
3. compare it with the reference (exact, normalized or numeric);
4. shape the reward (partial credit, penalties, truncation);
5. combine several reward components into the scalar ``reward``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "response_text",
    "extract_boxed",
    "extract_final_answer",
    "extract_last_line",
    "extract_answer",
    "normalize_text",
    "exact_match",
    "parse_number",
    "extract_number",
    "numbers_match",
    "fraction_passed",
    "all_passed",
    "is_truncated",
    "output_tokens",
    "length_penalty",
    "clamp",
    "weighted_components",
    "weighted_sum",
    "reward_matches_components",
]


# ---------------------------------------------------------------------------
# 1. Read the model's text
# ---------------------------------------------------------------------------


def response_text(response: Mapping[str, Any]) -> str:
    """Join the ``output_text`` parts of every assistant message in a Responses API response.

    ``response`` is the dict form stored in a rollout line (``row["response"]``).
    Reasoning items, tool calls and tool outputs are skipped. Inside ``verify()``
    the pydantic response object offers the same text as ``body.response.output_text``.
    """
    parts: list[str] = []
    for item in response.get("output") or []:
        if item.get("type") != "message" or item.get("role", "assistant") != "assistant":
            continue
        content = item.get("content")
        if isinstance(content, str):
            parts.append(content)
            continue
        for part in content or []:
            if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
    return "".join(parts)


# ---------------------------------------------------------------------------
# 2. Extract a candidate answer
# ---------------------------------------------------------------------------

_BOXED = re.compile(r"\\boxed\s*\{")
_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|mathrm)\s*\{(.*)\}", re.DOTALL)
_FINAL_ANSWER = re.compile(r"(?:final\s+answer|answer)\s*[:：]\s*(.+)", re.IGNORECASE)


def extract_boxed(text: str) -> str | None:
    r"""Return the contents of the last complete ``\boxed{...}``, or ``None``.

    Nested braces are matched, so ``\boxed{\frac{1}{2}}`` gives ``\frac{1}{2}``.
    A ``\text{...}`` wrapper around the whole answer is removed.
    """
    for match in reversed(list(_BOXED.finditer(text))):
        depth = 1
        for index in range(match.end(), len(text)):
            char = text[index]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    inner = text[match.end() : index].strip()
                    while (wrapped := _TEXT_WRAPPER.fullmatch(inner)) is not None:
                        inner = wrapped.group(1).strip()
                    return inner
    return None


def extract_final_answer(text: str) -> str | None:
    """Return the value after the last ``Final answer:`` or ``Answer:`` label, or ``None``.

    The match is case-insensitive and stops at the end of the line. A trailing
    period is dropped, so ``Answer: 42.`` gives ``42``.
    """
    matches = _FINAL_ANSWER.findall(text)
    if not matches:
        return None
    value = matches[-1].strip()
    return value[:-1].rstrip() if value.endswith(".") else value


def extract_last_line(text: str) -> str | None:
    """Return the last non-empty line, stripped, or ``None`` for blank text."""
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()
    return None


def extract_answer(text: str, *, fall_back_to_last_line: bool = False) -> str | None:
    r"""Try ``Answer:`` labels first, then ``\boxed{}``, then optionally the last line.

    Returning ``None`` means the response has no answer in a form you asked for,
    which is usually a format failure rather than a wrong answer.
    """
    answer = extract_final_answer(text)
    if answer is None:
        answer = extract_boxed(text)
    if answer is None and fall_back_to_last_line:
        answer = extract_last_line(text)
    return answer


# ---------------------------------------------------------------------------
# 3. Compare with the reference
# ---------------------------------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str, *, strip_punctuation: bool = False) -> str:
    """Lowercase, trim and collapse runs of whitespace to one space.

    With ``strip_punctuation``, trailing ``.``, ``!`` and ``?`` and one pair of
    surrounding quotes are removed as well.
    """
    value = _WHITESPACE.sub(" ", text.strip().lower())
    if strip_punctuation:
        value = value.rstrip(".!?").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].strip().rstrip(".!?").strip()
    return value


def exact_match(prediction: str | None, reference: str, *, strip_punctuation: bool = False) -> float:
    """``1.0`` when both strings are equal after :func:`normalize_text`, else ``0.0``."""
    if prediction is None:
        return 0.0
    same = normalize_text(prediction, strip_punctuation=strip_punctuation) == normalize_text(
        reference, strip_punctuation=strip_punctuation
    )
    return 1.0 if same else 0.0


_NUMBER_NOISE = re.compile(r"[$€£]|\\[$%,;!]")
_THOUSANDS = re.compile(r"(?<=\d)[, ](?=\d{3}(?:\D|$))")
_LATEX_FRAC = re.compile(r"^\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}$")


def parse_number(text: str | None) -> float | None:
    r"""Parse ``text`` as a number, or return ``None``.

    Accepts integers, decimals, scientific notation, thousands separators
    (``1,234`` or ``1 234``), a leading ``$``, a trailing ``%`` (kept as the number itself,
    ``50%`` gives ``50.0``), simple fractions (``3/4``) and ``\frac{3}{4}``.
    Anything else, such as ``about 5`` or ``x = 3``, returns ``None``.
    """
    if text is None:
        return None
    value = _NUMBER_NOISE.sub("", text).strip()
    value = _THOUSANDS.sub("", value).rstrip("%").strip()
    frac = _LATEX_FRAC.match(value)
    if frac:
        value = f"{frac.group(1)}/{frac.group(2)}"
    if value.count("/") == 1:
        numerator, denominator = (parse_number(part) for part in value.split("/"))
        if numerator is None or denominator in (None, 0.0):
            return None
        return numerator / denominator
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_NUMBER_TOKEN = re.compile(
    r"\\[dt]?frac\{[^{}]+\}\{[^{}]+\}"
    r"|[-+]?\$?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?%?"
    r"|[-+]?\.\d+(?:[eE][-+]?\d+)?"
)


def extract_number(text: str | None) -> float | None:
    """Parse ``text`` as a number, or else the one number-like token in it.

    ``80 km/h`` gives ``80.0`` and ``x = 3`` gives ``3.0``. Text that holds two or
    more numbers, such as ``41 or 42`` or ``120 / 1.5 = 80``, gives ``None``, so a
    response that hedges between candidates earns nothing. Use
    :func:`parse_number` when the whole answer must be a number.
    """
    if text is None:
        return None
    whole = parse_number(text)
    if whole is not None:
        return whole
    tokens = _NUMBER_TOKEN.findall(text)
    return parse_number(tokens[0]) if len(tokens) == 1 else None


def numbers_match(
    predicted: float | None, expected: float | None, *, rel_tol: float = 1e-6, abs_tol: float = 0.0
) -> bool:
    """``math.isclose`` that treats a missing number on either side as a mismatch."""
    if predicted is None or expected is None:
        return False
    return math.isclose(predicted, expected, rel_tol=rel_tol, abs_tol=abs_tol)


# ---------------------------------------------------------------------------
# 4. Shape the reward
# ---------------------------------------------------------------------------


def fraction_passed(checks: Iterable[bool]) -> float:
    """Partial credit: the share of checks that passed, ``0.0`` when there are none."""
    results = [bool(check) for check in checks]
    return sum(results) / len(results) if results else 0.0


def all_passed(checks: Iterable[bool]) -> float:
    """All-or-nothing credit: ``1.0`` only when there is at least one check and all passed."""
    results = [bool(check) for check in checks]
    return 1.0 if results and all(results) else 0.0


def is_truncated(response: Mapping[str, Any]) -> bool:
    """Whether generation stopped at the token limit (``incomplete_details.reason``).

    Pass the response dict (``body.response.model_dump()`` inside ``verify()``, or
    ``row["response"]`` from a rollout line).
    """
    details = response.get("incomplete_details") or {}
    return details.get("reason") == "max_output_tokens"


def output_tokens(response: Mapping[str, Any]) -> int | None:
    """``usage.output_tokens`` of a response dict, or ``None`` when the server did not report usage."""
    usage = response.get("usage") or {}
    value = usage.get("output_tokens")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def length_penalty(num_tokens: int | None, *, soft_limit: int, hard_limit: int, max_penalty: float = 1.0) -> float:
    """A penalty that grows linearly from ``0`` at ``soft_limit`` to ``max_penalty`` at ``hard_limit``.

    Responses at or under ``soft_limit`` tokens get no penalty; responses at or over
    ``hard_limit`` get ``max_penalty``. ``None`` (no usage reported) gets no penalty.
    Subtract the result from the task reward.
    """
    if soft_limit < 0 or hard_limit <= soft_limit:
        raise ValueError("length_penalty needs 0 <= soft_limit < hard_limit")
    if max_penalty < 0:
        raise ValueError("max_penalty must not be negative")
    if num_tokens is None or num_tokens <= soft_limit:
        return 0.0
    if num_tokens >= hard_limit:
        return max_penalty
    return max_penalty * (num_tokens - soft_limit) / (hard_limit - soft_limit)


def clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    """Keep ``value`` inside ``[low, high]``."""
    if low > high:
        raise ValueError("clamp needs low <= high")
    return max(low, min(high, value))


# ---------------------------------------------------------------------------
# 5. Combine reward components
# ---------------------------------------------------------------------------


def weighted_components(components: Mapping[str, float], weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Multiply each component by its weight; every component needs a weight.

    ``weights=None`` keeps the components as they are. A weight for a name that is
    not a component, or a component without a weight, raises ``ValueError`` so a
    renamed component cannot drop out of the reward unnoticed.
    """
    if weights is None:
        return {name: float(value) for name, value in components.items()}
    missing = sorted(set(components) - set(weights))
    unknown = sorted(set(weights) - set(components))
    if missing or unknown:
        raise ValueError(f"weights must name exactly the components: missing {missing}, unknown {unknown}")
    return {name: float(value) * float(weights[name]) for name, value in components.items()}


def weighted_sum(components: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The scalar reward for a set of components: ``sum(weight * value)``."""
    return sum(weighted_components(components, weights).values())


def reward_matches_components(
    reward: float, components: Mapping[str, float], *, rel_tol: float = 1e-5, abs_tol: float = 1e-6
) -> bool:
    """Whether ``reward`` equals the plain sum of ``components`` within tolerance.

    Use it in tests: a trainer that reads both fields may insist on this equality.
    """
    return math.isclose(float(reward), sum(float(v) for v in components.values()), rel_tol=rel_tol, abs_tol=abs_tol)
