"""Pilot test of the story line and screen: what the analyst sees, and the store afterwards."""

from __future__ import annotations

import pytest
from app_support import SIZE, make_app, rendered_text, settle

from article_triage.store.db import open_db
from article_triage.store.ingest import ImportOptions, import_sources
from article_triage.store.stories import story_of
from article_triage.tui.screens.story import StoryScreen


@pytest.fixture
def sample_store(db_path, samples):
    db = open_db(db_path)
    import_sources(db, [str(samples)], ImportOptions(workers=1))
    ids = {
        source.rsplit("/", 1)[-1]: article_id
        for article_id, source in db.execute("SELECT id, source FROM articles")
    }
    db.close()
    return db_path, ids


async def test_story_line_screen_split_and_open(sample_store):
    db_path, ids = sample_store
    russian = ids["101_ru_kazakhstan_arms_export_moratorium.txt"]
    kazakh = ids["102_kk_kazakhstan_arms_export_moratorium.txt"]
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(12):
            if app.triage.view is not None and app.triage.view.id == russian:
                break
            await pilot.press("j")
            await settle(app, pilot)
        bar = rendered_text(app.triage.triage_bar.content)
        assert "Same event: 6 articles, 6 languages" in bar
        assert "echoing TASS" in bar
        assert "independent sources report this event" in bar  # the credibility hint

        await pilot.press("O")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StoryScreen)
        table = screen.query_one("#story-table")
        assert table.row_count == 6
        assert screen.selected_id == russian
        summary = rendered_text(screen.query_one("#story-summary").content)
        assert "Independent sources:" in summary

        # x splits the highlighted article out of the story, and the store says so.
        await pilot.press("down")
        assert screen.selected_id == kazakh
        await pilot.press("x")
        await settle(app, pilot)
        assert table.row_count == 5
        db = open_db(db_path)
        story = story_of(db, russian)
        assert story_of(db, kazakh) != story
        assert db.execute(
            "SELECT analyst, article_id FROM events WHERE action = 'story-split'"
        ).fetchall() == [("tester", kazakh)]
        db.close()

        # Enter opens the highlighted article, with the queue filtered to the story.
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, StoryScreen)
        assert app.triage.filter.story == story
        assert app.triage.queue.total == 5
        assert app.triage.view is not None and app.triage.view.id in ids.values()
        db = open_db(db_path)
        assert story_of(db, app.triage.view.id) == story
        db.close()
