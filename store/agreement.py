"""Agreement between analysts, and adjudication of their disagreements.

Per field (stance, reliability, credibility, and each flag as present/absent) this
counts the articles that two or more analysts graded, and measures agreement beyond
chance: Cohen's kappa for each pair of analysts (the figure when there are two) and
Krippendorff's alpha (nominal) over all of them, which also copes with analysts who
graded different subsets. Only triaged decisions (status other than 'new') count,
and a lead analyst's adjudicated decision is a ruling, not a rating, so it is left
out. Decisions are read in one ordered pass; memory holds the coincidence counts
and the list of disagreements, not the decisions. A disagreement on an article a
lead analyst has adjudicated is settled: counted, no longer listed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
import sqlite_utils

from article_triage.store.db import write_transaction
from article_triage.store.disagreement import values_disagree
from article_triage.store.taxonomy import Taxonomy, flag_set
from article_triage.store.triage import Decision, apply_changes, get_decision

SCALAR_FIELDS = ("stance", "reliability", "credibility")
FLAG_PREFIX = "flag:"


# --- the coefficients ------------------------------------------------------------------------


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two raters' (a, b) values on the same items.

    None when chance agreement is total (both always gave one and the same value):
    kappa is 0/0 there, and "perfect" or "none" would both mislead.
    """
    joint = Counter(pairs)
    return _kappa_from_counts(joint)


def _kappa_from_counts(joint: Counter[tuple[Hashable, Hashable]]) -> float | None:
    n = sum(joint.values())
    if n == 0:
        return None
    first: Counter[Hashable] = Counter()
    second: Counter[Hashable] = Counter()
    for (a, b), count in joint.items():
        first[a] += count
        second[b] += count
    observed = sum(count for (a, b), count in joint.items() if a == b) / n
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha (nominal) over units, each the values the raters gave it.

    Units with fewer than two values are not pairable and are ignored. None when
    there is no pairable unit or all values are the same (no variation to judge).
    """
    coincidence = _Coincidence()
    for values in units:
        coincidence.add(values)
    return coincidence.alpha()


class _Coincidence:
    """Krippendorff's coincidence matrix, kept as sums (nominal metric needs no more)."""

    def __init__(self) -> None:
        self.disagreeing = 0.0  # sum of o_ck over c != k
        self.totals: Counter[Hashable] = Counter()  # n_c

    def add(self, values: Sequence[Hashable]) -> None:
        m = len(values)
        if m < 2:
            return
        counts = Counter(values)
        # Ordered pairs of values from different raters, each unit weighted 1/(m-1).
        pairs_differing = m * m - sum(c * c for c in counts.values())
        self.disagreeing += pairs_differing / (m - 1)
        self.totals.update(counts)

    def alpha(self) -> float | None:
        n = sum(self.totals.values())
        if n < 2:
            return None
        expected = n * n - sum(c * c for c in self.totals.values())
        if expected == 0:
            return None
        return 1 - (n - 1) * self.disagreeing / expected


# --- over the store --------------------------------------------------------------------------


@dataclass(frozen=True)
class PairAgreement:
    analysts: tuple[str, str]
    items: int
    kappa: float | None


@dataclass
class FieldAgreement:
    field: str
    """'stance', 'reliability', 'credibility' or 'flag:<name>'."""
    items: int = 0
    """Articles that two or more analysts graded on this field."""
    agreed: int = 0
    """Of those, articles on which all of them gave the same value."""
    analysts: list[str] = field(default_factory=list)
    kappa: float | None = None
    """Cohen's kappa when exactly two analysts graded this field."""
    alpha: float | None = None
    pairs: list[PairAgreement] = field(default_factory=list)


@dataclass(frozen=True)
class Disagreement:
    article_id: int
    title: str
    field: str
    values: dict[str, Any]
    """Analyst -> the value they gave."""


