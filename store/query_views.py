"""Saved views: named queries of the query language (store.query), kept in the store."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from article_triage.store.boundary import clean_line
from article_triage.store.db import utcnow, write_transaction
from article_triage.store.query import parse
from article_triage.store.taxonomy import Taxonomy


@dataclass(frozen=True)
class SavedView:
    name: str
    query: str
    saved_by: str | None
    saved_at: str


class UnknownView(LookupError):
    """No view by that name."""


def save_view(
    db: sqlite_utils.Database,
    name: str,
    query: str,
    analyst: str | None = None,
    taxonomy: Taxonomy | None = None,
) -> SavedView:
    """Save (or replace) *name*; a query that does not parse raises store.query.QueryError
    and is not saved, so a view always reads."""
    name, query = clean_line(name).strip(), clean_line(query).strip()
    if not name:
        raise ValueError("a view needs a name")
    parse(query, taxonomy)
    view = SavedView(name, query, analyst, utcnow())
    with write_transaction(db):
        db.execute(
            "INSERT OR REPLACE INTO saved_views (name, query, saved_by, saved_at) "
            "VALUES (?, ?, ?, ?)",
            [view.name, view.query, view.saved_by, view.saved_at],
        )
    return view


def list_views(db: sqlite_utils.Database) -> list[SavedView]:
    return [
        SavedView(*row)
        for row in db.execute(
            "SELECT name, query, saved_by, saved_at FROM saved_views ORDER BY name"
        ).fetchall()
    ]


def view_query(db: sqlite_utils.Database, name: str) -> str:
    """The query saved as *name*; UnknownView when there is none."""
    row = db.execute("SELECT query FROM saved_views WHERE name = ?", [name]).fetchone()
    if row is None:
        known = ", ".join(v.name for v in list_views(db)) or "none saved yet"
        raise UnknownView(f"no view named {name!r} (views: {known})")
    return row[0]


def delete_view(db: sqlite_utils.Database, name: str) -> None:
    """Forget the view *name*; UnknownView when there is none (nothing else changes)."""
    with write_transaction(db):
        if db.execute("DELETE FROM saved_views WHERE name = ?", [name]).rowcount == 0:
            known = ", ".join(v.name for v in list_views(db)) or "none saved yet"
            raise UnknownView(f"no view named {name!r} (views: {known})")
