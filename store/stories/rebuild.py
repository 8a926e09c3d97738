"""Recompute every story from scratch, then replay the analysts' merges and splits.

The same scoring as assignment (store.stories.cluster), run in memory over articles
in date order: signatures are computed once, the inverted index is a dict of
per-key day lists, and everything is written back in one transaction at the end,
so the app keeps showing the old stories until the new ones are complete.
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlite_utils

from article_triage.store.db import utcnow, write_transaction
from article_triage.store.stories.cluster import (
    CANDIDATES,
    MONTH_SPAN,
    POSTINGS_PER_KEY,
    WINDOW_DAYS,
    best_story,
    idf,
    iso_day,
    mass,
    retrieval_limit,
)
from article_triage.store.stories.signature import Signature, signature

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): phase is 'reading', 'clustering' or 'writing'."""
READ_BATCH = 2000


@dataclass(frozen=True)
class RebuildReport:
    articles: int
    stories: int
    multi_article_stories: int
    decisions_replayed: int
    seconds: float


def _read(db: sqlite_utils.Database) -> Iterator[tuple[int, Signature]]:
    last = 0
    while True:
        rows = db.execute(
            "SELECT id, title, text, language, translation_text, published, added_at "
            "FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            [last, READ_BATCH],
        ).fetchall()
        if not rows:
            return
        for row in rows:
            yield row[0], signature(*row[1:])
        last = rows[-1][0]


class _Clusters:
    """Stories as they form in memory: members, anchors, and the index of strong keys."""

    def __init__(self, counts: dict[str, int], total: int, apart: dict[int, set[int]]):
        self.counts = counts
        self.total = total
        self.limit = retrieval_limit(total)
        self.apart = apart
        self.story_of: dict[int, int] = {}
        self.score_of: dict[int, float | None] = {}
        self.members: dict[int, list[int]] = {}
        self.anchors: dict[int, set[str]] = {}
        self.postings: dict[str, tuple[list[int], list[int]]] = {}
        self.signatures: dict[int, Signature] = {}
        self.placed_by: dict[int, str] = {}
        self._weights: dict[str, float] = {}
        self._masses: dict[int, float] = {}
        self._next = 1

    def weight(self, key: str) -> float:
        value = self._weights.get(key)
        if value is None:
            value = self._weights[key] = idf(self.counts.get(key, 1), self.total)
        return value

    def mass_of(self, sig: Signature) -> float:
        value = self._masses.get(id(sig))
        if value is None:
            value = self._masses[id(sig)] = mass(sig, self.weight)
        return value

    def add(self, article_id: int, sig: Signature) -> None:
        self.signatures[article_id] = sig
        story_id, score = None, None
        if sig.first_day:
            match = best_story(
                sig,
                self._candidates(article_id, sig),
                lambda s: frozenset(self.anchors[s]),
                self.apart.get(article_id, set()),
                lambda s: self.members[s],
                self.weight,
                self.mass_of,
            )
            story_id, score = match.story_id, match.score
        if story_id is None:
            story_id, score = self._next, None
            self._next += 1
            self.members[story_id] = []
            self.anchors[story_id] = set()
        self.place(article_id, story_id, score)
        for key in sig.strong_keys:
            days, ids = self.postings.setdefault(key, ([], []))
            at = bisect.bisect_right(days, sig.first_day)
            days.insert(at, sig.first_day)
            ids.insert(at, article_id)

    def place(self, article_id: int, story_id: int, score: float | None) -> None:
        self.story_of[article_id] = story_id
        self.score_of[article_id] = score
        self.members[story_id].append(article_id)
        self.anchors[story_id].update(self.signatures[article_id].anchors)

    def _candidates(self, article_id: int, sig: Signature) -> list[tuple[int, Signature, int]]:
        low, high = sig.first_day - WINDOW_DAYS - MONTH_SPAN, sig.last_day + WINDOW_DAYS
        hits: dict[int, float] = {}
        for key in sig.strong_keys:
            posting = self.postings.get(key)
            if posting is None or self.counts.get(key, 0) > self.limit:
                continue
            value = self.weight(key)
            days, ids = posting
            start = bisect.bisect_left(days, low)
            end = bisect.bisect_right(days, high)
            for other in ids[max(start, end - POSTINGS_PER_KEY) : end]:
                hits[other] = hits.get(other, 0.0) + value
        best = sorted(hits, key=lambda a: (-hits[a], a))[:CANDIDATES]
        return [(a, self.signatures[a], self.story_of[a]) for a in best]

    def move(self, article_id: int, story_id: int, placed_by: str) -> None:
        old = self.story_of[article_id]
        if old == story_id:
            return
        self.members[old].remove(article_id)
        if not self.members[old]:
            del self.members[old]
            del self.anchors[old]
        else:
            self.anchors[old] = set().union(
                *(self.signatures[a].anchors for a in self.members[old])
            )
        self.place(article_id, story_id, None)
        self.placed_by[article_id] = placed_by

    def new_story(self) -> int:
        story_id = self._next
        self._next += 1
        self.members[story_id] = []
        self.anchors[story_id] = set()
        return story_id


