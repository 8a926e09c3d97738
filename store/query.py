"""The query language: the one way to say which articles a list, an export or a bulk action covers.

    lang:de outlet:rt status:new grade:<=C2 -status:done "RIA Nowosti" kazakh*
    (stance:critical OR stance:mixed) disagree:any published:2024-03..2024-05
    sort:-published

Terms are ANDed; ``OR`` (upper case) joins alternatives; parentheses group; a leading
``-`` leaves out what it is put before. ``name:value`` terms are fields (the table
:data:`FIELDS`); bare words and "quoted phrases" are full-text search through
:func:`store.articles.fts_query`, so no text can be an FTS syntax error.

:func:`parse` returns a :class:`Clause`: ``.sql()`` gives an SQL condition and its
parameters over ``articles a LEFT JOIN decisions d`` (the join
:meth:`store.articles.ArticleFilter.sql` builds; pass the clause as its ``where``),
``.describe()`` says it in plain English. Every clause is two-valued (never NULL),
so ``-x`` selects exactly the articles ``x`` does not. Anything wrong in a query is
a :class:`QueryError` naming the column and the reason.

``sort:KEY`` (``sort:-KEY`` reversed) is not a condition but the list's order
(store.articles.SORT_ORDERS); it stands at the top level, once, and ``.order()``
finds it, so a saved view or ``--where`` carries its order with it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlite_utils

from article_triage.store.articles import DEFAULT_SORT, SORT_ORDERS, fts_query
from article_triage.store.db import SQLITE_MAX_INTEGER
from article_triage.store.disagreement import DISAGREEMENT_FIELDS, disagreement_sql
from article_triage.store.taxonomy import (
    CREDIBILITY,
    RELIABILITY,
    Taxonomy,
    format_grade,
    parse_grade,
)

MAX_TERMS = 200
"""More than this is not a query anyone types; SQLite's expression depth ends near 1000."""
MAX_DEPTH = 32
"""Parentheses nested deeper than this are refused (and Python's stack is spared)."""


class QueryError(ValueError):
    """A query that cannot be read: *position* is the 1-based column, *reason* says why."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"at {position}: {reason}")
        self.position = position
        self.reason = reason


class _ValueProblem(ValueError):
    """A field's value is wrong; the parser adds where it is."""


# --- clauses --------------------------------------------------------------------------------


class Clause:
    """One condition on an article (and the joined decision ``d``)."""

    def sql(self) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def order(self) -> str | None:
        """The order a ``sort:`` term in it names (a key of SORT_ORDERS), or None."""
        return None

    def conditions(self) -> Clause:
        """The clause without its ``sort:`` term (what it selects, not how it is ordered)."""
        return self


@dataclass(frozen=True)
class Everything(Clause):
    """The empty query."""

    def sql(self) -> tuple[str, list[Any]]:
        return "1", []

    def describe(self) -> str:
        return "all articles"


@dataclass(frozen=True)
class And(Clause):
    parts: tuple[Clause, ...]

    def sql(self) -> tuple[str, list[Any]]:
        return _join(self.parts, " AND ")

    def describe(self) -> str:
        order = self.order()
        if order is None:
            return " and ".join(_nested(p) for p in self.parts)
        conditions = self.conditions()
        sorted_by = SORT_ORDERS[order].description
        if isinstance(conditions, Everything):
            return sorted_by
        return f"{conditions.describe()}, {sorted_by}"

    def order(self) -> str | None:
        # The last one named wins: `--view V --where sort:x` reorders the view.
        orders = [o for p in self.parts if (o := p.order()) is not None]
        return orders[-1] if orders else None

    def conditions_parts(self) -> tuple[Clause, ...]:
        return tuple(c for p in self.parts if not isinstance(c := p.conditions(), Everything))

    def conditions(self) -> Clause:
        parts = self.conditions_parts()
        if not parts:
            return Everything()
        return parts[0] if len(parts) == 1 else And(parts)


