"""Which story an article belongs to: candidates from the index, a score, a threshold.

An article joins the story whose best-matching member scores highest against it, if
that score clears :data:`THRESHOLD`; otherwise it begins a story of its own. Being
wrong by merging costs more than being wrong by splitting (a wrong merge inflates the
corroboration count), so the threshold is set for precision and a story is refused
outright when it is about other cities than the article (two drone strikes in one
week) or when an analyst split the article away from one of its members.

Candidates come from ``story_keys`` (strong key, day) -> article, read over the days
within :data:`WINDOW_DAYS` of the article: assignment reads index ranges, never the
whole store. ``rebuild`` runs the same scoring over every article in memory.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from article_triage.store.db import utcnow, write_transaction
from article_triage.store.stories.signature import WORD_WEIGHT, Signature, signature

WINDOW_DAYS = 3
"""Stories live within days: a candidate's dates are at most this far from the article's."""
MONTH_SPAN = 31
"""The widest date range an article can have (published gives only a month)."""
THRESHOLD = 0.14
MIN_SHARED_STRONG = 2.0
"""Shared names, numbers or dates, weighted: topic words alone never make one event."""
DAY_PENALTY = 0.08
"""Score lost per day between two articles."""
POSTINGS_PER_KEY = 300
CANDIDATES = 12
KEYS_PER_STATEMENT = 100
"""Keys whose postings one statement reads (SQLite allows 500 parts in a UNION)."""
RETRIEVAL_MAX_SHARE = 0.005
RETRIEVAL_MIN_LIMIT = 500
"""A key in more articles than this (share of the store, but never fewer than the
limit) is too common to find an event by: it still counts in the score, but
candidates come from the rarer keys, which keeps retrieval bounded in a large store."""


def retrieval_limit(articles: int) -> int:
    return max(RETRIEVAL_MIN_LIMIT, int(articles * RETRIEVAL_MAX_SHARE))


@dataclass(frozen=True)
class Match:
    story_id: int | None
    score: float


# --- scoring ---------------------------------------------------------------------------------


def idf(articles_with_key: int, articles: int) -> float:
    """Rarer keys weigh more; a key in every article still weighs a little."""
    return math.log(1.0 + (articles + 1) / (articles_with_key + 1))


def day_gap(a: Signature, b: Signature) -> int:
    if not a.first_day or not b.first_day:
        return 10_000
    return max(0, b.first_day - a.last_day, a.first_day - b.last_day)


def anchors_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """Each side names a known person or city the other does not: Tokayev meeting Xi is
    not Tokayev meeting Putin, a strike on Kharkiv is not one on Odesa. (One account
    naming more than another is detail, not conflict.)"""
    return bool(a - b) and bool(b - a)


def mass(sig: Signature, weight: Callable[[str], float]) -> float:
    """The weighted size of a signature: what a score is divided by."""
    return sum(w * weight(k) for k, w in sig.keys.items())


def pair_score(
    a: Signature,
    b: Signature,
    weight: Callable[[str], float],
    mass_of: Callable[[Signature], float] | None = None,
) -> float:
    """How strongly two articles look like one event (0..1); *weight* is a key's idf.

    *mass_of* may serve signature masses from a cache (rebuild scores each article
    against many others with fixed weights).
    """
    gap = day_gap(a, b)
    if gap > WINDOW_DAYS:
        return 0.0
    if anchors_conflict(a.anchors, b.anchors):
        return 0.0
    small, large = (a.keys, b.keys) if len(a.keys) <= len(b.keys) else (b.keys, a.keys)
    shared = strong = 0.0
    # Only the shared keys are weighed, in the smaller signature's order (the sums stay
    # the same to the last bit whichever way they are found).
    for key in [k for k in small if k in large]:
        w, other = small[key], large[key]
        value = min(w, other) * weight(key)
        shared += value
        if w > WORD_WEIGHT and other > WORD_WEIGHT:
            strong += value
    if strong < MIN_SHARED_STRONG:
        return 0.0
    mass_a = mass_of(a) if mass_of else mass(a, weight)
    mass_b = mass_of(b) if mass_of else mass(b, weight)
    if not mass_a or not mass_b:
        return 0.0
    return shared / math.sqrt(mass_a * mass_b) * (1.0 - DAY_PENALTY * gap)


def best_story(
    sig: Signature,
    candidates: Iterable[tuple[int, Signature, int]],
    story_anchors: Callable[[int], frozenset[str]],
    apart: set[int],
    story_members: Callable[[int], Iterable[int]],
    weight: Callable[[str], float],
    mass_of: Callable[[Signature], float] | None = None,
) -> Match:
    """The best story among (article id, signature, story id) candidates, or Match(None, best).

    A story is scored by its best-matching member, and refused when its people and
    cities conflict with the article's or an analyst split the article from a member.
    """
    by_story: dict[int, float] = {}
    for _article_id, other, story_id in candidates:
        score = pair_score(sig, other, weight, mass_of)
        if score > by_story.get(story_id, 0.0):
            by_story[story_id] = score
    for story_id, score in sorted(by_story.items(), key=lambda item: -item[1]):
        if score < THRESHOLD:
            break
        if anchors_conflict(sig.anchors, story_anchors(story_id)):
            continue
        if apart and apart.intersection(story_members(story_id)):
            continue
        return Match(story_id, score)
    return Match(None, max(by_story.values(), default=0.0))


# --- signatures in the store ------------------------------------------------------------------


def article_signature(db: sqlite_utils.Database, article_id: int) -> Signature | None:
    row = db.execute(
        "SELECT title, text, language, translation_text, published, added_at FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        return None
    return signature(*row)


def stored_signature(row: tuple[int, int, str, str]) -> Signature:
    first, last, keys, anchors = row
    return Signature(json.loads(keys), frozenset(json.loads(anchors)), first, last)


def _forget_signature(db: sqlite_utils.Database, article_id: int) -> None:
    row = db.execute(
        "SELECT keys FROM story_signatures WHERE article_id = ?", [article_id]
    ).fetchone()
    if row is None:
        return
    keys = list(json.loads(row[0]))
    db.conn.executemany(
        "UPDATE story_key_counts SET articles = articles - 1 WHERE key = ?",
        [(k,) for k in [*keys, ""]],
    )
    db.execute("DELETE FROM story_keys WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM story_signatures WHERE article_id = ?", [article_id])


def _count_keys(db: sqlite_utils.Database, added: Iterable[Iterable[str]]) -> None:
    """Add the stored signatures' keys (each a list of one signature's keys) to the key
    counts, with one statement per distinct key."""
    counted = Counter(k for keys in added for k in keys)
    db.conn.executemany(
        "INSERT INTO story_key_counts (key, articles) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET articles = articles + excluded.articles",
        list(counted.items()),
    )


def _store_signature(
    db: sqlite_utils.Database, article_id: int, sig: Signature, weighed: float
) -> None:
    """Store the signature and its strong keys; its key counts are the caller's
    (:func:`_count_keys`, which a batch calls once for all its signatures)."""
    db.execute(
        "INSERT INTO story_signatures (article_id, first_day, last_day, keys, anchors, mass) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            article_id,
            sig.first_day,
            sig.last_day,
            json.dumps(sig.keys, ensure_ascii=False, separators=(",", ":")),
            json.dumps(sorted(sig.anchors)),
            weighed,
        ],
    )
    db.conn.executemany(
        "INSERT OR IGNORE INTO story_keys (key, day, article_id) VALUES (?, ?, ?)",
        [(k, sig.first_day, article_id) for k in sig.strong_keys],
    )


def _counts(
    db: sqlite_utils.Database, keys: Iterable[str], with_total: bool = True
) -> tuple[dict[str, int], int]:
    """How many articles have each key, and how many have a signature (0 unless
    *with_total*: a caller that keeps the total need not read it again)."""
    keys = list(keys)
    counts: dict[str, int] = {}
    for offset in range(0, len(keys), 500):
        chunk = keys[offset : offset + 500]
        counts.update(
            db.execute(
                f"SELECT key, articles FROM story_key_counts WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        )
    if not with_total:
        return counts, 0
    total = db.execute("SELECT articles FROM story_key_counts WHERE key = ''").fetchone()
    return counts, (total[0] if total else 0)


class _Weights(dict[str, float]):
    """Key -> idf, each worked out on first use; looked up by the dict's own (C) method."""

    def __init__(self, counts: dict[str, int], articles: int) -> None:
        super().__init__()
        self.counts = counts
        self.articles = articles

    def __missing__(self, key: str) -> float:
        value = self[key] = idf(self.counts.get(key, 1), self.articles)
        return value


