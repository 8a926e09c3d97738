"""Triage decisions, the append-only event log, and undo/redo built on it.

Every change goes through :func:`apply_changes`: the decision row and one event
per changed field are written in a single transaction, so a decision the app
shows as saved survives kill -9. An *action* (one keystroke, or one bulk action
over a filter) is one event group; undo reverses the analyst's latest group and
redo re-applies it, both by appending events, so the log is never rewritten and
the history survives restarts.

The steps undo knows are the STEP_ACTIONS: a decision change (``set``), an
adjudication (``adjudicate``: the ruling and the ``adjudicated`` mark together, so
undoing it leaves the decision as it was before, unsettled) and a paragraph
correction (``correct``, see store.translations). Merges are not steps: they write
other analysts' decisions, which one analyst's undo must not take back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlite_utils

from article_triage.store.agreement_units import refresh_units
from article_triage.store.articles import ArticleFilter, iter_article_ids
from article_triage.store.boundary import clean_text
from article_triage.store.db import at_commit, utcnow, write_transaction
from article_triage.store.taxonomy import Taxonomy, format_grade

DECISION_FIELDS = (
    "status",
    "stance",
    "reliability",
    "credibility",
    "flags",
    "rejected_suggestions",
    "notes",
    "adjudicated",
)
EVENT_COLUMNS = (
    "id",
    "group_id",
    "at",
    "analyst",
    "action",
    "article_id",
    "field",
    "old",
    "new",
    "ref_group",
)
_JSON_FIELDS = {"flags", "rejected_suggestions"}
STEP_ACTIONS = ("set", "adjudicate", "correct")
"""Actions whose groups are undo steps (undo and redo themselves move them)."""
_STEP_SQL = ", ".join(f"'{a}'" for a in STEP_ACTIONS)


@dataclass(frozen=True)
class Decision:
    article_id: int
    analyst: str
    status: str = "new"
    stance: str | None = None
    reliability: str | None = None
    credibility: str | None = None
    flags: tuple[str, ...] = ()
    rejected_suggestions: tuple[str, ...] = ()
    notes: str = ""
    adjudicated: bool = False
    triaged_at: str | None = None

    @property
    def grade(self) -> str:
        return format_grade(self.reliability, self.credibility)

    def value(self, field_name: str) -> Any:
        value = getattr(self, field_name)
        return list(value) if field_name in _JSON_FIELDS else value


@dataclass(frozen=True)
class Change:
    """What one action did, for the screen to show after the commit."""

    group_id: int
    article_ids: tuple[int, ...] = field(default=())
    action: str = "set"
    """For undo and redo: the action of the step they took back or did again."""
    fields: tuple[str, ...] = ()
    """For undo and redo: the fields that changed, in the order they were first written."""


_DECISION_COLUMNS = (
    "analyst, status, stance, reliability, credibility, flags, rejected_suggestions, notes, "
    "adjudicated, triaged_at"
)


def _decision(article_id: int, row: tuple[Any, ...]) -> Decision:
    return Decision(
        article_id,
        row[0],
        status=row[1],
        stance=row[2],
        reliability=row[3],
        credibility=row[4],
        flags=tuple(json.loads(row[5])),
        rejected_suggestions=tuple(json.loads(row[6])),
        notes=row[7],
        adjudicated=bool(row[8]),
        triaged_at=row[9],
    )


def get_decision(db: sqlite_utils.Database, article_id: int, analyst: str) -> Decision:
    """The analyst's current decision on the article (an empty 'new' one if none yet)."""
    row = db.execute(
        f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE article_id = ? AND analyst = ?",
        [article_id, analyst],
    ).fetchone()
    return Decision(article_id, analyst) if row is None else _decision(article_id, row)


def decisions_for_article(db: sqlite_utils.Database, article_id: int) -> list[Decision]:
    """Every analyst's decision on the article, by analyst name, in one query."""
    rows = db.execute(
        f"SELECT {_DECISION_COLUMNS} FROM decisions WHERE article_id = ? ORDER BY analyst",
        [article_id],
    )
    return [_decision(article_id, row) for row in rows]


