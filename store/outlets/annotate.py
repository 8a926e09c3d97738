"""Writing detection results into the store: publisher, citations, suggested flags.

The ``outlets`` table mirrors the registry in effect when detection last ran, so
the app, export and Datasette can join on it without loading the registry.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextlib import nullcontext

import sqlite_utils

from article_triage.store.articles import iter_article_ids
from article_triage.store.db import write_transaction
from article_triage.store.outlets.domains import detect_publisher, normalise_host, outlet_for_host
from article_triage.store.outlets.matcher import Citation, find_citations
from article_triage.store.outlets.registry import Outlet, Registry
from article_triage.store.text import split_paragraphs

STATE_MEDIA_FLAG = "state-media-sourcing"
ANNOTATE_BATCH = 200
"""Articles per write transaction in :func:`annotate_all`: short enough not to hold
the write lock long, long enough that commits do not dominate."""

# Connections whose outlets table already mirrors a registry, per registry object.
_synced: weakref.WeakKeyDictionary[Registry, weakref.WeakSet[sqlite_utils.Database]] = (
    weakref.WeakKeyDictionary()
)


def find_publisher(article: dict, registry: Registry) -> Outlet | None:
    """The publisher, from the best evidence of where the article came from.

    A fetched page: the host it was actually fetched from (``final_url``). Its own
    ``<link rel=canonical>`` can name any site (a page served from 127.0.0.1 can say
    it is Reuters), so it is only a claim (``canonical_claim``). A local file has no
    such evidence: its canonical URL is the best there is, then the source, then the
    hostname.
    """
    if article.get("final_url"):
        return detect_publisher(article["final_url"], registry)
    for column in ("url", "source"):
        outlet = detect_publisher(article.get(column) or "", registry)
        if outlet is not None:
            return outlet
    return outlet_for_host(normalise_host(article.get("hostname") or ""), registry)


def suggested_flags(
    publisher: Outlet | None, citations: list[Citation], registry: Registry
) -> list[tuple[str, str, str]]:
    """(flag, human reason, outlet key) for each state or captured outlet behind the article.

    A mere mention ("RT DE was banned in the EU") suggests nothing; an attribution does.
    """
    out: list[tuple[str, str, str]] = []
    if publisher is not None and publisher.is_state_media:
        out.append((STATE_MEDIA_FLAG, f"published by {publisher.describe()}", publisher.key))
    seen = set()
    for citation in citations:
        if citation.role != "attributed" or citation.outlet_key in seen:
            continue
        seen.add(citation.outlet_key)
        outlet = registry.get(citation.outlet_key)
        if outlet is not None and outlet.is_state_media:
            out.append((STATE_MEDIA_FLAG, f"cites {outlet.describe()}", outlet.key))
    return out


def sync_outlets(db: sqlite_utils.Database, registry: Registry, *, prune: bool = False) -> None:
    """Upsert every registry outlet into the outlets table; *prune* drops the others."""
    with write_transaction(db):
        if prune:
            db.execute("DELETE FROM outlets")
        db["outlets"].upsert_all([o.row() for o in registry], pk="key")
    _synced.setdefault(registry, weakref.WeakSet()).add(db)


def annotate_article(
    db: sqlite_utils.Database, article_id: int, registry: Registry | None = None
) -> None:
    """Replace the article's citations and suggested flags with what detection finds now."""
    if registry is None:
        from article_triage.store.outlets import load_registry

        registry = load_registry()
    cursor = db.execute(
        "SELECT text, url, final_url, source, hostname FROM articles WHERE id = ?", [article_id]
    )
    row = cursor.fetchone()
    if row is None:
        raise LookupError(f"no article {article_id}")
    article = dict(zip([d[0] for d in cursor.description], row, strict=True))
    publisher = find_publisher(article, registry)
    citations = find_citations(split_paragraphs(article["text"] or ""), registry)
    suggestions = suggested_flags(publisher, citations, registry)
    rows = [
        (article_id, c.outlet_key, c.role, c.paragraph_index, c.start, c.end, c.matched_text, c.cue)
        for c in citations
    ]
    if publisher is not None:
        rows.insert(0, (article_id, publisher.key, "publisher", None, None, None, None, None))
    # Inside a caller's transaction (the import's per-article savepoint, a detect
    # batch) its rollback covers these statements: no savepoint of their own.
    with nullcontext() if db.conn.in_transaction else write_transaction(db):
        if db not in _synced.get(registry, ()):
            sync_outlets(db, registry)
        db.execute("DELETE FROM citations WHERE article_id = ?", [article_id])
        db.execute("DELETE FROM suggested_flags WHERE article_id = ?", [article_id])
        db.conn.executemany(
            "INSERT INTO citations (article_id, outlet_key, role, paragraph_index, start, end, matched_text, cue) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO suggested_flags (article_id, flag, reason, outlet_key) VALUES (?, ?, ?, ?)",
            [(article_id, *s) for s in suggestions],
        )


def annotate_all(
    db: sqlite_utils.Database,
    registry: Registry | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Re-run detection over every article (after a registry change); returns how many.

    The outlets table is rebuilt from *registry* first, so outlets removed from the
    registry disappear from it. *should_stop* is asked between batches: each batch is
    committed whole, and a run stopped half-way is simply run again (detection is
    idempotent).
    """
    if registry is None:
        from article_triage.store.outlets import load_registry

        registry = load_registry()
    sync_outlets(db, registry, prune=True)
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    done = 0
    if progress:
        progress(done, total)
    batch: list[int] = []
    for article_id in iter_article_ids(db):
        if should_stop is not None and not batch and should_stop():
            return done
        batch.append(article_id)
        if len(batch) >= ANNOTATE_BATCH:
            done += _annotate_batch(db, batch, registry)
            batch = []
            if progress:
                progress(done, max(total, done))
    if batch:
        done += _annotate_batch(db, batch, registry)
        if progress:
            progress(done, max(total, done))
    return done


def _annotate_batch(db: sqlite_utils.Database, ids: list[int], registry: Registry) -> int:
    done = 0
    with write_transaction(db):
        for article_id in ids:
            try:
                annotate_article(db, article_id, registry)
            except LookupError:  # deleted meanwhile by another process
                continue
            done += 1
    return done
