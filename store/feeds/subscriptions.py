"""The feeds an analyst follows: rows of the ``feeds`` table and each feed's entry memory.

Everything stored here came from outside (URLs, names, tags from an OPML file), so it
enters through store.boundary. The fetch state columns are written by store.feeds.refresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from article_triage.store.boundary import clean_line, clean_url
from article_triage.store.db import SQLITE_MAX_INTEGER, utcnow, write_transaction

if TYPE_CHECKING:
    from article_triage.store.ingest.feeds import FeedEntry


class FeedNotFound(LookupError):
    """No subscription has that id or URL; the message says which."""


class FeedUrlRefused(ValueError):
    """A URL no feed can live at; the message says why, in one line."""


# A URL longer than this is not an address anyone subscribes to (browsers stop near 2 KB,
# servers answer 414 past 8 KB); an OPML file holding one is hostile or broken.
MAX_FEED_URL = 8192


def feed_url(url: str) -> str:
    """*url* as a feed is stored under, or FeedUrlRefused saying why it cannot be one.

    Checked on the raw value: clean_url would drop a ``javascript:`` URL to "" and fold a
    tab into a space, and either would be stored as a feed that fails at every refresh."""
    from urllib.parse import urlsplit

    raw = url.strip()
    if any(ch <= " " or "\x7f" <= ch <= "\x9f" for ch in raw):
        raise FeedUrlRefused("contains spaces or control characters")
    if len(raw) > MAX_FEED_URL:
        raise FeedUrlRefused(f"longer than {MAX_FEED_URL} characters")
    try:
        parts = urlsplit(raw)
        has_host = bool(parts.hostname)
    except ValueError:
        raise FeedUrlRefused("not a URL") from None
    if parts.scheme.lower() not in ("http", "https") or not has_host:
        raise FeedUrlRefused("not an http(s) URL")
    return clean_url(raw)


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    name: str | None
    tags: tuple[str, ...]
    site_url: str | None
    paused: bool
    paused_reason: str | None
    etag: str | None
    last_modified: str | None
    conditional_streak: int
    last_checked: str | None
    last_success: str | None
    last_error: str | None
    error_count: int
    next_check: str | None
    interval: int
    items_seen: int
    added_at: str
    retry_after: str | None = None
    """Until when the server asked not to be asked again (429/503 with Retry-After)."""

    @property
    def title(self) -> str:
        """What lists show: the name, else the URL."""
        return self.name or self.url

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Subscription:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["tags"] = tuple(json.loads(row["tags"] or "[]"))
        values["paused"] = bool(row["paused"])
        return cls(**values)


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as stored: one line each, no blanks, no repeats, in the order given.

    A comma separates tags (``--tag ukraine,wires`` is two), as it separates OPML
    categories; slashes at the ends go, as OPML reads them as a category path.
    """
    seen: dict[str, None] = {}
    for tag in tags:
        for part in clean_line(tag).split(","):
            cleaned = clean_line(part.strip().strip("/"))
            if cleaned:
                seen.setdefault(cleaned, None)
    return tuple(seen)


def add_feed(
    db: sqlite_utils.Database,
    url: str,
    *,
    name: str | None = None,
    tags: Iterable[str] = (),
    site_url: str | None = None,
) -> tuple[Subscription, bool]:
    """Subscribe to *url*; (the subscription, whether it is new).

    Subscribing again to a known URL adds the new tags and fills a missing name,
    so importing the same OPML file twice changes nothing. FeedUrlRefused if *url* cannot
    be a feed's.
    """
    url = feed_url(url)
    name = clean_line(name) or None
    new_tags = clean_tags(tags)
    site = clean_url(site_url) or None
    with write_transaction(db):
        existing = _row_by_url(db, url)
        if existing is not None:
            merged = clean_tags([*json.loads(existing["tags"]), *new_tags])
            db.execute(
                "UPDATE feeds SET tags = ?, name = coalesce(name, ?), site_url = coalesce(site_url, ?)"
                " WHERE id = ?",
                [json.dumps(list(merged), ensure_ascii=False), name, site, existing["id"]],
            )
            return get_feed(db, existing["id"]), False
        cursor = db.execute(
            "INSERT INTO feeds (url, name, tags, site_url, added_at) VALUES (?, ?, ?, ?, ?)",
            [url, name, json.dumps(list(new_tags), ensure_ascii=False), site, utcnow()],
        )
        return get_feed(db, cursor.lastrowid), True