def _next_group(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT coalesce(max(group_id), 0) + 1 FROM events").fetchone()[0]


def _write(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    changes: dict[str, Any],
    *,
    group_id: int,
    action: str,
    ref_group: int | None = None,
    at: str,
    triaged_at: str | None = None,
) -> bool:
    """Apply *changes* to one decision and log them; True if anything changed. Caller holds the transaction."""
    current = get_decision(db, article_id, analyst)
    if "notes" in changes:  # typed, pasted or merged: every note enters through the door in
        changes = {**changes, "notes": clean_text(changes["notes"])}
    changed = {k: v for k, v in changes.items() if current.value(k) != v}
    if not changed:
        return False
    row = {f: current.value(f) for f in DECISION_FIELDS} | changed
    row = {
        k: (json.dumps(v, ensure_ascii=False) if k in _JSON_FIELDS else v) for k, v in row.items()
    }
    row["adjudicated"] = int(bool(row["adjudicated"]))
    # Plain SQL rather than table.upsert()/insert(): those inspect the schema on
    # every call, which made a bulk action over 10k articles take seconds.
    db.execute(
        _UPSERT_DECISION,
        [article_id, analyst, *(row[f] for f in DECISION_FIELDS), triaged_at or at],
    )
    db.conn.executemany(
        _INSERT_EVENT,
        [
            (
                group_id,
                at,
                analyst,
                action,
                article_id,
                name,
                json.dumps(current.value(name), ensure_ascii=False),
                json.dumps(new, ensure_ascii=False),
                ref_group,
            )
            for name, new in changed.items()
        ],
    )
    _after_write(db, article_id, changed)
    return True


# What a decision's rating is made of: a change to any of these can change agreement.
_RATING_FIELDS = frozenset(
    {"status", "stance", "reliability", "credibility", "flags", "adjudicated"}
)


def _after_write(db: sqlite_utils.Database, article_id: int, changed: dict[str, Any]) -> None:
    """The post-write hook: everything that follows a decision written.

    The article's agreement unit (store.agreement_units), so `triage agreement` reads
    kept counts instead of every decision: redone once per article at the end of the
    transaction, since a merge may write many analysts' decisions on one article.
    """
    if changed.keys() & _RATING_FIELDS:
        at_commit(db, "agreement units", refresh_units, article_id)


_UPSERT_DECISION = (
    f"INSERT INTO decisions (article_id, analyst, {', '.join(DECISION_FIELDS)}, triaged_at) "
    f"VALUES ({', '.join('?' * (len(DECISION_FIELDS) + 3))}) "
    "ON CONFLICT (article_id, analyst) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in (*DECISION_FIELDS, "triaged_at"))
)
_INSERT_EVENT = (
    "INSERT INTO events (group_id, at, analyst, action, article_id, field, old, new, ref_group) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def apply_changes(
    db: sqlite_utils.Database,
    article_ids: Iterable[int],
    analyst: str,
    changes: dict[str, Any],
    taxonomy: Taxonomy | None = None,
    *,
    action: str = "set",
) -> Change:
    """Set decision fields on one or many articles as one undoable action."""
    taxonomy = taxonomy or Taxonomy()
    for name, value in changes.items():
        taxonomy.validate(name, value)
    at = utcnow()
    touched: list[int] = []
    with write_transaction(db):
        group_id = _next_group(db)
        for article_id in article_ids:
            if _write(db, article_id, analyst, changes, group_id=group_id, action=action, at=at):
                touched.append(article_id)
    return Change(group_id, tuple(touched))


def new_group_id(db: sqlite_utils.Database) -> int:
    """A fresh event group for an action that writes through :func:`record_changes`."""
    return _next_group(db)


def record_changes(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    changes: dict[str, Any],
    *,
    group_id: int,
    action: str,
    triaged_at: str | None = None,
) -> bool:
    """Write one decision's *changes* and their events as part of the caller's group.

    For actions that touch many analysts' decisions as one step (merge); the caller
    holds write_transaction and took *group_id* from :func:`new_group_id` in it.
    *triaged_at* keeps the time the decision was made elsewhere (default: now).
    True if anything changed.
    """
    return _write(
        db,
        article_id,
        analyst,
        changes,
        group_id=group_id,
        action=action,
        at=utcnow(),
        triaged_at=triaged_at,
    )


def record_event(
    db: sqlite_utils.Database,
    *,
    group_id: int,
    analyst: str,
    action: str,
    field_name: str,
    value: Any,
    article_id: int | None = None,
    old: Any = None,
    ref_group: int | None = None,
) -> None:
    """An event outside the decisions table: who merged which file, a paragraph
    correction (with its *old* value, for undo). Caller holds write_transaction."""
    db.execute(
        _INSERT_EVENT,
        [group_id, utcnow(), analyst, action, article_id, field_name,
         None if old is None else json.dumps(old, ensure_ascii=False),
         json.dumps(value, ensure_ascii=False), ref_group],
    )  # fmt: skip


def set_field(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    name: str,
    value: Any,
    taxonomy: Taxonomy | None = None,
) -> Decision:
    """One keystroke's change; returns the decision as committed."""
    apply_changes(db, [article_id], analyst, {name: value}, taxonomy)
    return get_decision(db, article_id, analyst)


def toggle_flag(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    flag: str,
    taxonomy: Taxonomy | None = None,
) -> Decision:
    if taxonomy and flag not in taxonomy.values("flags"):
        raise ValueError(f"unknown flag {flag!r}")
    with write_transaction(db):
        flags = list(get_decision(db, article_id, analyst).flags)
        flags = [f for f in flags if f != flag] if flag in flags else [*flags, flag]
        apply_changes(db, [article_id], analyst, {"flags": flags}, taxonomy)
    return get_decision(db, article_id, analyst)


def review_suggestion(
    db: sqlite_utils.Database, article_id: int, analyst: str, flag: str, accept: bool
) -> Decision:
    """Accept a suggested flag (it joins the analyst's flags) or reject it (kept as rejected)."""
    with write_transaction(db):
        current = get_decision(db, article_id, analyst)
        flags = list(current.flags)
        rejected = [f for f in current.rejected_suggestions if f != flag]
        if accept:
            if flag not in flags:
                flags.append(flag)
        else:
            flags = [f for f in flags if f != flag]
            rejected.append(flag)
        apply_changes(db, [article_id], analyst, {"flags": flags, "rejected_suggestions": rejected})
    return get_decision(db, article_id, analyst)


def bulk_apply(
    db: sqlite_utils.Database,
    flt: ArticleFilter,
    analyst: str,
    changes: dict[str, Any],
    taxonomy: Taxonomy | None = None,
) -> Change:
    """Set fields on every article in a filter as one undoable step."""
    return apply_changes(db, list(iter_article_ids(db, flt)), analyst, changes, taxonomy)


# --- undo / redo -------------------------------------------------------------------------


def _stack_tops(db: sqlite_utils.Database, analyst: str) -> tuple[int | None, int | None]:
    """(top of the undo stack, top of the redo stack) as group ids, None when empty.

    The stacks are those of replaying the analyst's groups in order: a new action
    pushes onto undo and clears redo (as in every editor), an undo moves undo's top
    to redo, a redo moves it back. Rather than replaying the whole log on every
    keystroke, both tops are found by walking back from the newest group, which
    costs what the recent history costs.
    """
    return _undo_top(db, analyst), _redo_top(db, analyst)


def _undo_top(db: sqlite_utils.Database, analyst: str) -> int | None:
    before: int | None = None
    while (op := _latest_step(db, analyst, before)) is not None:
        group_id, action, ref = op
        if action in STEP_ACTIONS:
            return group_id
        if action == "redo":
            return ref
        # An undo of ref: the stack is what lay under ref. Undo and redo only move
        # groups above it, and a new action drops ref from redo for good, so that is
        # still what lay under ref when its own action pushed it.
        before = ref
    return None


def _redo_top(db: sqlite_utils.Database, analyst: str) -> int | None:
    before: int | None = None
    while (op := _latest_step(db, analyst, before)) is not None:
        group_id, action, ref = op
        if action in STEP_ACTIONS:
            return None
        if action == "undo":
            return ref
        # A redo of ref: the redo stack is what lay under ref when the latest undo
        # of ref put it there.
        row = db.execute(
            "SELECT max(group_id) FROM events WHERE analyst = ? AND group_id > ? "
            "AND group_id < ? AND action = 'undo' AND ref_group = ?",
            [analyst, ref, group_id, ref],
        ).fetchone()
        if row[0] is None:  # a log this code did not write; nothing safe to redo
            return None
        before = row[0]
    return None


def _latest_step(
    db: sqlite_utils.Database, analyst: str, before: int | None
) -> tuple[int, str, int | None] | None:
    """The analyst's newest step/undo/redo group (below *before*): (group, action, ref)."""
    return db.execute(
        "SELECT group_id, action, ref_group FROM events WHERE analyst = ? AND group_id < ? "
        f"AND action IN ({_STEP_SQL}, 'undo', 'redo') ORDER BY group_id DESC LIMIT 1",
        [analyst, before if before is not None else 1 << 62],
    ).fetchone()


def _replay(db: sqlite_utils.Database, analyst: str, *, reverse: bool) -> Change | None:
    # A paragraph correction is put back by store.translations, which itself writes
    # its events through this module: imported here, not at the top, to break the cycle.
    from article_triage.store.translations import CORRECTION_FIELD

    replay_action = "undo" if reverse else "redo"
    with write_transaction(db):
        target = _undo_top(db, analyst) if reverse else _redo_top(db, analyst)
        if target is None:
            return None
        events = db.execute(
            f"SELECT action, article_id, field, old, new FROM events WHERE group_id = ? "
            f"AND action IN ({_STEP_SQL}) ORDER BY id",
            [target],
        ).fetchall()
        if reverse:
            events = list(reversed(events))
        group_id = _next_group(db)
        at = utcnow()
        touched: list[int] = []
        fields: list[str] = []
        for _action, article_id, name, old, new in events:
            raw = old if reverse else new
            value = None if raw is None else json.loads(raw)
            # Only what really changed counts: with no event written at all the step
            # would leave no trace and the same group would be undone again and again.
            if name == CORRECTION_FIELD:
                wrote = _replay_correction(
                    db, article_id, analyst, value, group_id, target, reverse
                )
            else:
                wrote = _write(
                    db,
                    article_id,
                    analyst,
                    {name: value},
                    group_id=group_id,
                    action=replay_action,
                    ref_group=target,
                    at=at,
                )
            if wrote and article_id not in touched:
                touched.append(article_id)
            if wrote and name not in fields:
                fields.append(name)
        if not touched:
            # Nothing differed (already at that state): still record the step so the stacks move on.
            db.execute(
                _INSERT_EVENT,
                [group_id, at, analyst, replay_action, None, None, None, None, target],
            )
    step_action = events[0][0] if events else "set"
    return Change(group_id, tuple(touched), step_action, tuple(fields))


def _replay_correction(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    state: dict[str, Any],
    group_id: int,
    target: int,
    reverse: bool,
) -> bool:
    from article_triage.store.translations import (
        CORRECTION_FIELD,
        paragraph_state,
        put_paragraph,
    )

    current = paragraph_state(db, article_id, state["target_lang"], state["index"])
    if (current["text"], current["provider"]) == (state["text"], state["provider"]):
        return False
    put_paragraph(db, article_id, state)
    record_event(
        db,
        group_id=group_id,
        analyst=analyst,
        action="undo" if reverse else "redo",
        field_name=CORRECTION_FIELD,
        old=current,
        value=state,
        article_id=article_id,
        ref_group=target,
    )
    return True


def undo(db: sqlite_utils.Database, analyst: str) -> Change | None:
    """Reverse the analyst's latest action (also one from an earlier session); None if nothing to undo."""
    return _replay(db, analyst, reverse=True)


def redo(db: sqlite_utils.Database, analyst: str) -> Change | None:
    return _replay(db, analyst, reverse=False)


def can_undo(db: sqlite_utils.Database, analyst: str) -> tuple[bool, bool]:
    undo_top, redo_top = _stack_tops(db, analyst)
    return undo_top is not None, redo_top is not None


# --- navigation --------------------------------------------------------------------------


def next_untriaged(
    db: sqlite_utils.Database, analyst: str, after_id: int, flt: ArticleFilter | None = None
) -> int | None:
    """The next article after *after_id* in the list's order (wrapping round) that the
    analyst has not triaged. *after_id* 0 (or an article no longer stored) starts at the top."""
    base = flt or ArticleFilter()
    flt = replace(base, analyst=analyst, status="new")
    order = flt.order
    joins, where, params = flt.sql()
    key = order.key_of(db, after_id) if after_id else None
    attempts: list[tuple[str, list[Any]]] = [(where, params)]
    if key is not None:
        after, after_params = order.compare(">", key)
        attempts.insert(0, (f"{where} AND {after}", [*params, *after_params]))
    for clause, args in attempts:
        row = db.execute(
            f"SELECT a.id FROM {joins} WHERE {clause} ORDER BY {order.order_by()} LIMIT 1", args
        ).fetchone()
        if row:
            return row[0]
    return None


def history(
    db: sqlite_utils.Database, article_id: int | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Events, newest first, as dicts (for the audit view and export)."""
    sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
    params: list[Any] = []
    if article_id is not None:
        sql += " WHERE article_id = ?"
        params.append(article_id)
    sql += " ORDER BY id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in db.execute(sql, params)]
