"""Pilot test of the story line and screen: what the analyst sees, and the store afterwards."""

from __future__ import annotations

import pytest
from app_support import SIZE, make_app, notifications, rendered_text, settle

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


async def _go_to(app, pilot, article_id: int) -> None:
    for key in ("home", *["j"] * 12):
        if app.triage.view is not None and app.triage.view.id == article_id:
            return
        await pilot.press(key)
        await settle(app, pilot)
    raise AssertionError(f"article {article_id} not reached")


async def test_M_marks_a_story_and_M_on_another_merges_it_in_once_confirmed(sample_store):
    from article_triage.store.stories import split_article

    db_path, ids = sample_store
    russian = ids["101_ru_kazakhstan_arms_export_moratorium.txt"]
    kazakh = ids["102_kk_kazakhstan_arms_export_moratorium.txt"]
    db = open_db(db_path)
    split_article(db, kazakh, "someone")  # the clusterer's miss, as the analyst finds it
    apart, story = story_of(db, kazakh), story_of(db, russian)
    first_kept = min(story_ids(db, story))
    db.close()
    assert apart != story
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await _go_to(app, pilot, russian)
        await pilot.press("M")  # mark the Russian article's story...
        await pilot.press("M")  # ...and M again on it clears the mark
        await settle(app, pilot)
        assert app.triage.story_merge.mark is None
        await pilot.press("M")
        await _go_to(app, pilot, kazakh)
        await pilot.press("M")
        await settle(app, pilot)
        assert f"Merge the story of #{kazakh}" in rendered_text(
            app.screen.query_one("#confirm-question").content
        )
        await pilot.press("n")  # declined: nothing changes
        await settle(app, pilot)
        db = open_db(db_path)
        assert story_of(db, kazakh) == apart
        db.close()

        await pilot.press("M")
        await settle(app, pilot)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await settle(app, pilot)
        db = open_db(db_path)
        assert story_of(db, kazakh) == story_of(db, russian) == story
        assert db.execute("SELECT count(*) FROM story_members WHERE story_id = ?",
                          [apart]).fetchone() == (0,)  # fmt: skip
        assert db.execute(
            "SELECT analyst, action, article_id, other_article_id FROM story_decisions "
            "WHERE action = 'merge'"
        ).fetchall() == [("tester", "merge", first_kept, kazakh)]
        assert db.execute("SELECT analyst FROM events WHERE action = 'story-merge'").fetchall() == [
            ("tester",)
        ]
        db.close()
        assert app.triage.view.id == kazakh  # the analyst stays on the article shown
        assert "Same event: 6 articles" in rendered_text(app.triage.triage_bar.content)
        assert notifications(app)[-1] == (
            f"Story {apart} merged into story {story}. Same event: 6 articles, 6 languages"
        )
        assert app.triage.story_merge.mark is None


def story_ids(db, story: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT article_id FROM story_members WHERE story_id = ?",
                                     [story])]  # fmt: skip