class Disagreements(Sequence[Disagreement]):
    """The disagreements still to settle, in article order and field order within an
    article, read from the store a page at a time as they are iterated.

    Its length is known from the scoring, without listing them; ``head(n)`` reads just
    enough for the first *n*.
    """

    _PAGE = 2000  # decision rows read at a time

    def __init__(self, db: sqlite_utils.Database, fields: Sequence[str], count: int) -> None:
        self._db = db
        self._fields = list(fields)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Disagreement]:
        for found in self._pages():
            titles = _titles(self._db, sorted({article_id for article_id, _, _ in found}))
            for article_id, name, ratings in found:
                yield Disagreement(article_id, titles.get(article_id, ""), name, ratings)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            if (index.start or 0) >= 0 and (index.stop or 0) >= 0 and index.step is None:
                return list(islice(iter(self), index.start, index.stop))
            return list(self)[index]
        if index < 0:
            index += self._count
        try:
            return next(islice(iter(self), index, None))
        except StopIteration:
            raise IndexError(index) from None

    def head(self, n: int) -> list[Disagreement]:
        return list(islice(iter(self), n))

    def _pages(self) -> Iterator[list[tuple[int, str, dict[str, Any]]]]:
        """Per page of decisions (primary-key order), the disagreements on its articles."""
        after, limit = -1, self._PAGE
        while True:
            rows = self._db.execute(_DECISIONS_AFTER, [after, limit]).fetchall()
            if not rows:
                return
            full = len(rows) == limit
            if full and rows[0][0] == rows[-1][0]:
                limit *= 2  # one article with more decisions than a page: read it whole
                continue
            # A full page may end part-way through an article: leave that one to the next.
            last = rows[-1][0] if full else None
            found: list[tuple[int, str, dict[str, Any]]] = []
            start = 0
            for i in range(1, len(rows) + 1):
                if i < len(rows) and rows[i][0] == rows[start][0]:
                    continue
                if rows[start][0] != last:
                    found += self._on_article(rows[start:i])
                start = i
            yield found
            if not full:
                return
            after = max(r[0] for r in rows if r[0] != last)

    def _on_article(
        self, decisions: list[tuple[Any, ...]]
    ) -> list[tuple[int, str, dict[str, Any]]]:
        # Settled (a lead analyst ruled): counted by the scoring, not listed.
        if any(d[3] for d in decisions):
            return []
        rated = [d[1:2] + d[4:] for d in decisions if d[2] != "new"]
        if len(rated) < 2:
            return []
        article_id = decisions[0][0]
        found = []
        for name in self._fields:
            ratings = _field_ratings(rated, name)
            if values_disagree(ratings.values()):
                found.append((article_id, name, ratings))
        return found


# Every decision after an article, in primary-key order: the disagreements' pages.
_DECISIONS_AFTER = (
    "SELECT article_id, analyst, status, adjudicated, stance, reliability, credibility, flags "
    "FROM decisions WHERE article_id > ? ORDER BY article_id, analyst LIMIT ?"
)


@dataclass
class AgreementReport:
    fields: list[FieldAgreement]
    disagreements: Sequence[Disagreement]
    """Those still to settle: articles a lead analyst has adjudicated are left out.
    From :func:`agreement`, a :class:`Disagreements` that reads them as iterated."""
    analysts: list[str]
    settled: int = 0
    """Disagreements on articles already adjudicated (counted, not listed)."""

    def summary(self) -> dict[str, Any]:
        """:meth:`as_dict` without the disagreements (which a caller may stream)."""
        return {
            "analysts": self.analysts,
            "fields": [
                {
                    "field": f.field,
                    "items": f.items,
                    "agreed": f.agreed,
                    "analysts": f.analysts,
                    "kappa": f.kappa,
                    "alpha": f.alpha,
                    "pairs": [
                        {"analysts": list(p.analysts), "items": p.items, "kappa": p.kappa}
                        for p in f.pairs
                    ],
                }
                for f in self.fields
            ],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "disagreements": [d.__dict__ for d in self.disagreements],
            "settled": self.settled,
        }


class _FieldTally:
    def __init__(self, name: str) -> None:
        self.name = name
        self.items = 0
        self.agreed = 0
        self.analysts: set[str] = set()
        self.coincidence = _Coincidence()
        self.joint: dict[tuple[str, str], Counter[tuple[Hashable, Hashable]]] = defaultdict(Counter)

    def result(self) -> FieldAgreement:
        pairs = [
            PairAgreement(key, sum(joint.values()), _kappa_from_counts(joint))
            for key, joint in sorted(self.joint.items())
        ]
        analysts = sorted(self.analysts)
        return FieldAgreement(
            field=self.name,
            items=self.items,
            agreed=self.agreed,
            analysts=analysts,
            kappa=pairs[0].kappa if len(analysts) == 2 else None,
            alpha=self.coincidence.alpha(),
            pairs=pairs,
        )


# Every triaged, unadjudicated decision, in table order: in primary-key order each row
# would be a lookup from the key's index into the table, which at a million articles
# cost a second (30 ms in table order); numpy sorts them by article instead.
_TRIAGED_DECISIONS = (
    "SELECT article_id, analyst, stance, reliability, credibility, flags FROM decisions "
    "NOT INDEXED WHERE status != 'new' AND adjudicated = 0"
)