def _weights(counts: dict[str, int], articles: int) -> Callable[[str], float]:
    return _Weights(counts, articles).__getitem__


# --- assignment -------------------------------------------------------------------------------


def _candidates(
    db: sqlite_utils.Database,
    article_id: int,
    sig: Signature,
    counts: dict[str, int],
    weight: Callable[[str], float],
    articles: int,
) -> list[int]:
    """Articles sharing a rare enough strong key within the window, best first."""
    if not sig.first_day:
        return []
    low, high = sig.first_day - WINDOW_DAYS - MONTH_SPAN, sig.last_day + WINDOW_DAYS
    limit = retrieval_limit(articles)
    keys = [key for key in sig.strong_keys if counts.get(key, 0) <= limit]
    hits: dict[int, float] = {}
    # One statement for a run of keys (each key's own index range and limit), read in
    # key order, so each article's hits add up in the same order as key by key.
    for start in range(0, len(keys), KEYS_PER_STATEMENT):
        run = keys[start : start + KEYS_PER_STATEMENT]
        sql = " UNION ALL ".join(
            f"SELECT {i} AS k, article_id FROM (SELECT article_id FROM story_keys "
            "WHERE key = ? AND day BETWEEN ? AND ? ORDER BY day DESC LIMIT ?)"
            for i in range(len(run))
        )
        params = [x for key in run for x in (key, low, high, POSTINGS_PER_KEY)]
        rows = sorted(db.execute(sql, params).fetchall(), key=lambda row: row[0])
        values = [weight(key) for key in run]
        for i, other in rows:
            if other != article_id:
                hits[other] = hits.get(other, 0.0) + values[i]
    return sorted(hits, key=lambda a: (-hits[a], a))[:CANDIDATES]