@dataclass(frozen=True)
class Or(Clause):
    parts: tuple[Clause, ...]

    def sql(self) -> tuple[str, list[Any]]:
        return _join(self.parts, " OR ")

    def describe(self) -> str:
        return " or ".join(_nested(p) for p in self.parts)


@dataclass(frozen=True)
class Not(Clause):
    part: Clause

    def sql(self) -> tuple[str, list[Any]]:
        sql, params = self.part.sql()
        return f"NOT ({sql})", params

    def describe(self) -> str:
        return f"not {_nested(self.part)}"


def _join(parts: Sequence[Clause], operator: str) -> tuple[str, list[Any]]:
    sqls, params = [], []
    for part in parts:
        sql, part_params = part.sql()
        sqls.append(f"({sql})")
        params += part_params
    return operator.join(sqls), params


def _nested(clause: Clause) -> str:
    text = clause.describe()
    return f"({text})" if isinstance(clause, And | Or) else text


def _two_valued(sql: str) -> str:
    # A comparison with a missing decision is NULL, and NOT NULL is NULL too: without
    # this, -stance:critical would leave out the articles that have no stance.
    return f"coalesce(({sql}), 0)"


@dataclass(frozen=True)
class FieldClause(Clause):
    """``name:value``; subclasses check the value in :meth:`parse_value`."""

    value: str
    name: ClassVar[str] = ""

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(value)


def _choose(value: str, allowed: Sequence[str], what: str) -> str:
    """*value* if it is one of *allowed* (case-insensitively), else a problem naming the closest."""
    for option in allowed:
        if option.lower() == value.lower():
            return option
    close = difflib.get_close_matches(value.lower(), [a.lower() for a in allowed], n=1)
    hint = f" (did you mean {close[0]}?)" if close else f" (one of {', '.join(allowed)})"
    raise _ValueProblem(f"unknown {what} {value!r}{hint}")


@dataclass(frozen=True)
class Text(Clause):
    """A bare word or a quoted phrase: full-text search over title, text and translation."""

    text: str
    phrase: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        match = fts_query(f'"{self.text}"' if self.phrase else self.text)
        if match is None:  # nothing searchable in it (e.g. "++"), as ArticleFilter.query
            return "0", []
        return "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", [match]

    def describe(self) -> str:
        return f"text has “{self.text}”" if self.phrase else f"text has {self.text}"


@dataclass(frozen=True)
class LanguageIs(FieldClause):
    name: ClassVar[str] = "lang"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(value.lower())

    def sql(self) -> tuple[str, list[Any]]:
        return "a.language = ?", [self.value]

    def describe(self) -> str:
        return f"language is {self.value}"


@dataclass(frozen=True)
class OutletIs(FieldClause):
    """The publisher or an outlet the text cites, by registry key or name."""

    name: ClassVar[str] = "outlet"

    def sql(self) -> tuple[str, list[Any]]:
        return (
            "EXISTS (SELECT 1 FROM citations c LEFT JOIN outlets o ON o.key = c.outlet_key "
            "WHERE c.article_id = a.id AND c.role IN ('publisher', 'attributed') "
            "AND (c.outlet_key = ? OR o.name = ? COLLATE NOCASE))",
            [self.value, self.value],
        )

    def describe(self) -> str:
        return f"published by or citing {self.value}"


@dataclass(frozen=True)
class StatusIs(FieldClause):
    name: ClassVar[str] = "status"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(_choose(value, taxonomy.values("statuses"), "status"))

    def sql(self) -> tuple[str, list[Any]]:
        if self.value == "new":  # no decision yet is new, as everywhere in the store
            return "(d.status IS NULL OR d.status = 'new')", []
        return _two_valued("d.status = ?"), [self.value]

    def describe(self) -> str:
        return f"status is {self.value}"


@dataclass(frozen=True)
class StanceIs(FieldClause):
    name: ClassVar[str] = "stance"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(_choose(value, taxonomy.values("stances"), "stance"))

    def sql(self) -> tuple[str, list[Any]]:
        return _two_valued("d.stance = ?"), [self.value]

    def describe(self) -> str:
        return f"stance is {self.value}"