def _row_by_url(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM feeds WHERE url = ?", [url]))
    return rows[0] if rows else None


def get_feed(db: sqlite_utils.Database, feed_id: int) -> Subscription:
    rows = list(db.query("SELECT * FROM feeds WHERE id = ?", [feed_id]))
    if not rows:
        raise FeedNotFound(f"no feed {feed_id}")
    return Subscription.from_row(rows[0])


def find_feed(db: sqlite_utils.Database, id_or_url: str) -> Subscription:
    """A subscription by its number or its URL (as ``feeds list`` shows them)."""
    text = id_or_url.strip()
    if text.isascii() and text.isdigit():  # "²" is a digit to isdigit() and no number
        if int(text) > SQLITE_MAX_INTEGER:
            raise FeedNotFound(f"no feed {text}")
        return get_feed(db, int(text))
    row = _row_by_url(db, clean_url(text))
    if row is None:
        raise FeedNotFound(f"no feed {text}")
    return Subscription.from_row(row)


def list_feeds(
    db: sqlite_utils.Database, *, tag: str | None = None, ids: Sequence[int] | None = None
) -> list[Subscription]:
    """Subscriptions in the order they were added (an analyst follows tens, not thousands)."""
    where, params = _filter(tag, ids)
    return [
        Subscription.from_row(row)
        for row in db.query(f"SELECT * FROM feeds {where} ORDER BY id", params)
    ]


def _filter(tag: str | None, ids: Sequence[int] | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if tag is not None:
        clauses.append("EXISTS (SELECT 1 FROM json_each(feeds.tags) WHERE value = ?)")
        params.append(tag)
    if ids is not None:
        clauses.append(f"id IN ({', '.join('?' * len(ids))})" if ids else "0")
        params.extend(ids)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def due_feed_ids(
    db: sqlite_utils.Database,
    now: str,
    *,
    tag: str | None = None,
    ids: Sequence[int] | None = None,
    ignore_schedule: bool = False,
) -> list[int]:
    """The feeds a refresh fetches: not paused, and due unless *ignore_schedule*.

    Naming feeds by id fetches them even when paused: the analyst asked for them.
    A server's Retry-After holds always: it is the server's word, not our schedule.
    """
    where, params = _filter(tag, ids)
    clauses = [where[len("WHERE ") :]] if where else []
    if ids is None:
        clauses.append("paused = 0")
    clauses.append("(retry_after IS NULL OR retry_after <= ?)")
    params.append(now)
    if not ignore_schedule:
        clauses.append("(next_check IS NULL OR next_check <= ?)")
        params.append(now)
    sql = "SELECT id FROM feeds" + (" WHERE " + " AND ".join(clauses) if clauses else "")
    return [row[0] for row in db.execute(sql + " ORDER BY id", params).fetchall()]


def remove_feed(db: sqlite_utils.Database, feed_id: int) -> Subscription:
    """Unsubscribe; the articles the feed brought in stay in the store."""
    feed = get_feed(db, feed_id)
    with write_transaction(db):
        db.execute("DELETE FROM feed_items WHERE feed_id = ?", [feed_id])
        db.execute("DELETE FROM feeds WHERE id = ?", [feed_id])
    return feed


def set_paused(
    db: sqlite_utils.Database, feed_id: int, paused: bool, reason: str | None = None
) -> Subscription:
    """Pause (with the reason lists show) or resume; resuming makes the feed due at once."""
    get_feed(db, feed_id)
    with write_transaction(db):
        if paused:
            db.execute(
                "UPDATE feeds SET paused = 1, paused_reason = ? WHERE id = ?",
                [clean_line(reason) or None, feed_id],
            )
        else:
            db.execute(
                "UPDATE feeds SET paused = 0, paused_reason = NULL, next_check = NULL,"
                " error_count = 0 WHERE id = ?",
                [feed_id],
            )
    return get_feed(db, feed_id)


def update_state(db: sqlite_utils.Database, feed_id: int, **columns: object) -> None:
    """Write fetch-state columns of one feed (the refresh job's one writer)."""
    if not columns:
        return
    assignments = ", ".join(f"{name} = ?" for name in columns)
    with write_transaction(db):
        db.execute(f"UPDATE feeds SET {assignments} WHERE id = ?", [*columns.values(), feed_id])


# --- the entry memory ------------------------------------------------------------------------


def entry_keys(entry: FeedEntry) -> list[str]:
    """How an entry is recognised next time: its guid, its link, a hash of its content.

    Any one matching means "seen": an entry whose text was edited keeps its guid, one
    re-published under a new guid keeps its content, one without a guid keeps its link.
    The link counts only without a guid: some feeds give every entry the same link
    (their home page), and distinct guids then say they are distinct entries.
    """
    keys = []
    if entry.guid:
        keys.append("guid:" + entry.guid.strip())
    elif entry.link:
        keys.append("link:" + entry.link.strip())
    content = "\n".join([entry.title or "", *entry.paragraphs])
    if content.strip():
        keys.append("hash:" + hashlib.sha256(content.encode("utf-8", "replace")).hexdigest())
    return keys


def seen_keys(db: sqlite_utils.Database, feed_id: int, keys: Iterable[str]) -> set[str]:
    """Which of *keys* the feed has shown before (asked in batches: a feed may have 20,000)."""
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        found.update(
            row[0]
            for row in db.execute(
                f"SELECT key FROM feed_items WHERE feed_id = ? AND key IN ({', '.join('?' * len(batch))})",
                [feed_id, *batch],
            )
        )
    return found


def remember_entries(
    db: sqlite_utils.Database, feed_id: int, entries: Iterable[tuple[list[str], int | None]]
) -> int:
    """Record (keys, article id) for entries read from the feed; returns how many were new."""
    now = utcnow()
    added = 0
    with write_transaction(db):
        for keys, article_id in entries:
            for key in keys:
                db.execute(
                    "INSERT OR IGNORE INTO feed_items (feed_id, key, article_id, seen_at)"
                    " VALUES (?, ?, ?, ?)",
                    [feed_id, key, article_id, now],
                )
            added += 1
        db.execute("UPDATE feeds SET items_seen = items_seen + ? WHERE id = ?", [added, feed_id])
    return added