def apart_from(db: sqlite_utils.Database, article_id: int) -> set[int]:
    """Articles an analyst split this one away from (either way round)."""
    apart: set[int] = set()
    for (raw,) in db.execute(
        "SELECT apart_from FROM story_decisions WHERE action = 'split' AND article_id = ?",
        [article_id],
    ):
        apart.update(json.loads(raw))
    apart.update(
        r[0]
        for r in db.execute(
            "SELECT d.article_id FROM story_decisions d, json_each(d.apart_from) j "
            "WHERE d.action = 'split' AND j.value = ?",
            [article_id],
        )
    )
    return apart


def assign_article(db: sqlite_utils.Database, article_id: int) -> int | None:
    """Put the article in its story (joining one or beginning one); return the story id.

    Recomputes the article's signature first, so calling it again after a
    translation arrives re-reads the article with it. An article an analyst placed
    (by a merge or a split) stays where it was put.
    """
    with write_transaction(db):
        stories = StoryAssigner(db)
        story_id = stories.assign(article_id)
        stories.write_counts()
        return story_id


KEPT_SIGNATURES = 1000
"""Signatures an assigner keeps from batch to batch before it starts afresh: a refresh
of 200 feeds stores 2,000 articles, of 400 feeds 4,000, and its memory must not double
(most of what a batch reads is in the few batches before it)."""