def _apart_pairs(db: sqlite_utils.Database) -> dict[int, set[int]]:
    apart: dict[int, set[int]] = {}
    for article_id, raw in db.execute(
        "SELECT article_id, apart_from FROM story_decisions WHERE action = 'split'"
    ):
        for other in json.loads(raw):
            apart.setdefault(article_id, set()).add(other)
            apart.setdefault(other, set()).add(article_id)
    return apart


def _replay(db: sqlite_utils.Database, clusters: _Clusters) -> int:
    """Apply the analysts' merges and splits, oldest first, to the fresh clusters."""
    replayed = 0
    for action, article_id, other in db.execute(
        "SELECT action, article_id, other_article_id FROM story_decisions ORDER BY id"
    ).fetchall():
        if article_id not in clusters.story_of:
            continue
        if action == "merge" and other in clusters.story_of:
            target, source = clusters.story_of[article_id], clusters.story_of[other]
            if target != source:
                for member in list(clusters.members[source]):
                    clusters.move(member, target, "merge")
            replayed += 1
        elif action == "split":
            if len(clusters.members[clusters.story_of[article_id]]) > 1:
                clusters.move(article_id, clusters.new_story(), "split")
            clusters.placed_by[article_id] = "split"
            replayed += 1
    return replayed


def rebuild_stories(db: sqlite_utils.Database, progress: Progress | None = None) -> RebuildReport:
    """Recompute signatures, the key index and every story; replay merges and splits."""
    started = time.perf_counter()
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    signatures: list[tuple[int, Signature]] = []
    counts: dict[str, int] = {}
    for article_id, sig in _read(db):
        signatures.append((article_id, sig))
        for key in sig.keys:
            counts[key] = counts.get(key, 0) + 1
        if progress and len(signatures) % 1000 == 0:
            progress("reading", len(signatures), total)
    if progress:
        progress("reading", len(signatures), len(signatures))
    clusters = _Clusters(counts, len(signatures), _apart_pairs(db))
    ordered = sorted(signatures, key=lambda item: (item[1].first_day, item[0]))
    for done, (article_id, sig) in enumerate(ordered, 1):
        clusters.add(article_id, sig)
        if progress and done % 1000 == 0:
            progress("clustering", done, len(ordered))
    if progress:
        progress("clustering", len(ordered), len(ordered))
    replayed = _replay(db, clusters)
    _write(db, signatures, counts, clusters, progress)
    multi = sum(1 for m in clusters.members.values() if len(m) > 1)
    return RebuildReport(
        len(signatures), len(clusters.members), multi, replayed, time.perf_counter() - started
    )


def _write(
    db: sqlite_utils.Database,
    signatures: list[tuple[int, Signature]],
    counts: dict[str, int],
    clusters: _Clusters,
    progress: Progress | None,
) -> None:
    now = utcnow()
    with write_transaction(db):
        for table in ("story_members", "stories", "story_keys", "story_signatures"):
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM story_key_counts")
        db.conn.executemany(
            "INSERT INTO story_signatures (article_id, first_day, last_day, keys, anchors, mass) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    a,
                    s.first_day,
                    s.last_day,
                    json.dumps(s.keys, ensure_ascii=False, separators=(",", ":")),
                    json.dumps(sorted(s.anchors)),
                    clusters.mass_of(s),
                )
                for a, s in signatures
            ),
        )
        db.conn.executemany(
            "INSERT INTO story_key_counts (key, articles) VALUES (?, ?)",
            [*counts.items(), ("", len(signatures))],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO story_keys (key, day, article_id) VALUES (?, ?, ?)",
            ((k, s.first_day, a) for a, s in signatures for k in s.strong_keys),
        )
        if progress:
            progress("writing", 1, 2)
        rows = []
        for story_id, members in clusters.members.items():
            days = [clusters.signatures[a] for a in members]
            firsts = [s.first_day for s in days if s.first_day]
            lasts = [s.last_day for s in days if s.last_day]
            rows.append(
                (
                    story_id,
                    iso_day(min(firsts)) if firsts else None,
                    iso_day(max(lasts)) if lasts else None,
                    len(members),
                    now,
                )
            )
        db.conn.executemany(
            "INSERT INTO stories (id, first_day, last_day, size, created_at) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        db.conn.executemany(
            "INSERT INTO story_members (article_id, story_id, score, placed_by) VALUES (?, ?, ?, ?)",
            (
                (
                    a,
                    s,
                    round(clusters.score_of[a], 4) if clusters.score_of[a] is not None else None,
                    clusters.placed_by.get(a, "auto"),
                )
                for a, s in clusters.story_of.items()
            ),
        )
        if progress:
            progress("writing", 2, 2)
