"""Reading stories: the paged list, one story with its articles, an article's story line."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from article_triage.store.stories.corroboration import (
    Corroboration,
    OutletRef,
    SourcedArticle,
    corroborate,
)
from article_triage.store.taxonomy import format_grade
from article_triage.store.text import strip_control


@dataclass(frozen=True)
class StorySummary:
    id: int
    size: int
    languages: tuple[str, ...]
    outlets: tuple[str, ...]
    first_day: str | None
    last_day: str | None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "size": self.size,
            "languages": list(self.languages),
            "outlets": list(self.outlets),
            "first_day": self.first_day,
            "last_day": self.last_day,
        }


@dataclass(frozen=True)
class StoryArticle:
    """One line of the story screen: enough to compare framing side by side."""

    id: int
    title: str
    language: str
    published: str
    outlet: str
    outlet_category: str | None
    stance: str | None
    grade: str
    cites: tuple[str, ...]
    score: float | None
    placed_by: str


@dataclass(frozen=True)
class StoryDetail:
    summary: StorySummary
    articles: tuple[StoryArticle, ...]
    corroboration: Corroboration

    def line(self) -> str:
        """'Same event: 6 articles, 4 languages — independent: ...; echoing RIA Novosti: ...'."""
        s = self.summary
        head = (
            f"Same event: {s.size} article{'s' if s.size != 1 else ''}, "
            f"{len(s.languages)} language{'s' if len(s.languages) != 1 else ''}"
        )
        detail = self.corroboration.describe()
        return f"{head} — {detail}" if detail else head


_SUMMARY_SELECT = """
    SELECT s.id, s.size, s.first_day, s.last_day,
        (SELECT group_concat(language, ' ') FROM (SELECT DISTINCT a.language FROM story_members m
            JOIN articles a ON a.id = m.article_id WHERE m.story_id = s.id ORDER BY 1)),
        (SELECT json_group_array(name) FROM (SELECT DISTINCT coalesce(o.name, c.outlet_key) AS name
            FROM story_members m JOIN citations c ON c.article_id = m.article_id AND c.role = 'publisher'
            LEFT JOIN outlets o ON o.key = c.outlet_key WHERE m.story_id = s.id ORDER BY 1))
    FROM stories s
"""


def _summary(row: tuple) -> StorySummary:
    story_id, size, first, last, languages, outlets = row
    return StorySummary(
        story_id,
        size,
        tuple((languages or "").split()),
        tuple(strip_control(o) for o in json.loads(outlets or "[]")),
        first,
        last,
    )


def list_stories(
    db: sqlite_utils.Database, *, min_size: int = 2, limit: int = 50, offset: int = 0
) -> list[StorySummary]:
    """Stories of at least *min_size* articles, latest first (a page of them)."""
    rows = db.execute(
        f"{_SUMMARY_SELECT} WHERE s.size >= ? ORDER BY s.last_day DESC, s.size DESC, s.id "
        "LIMIT ? OFFSET ?",
        [min_size, limit, offset],
    ).fetchall()
    return [_summary(r) for r in rows]


def count_stories(db: sqlite_utils.Database, *, min_size: int = 2) -> int:
    return db.execute("SELECT count(*) FROM stories WHERE size >= ?", [min_size]).fetchone()[0]


def unassigned_count(db: sqlite_utils.Database) -> int:
    """Articles in no story yet (imported before stories existed, or bulk-loaded)."""
    return db.execute(
        "SELECT (SELECT count(*) FROM articles) - (SELECT count(*) FROM story_members)"
    ).fetchone()[0]


def story_of(db: sqlite_utils.Database, article_id: int) -> int | None:
    row = db.execute(
        "SELECT story_id FROM story_members WHERE article_id = ?", [article_id]
    ).fetchone()
    return row[0] if row else None


def _outlet_refs(db: sqlite_utils.Database) -> dict[str, OutletRef]:
    """Every outlet with its group (parent) from the registry, over the outlets table."""
    from article_triage.store.outlets import RegistryError, builtin_outlets, load_registry

    refs = {
        key: OutletRef(key, strip_control(name or key), category)
        for key, name, category in db.execute("SELECT key, name, category FROM outlets")
    }
    try:
        registry = list(load_registry())
    except RegistryError:  # a broken user file: groups from the built-in data only
        registry = list(builtin_outlets().values())
    for outlet in registry:
        ref = refs.get(outlet.key)
        refs[outlet.key] = OutletRef(
            outlet.key,
            ref.name if ref else outlet.name,
            ref.category if ref else outlet.category,
            outlet.parent,
        )
    return refs


def story_detail(
    db: sqlite_utils.Database, story_id: int, analyst: str | None = None
) -> StoryDetail | None:
    """The story with its articles (oldest first) and who really confirms it."""
    row = db.execute(f"{_SUMMARY_SELECT} WHERE s.id = ?", [story_id]).fetchone()
    if row is None:
        return None
    summary = _summary(row)
    refs = _outlet_refs(db)
    rows = db.execute(
        "SELECT a.id, coalesce(a.title, ''), a.language, coalesce(a.published, ''), "
        "coalesce(a.hostname, a.sitename, ''), m.score, m.placed_by, d.stance, d.reliability, "
        "d.credibility FROM story_members m JOIN articles a ON a.id = m.article_id "
        "LEFT JOIN decisions d ON d.article_id = a.id AND d.analyst = ? "
        "WHERE m.story_id = ? ORDER BY coalesce(a.published, a.added_at), a.id",
        [analyst or "", story_id],
    ).fetchall()
    ids = [r[0] for r in rows]
    citations: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    if ids:
        for article_id, key, role in db.execute(
            f"SELECT article_id, outlet_key, role FROM citations WHERE article_id IN "
            f"({','.join('?' * len(ids))}) AND role IN ('publisher', 'attributed') ORDER BY id",
            ids,
        ):
            citations[article_id].append((key, role))
    articles, sourced = [], []
    for article_id, title, language, published, host, score, placed_by, stance, rel, cred in rows:
        publisher = next(
            (refs.get(k) or OutletRef(k, k) for k, r in citations[article_id] if r == "publisher"),
            None,
        )
        attributed = tuple(
            dict.fromkeys(
                refs.get(k) or OutletRef(k, k)
                for k, r in citations[article_id]
                if r == "attributed"
            )
        )
        sourced.append(
            SourcedArticle(article_id, language, publisher, attributed, strip_control(host))
        )
        articles.append(
            StoryArticle(
                article_id,
                strip_control(title),
                language,
                published,
                publisher.name if publisher else strip_control(host),
                publisher.category if publisher else None,
                stance,
                format_grade(rel, cred),
                tuple(o.name for o in attributed),
                score,
                placed_by,
            )
        )
    return StoryDetail(summary, tuple(articles), corroborate(sourced, refs))
