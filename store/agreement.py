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

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from article_triage.store.db import write_transaction
from article_triage.store.taxonomy import Taxonomy
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


@dataclass
class AgreementReport:
    fields: list[FieldAgreement]
    disagreements: list[Disagreement]
    """Those still to settle: articles a lead analyst has adjudicated are left out."""
    analysts: list[str]
    settled: int = 0
    """Disagreements on articles already adjudicated (counted, not listed)."""

    def as_dict(self) -> dict[str, Any]:
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

    def add(self, ratings: dict[str, Hashable]) -> bool:
        """One article's ratings (analyst -> value); True if they disagree."""
        if len(ratings) < 2:
            return False
        self.items += 1
        self.analysts.update(ratings)
        self.coincidence.add(list(ratings.values()))
        for a, b in itertools.combinations(sorted(ratings), 2):
            self.joint[(a, b)][(ratings[a], ratings[b])] += 1
        if len(set(ratings.values())) == 1:
            self.agreed += 1
            return False
        return True

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
    flag_names = list(taxonomy.values("flags"))
    for (flags_json,) in db.execute(
        "SELECT DISTINCT flags FROM decisions WHERE status != 'new' AND adjudicated = 0"
    ):
        flag_names += [f for f in json.loads(flags_json) if f not in flag_names]
    names = [*SCALAR_FIELDS, *(FLAG_PREFIX + f for f in flag_names)]
    if fields:
        wanted = {
            f if f in SCALAR_FIELDS or f.startswith(FLAG_PREFIX) else FLAG_PREFIX + f
            for f in fields
        }
        names = [n for n in names if n in wanted] + sorted(wanted - set(names))
    tallies = {name: _FieldTally(name) for name in names}
    disagreements: list[Disagreement] = []
    settled = 0
    analysts: set[str] = set()

    rows = db.execute(
        "SELECT d.article_id, d.analyst, d.stance, d.reliability, d.credibility, d.flags, "
        "coalesce(a.title, ''), EXISTS (SELECT 1 FROM decisions r WHERE r.article_id = d.article_id "
        "AND r.adjudicated = 1) FROM decisions d JOIN articles a ON a.id = d.article_id "
        "WHERE d.status != 'new' AND d.adjudicated = 0 ORDER BY d.article_id, d.analyst"
    )
    for article_id, group in itertools.groupby(rows, key=lambda r: r[0]):
        decisions = list(group)
        if len(decisions) < 2:
            continue
        title, ruled = decisions[0][6], bool(decisions[0][7])
        analysts.update(r[1] for r in decisions)
        flag_sets = {r[1]: set(json.loads(r[5])) for r in decisions}
        for name, tally in tallies.items():
            if name.startswith(FLAG_PREFIX):
                flag = name[len(FLAG_PREFIX) :]
                ratings: dict[str, Any] = {a: flag in fs for a, fs in flag_sets.items()}
            else:
                column = 2 + SCALAR_FIELDS.index(name)
                ratings = {r[1]: r[column] for r in decisions if r[column] is not None}
            if not tally.add(ratings):
                continue
            if ruled:
                settled += 1
            else:
                disagreements.append(Disagreement(article_id, title, name, ratings))
    return AgreementReport(
        fields=[t.result() for t in tallies.values()],
        disagreements=disagreements,
        analysts=sorted(analysts),
        settled=settled,
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