class _Codes:
    """Values as small integers (-1 for missing), and back."""

    def __init__(self) -> None:
        self.code: dict[Any, int] = {None: -1}
        self.values: list[Any] = []

    def encode(self, column: Sequence[Any]) -> np.ndarray:
        code, values = self.code, self.values
        # In sorted order, so analyst codes sort as their names do (pairs read (a, b), a < b).
        for value in sorted(set(column).difference(code), key=str):
            code[value] = len(values)
            values.append(value)
        # map over a dict's __getitem__ runs in C: a million values in a few tens of ms.
        return np.fromiter(map(code.__getitem__, column), dtype=np.int64, count=len(column))


def _score_field(
    tally: _FieldTally, unit: np.ndarray, rater: np.ndarray, value: np.ndarray, units: int
) -> np.ndarray:
    """Add one field's ratings to *tally*; return the units on which the raters differ.

    *unit* numbers each row's article (0..units-1), *rater* its analyst, *value* its
    value (-1 when the analyst left the field empty).
    """
    rated = value >= 0
    unit, rater, value = unit[rated], rater[rated], value[rated]
    m = np.bincount(unit, minlength=units)
    keep = m[unit] >= 2
    unit, rater, value = unit[keep], rater[keep], value[keep]
    if not len(unit):
        return np.empty(0, dtype=np.int64)
    # Rows stay in article order, so each unit's rows are one run: reduce per run.
    starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
    lowest = np.full(units, np.iinfo(np.int64).max)
    highest = np.full(units, -1)
    lowest[unit[starts]] = np.minimum.reduceat(value, starts)
    highest[unit[starts]] = np.maximum.reduceat(value, starts)
    scored = np.flatnonzero(m >= 2)
    # store.disagreement.values_disagree in array form: two or more rated values, not all
    # the same (an empty field is not rated); tests/test_query.py holds them together.
    differ = scored[lowest[scored] != highest[scored]]
    tally.items += len(scored)
    tally.agreed += len(scored) - len(differ)
    # Krippendorff: per unit, ordered pairs of differing values over (m - 1).
    width = int(value.max()) + 1
    per_value = np.bincount(unit * width + value, minlength=units * width).reshape(units, width)
    same = (per_value * per_value).sum(axis=1)
    mm = m.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(m >= 2, (mm * mm - same) / (mm - 1), 0.0)
    tally.coincidence.disagreeing += float(per_unit.sum())
    for code, count in enumerate(per_value.sum(axis=0).tolist()):
        if count:
            tally.coincidence.totals[code] += count
    # Cohen, per pair of analysts who both rated a unit.
    raters = np.unique(rater)
    tally.analysts.update(int(r) for r in raters)
    grid = np.full((units, int(rater.max()) + 1), -1)
    grid[unit, rater] = value
    for i, a in enumerate(raters):
        for b in raters[i + 1 :]:
            both = (grid[:, a] >= 0) & (grid[:, b] >= 0)
            if not both.any():
                continue
            joint = tally.joint[(int(a), int(b))]
            combos = np.bincount(
                grid[both, a] * width + grid[both, b], minlength=width * width
            ).reshape(width, width)
            for x, y in zip(*np.nonzero(combos), strict=True):
                joint[(int(x), int(y))] += int(combos[x, y])
    return differ


