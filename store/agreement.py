"""Agreement between analysts, and adjudication of their disagreements.

Per field (stance, reliability, credibility, and each flag as present/absent) this
counts the articles that two or more analysts graded, and measures agreement beyond
chance: Cohen's kappa for each pair of analysts (the figure when there are two) and
Krippendorff's alpha (nominal) over all of them, which also copes with analysts who
graded different subsets. Only triaged decisions (status other than 'new') count,
and a lead analyst's adjudicated decision is a ruling, not a rating, so it is left
out. The articles so rated are the units store.agreement_units keeps as decisions are
written, with how many units share each profile (who gave which value): the
coefficients are the textbook ones over every unit, computed once per profile and
weighted by its count, so a million articles cost a few hundred profiles. Kappa for
every pair of analysts is quadratic in the analysts on an article (600 on one article
are 180,000 pairs a field), so beyond MAX_PAIRED_ANALYSTS in a field the pairs are
left out unless asked for; each analyst's kappa against the others, pooled over the
pairs they are in, is always there and costs one pass over the values. The
disagreements are counted there too, and listed lazily, a page of units at a time in
article order. A disagreement on an article a lead analyst has adjudicated is settled:
counted, no longer listed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import sqlite_utils

from article_triage.store.agreement_units import PROFILE_FIELDS, SCALAR_FIELDS
from article_triage.store.db import write_transaction
from article_triage.store.disagreement import values_disagree
from article_triage.store.taxonomy import Taxonomy
from article_triage.store.triage import Decision, apply_changes, get_decision

FLAG_PREFIX = "flag:"

MAX_PAIRED_ANALYSTS = 30
"""Above this many analysts in a field, :func:`agreement` lists no pairs by default
(30 analysts are 435 pairs; the per-analyst figures say who stands apart)."""


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
    observed = _observed(joint)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def _observed(joint: Counter[tuple[Hashable, Hashable]]) -> float | None:
    """The share of the pairs counted in *joint* whose two values are the same."""
    n = sum(joint.values())
    return sum(count for (a, b), count in joint.items() if a == b) / n if n else None


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

    def add(self, values: Sequence[Hashable], units: int = 1) -> None:
        """One unit's values, or *units* units that all have these values."""
        m = len(values)
        if m < 2:
            return
        counts = Counter(values)
        # Ordered pairs of values from different raters, each unit weighted 1/(m-1).
        pairs_differing = m * m - sum(c * c for c in counts.values())
        self.disagreeing += units * pairs_differing / (m - 1)
        for value, count in counts.items():
            self.totals[value] += units * count

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


@dataclass(frozen=True)
class RaterAgreement:
    analyst: str
    items: int
    """Articles this analyst graded on the field that another analyst graded too."""
    agreed: float | None
    """The share of the pairs (this analyst, another on the same article) that agree."""
    kappa: float | None
    """Cohen's kappa of this analyst's values against every other analyst's on the same
    articles, the pairs pooled. Kappa is 0 for everyone when one value dominates (its
    chance agreement is then near total), so :attr:`agreed` is what shows an outlier."""


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
    pairs: list[PairAgreement] | None = field(default_factory=list)
    """Kappa for each pair of analysts; None when left out (more analysts than asked for)."""
    raters: list[RaterAgreement] = field(default_factory=list)
    """Each analyst against the others, in analyst order."""


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

    _PAGE = 1000  # units read at a time

    def __init__(self, db: sqlite_utils.Database, fields: Sequence[str], count: int) -> None:
        self._db = db
        self._fields = list(fields)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Disagreement]:
        # Units share a few hundred profiles: each is read and judged once.
        judged: dict[tuple[str, str | None], dict[str, Any] | None] = {}
        # Which of the unit's profiles each report field reads: its own, or the flags.
        column = {f: PROFILE_FIELDS.index(f) for f in PROFILE_FIELDS}
        reads = [(n, column["flags" if n.startswith(FLAG_PREFIX) else n]) for n in self._fields]
        after = -1
        while True:
            units = self._db.execute(_DISPUTED_UNITS_AFTER, [after, self._PAGE]).fetchall()
            for article_id, title, *profiles in units:
                for name, i in reads:
                    key = (name, profiles[i])
                    if key not in judged:
                        judged[key] = _disagreeing(*key)
                    values = judged[key]
                    if values is not None:
                        yield Disagreement(article_id, title, name, dict(values))
            if len(units) < self._PAGE:
                return
            after = units[-1][0]

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


# Disputed units not yet settled, in article order, with their titles: a page of the list.
_DISPUTED_UNITS_AFTER = (
    "SELECT u.article_id, coalesce(a.title, ''), u.stance, u.reliability, u.credibility, "
    "u.flags FROM agreement_units u JOIN articles a ON a.id = u.article_id "
    "WHERE u.article_id > ? AND u.disputed = 1 AND u.settled = 0 "
    "ORDER BY u.article_id LIMIT ?"
)


def _ratings(name: str, profile: str | None) -> dict[str, Any]:
    """A profile (store.agreement_units) as analyst -> value, in analyst order; flags as sets."""
    given = json.loads(profile) if profile is not None else []
    return {a: frozenset(v) for a, v in given} if name == "flags" else dict(given)


def _disagreeing(name: str, profile: str | None) -> dict[str, Any] | None:
    """The ratings on report field *name* in a profile of its field, if they disagree."""
    source = "flags" if name.startswith(FLAG_PREFIX) else name
    values = _field_ratings({source: _ratings(source, profile)}, name)
    return values if values_disagree(values.values()) else None


