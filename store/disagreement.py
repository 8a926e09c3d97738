"""What a disagreement between analysts is: defined once, in Python and in SQL.

Used by the query language (``disagree:FIELD``), the export/list filter
(``--disagreements``), the queue's mark and ``triage agreement`` (whose array form in
store/agreement.py scores exactly these: missing values are not rated).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from article_triage.store.taxonomy import FLAG_SET_SQL, flag_set

if TYPE_CHECKING:
    from article_triage.store.triage import Decision

# Analysts disagree on a field of an article when two or more of its triaged (status
# other than 'new'), unadjudicated decisions give that field a value and the values are
# not all the same. A missing stance or grade half is "not rated", never a disagreement;
# flags are a set that every triaged decision has (the empty set too), compared as a set.
# Once a lead analyst has adjudicated the article the disagreement is settled: still
# counted by agreement(), no longer open. values_disagree / decisions_disagree (Python)
# and disagreement_sql (SQL) say the same thing; tests/test_query.py holds them together.

DISAGREEMENT_FIELDS = ("any", "stance", "reliability", "credibility", "grade", "flags")
"""What ``disagree:`` takes: one field, the grade (either half) or any of them."""
_COMPARED = {
    "any": ("stance", "reliability", "credibility", "flags"),
    "grade": ("reliability", "credibility"),
    "stance": ("stance",),
    "reliability": ("reliability",),
    "credibility": ("credibility",),
    "flags": ("flags",),
}
# A decision's flags as one comparable value; '' for none, so that no flags against some
# flags counts as two values (count(DISTINCT) skips NULL).
_FLAG_SET_SQL = f"coalesce({FLAG_SET_SQL}, '')"


def values_disagree(values: Iterable[Hashable | None]) -> bool:
    """Two or more values given (None: not rated) and not all the same."""
    return len({v for v in values if v is not None}) > 1


def decisions_disagree(decisions: Iterable[Decision], field_name: str = "any") -> bool:
    """An open disagreement on *field_name* (see DISAGREEMENT_FIELDS) among one article's decisions."""
    decisions = list(decisions)
    if any(d.adjudicated for d in decisions):
        return False
    rated = [d for d in decisions if d.status != "new"]
    return any(
        values_disagree(flag_set(d.flags) if name == "flags" else getattr(d, name) for d in rated)
        for name in _COMPARED[field_name]
    )


def disagreement_sql(field_name: str = "any", article: str = "a.id") -> str:
    """An SQL condition true when *article* (an SQL expression) has an open disagreement."""
    differing = " OR ".join(
        f"count(DISTINCT {_FLAG_SET_SQL.format(side='x') if name == 'flags' else 'x.' + name}) > 1"
        for name in _COMPARED[field_name]
    )
    return (
        f"coalesce((SELECT {differing} FROM decisions x WHERE x.article_id = {article} "
        "AND x.status != 'new' AND x.adjudicated = 0), 0) "
        f"AND NOT EXISTS (SELECT 1 FROM decisions z WHERE z.article_id = {article} AND z.adjudicated = 1)"
    )
