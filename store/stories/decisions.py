"""The analyst's word on stories: merge two, split an article out of one.

Each decision is kept in ``story_decisions`` in terms of articles (story ids change
when stories are rebuilt) and written to the event log as its own group, so the
audit export says who merged or split what and when. A rebuild replays them in
order (store.stories.rebuild); assignment respects splits.
"""

from __future__ import annotations

import json

import sqlite_utils

from article_triage.store.db import utcnow, write_transaction
from article_triage.store.stories.cluster import new_story, refresh_story
from article_triage.store.triage import new_group_id, record_event

MERGE_EVENT = "story-merge"
SPLIT_EVENT = "story-split"


class StoryError(ValueError):
    """A merge or split that cannot be done; the message says why in one line."""


def _members(db: sqlite_utils.Database, story_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "SELECT article_id FROM story_members WHERE story_id = ? ORDER BY article_id",
            [story_id],
        )
    ]


def merge_stories(db: sqlite_utils.Database, keep: int, other: int, analyst: str) -> int:
    """Move every article of story *other* into story *keep*; return *keep*."""
    if keep == other:
        raise StoryError(f"story {keep} cannot be merged with itself")
    with write_transaction(db):
        kept, moved = _members(db, keep), _members(db, other)
        for story_id, members in ((keep, kept), (other, moved)):
            if not members:
                raise StoryError(f"no story {story_id}")
        db.execute(
            "UPDATE story_members SET story_id = ?, placed_by = 'merge' WHERE story_id = ?",
            [keep, other],
        )
        db.execute("UPDATE story_members SET placed_by = 'merge' WHERE story_id = ?", [keep])
        refresh_story(db, other)
        refresh_story(db, keep)
        db.execute(
            "INSERT INTO story_decisions (at, analyst, action, article_id, other_article_id) "
            "VALUES (?, ?, 'merge', ?, ?)",
            [utcnow(), analyst, kept[0], moved[0]],
        )
        record_event(
            db,
            group_id=new_group_id(db),
            analyst=analyst,
            action=MERGE_EVENT,
            field_name="story",
            value={"story": keep, "merged": other, "articles": kept + moved},
            article_id=kept[0],
        )
    return keep


def split_article(db: sqlite_utils.Database, article_id: int, analyst: str) -> int:
    """Take the article out of its story into one of its own; return the new story id."""
    with write_transaction(db):
        row = db.execute(
            "SELECT story_id FROM story_members WHERE article_id = ?", [article_id]
        ).fetchone()
        if row is None:
            raise StoryError(f"article {article_id} is in no story (run `triage stories rebuild`)")
        old = row[0]
        others = [a for a in _members(db, old) if a != article_id]
        if not others:
            raise StoryError(f"article {article_id} is alone in story {old} already")
        story_id = new_story(db)
        db.execute(
            "UPDATE story_members SET story_id = ?, placed_by = 'split', score = NULL "
            "WHERE article_id = ?",
            [story_id, article_id],
        )
        refresh_story(db, old)
        refresh_story(db, story_id)
        db.execute(
            "INSERT INTO story_decisions (at, analyst, action, article_id, apart_from) "
            "VALUES (?, ?, 'split', ?, ?)",
            [utcnow(), analyst, article_id, json.dumps(others)],
        )
        record_event(
            db,
            group_id=new_group_id(db),
            analyst=analyst,
            action=SPLIT_EVENT,
            field_name="story",
            value={"from": old, "story": story_id, "apart_from": others},
            article_id=article_id,
        )
    return story_id