@dataclass(frozen=True)
class FlagIs(FieldClause):
    name: ClassVar[str] = "flag"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(_choose(value, taxonomy.values("flags"), "flag"))

    def sql(self) -> tuple[str, list[Any]]:
        return "EXISTS (SELECT 1 FROM json_each(d.flags) WHERE value = ?)", [self.value]

    def describe(self) -> str:
        return f"flagged {self.value}"


_GRADE_OPERATORS = ("<=", ">=", "<", ">", "=")
_LETTERS = [c.value for c in RELIABILITY]
_DIGITS = [c.value for c in CREDIBILITY]


@dataclass(frozen=True)
class GradeIs(FieldClause):
    """An Admiralty grade or one half, optionally compared: ``grade:<=C2`` is C2 or better.

    Better means nearer A and 1. F and 6 mean "cannot be judged", not "worst", so they
    match only themselves and never a comparison.
    """

    name: ClassVar[str] = "grade"
    operator: str = "="
    letter: str | None = None
    digit: str | None = None

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        operator = next((op for op in _GRADE_OPERATORS if value.startswith(op)), "=")
        grade = value[len(operator) :] if value.startswith(operator) else value
        letter, digit = parse_grade(grade)
        if (letter is None and digit is None) or format_grade(letter, digit) != grade.upper():
            raise _ValueProblem(f"not an Admiralty grade: {grade!r} (e.g. B2, B or 2)")
        if operator != "=" and (letter == "F" or digit == "6"):
            raise _ValueProblem("F and 6 mean 'cannot be judged' and are not compared")
        return cls(value, operator, letter, digit)

    def _range(self, scale: list[str], value: str) -> list[str]:
        judged = scale[:-1]  # without F / 6
        if self.operator == "=":
            return [value]
        i = judged.index(value)
        return {
            "<=": judged[: i + 1],
            "<": judged[:i],
            ">=": judged[i:],
            ">": judged[i + 1 :],
        }[self.operator]

    def sql(self) -> tuple[str, list[Any]]:
        conditions, params = [], []
        for column, scale, value in (
            ("d.reliability", _LETTERS, self.letter),
            ("d.credibility", _DIGITS, self.digit),
        ):
            if value is None:
                continue
            allowed = self._range(scale, value)
            if not allowed:
                return "0", []
            conditions.append(f"{column} IN ({', '.join('?' * len(allowed))})")
            params += allowed
        return _two_valued(" AND ".join(conditions)), params

    def describe(self) -> str:
        grade = format_grade(self.letter, self.digit)
        if self.operator == "=":
            return f"graded {grade}"
        words = {"<=": "or better", "<": "better than", ">=": "or worse", ">": "worse than"}
        halves = [
            f"{what} {_span(self._range(scale, value))}"
            for what, scale, value in (
                ("reliability", _LETTERS, self.letter),
                ("credibility", _DIGITS, self.digit),
            )
            if value is not None
        ]
        said = (
            f"{grade} {words[self.operator]}"
            if "or" in words[self.operator]
            else (f"{words[self.operator]} {grade}")
        )
        return f"graded {said} ({', '.join(halves)})"


def _span(values: list[str]) -> str:
    if not values:
        return "none"
    return values[0] if len(values) == 1 else f"{values[0]}–{values[-1]}"


@dataclass(frozen=True)
class DecidedBy(FieldClause):
    """An analyst has a decision on the article (whoever's decisions the list shows)."""

    name: ClassVar[str] = "analyst"

    def sql(self) -> tuple[str, list[Any]]:
        return (
            "EXISTS (SELECT 1 FROM decisions x WHERE x.article_id = a.id AND x.analyst = ?)",
            [self.value],
        )

    def describe(self) -> str:
        return f"decided by {self.value}"


