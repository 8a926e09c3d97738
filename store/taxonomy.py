"""The grading vocabulary: statuses, stances, the Admiralty scale and flags.

Defaults follow DESIGN.md; a ``[taxonomy]`` table in the config file can change
labels and keys and add flags. Keys are data here so that the app's bindings and
help are generated from the same table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Choice:
    value: str
    """What is stored and exported."""
    label: str
    """What the analyst reads."""
    key: str = ""
    """The key that picks it in the app (within its mode), if any."""


def _choices(rows: list[tuple[str, str, str]]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label, key) for value, label, key in rows)


DEFAULT_STATUSES = _choices(
    [
        ("new", "New", ""),
        ("done", "Done", ""),
        ("skipped", "Skipped", ""),
        ("escalated", "Escalated", ""),
    ]
)
DEFAULT_STANCES = _choices(
    [
        ("supportive", "Supportive", "1"),
        ("critical", "Critical", "2"),
        ("neutral", "Neutral", "3"),
        ("mixed", "Mixed", "4"),
        ("unclear", "Unclear", "5"),
    ]
)
# Admiralty / NATO (STANAG 2511). The two axes are independent; F and 6 mean
# "no basis to judge", not "worst".
RELIABILITY = _choices(
    [
        ("A", "Completely reliable", "a"),
        ("B", "Usually reliable", "b"),
        ("C", "Fairly reliable", "c"),
        ("D", "Not usually reliable", "d"),
        ("E", "Unreliable", "e"),
        ("F", "Reliability cannot be judged", "f"),
    ]
)
CREDIBILITY = _choices(
    [
        ("1", "Confirmed by other sources", "1"),
        ("2", "Probably true", "2"),
        ("3", "Possibly true", "3"),
        ("4", "Doubtful", "4"),
        ("5", "Improbable", "5"),
        ("6", "Truth cannot be judged", "6"),
    ]
)
DEFAULT_FLAGS = _choices(
    [
        ("state-media-sourcing", "State-media sourcing", "s"),
        ("single-source", "Single source", "o"),
        ("anonymous-source", "Anonymous source", "a"),
        ("denial-issued", "Denial issued", "d"),
        ("unverified-claim", "Unverified claim", "u"),
        ("translation-suspect", "Translation suspect", "t"),
    ]
)


@dataclass(frozen=True)
class Taxonomy:
    statuses: tuple[Choice, ...] = DEFAULT_STATUSES
    stances: tuple[Choice, ...] = DEFAULT_STANCES
    reliability: tuple[Choice, ...] = RELIABILITY
    credibility: tuple[Choice, ...] = CREDIBILITY
    flags: tuple[Choice, ...] = DEFAULT_FLAGS
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self, name: str) -> list[str]:
        return [c.value for c in getattr(self, name)]

    def label(self, name: str, value: str | None) -> str:
        for choice in getattr(self, name):
            if choice.value == value:
                return choice.label
        return value or ""

    def validate(self, field_name: str, value: Any) -> None:
        """Raise ValueError when *value* is not allowed for *field_name*."""
        allowed: dict[str, str] = {
            "status": "statuses",
            "stance": "stances",
            "reliability": "reliability",
            "credibility": "credibility",
        }
        if field_name in allowed:
            if value is not None and value not in self.values(allowed[field_name]):
                raise ValueError(f"{value!r} is not a valid {field_name}")
        elif field_name in ("flags", "rejected_suggestions"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{field_name} must be a list of strings")
        elif field_name == "notes":
            if not isinstance(value, str):
                raise ValueError("notes must be text")
        elif field_name != "adjudicated":
            raise ValueError(f"unknown decision field {field_name!r}")


# The one spelling of a grade typed by a user: a letter, a digit, or both, in that order.
_GRADE_RE = re.compile(r"([A-F])?([1-6])?")


def parse_grade(grade: str) -> tuple[str | None, str | None]:
    """'B2' -> ('B', '2'); either half may be missing ('B', '2', ''); anything that is
    not a grade ('B9', '2B') -> (None, None)."""
    match = _GRADE_RE.fullmatch((grade or "").strip().upper())
    return (match.group(1), match.group(2)) if match else (None, None)


def is_grade(text: str) -> bool:
    """Whether *text* names a grade or half of one (``B2``, ``b``, ``2``)."""
    return parse_grade(text) != (None, None)


def flag_set(flags: Iterable[str]) -> frozenset[str]:
    """A decision's flags as compared: a set, since the order they were toggled in is
    not a judgement. FLAG_SET_SQL is the same comparison in SQL."""
    return frozenset(flags)


# A decision's flags (a JSON list in {side}.flags) as one comparable value: sorted, joined.
FLAG_SET_SQL = (
    "(SELECT group_concat(value, char(31)) FROM "
    "(SELECT DISTINCT value FROM json_each({side}.flags) ORDER BY value))"
)


def format_grade(reliability: str | None, credibility: str | None) -> str:
    """The combined Admiralty grade, e.g. 'B2'; '' when neither half is set."""
    return f"{reliability or ''}{credibility or ''}"


def taxonomy_from_config(section: dict[str, Any] | None) -> Taxonomy:
    """Build the taxonomy from a config ``[taxonomy]`` table.

    Each of ``statuses``, ``stances``, ``flags`` may be a list of tables with
    ``value``, ``label`` and ``key``. ``extra_flags`` appends to the default flags.
    The Admiralty scale itself is fixed (other tools read it), only labels change.
    """
    section = section or {}

    def load(name: str, default: tuple[Choice, ...]) -> tuple[Choice, ...]:
        rows = section.get(name)
        if not rows:
            return default
        return _choices_from_config(name, rows)

    flags = load("flags", DEFAULT_FLAGS)
    flags = flags + _choices_from_config("extra_flags", section.get("extra_flags") or [])
    return Taxonomy(
        statuses=load("statuses", DEFAULT_STATUSES),
        stances=load("stances", DEFAULT_STANCES),
        reliability=_relabel(RELIABILITY, section.get("reliability_labels")),
        credibility=_relabel(CREDIBILITY, section.get("credibility_labels")),
        flags=flags,
    )


def _choices_from_config(name: str, rows: Any) -> tuple[Choice, ...]:
    """Choices from a list of ``{value, label, key}`` tables; ValueError names what is wrong."""
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and isinstance(r.get("value"), str | int) and str(r["value"])
        for r in rows
    ):
        raise ValueError(f"[taxonomy] {name} must be a list of tables, each with a value")
    return tuple(
        Choice(str(r["value"]), str(r.get("label", r["value"])), str(r.get("key", "")))
        for r in rows
    )


def _relabel(choices: tuple[Choice, ...], labels: dict[str, str] | None) -> tuple[Choice, ...]:
    if not labels:
        return choices
    if not isinstance(labels, dict):
        raise ValueError("[taxonomy] reliability_labels and credibility_labels must be tables")
    return tuple(Choice(c.value, labels.get(c.value, c.label), c.key) for c in choices)
