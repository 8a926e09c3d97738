"""The units agreement is scored on, kept up to date as decisions are written.

A unit is an article that two or more analysts triaged (decisions with a status other
than 'new', not a lead analyst's adjudicated ruling). Per unit this keeps its ratings
on each field as one canonical value, a *profile*: JSON ``[[analyst, value], ...]`` in
analyst order, the value missing analysts left out (``flags``: every analyst's flag
set, sorted). SQL triggers keep how many units share each profile in
``agreement_profiles``, so store.agreement scores a million articles from a few
hundred counts instead of reading every decision, and lists disagreements from the
units in article order.

store.triage's one write path has :func:`refresh_units` redo the units of the articles
whose decisions it wrote, once each before the transaction commits (apply_changes,
undo and redo, adjudication and merge all go through it); the
migration that creates the tables fills them with :func:`rebuild_units`, which a test
holds equal to the incremental result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

import sqlite_utils

from article_triage.store.disagreement import values_disagree
from article_triage.store.taxonomy import flag_set

SCALAR_FIELDS = ("stance", "reliability", "credibility")
PROFILE_FIELDS = (*SCALAR_FIELDS, "flags")

# Statements one by one (executescript would commit the migration's transaction).
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS agreement_units (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    settled INTEGER NOT NULL,     -- 1 when a lead analyst has adjudicated the article
    disputed INTEGER NOT NULL,    -- 1 when the analysts disagree on some field
    stance TEXT,                  -- profiles; NULL when fewer than two gave a value
    reliability TEXT,
    credibility TEXT,
    flags TEXT NOT NULL
)""",
    """
CREATE TABLE IF NOT EXISTS agreement_profiles (
    field TEXT NOT NULL,          -- stance, reliability, credibility or flags
    profile TEXT NOT NULL,
    units INTEGER NOT NULL,       -- how many units have this profile
    settled INTEGER NOT NULL,     -- of those, how many are settled
    PRIMARY KEY (field, profile)
) WITHOUT ROWID""",
)


def _count_sql(side: str, sign: str) -> str:
    return "\n".join(
        f"INSERT INTO agreement_profiles (field, profile, units, settled) "
        f"SELECT '{name}', {side}.{name}, {sign}1, {sign}{side}.settled "
        f"WHERE {side}.{name} IS NOT NULL "
        "ON CONFLICT (field, profile) DO UPDATE SET "
        "units = units + excluded.units, settled = settled + excluded.settled;"
        for name in PROFILE_FIELDS
    )


# The counts follow the units whatever writes them (the write path, a rebuild, or the
# cascade if an article is ever deleted).
TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS agreement_units_counted AFTER INSERT ON agreement_units "
    f"BEGIN {_count_sql('new', '')} END",
    "CREATE TRIGGER IF NOT EXISTS agreement_units_uncounted AFTER DELETE ON agreement_units "
    f"BEGIN {_count_sql('old', '-')} END",
    "CREATE TRIGGER IF NOT EXISTS agreement_units_recounted AFTER UPDATE ON agreement_units "
    f"BEGIN {_count_sql('old', '-')} {_count_sql('new', '')} END",
)

UNIT_COLUMNS = ("settled", "disputed", *PROFILE_FIELDS)

# One article's decisions as a unit needs them, in analyst order.
_ARTICLE_DECISIONS = (
    "SELECT analyst, status, stance, reliability, credibility, flags, adjudicated "
    "FROM decisions WHERE article_id = ? ORDER BY analyst"
)


def _profile(ratings: list[list[Any]]) -> str:
    return json.dumps(ratings, ensure_ascii=False, separators=(",", ":"))


def unit_row(decisions: Sequence[Sequence[Any]]) -> tuple[Any, ...] | None:
    """The unit an article's decisions make (values for UNIT_COLUMNS), None if not one.

    *decisions* are (analyst, status, stance, reliability, credibility, flags JSON,
    adjudicated) rows in analyst order.
    """
    rated = [d for d in decisions if d[1] != "new" and not d[6]]
    if len(rated) < 2:
        return None
    disputed = False
    profiles: list[str | None] = []
    for column in (2, 3, 4):
        given = [[d[0], d[column]] for d in rated if d[column] is not None]
        # The one definition of a disagreement (store.disagreement): missing is not rated.
        disputed = disputed or values_disagree(v for _, v in given)
        profiles.append(_profile(given) if len(given) >= 2 else None)
    flag_sets = [[d[0], sorted(flag_set(json.loads(d[5])))] for d in rated]
    disputed = disputed or values_disagree(frozenset(f) for _, f in flag_sets)
    settled = any(d[6] for d in decisions)
    return (int(settled), int(disputed), *profiles, _profile(flag_sets))


def refresh_unit(db: sqlite_utils.Database, article_id: int) -> None:
    """Bring the article's unit in step with its decisions. Caller holds the transaction."""
    new = unit_row(db.execute(_ARTICLE_DECISIONS, [article_id]).fetchall())
    old = db.execute(
        f"SELECT {', '.join(UNIT_COLUMNS)} FROM agreement_units WHERE article_id = ?",
        [article_id],
    ).fetchone()
    if old == new:
        return
    if new is None:
        db.execute("DELETE FROM agreement_units WHERE article_id = ?", [article_id])
    elif old is None:
        db.execute(_INSERT_UNIT, [article_id, *new])
    else:
        db.execute(
            f"UPDATE agreement_units SET {', '.join(f'{c} = ?' for c in UNIT_COLUMNS)} "
            "WHERE article_id = ?",
            [*new, article_id],
        )


def refresh_units(db: sqlite_utils.Database, article_ids: Iterable[int]) -> None:
    for article_id in sorted(article_ids):
        refresh_unit(db, article_id)


_INSERT_UNIT = (
    f"INSERT INTO agreement_units (article_id, {', '.join(UNIT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(UNIT_COLUMNS) + 1))})"
)


def rebuild_units(db: sqlite_utils.Database) -> int:
    """Every unit again from the decisions (the migration's fill); returns how many.

    Decisions are read in table order and sorted here: in key order each would be a
    lookup from the index into the table. Caller holds the transaction.
    """
    db.execute("DELETE FROM agreement_units")
    db.execute("DELETE FROM agreement_profiles")
    rows = db.execute(
        "SELECT article_id, analyst, status, stance, reliability, credibility, flags, "
        "adjudicated FROM decisions NOT INDEXED"
    ).fetchall()
    rows.sort(key=itemgetter(0, 1))
    units = []
    for article_id, decisions in groupby(rows, key=itemgetter(0)):
        unit = unit_row([d[1:] for d in decisions])
        if unit is not None:
            units.append((article_id, *unit))
    db.conn.executemany(_INSERT_UNIT, units)
    return len(units)