@dataclass(frozen=True)
class Disagree(FieldClause):
    """Analysts disagree on a field, as :func:`store.agreement.disagreement_sql` defines it."""

    name: ClassVar[str] = "disagree"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(_choose(value, DISAGREEMENT_FIELDS, "field to disagree on"))

    def sql(self) -> tuple[str, list[Any]]:
        return disagreement_sql(self.value), []

    def describe(self) -> str:
        if self.value == "any":
            return "analysts disagree"
        return f"analysts disagree on {self.value}"


def _check_date(text: str) -> str:
    parts = text.split("-")
    formats = {1: "%Y", 2: "%Y-%m", 3: "%Y-%m-%d"}
    try:
        if len(parts) not in formats or len(parts[0]) != 4:
            raise ValueError
        dt.datetime.strptime(text, formats[len(parts)])
    except ValueError:
        raise _ValueProblem(f"not a date: {text!r} (YYYY, YYYY-MM or YYYY-MM-DD)") from None
    if any(len(p) != 2 for p in parts[1:]):
        raise _ValueProblem(f"not a date: {text!r} (YYYY, YYYY-MM or YYYY-MM-DD)")
    return text


def date_range_is_empty(start: str, end: str) -> bool:
    """No date is in both: *start* (a period's first day on) comes after *end* (a period's
    last day). Partial dates name periods: 2024-05-10..2024-05 is the rest of May,
    2024-06..2024-05-31 is nothing. (export --from/--to reads its dates the same way.)"""
    return start > end and not start.startswith(end)


@dataclass(frozen=True)
class PublishedIn(FieldClause):
    """``published:2024-03..2024-05``, ``published:2024``, ``published:2024-03..``, ``..2024-05``.

    A partial date names a period: 2024-05 runs to the end of May, and an article dated
    only '2024' overlaps a range from 2024-03 (as ArticleFilter.published_from/_to).
    """

    name: ClassVar[str] = "published"
    start: str | None = None
    end: str | None = None

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        start, dots, end = value.partition("..")
        if not dots:
            end = start
        if not start and not end:
            raise _ValueProblem("a date range needs at least one end (e.g. 2024-03..2024-05)")
        start, end = (_check_date(start) if start else None), (_check_date(end) if end else None)
        if start and end and date_range_is_empty(start, end):
            raise _ValueProblem(f"the range ends before it starts: {start} is after {end}")
        return cls(value, start, end)

    def sql(self) -> tuple[str, list[Any]]:
        conditions, params = [], []
        if self.start:
            conditions.append("a.published >= substr(?, 1, length(a.published))")
            params.append(self.start)
        if self.end:
            conditions.append("substr(a.published, 1, ?) <= ?")
            params += [len(self.end), self.end]
        return _two_valued(" AND ".join(conditions)), params

    def describe(self) -> str:
        if self.start == self.end:
            return f"published in {self.start}"
        if not self.end:
            return f"published from {self.start}"
        if not self.start:
            return f"published up to {self.end}"
        return f"published {self.start} to {self.end}"


_HAS: dict[str, tuple[str, str]] = {
    "notes": ("coalesce(d.notes, '') != ''", "has notes"),
    "translation": ("coalesce(a.translation_text, '') != ''", "has a translation"),
    "flags": ("coalesce(d.flags, '[]') != '[]'", "has flags"),
    "stance": ("d.stance IS NOT NULL", "has a stance"),
    "grade": ("(d.reliability IS NOT NULL OR d.credibility IS NOT NULL)", "has a grade"),
    "story": (
        "EXISTS (SELECT 1 FROM story_members m WHERE m.article_id = a.id)",
        "belongs to a story",
    ),
}


@dataclass(frozen=True)
class Has(FieldClause):
    name: ClassVar[str] = "has"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        return cls(_choose(value, list(_HAS), "thing to have"))

    def sql(self) -> tuple[str, list[Any]]:
        return _HAS[self.value][0], []

    def describe(self) -> str:
        return _HAS[self.value][1]