class StoryAssigner:
    """Story assignment for the articles stored in one write transaction, one after another.

    Each assignment reads what the ones before it read again: the document counts of
    keys, the stored signatures of candidate articles (JSON), the people and cities of
    candidate stories, whether any analyst ever split an article. This keeps them, in
    step with what its own assignments write, so an import of many articles reads each
    once. It is valid only while its caller's write transaction lasts (no other
    connection can write meanwhile); :meth:`forget` drops everything when a savepoint
    undid part of what it saw. Assigning through it gives exactly what
    :func:`assign_article` gives one article at a time.

    The key counts of the signatures it stores are written together, by
    :meth:`write_counts`, which the caller calls before its transaction ends: one
    statement per distinct key of the batch instead of one per key of each article
    (the keys repeat across a batch's articles, and the counts were most of a batch's
    statements). Until then they are in what it keeps, which is all its assignments read.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._uncounted: dict[int, list[str]] = {}
        """Article -> keys of the signature stored for it, not yet in story_key_counts."""
        self._data_version: int | None = None
        """PRAGMA data_version when :meth:`begin` last ran (see there)."""
        self._drop_kept()

    def begin(self) -> None:
        """Serve another transaction of the same connection, keeping what it read and
        wrote in the ones before, unless another connection has written since.

        A long import or refresh stores batch after batch: the stored signatures, key
        counts and stories of the batches before are what the next one reads most.
        ``PRAGMA data_version`` changes only when another connection commits, so an
        unchanged value means the store is as this assigner left it (its own commits
        included). Call it first thing in each transaction after the first; if a
        transaction it served did not commit, call :meth:`abandon` instead. Past
        KEPT_SIGNATURES it starts afresh, so a run's memory does not grow with it.
        """
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version or len(self._stored) > KEPT_SIGNATURES:
            self._drop_kept()
            self._data_version = version

    def abandon(self) -> None:
        """The transaction it served was rolled back: nothing it kept holds."""
        self._uncounted.clear()
        self._drop_kept()
        self._data_version = None

    def write_counts(self) -> None:
        """Write the key counts of the signatures stored since the last call."""
        if self._uncounted:
            _count_keys(self.db, self._uncounted.values())
            self._uncounted.clear()

    def forget(self, undone: int | None = None) -> None:
        """Drop what is kept, after writing the key counts it holds back.

        *undone*: the article whose savepoint was rolled back: its signature is gone
        from the store, so its keys are not counted.
        """
        if undone is not None:
            self._uncounted.pop(undone, None)
        self.write_counts()
        self._drop_kept()

    def _drop_kept(self) -> None:
        self._counts: dict[str, int | None] = {}
        """Key -> articles with it; None: no article has it."""
        self._total: int | None = None
        self._stored: dict[int, tuple[Signature, int, float | None]] = {}
        """Article -> (stored signature, story, stored mass) of articles with a story."""
        self._story_anchors: dict[int, frozenset[str]] = {}
        self._story_days: dict[int, tuple[int, int | None, int | None]] = {}
        """Story -> (size, first day, last day) as refresh_story last wrote them."""
        self._any_split: bool | None = None

    def assign(self, article_id: int, inserted: bool = False) -> int | None:
        """Assign one article; the caller holds the write transaction (see the class).

        *inserted*: the caller inserted the article in this transaction, so it has no
        story and no signature yet (the schema deletes both with an article, and
        refuses them before it exists) and neither is looked up.
        """
        db = self.db
        placed = (
            None
            if inserted
            else db.execute(
                "SELECT story_id, placed_by FROM story_members WHERE article_id = ?", [article_id]
            ).fetchone()
        )
        sig = article_signature(db, article_id)
        if sig is None:
            return None
        if not inserted:
            # Re-assigning may take a stored signature's keys off the counts, in SQL.
            self.write_counts()
        had_signature = False if inserted else self._forget_signature(article_id)
        if placed is not None or had_signature:
            self.forget()  # re-assigning a stored article: counts and stories change
        counts, articles = self._key_counts(sig.keys)
        weight = _weights(counts, articles)
        weighed = mass(sig, weight)
        _store_signature(db, article_id, sig, weighed)
        self._uncounted[article_id] = [*sig.keys, ""]
        self._stored_signature(sig)
        if placed is not None and placed[1] != "auto":
            return placed[0]
        if placed is not None:
            db.execute("DELETE FROM story_members WHERE article_id = ?", [article_id])
            refresh_story(db, placed[0])
        match = self._match(article_id, sig, counts, weight, weighed, articles)
        if match.story_id is None:
            story_id = new_story(db)
            db.execute(
                "INSERT INTO story_members (article_id, story_id, score) VALUES (?, ?, NULL)",
                [article_id, story_id],
            )
            self._story_anchors[story_id] = sig.anchors
        else:
            story_id = match.story_id
            db.execute(
                "INSERT INTO story_members (article_id, story_id, score) VALUES (?, ?, ?)",
                [article_id, story_id, round(match.score, 4)],
            )
            if story_id in self._story_anchors:
                self._story_anchors[story_id] |= sig.anchors
        self._stored[article_id] = (sig, story_id, weighed)
        self._joined(story_id, sig, match.story_id is None)
        return story_id

    # --- what the assignments share -----------------------------------------------------------

    def _joined(self, story_id: int, sig: Signature, new: bool) -> None:
        """refresh_story after an article joined: the story's size and days follow from
        what they were, without reading every member again."""
        days = self._story_days.get(story_id)
        if days is None and not new:
            size, first, last = story_days(self.db, story_id)
        else:
            size, first, last = days or (0, None, None)
            size += 1
            if sig.first_day:
                first = sig.first_day if first is None else min(first, sig.first_day)
            if sig.last_day:
                last = sig.last_day if last is None else max(last, sig.last_day)
        self._story_days[story_id] = (size, first, last)
        self.db.execute(
            "UPDATE stories SET size = ?, first_day = ?, last_day = ? WHERE id = ?",
            [size, iso_day(first), iso_day(last), story_id],
        )

    def _forget_signature(self, article_id: int) -> bool:
        """Drop the article's stored signature, if it had one (True then)."""
        row = self.db.execute(
            "SELECT 1 FROM story_signatures WHERE article_id = ?", [article_id]
        ).fetchone()
        if row is not None:
            _forget_signature(self.db, article_id)
        return row is not None

    def _key_counts(self, keys: Iterable[str]) -> tuple[dict[str, int], int]:
        """As :func:`_counts`, from what is kept, asking the store only for keys not seen yet."""
        keys = list(keys)
        missing = [k for k in keys if k not in self._counts]
        if missing:
            found, total = _counts(self.db, missing, with_total=self._total is None)
            for key in missing:
                self._counts[key] = found.get(key)
            if self._total is None:
                self._total = total
        elif self._total is None:
            self._total = _counts(self.db, [])[1]
        counts = {k: c for k in keys if (c := self._counts[k]) is not None}
        return counts, self._total

    def _stored_signature(self, sig: Signature) -> None:
        """Count the keys of a signature just stored, as _store_signature did in the table."""
        for key in sig.keys:
            self._counts[key] = (self._counts.get(key) or 0) + 1
        self._total = (self._total or 0) + 1

    def _candidates(self, ids: list[int]) -> list[tuple[int, Signature, int]]:
        missing = [a for a in ids if a not in self._stored]
        if missing:
            marks = ",".join("?" * len(missing))
            for row in self.db.execute(
                "SELECT s.article_id, s.first_day, s.last_day, s.keys, s.anchors, m.story_id, s.mass "
                "FROM story_signatures s JOIN story_members m ON m.article_id = s.article_id "
                f"WHERE s.article_id IN ({marks})",
                missing,
            ):
                self._stored[row[0]] = (stored_signature(row[1:5]), row[5], row[6])
        # In article order, as the store returns an IN list over its primary key.
        return [(a, *self._stored[a][:2]) for a in sorted(ids) if a in self._stored]

    def _anchors(self, story_id: int) -> frozenset[str]:
        anchors = self._story_anchors.get(story_id)
        if anchors is None:
            anchors = self._story_anchors[story_id] = story_anchors(self.db, story_id)
        return anchors

    def _apart_from(self, article_id: int) -> set[int]:
        if self._any_split is None:
            self._any_split = bool(
                self.db.execute(
                    "SELECT EXISTS (SELECT 1 FROM story_decisions WHERE action = 'split')"
                ).fetchone()[0]
            )
        return apart_from(self.db, article_id) if self._any_split else set()

    def _match(
        self,
        article_id: int,
        sig: Signature,
        counts: dict[str, int],
        weight: Callable[[str], float],
        weighed: float,
        articles: int,
    ) -> Match:
        """The story the article's signature matches best among its candidates (not stored).

        *counts* are the article's keys' document counts, *weight* their idf,
        *weighed* the article's mass. A candidate's
        mass is the one stored with its signature (weighed when it was stored, or at
        the last rebuild), so its other keys need not be counted again.
        """
        ids = _candidates(self.db, article_id, sig, counts, weight, articles)
        if not ids:
            return Match(None, 0.0)
        candidates = self._candidates(ids)
        masses = {id(other): self._stored[a][2] for a, other, _story in candidates}
        masses[id(sig)] = weighed

        def mass_of(other: Signature) -> float:
            stored = masses.get(id(other))
            return stored if stored else mass(other, weight)

        return best_story(
            sig,
            candidates,
            self._anchors,
            self._apart_from(article_id),
            lambda story_id: story_members(self.db, story_id),
            weight,
            mass_of,
        )


