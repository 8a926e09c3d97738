"""Stored translations: one row per paragraph, aligned one to one with the original.

This module only stores and reads; producing translations (providers, retries,
packing, the cache) is store.translate. Hand corrections are stored with the
provider ``analyst`` and are never overwritten by a machine run; each one is an
event in the log (action ``correct``, field ``translation``), so it appears in the
audit and the analyst's undo takes it back like a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from article_triage.store.db import utcnow, write_transaction
from article_triage.store.text import normalise_paragraph
from article_triage.store.triage import new_group_id, record_event

ANALYST_PROVIDER = "analyst"
CORRECTION_FIELD = "translation"
"""The event field of a paragraph correction; its old and new are :func:`paragraph_state` dicts."""


@dataclass(frozen=True)
class TranslatedParagraph:
    index: int
    text: str
    provider: str
    translated_at: str


class AlignmentError(ValueError):
    """A translation whose paragraph count does not match the original's."""


def save_translation(
    db: sqlite_utils.Database,
    article_id: int,
    target_lang: str,
    provider: str,
    paragraphs: list[str | None],
    source_lang: str | None = None,
) -> int:
    """Store a translation aligned with the article's paragraphs; return rows written.

    ``paragraphs[i]`` translates paragraph *i*; ``None`` leaves that paragraph
    untranslated (a partial run keeps what it got). Paragraphs an analyst
    corrected by hand are kept as they are.
    """
    expected = db.execute(
        "SELECT paragraph_count FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    if expected is None:
        raise KeyError(f"no article {article_id}")
    if len(paragraphs) != expected[0]:
        raise AlignmentError(
            f"article {article_id} has {expected[0]} paragraphs, translation has {len(paragraphs)}"
        )
    now = utcnow()
    written = 0
    with write_transaction(db):
        corrected = {
            r[0]
            for r in db.execute(
                "SELECT paragraph_index FROM translations WHERE article_id = ? AND target_lang = ? AND provider = ?",
                [article_id, target_lang, ANALYST_PROVIDER],
            )
        }
        for index, text in enumerate(paragraphs):
            if text is None or (index in corrected and provider != ANALYST_PROVIDER):
                continue
            db.execute(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    article_id,
                    target_lang,
                    index,
                    normalise_paragraph(text),
                    source_lang,
                    provider,
                    now,
                ],
            )
            written += 1
        _refresh_search_text(db, article_id)
        if written:
            _restory(db, article_id)
    return written


def correct_paragraph(
    db: sqlite_utils.Database,
    article_id: int,
    target_lang: str,
    index: int,
    text: str,
    *,
    analyst: str,
) -> int | None:
    """An analyst's own translation of one paragraph; kept over any later machine run.

    Logged as one undoable step of *analyst*'s; returns its event group (None when
    the paragraph already read so).
    """
    with write_transaction(db):
        count = db.execute(
            "SELECT paragraph_count FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if count is None or not 0 <= index < count[0]:
            raise IndexError(f"article {article_id} has no paragraph {index}")
        before = paragraph_state(db, article_id, target_lang, index)
        after = {
            **before,
            "text": normalise_paragraph(text),
            "provider": ANALYST_PROVIDER,
            "translated_at": utcnow(),
            "source_lang": before["source_lang"] or _source_lang(db, article_id, target_lang),
        }
        if (before["text"], before["provider"]) == (after["text"], after["provider"]):
            return None
        put_paragraph(db, article_id, after)
        group_id = new_group_id(db)
        record_event(
            db,
            group_id=group_id,
            analyst=analyst,
            action="correct",
            field_name=CORRECTION_FIELD,
            old=before,
            value=after,
            article_id=article_id,
        )
    return group_id


def paragraph_state(
    db: sqlite_utils.Database, article_id: int, target_lang: str, index: int
) -> dict[str, Any]:
    """One stored paragraph as the event log keeps it (``text`` None: no row)."""
    row = db.execute(
        "SELECT text, provider, translated_at, source_lang FROM translations "
        "WHERE article_id = ? AND target_lang = ? AND paragraph_index = ?",
        [article_id, target_lang, index],
    ).fetchone()
    text, provider, at, source = row if row is not None else (None, None, None, None)
    return {
        "target_lang": target_lang,
        "index": index,
        "text": text,
        "provider": provider,
        "translated_at": at,
        "source_lang": source,
    }


def put_paragraph(db: sqlite_utils.Database, article_id: int, state: dict[str, Any]) -> None:
    """Make one paragraph read as *state* (a :func:`paragraph_state`); caller holds the transaction."""
    key = [article_id, state["target_lang"], state["index"]]
    if state["text"] is None:
        db.execute(
            "DELETE FROM translations WHERE article_id = ? AND target_lang = ? "
            "AND paragraph_index = ?",
            key,
        )
    else:
        db.execute(
            "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?, ?)",
            [*key, state["text"], state["source_lang"], state["provider"], state["translated_at"]],
        )
    _refresh_search_text(db, article_id)
    _restory(db, article_id)


def _source_lang(db: sqlite_utils.Database, article_id: int, target_lang: str) -> str | None:
    row = db.execute(
        "SELECT source_lang FROM translations WHERE article_id = ? AND target_lang = ? LIMIT 1",
        [article_id, target_lang],
    ).fetchone()
    return row[0] if row else None


def get_translation(
    db: sqlite_utils.Database, article_id: int, target_lang: str
) -> list[TranslatedParagraph | None]:
    """The translation aligned with the article: entry *i* is paragraph *i*'s, or None if missing."""
    count = db.execute("SELECT paragraph_count FROM articles WHERE id = ?", [article_id]).fetchone()
    if count is None:
        return []
    aligned: list[TranslatedParagraph | None] = [None] * count[0]
    for index, text, provider, at in db.execute(
        "SELECT paragraph_index, text, provider, translated_at FROM translations "
        "WHERE article_id = ? AND target_lang = ? ORDER BY paragraph_index",
        [article_id, target_lang],
    ):
        if index < len(aligned):
            aligned[index] = TranslatedParagraph(index, text, provider, at)
    return aligned


def translation_targets(db: sqlite_utils.Database, article_id: int) -> list[str]:
    """Languages this article has (some) translation into."""
    return [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT target_lang FROM translations WHERE article_id = ? ORDER BY 1",
            [article_id],
        )
    ]


def _restory(db: sqlite_utils.Database, article_id: int) -> None:
    # The translation is new evidence for which story the article belongs to.
    from article_triage.store.stories import reassign_if_assigned

    reassign_if_assigned(db, article_id)


def _refresh_search_text(db: sqlite_utils.Database, article_id: int) -> None:
    # articles.translation_text feeds the FTS index through its triggers.
    db.execute(
        "UPDATE articles SET translation_text = (SELECT group_concat(text, char(10) || char(10)) FROM "
        "(SELECT text FROM translations WHERE article_id = ? ORDER BY target_lang, paragraph_index)) WHERE id = ?",
        [article_id, article_id],
    )