@dataclass(frozen=True)
class InStory(FieldClause):
    name: ClassVar[str] = "story"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        if not (value.isascii() and value.isdigit()):
            raise _ValueProblem(f"a story is a number: {value!r}")
        if int(value) > SQLITE_MAX_INTEGER:
            raise _ValueProblem(f"no story has a number that large: {value}")
        return cls(str(int(value)))

    def sql(self) -> tuple[str, list[Any]]:
        return (
            "EXISTS (SELECT 1 FROM story_members m WHERE m.article_id = a.id AND m.story_id = ?)",
            [int(self.value)],
        )

    def describe(self) -> str:
        return f"in story {self.value}"


@dataclass(frozen=True)
class SortBy(FieldClause):
    """``sort:published``, ``sort:-published``, ``sort:outlet``, ``sort:added``: the order
    of the list, not a condition (it selects every article)."""

    name: ClassVar[str] = "sort"

    @classmethod
    def parse_value(cls, value: str, taxonomy: Taxonomy) -> FieldClause:
        descending = value.startswith("-")
        try:
            key = _choose(value.removeprefix("-"), _SORT_KEYS, "sort key")
        except _ValueProblem as problem:
            raise _ValueProblem(f"{problem}; a leading - reverses the order") from None
        return cls(f"-{key}" if descending else key)

    def sql(self) -> tuple[str, list[Any]]:
        return "1", []

    def describe(self) -> str:
        return SORT_ORDERS[self.value].description

    def order(self) -> str | None:
        return self.value

    def conditions(self) -> Clause:
        return Everything()


_SORT_KEYS = [name for name in SORT_ORDERS if not name.startswith("-")]


# --- the field table ------------------------------------------------------------------------

Completer = Callable[[sqlite_utils.Database, Taxonomy], list[str]]


def _column_values(sql: str) -> Completer:
    def values(db: sqlite_utils.Database, taxonomy: Taxonomy) -> list[str]:
        return [str(r[0]) for r in db.execute(sql) if r[0] is not None and str(r[0]).strip()]

    return values


def _taxonomy_values(name: str) -> Completer:
    return lambda db, taxonomy: taxonomy.values(name)


def _fixed(values: Sequence[str]) -> Completer:
    return lambda db, taxonomy: list(values)


@dataclass(frozen=True)
class Field:
    clause: type[FieldClause]
    values: Completer
    """Values to complete from: the taxonomy, or what the store holds."""
    example: str


FIELDS: dict[str, Field] = {
    "lang": Field(
        LanguageIs, _column_values("SELECT DISTINCT language FROM articles ORDER BY 1"), "de"
    ),
    "outlet": Field(
        OutletIs,
        _column_values("SELECT DISTINCT outlet_key FROM citations ORDER BY 1 LIMIT 500"),
        "rt",
    ),
    "status": Field(StatusIs, _taxonomy_values("statuses"), "new"),
    "stance": Field(StanceIs, _taxonomy_values("stances"), "critical"),
    "flag": Field(FlagIs, _taxonomy_values("flags"), "state-media-sourcing"),
    "grade": Field(GradeIs, _fixed(["A1", "<=B2", "<=C3", ">=D", "F", "6"]), "<=C2"),
    "analyst": Field(
        DecidedBy, _column_values("SELECT DISTINCT analyst FROM decisions ORDER BY 1"), "bob"
    ),
    "disagree": Field(Disagree, _fixed(DISAGREEMENT_FIELDS), "stance"),
    "published": Field(
        PublishedIn,
        _column_values(
            "SELECT DISTINCT substr(published, 1, 7) FROM articles ORDER BY 1 DESC LIMIT 24"
        ),
        "2024-03..2024-05",
    ),
    "has": Field(Has, _fixed(list(_HAS)), "notes"),
    "story": Field(
        InStory, _column_values("SELECT id FROM stories ORDER BY size DESC, id LIMIT 200"), "12"
    ),
    "sort": Field(SortBy, _fixed(list(SORT_ORDERS)), "-published"),
}
"""Field name -> its clause and where its values are completed from. A new field is one line."""