def _field_ratings(unit: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """One unit's ratings on one report field: analyst -> value (a flag: set or not)."""
    if name.startswith(FLAG_PREFIX):
        flag = name[len(FLAG_PREFIX) :]
        return {a: flag in flags for a, flags in unit["flags"].items()}
    return unit.get(name, {})


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
                    "pairs": None
                    if f.pairs is None
                    else [
                        {"analysts": list(p.analysts), "items": p.items, "kappa": p.kappa}
                        for p in f.pairs
                    ],
                    "raters": [
                        {
                            "analyst": r.analyst,
                            "items": r.items,
                            "agreed": r.agreed,
                            "kappa": r.kappa,
                        }
                        for r in f.raters
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
    def __init__(self, name: str, with_pairs: bool) -> None:
        self.name = name
        self.items = 0
        self.agreed = 0
        self.coincidence = _Coincidence()
        # Per analyst: the units they rated with others, and the joint counts of their
        # value against each other analyst's value on those units (pooled pairs).
        self.rated: Counter[str] = Counter()
        self.against_others: dict[str, Counter[tuple[Hashable, Hashable]]] = defaultdict(Counter)
        self.joint: dict[tuple[str, str], Counter[tuple[Hashable, Hashable]]] | None = (
            defaultdict(Counter) if with_pairs else None
        )

    def add(self, ratings: dict[str, Any], units: int) -> bool:
        """*units* units rated so (analyst -> value, in analyst order); True if they disagree."""
        if len(ratings) < 2:
            return False
        values = list(ratings.values())
        disagree = values_disagree(values)
        self.items += units
        self.agreed += 0 if disagree else units
        self.coincidence.add(values, units)
        given = Counter(values)
        for a, x in ratings.items():
            self.rated[a] += units
            joint = self.against_others[a]
            for y, count in given.items():
                others = count - 1 if y == x else count
                if others:
                    joint[(x, y)] += units * others
        if self.joint is not None:
            rated = list(ratings.items())
            for i, (a, x) in enumerate(rated):
                for b, y in rated[i + 1 :]:
                    self.joint[(a, b)][(x, y)] += units
        return disagree

    def result(self) -> FieldAgreement:
        pairs = (
            None
            if self.joint is None
            else [
                PairAgreement(key, sum(joint.values()), _kappa_from_counts(joint))
                for key, joint in sorted(self.joint.items())
            ]
        )
        analysts = sorted(self.rated)
        raters = [
            RaterAgreement(
                a,
                self.rated[a],
                _observed(self.against_others[a]),
                _kappa_from_counts(self.against_others[a]),
            )
            for a in analysts
        ]
        return FieldAgreement(
            field=self.name,
            items=self.items,
            agreed=self.agreed,
            analysts=analysts,
            # Two analysts: each one's kappa against "the others" is the pair's.
            kappa=raters[0].kappa if len(analysts) == 2 else None,
            alpha=self.coincidence.alpha(),
            pairs=pairs,
            raters=raters,
        )


def agreement(
    db: sqlite_utils.Database,
    fields: Sequence[str] | None = None,
    taxonomy: Taxonomy | None = None,
    max_paired_analysts: int | None = MAX_PAIRED_ANALYSTS,
) -> AgreementReport:
    """Agreement per field over all analysts' triaged, unadjudicated decisions.

    *fields* limits the report (names as in :attr:`FieldAgreement.field`; a bare
    flag name works too). Flags are those of the taxonomy plus any in use. A field
    graded by more than *max_paired_analysts* analysts lists no pairs (None: all).
    """
    taxonomy = taxonomy or Taxonomy()
    # Every profile of every field with how many units have it (and how many of those
    # are settled): a few hundred rows, whatever the size of the store.
    profiles: dict[str, list[tuple[dict[str, Any], int, int]]] = defaultdict(list)
    for name, profile, units, settled in db.execute(
        "SELECT field, profile, units, settled FROM agreement_profiles WHERE units > 0"
    ):
        profiles[name].append((_ratings(name, profile), units, settled))

    flag_names = list(taxonomy.values("flags"))
    in_use = {f for ratings, _, _ in profiles["flags"] for flags in ratings.values() for f in flags}
    flag_names += sorted(in_use.difference(flag_names))
    names = [*SCALAR_FIELDS, *(FLAG_PREFIX + f for f in flag_names)]
    if fields:
        wanted = {
            f if f in SCALAR_FIELDS or f.startswith(FLAG_PREFIX) else FLAG_PREFIX + f
            for f in fields
        }
        names = [n for n in names if n in wanted] + sorted(wanted - set(names))

    disagreeing = settled_total = 0
    tallies = {}
    for name in names:
        if name.startswith(FLAG_PREFIX):
            rated = [
                (_field_ratings({"flags": ratings}, name), units, settled)
                for ratings, units, settled in profiles["flags"]
            ]
        else:
            rated = profiles.get(name, [])
        paired = {a for ratings, _, _ in rated if len(ratings) > 1 for a in ratings}
        with_pairs = max_paired_analysts is None or len(paired) <= max_paired_analysts
        tally = tallies[name] = _FieldTally(name, with_pairs)
        for ratings, units, settled in rated:
            if tally.add(ratings, units):
                # Disagreements on articles a lead analyst ruled on are settled:
                # counted, not listed.
                disagreeing += units - settled
                settled_total += settled
    return AgreementReport(
        fields=[t.result() for t in tallies.values()],
        disagreements=Disagreements(db, names, disagreeing),
        analysts=sorted({a for ratings, _, _ in profiles["flags"] for a in ratings}),
        settled=settled_total,
    )


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