def story_anchors(db: sqlite_utils.Database, story_id: int) -> frozenset[str]:
    """The known people and cities the story's members name."""
    return frozenset(
        r[0]
        for r in db.execute(
            "SELECT DISTINCT j.value FROM story_members m "
            "JOIN story_signatures s ON s.article_id = m.article_id, json_each(s.anchors) j "
            "WHERE m.story_id = ?",
            [story_id],
        )
    )


def story_members(db: sqlite_utils.Database, story_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute("SELECT article_id FROM story_members WHERE story_id = ?", [story_id])
    ]


def reassign_if_assigned(db: sqlite_utils.Database, article_id: int) -> int | None:
    """After a translation is stored: re-match an article that already has a story.

    An article that has none yet is left to the post-insert hook (which runs after
    the import's own translation sidecar) or to ``stories rebuild``.
    """
    row = db.execute("SELECT 1 FROM story_members WHERE article_id = ?", [article_id]).fetchone()
    if row is None:
        return None
    return assign_article(db, article_id)


def new_story(db: sqlite_utils.Database) -> int:
    return int(
        db.execute("INSERT INTO stories (size, created_at) VALUES (0, ?)", [utcnow()]).lastrowid
    )


def story_days(db: sqlite_utils.Database, story_id: int) -> tuple[int, int | None, int | None]:
    """The story's size and its members' first and last day (ordinals), from the members."""
    return db.execute(
        "SELECT count(*), min(nullif(s.first_day, 0)), max(nullif(s.last_day, 0)) "
        "FROM story_members m LEFT JOIN story_signatures s ON s.article_id = m.article_id "
        "WHERE m.story_id = ?",
        [story_id],
    ).fetchone()


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Size and first and last day from the members; a story left empty is deleted."""
    size, first, last = story_days(db, story_id)
    if not size:
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
        return
    db.execute(
        "UPDATE stories SET size = ?, first_day = ?, last_day = ? WHERE id = ?",
        [size, iso_day(first), iso_day(last), story_id],
    )


def iso_day(ordinal: int | None) -> str | None:
    return date.fromordinal(ordinal).isoformat() if ordinal else None