def field_values(
    db: sqlite_utils.Database, name: str, taxonomy: Taxonomy | None = None
) -> list[str]:
    """The values to offer after ``name:`` (from the taxonomy or the store)."""
    return FIELDS[name].values(db, taxonomy or Taxonomy())


# --- reading a query ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "-", "OR", "field", "word", "phrase"
    position: int  # 0-based
    text: str = ""
    value: str = ""
    end: int = 0  # 0-based, past its last character (field tokens)


_STOP = set(' \t\r\n\f\v()"')


def _tokens(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, i))
            i += 1
        elif ch == "-":
            if i + 1 >= n or query[i + 1].isspace() or query[i + 1] == ")":
                raise QueryError(
                    i + 1, "'-' goes right before what it leaves out, e.g. -status:done"
                )
            tokens.append(_Token("-", i))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError(i + 1, "this quote is not closed")
            tokens.append(_Token("phrase", i, query[i + 1 : end]))
            i = end + 1
        else:
            start = i
            while i < n and query[i] not in _STOP and not query[i].isspace():
                i += 1
            word = query[start:i]
            name, colon, value = word.partition(":")
            if word == "OR":
                tokens.append(_Token("OR", start))
            elif word == "AND":
                continue  # what juxtaposition already means
            elif colon and name.isascii() and name.isalpha() and not value.startswith("//"):
                if not value and i < n and query[i] == '"':
                    end = query.find('"', i + 1)
                    if end < 0:
                        raise QueryError(i + 1, "this quote is not closed")
                    value = query[i + 1 : end]
                    i = end + 1
                tokens.append(_Token("field", start, name.lower(), value, i))
            else:
                tokens.append(_Token("word", start, word))
    return tokens


