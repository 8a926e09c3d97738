"""Cutting text into what a provider accepts, and putting answers back in place.

The unit of translation is one line of a paragraph (stored paragraphs have no
blank lines, and a line break inside a paragraph is a ``<br>`` in the page).
Short units are packed into one request, one unit per line; the answer must come
back with exactly as many lines, or the pack is re-sent unit by unit. A unit
longer than a request allows is cut at sentence ends, then at spaces, and its
translated pieces are joined with a space.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

UNIT_SEPARATOR = "\n"

# Where a long unit may be cut: after sentence-ending punctuation (Latin, CJK, Devanagari).
_SENTENCE_END_RE = re.compile(r"(?<=[.!?…。！？।])\s+")
_SPACE_RE = re.compile(r"\s+")


def needs_translation(unit: str) -> bool:
    """A unit with no letters (numbers, dates, dashes) reads the same in every language."""
    return any(ch.isalpha() for ch in unit)


def utf8_size(text: str) -> int:
    """Size in UTF-8 bytes, for providers whose limit is in bytes (MyMemory)."""
    return len(text.encode("utf-8"))


def _longest_fitting_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """The most characters of *text* whose size is under *limit* (at least one)."""
    low, high = 1, min(len(text), limit)  # sizes are at least one per character
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) < limit:
            low = middle
        else:
            high = middle - 1
    return low


def split_long(unit: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Cut *unit* into pieces whose *size* is under *limit*; ``"".join(pieces) == unit``.

    Cuts go after a sentence end where one is near enough, else at whitespace,
    else mid-word (only for a run of *limit* characters without a space). A
    single character over the limit on its own (impossible for real limits)
    still makes a piece.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = unit
    while size(rest) >= limit:
        window = rest[: _longest_fitting_prefix(rest, limit, size)]
        cut = _last_cut(_SENTENCE_END_RE, window, minimum=len(window) // 3)
        if cut is None:
            cut = _last_cut(_SPACE_RE, window, minimum=1)
        if cut is None:
            cut = len(window)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _last_cut(pattern: re.Pattern[str], window: str, minimum: int) -> int | None:
    """End of the last match of *pattern* in *window* at or after *minimum* (a cut keeps the space)."""
    cut = None
    for match in pattern.finditer(window):
        if match.end() >= minimum:
            cut = match.end()
    return cut


def pack(texts: Sequence[str], limit: int, size: Callable[[str], int] = len) -> list[list[int]]:
    """Group indices of *texts* in order so that each group joined by newlines has a
    *size* under *limit*.

    Every text must already be under *limit* (see :func:`split_long`) and contain
    no newline. Every index appears in exactly one group, in order.
    """
    separator = size(UNIT_SEPARATOR)
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for index, text in enumerate(texts):
        text_size = size(text)
        if text_size >= limit:
            raise ValueError(f"text {index} has size {text_size}, limit is {limit}")
        if UNIT_SEPARATOR in text:
            raise ValueError(f"text {index} contains a newline")
        added = text_size + (separator if current else 0)
        if current and total + added >= limit:
            groups.append(current)
            current, total = [], 0
            added = text_size
        current.append(index)
        total += added
    if current:
        groups.append(current)
    return groups


def join_pack(texts: Sequence[str]) -> str:
    return UNIT_SEPARATOR.join(texts)


def unpack(answer: str, expected: int) -> list[str] | None:
    """The answer's lines, one per unit sent, or None when the provider merged,
    split or dropped lines (so the caller re-sends the units one by one)."""
    lines = [line.strip() for line in answer.replace("\r\n", "\n").strip("\n").split("\n")]
    if len(lines) != expected or not all(lines):
        return None
    return lines


def join_pieces(pieces: Sequence[str]) -> str:
    """A long unit's translated pieces, back as one line."""
    return " ".join(_SPACE_RE.sub(" ", p).strip() for p in pieces if p.strip())