def agreement(
    db: sqlite_utils.Database,
    fields: Sequence[str] | None = None,
    taxonomy: Taxonomy | None = None,
) -> AgreementReport:
    """Agreement per field over all analysts' triaged, unadjudicated decisions.

    *fields* limits the report (names as in :attr:`FieldAgreement.field`; a bare
    flag name works too). Flags are those of the taxonomy plus any in use.
    """
    taxonomy = taxonomy or Taxonomy()
    rows = db.execute(_TRIAGED_DECISIONS).fetchall()
    article_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    order = np.argsort(article_ids, kind="stable")
    article_ids = article_ids[order]
    # Only articles that two or more analysts triaged are rated items.
    starts = np.flatnonzero(np.r_[True, article_ids[1:] != article_ids[:-1]]) if len(rows) else []
    sizes = np.diff(np.r_[starts, len(rows)]) if len(rows) else np.empty(0, dtype=np.int64)
    shared = np.repeat(sizes >= 2, sizes)
    rows = [rows[i] for i in order[shared].tolist()]
    article_ids = article_ids[shared]
    unit_articles, unit = np.unique(article_ids, return_inverse=True)
    units = len(unit_articles)

    analyst_codes = _Codes()
    rater = analyst_codes.encode([r[1] for r in rows])
    flag_sets = _Codes()
    flags_code = flag_sets.encode([r[5] for r in rows])
    decoded_flags = [flag_set(json.loads(f)) for f in flag_sets.values]

    flag_names = list(taxonomy.values("flags"))
    for decoded in decoded_flags:
        flag_names += sorted(f for f in decoded if f not in flag_names)
    names = [*SCALAR_FIELDS, *(FLAG_PREFIX + f for f in flag_names)]
    if fields:
        wanted = {
            f if f in SCALAR_FIELDS or f.startswith(FLAG_PREFIX) else FLAG_PREFIX + f
            for f in fields
        }
        names = [n for n in names if n in wanted] + sorted(wanted - set(names))

    # Disagreements on articles a lead analyst already ruled on are settled: counted,
    # not listed.
    ruled = np.isin(unit_articles, _ruled_articles(db))
    value_codes = _Codes()
    disagreeing = settled = 0
    decoders: dict[str, Callable[[int], Any]] = {}
    tallies = {name: _FieldTally(name) for name in names}
    for name, tally in tallies.items():
        if name.startswith(FLAG_PREFIX):
            flag = name[len(FLAG_PREFIX) :]
            has_flag = np.array([flag in fs for fs in decoded_flags] or [False], dtype=bool)
            value = has_flag[flags_code].astype(np.int64)  # 0 not set, 1 set
            decoders[name] = bool
        else:
            column = 2 + SCALAR_FIELDS.index(name)
            value = value_codes.encode([r[column] for r in rows])
            decoders[name] = value_codes.values.__getitem__
        differ = _score_field(tally, unit, rater, value, units)
        disagreeing += len(differ)
        settled += int(ruled[differ].sum())
        # The tally counted codes; give it back the analysts' names and values.
        tally.analysts = {analyst_codes.values[a] for a in tally.analysts}
        decode = decoders[name]
        tally.coincidence.totals = Counter(
            {decode(c): n for c, n in tally.coincidence.totals.items()}
        )
        tally.joint = defaultdict(
            Counter,
            {
                (analyst_codes.values[a], analyst_codes.values[b]): Counter(
                    {(decode(x), decode(y)): n for (x, y), n in joint.items()}
                )
                for (a, b), joint in tally.joint.items()
            },
        )
    return AgreementReport(
        fields=[t.result() for t in tallies.values()],
        disagreements=Disagreements(db, names, disagreeing - settled),
        analysts=sorted(analyst_codes.values),
        settled=settled,
    )


def _ruled_articles(db: sqlite_utils.Database) -> np.ndarray:
    # In table order too: DISTINCT would otherwise walk the key's index (a second).
    rows = db.execute("SELECT article_id FROM decisions NOT INDEXED WHERE adjudicated = 1")
    return np.fromiter((r[0] for r in rows), dtype=np.int64)


def _field_ratings(decisions: list[tuple[Any, ...]], name: str) -> dict[str, Any]:
    """One article's ratings on one field: analyst -> value (a flag: set or not)."""
    if name.startswith(FLAG_PREFIX):
        flag = name[len(FLAG_PREFIX) :]
        return {d[0]: flag in flag_set(json.loads(d[4])) for d in decisions}
    column = 1 + SCALAR_FIELDS.index(name)
    return {d[0]: d[column] for d in decisions if d[column] is not None}


def _titles(db: sqlite_utils.Database, article_ids: list[int]) -> dict[int, str]:
    titles: dict[int, str] = {}
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        titles.update(
            db.execute(
                f"SELECT id, coalesce(title, '') FROM articles WHERE id IN ({marks})", chunk
            ).fetchall()
        )
    return titles


def adjudicate(
    db: sqlite_utils.Database,
    article_id: int,
    lead_analyst: str,
    changes: dict[str, Any],
    taxonomy: Taxonomy | None = None,
) -> Decision:
    """Settle a disagreement: the lead analyst's decision, marked adjudicated, logged as 'adjudicate'.

    An adjudicated decision the lead had not triaged yet is marked done.
    """
    if db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone() is None:
        raise KeyError(f"no article {article_id}")
    ruling = {**changes, "adjudicated": True}
    with write_transaction(db):
        if "status" not in ruling and get_decision(db, article_id, lead_analyst).status == "new":
            ruling["status"] = "done"
        apply_changes(db, [article_id], lead_analyst, ruling, taxonomy, action="adjudicate")
    return get_decision(db, article_id, lead_analyst)