class _Parser:
    def __init__(self, query: str, taxonomy: Taxonomy) -> None:
        self.query = query
        self.taxonomy = taxonomy
        self.tokens = _tokens(query)
        self.at = 0
        self.terms = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def end_position(self) -> int:
        return len(self.query) + 1

    def parse(self) -> Clause:
        sort = self.take_sort()
        clause: Clause = Everything()
        if self.tokens:
            clause = self.alternatives(0)
            token = self.peek()
            if token is not None:  # only a ')' stops alternatives() early
                raise QueryError(token.position + 1, "')' without a '(' before it")
        if sort is None:
            return clause
        if isinstance(clause, Everything):
            return sort
        return And((*clause.parts, sort) if isinstance(clause, And) else (clause, sort))

    def take_sort(self) -> SortBy | None:
        """Take the ``sort:`` term out of the tokens: it orders the whole list, so it
        stands at the top level (anywhere there, even beside OR), once, and is no side
        of an OR nor left out with '-'."""
        found: tuple[SortBy, int] | None = None
        kept: list[_Token] = []
        depth = 0
        for i, token in enumerate(self.tokens):
            depth += {"(": 1, ")": -1}.get(token.kind, 0)
            if token.kind != "field" or token.text != SortBy.name:
                kept.append(token)
                continue
            where = token.position + 1
            before = self.tokens[i - 1] if i else None
            after = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
            if before is not None and before.kind == "-":
                raise QueryError(
                    before.position + 1, "a sort cannot be left out; sort:-KEY reverses it"
                )
            if depth > 0:
                raise QueryError(
                    where, "sort: orders the whole list; put it outside the parentheses"
                )
            if "OR" in (before and before.kind, after and after.kind):
                raise QueryError(where, "sort: is an order, not a condition: no side of OR")
            if found is not None:
                raise QueryError(
                    where, f"the list is sorted once: sort:{found[0].value} at {found[1]} already"
                )
            sort = self.field(token)
            assert isinstance(sort, SortBy)
            found = (sort, where)
        self.tokens = kept
        return found[0] if found else None

    def alternatives(self, depth: int) -> Clause:
        parts = [self.conjunction(depth)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.at += 1
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self, depth: int) -> Clause:
        parts: list[Clause] = []
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            parts.append(self.unary(depth))
        if not parts:
            where = token.position + 1 if token else self.end_position()
            after_or = self.at > 0 and self.tokens[self.at - 1].kind == "OR"
            if after_or or (token is not None and token.kind == "OR"):
                raise QueryError(where, "OR needs a term on each side")
            raise QueryError(where, "')' without a '(' before it")
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self, depth: int) -> Clause:
        negations = 0
        while (token := self.peek()) is not None and token.kind == "-":
            negations += 1
            self.at += 1
        clause = self.atom(depth)
        return Not(clause) if negations % 2 else clause

    def atom(self, depth: int) -> Clause:
        token = self.peek()
        if token is None:
            raise QueryError(self.end_position(), "expected a term here")
        self.at += 1
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise QueryError(
                    token.position + 1, f"parentheses nested more than {MAX_DEPTH} deep"
                )
            if (inner := self.peek()) is not None and inner.kind == ")":
                raise QueryError(token.position + 1, "empty parentheses")
            clause = self.alternatives(depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise QueryError(token.position + 1, "this '(' is not closed")
            self.at += 1
            return clause
        if token.kind == "OR":
            raise QueryError(token.position + 1, "OR needs a term on each side")
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(token.position + 1, f"more than {MAX_TERMS} terms")
        if token.kind == "word":
            return Text(token.text)
        if token.kind == "phrase":
            return Text(token.text, phrase=True)
        return self.field(token)

    def field(self, token: _Token) -> Clause:
        spec = FIELDS.get(token.text)
        if spec is None:
            close = difflib.get_close_matches(token.text, list(FIELDS), n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (fields: {', '.join(FIELDS)})"
            raise QueryError(token.position + 1, f"unknown field {token.text!r}{hint}")
        if not token.value:
            raise QueryError(
                token.position + 1,
                f"{token.text}: needs a value, e.g. {token.text}:{spec.example}",
            )
        try:
            return spec.clause.parse_value(token.value, self.taxonomy)
        except _ValueProblem as problem:
            # Point at the value, where the mistake is.
            raise QueryError(token.position + len(token.text) + 2, str(problem)) from None


def parse(query: str, taxonomy: Taxonomy | None = None) -> Clause:
    """The clause *query* says; raises :class:`QueryError` when it cannot be read."""
    return _Parser(query or "", taxonomy or Taxonomy()).parse()


@dataclass(frozen=True)
class Query(Clause):
    """A parsed query that keeps its text, for a list that shows it and lets it be edited."""

    text: str
    clause: Clause

    def sql(self) -> tuple[str, list[Any]]:
        return self.clause.sql()

    def describe(self) -> str:
        return self.clause.describe()

    def order(self) -> str | None:
        return self.clause.order()

    def conditions(self) -> Clause:
        return self.clause.conditions()


def parse_query(text: str, taxonomy: Taxonomy | None = None) -> Query:
    """:func:`parse`, keeping the text (whitespace trimmed)."""
    text = (text or "").strip()
    return Query(text, parse(text, taxonomy))


def sorted_query(query: Clause | None, order: str) -> Clause | None:
    """*query* (None for every article) sorted by *order*, a key of SORT_ORDERS, instead
    of by its own ``sort:`` term; a Query's text says the new order too, so the search
    bar and a saved view show it. None when nothing is left to say."""
    conditions = query.conditions() if query is not None else Everything()
    clause: Clause = conditions
    if order != DEFAULT_SORT:
        sort = SortBy(order)
        if isinstance(conditions, Everything):
            clause = sort
        elif isinstance(conditions, And):
            clause = And((*conditions.parts, sort))
        else:
            clause = And((conditions, sort))
    if isinstance(query, Query) or query is None:
        text = with_sort(query.text if query is not None else "", order)
        return Query(text, clause) if text else None
    return None if isinstance(clause, Everything) else clause


# --- the filter dialog's fields -------------------------------------------------------------

DIALOG_FIELDS = ("status", "lang", "outlet", "flag", "grade", "disagree")
"""The fields the filter dialog shows as their own inputs; the rest of a query stays text."""


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ' \t()"') else value


def join_fields(fields: dict[str, str | None], rest: str = "") -> str:
    """The query the dialog's *fields* (DIALOG_FIELDS -> value or None) and the rest
    of a query say together (ANDed)."""
    terms = [f"{name}:{_quoted(value)}" for name in DIALOG_FIELDS if (value := fields.get(name))]
    rest, sorts = _split_sort(rest.strip())
    if rest and re.search(r"\bOR\b", rest):
        rest = f"({rest})"  # the sort stays outside: it orders the whole list
    return " ".join([*terms, rest, *sorts] if rest else [*terms, *sorts])


def _split_sort(text: str) -> tuple[str, list[str]]:
    """(*text* without its top-level ``sort:`` terms, those terms). A query that does not
    read is left whole."""
    try:
        tokens = _tokens(text)
    except QueryError:
        return text, []
    spans, depth = [], 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token.kind, 0)
        if token.kind == "field" and token.text == SortBy.name and depth == 0:
            spans.append((token.position, token.end))
    rest, sorts = text, []
    for start, end in reversed(spans):
        sorts.insert(0, rest[start:end])
        rest = f"{rest[:start].rstrip()} {rest[end:].lstrip()}".strip()
    return rest, sorts


def with_sort(text: str, order: str) -> str:
    """The query *text* sorted by *order* (a key of SORT_ORDERS) instead of its own
    ``sort:`` term; the default order (import) needs no term."""
    rest, _sorts = _split_sort((text or "").strip())
    if order == DEFAULT_SORT:
        return rest
    return f"{rest} {SortBy.name}:{order}".strip()


def split_fields(text: str) -> tuple[dict[str, str], str]:
    """The dialog fields *text* sets at its top level (each at most once, not negated)
    and the rest of it, so that join_fields(*split_fields(q)) selects what q does.
    A query with OR or parentheses (or one that does not read) is left whole."""
    text = (text or "").strip()
    try:
        tokens = _tokens(text)
    except QueryError:
        return {}, text
    if any(t.kind in ("(", ")", "OR") for t in tokens):
        return {}, text
    fields: dict[str, str] = {}
    rest: list[str] = []
    starts = [t.position for t in tokens] + [len(text)]
    i = 0
    while i < len(tokens):
        negated = tokens[i].kind == "-"
        token = tokens[i + 1] if negated else tokens[i]
        end = i + 2 if negated else i + 1
        piece = text[starts[i] : starts[end]].strip()
        if (
            not negated
            and token.kind == "field"
            and token.text in DIALOG_FIELDS
            and token.value
            and token.text not in fields
        ):
            fields[token.text] = token.value
        else:
            rest.append(piece)
        i = end
    return fields, " ".join(rest)


# --- completion -----------------------------------------------------------------------------


def complete(query: str, values: Callable[[str], Sequence[str]]) -> str | None:
    """*query* with its last term completed, or None: a field name (``la`` -> ``lang:``)
    or a value of the field (``lang:u`` -> ``lang:uk``) from *values(field name)*."""
    if not query or query[-1].isspace() or query[-1] in '()"':
        return None
    start = max(query.rfind(c) for c in ' \t()"') + 1
    word = query[start:]
    head = query[:start]
    negation = "-" if word.startswith("-") else ""
    word = word[len(negation) :]
    name, colon, value = word.partition(":")
    if not colon:
        for field_name in FIELDS:
            if field_name.startswith(word.lower()) and word:
                return f"{head}{negation}{field_name}:"
        return None
    if name.lower() not in FIELDS:
        return None
    for option in values(name.lower()):
        if option.lower().startswith(value.lower()) and option != value:
            return f"{head}{negation}{name}:{option}"
    return None
