"""The app keeps the analyst's work and its own life in odd moments."""

from __future__ import annotations

from app_support import SIZE, make_app, notifications, settle

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.translations import save_translation
from article_triage.store.triage import get_decision
from article_triage.tui.screens.notes_editor import NotesEditor


def _two_articles(db_path, *, language="uk", provider="google"):
    db = open_db(db_path)
    first = insert_article(db, ["Перший абзац.", "Другий абзац."], title="one", language=language)
    second = insert_article(db, ["Third paragraph."], title="two", language="en")
    save_translation(db, first, "en", provider, ["First paragraph.", "Second paragraph."])
    db.close()
    return first, second


async def test_markup_in_language_and_provider_is_shown_as_text(db_path):
    first, _ = _two_articles(db_path, language="[/]", provider="[bold red]x")
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view is not None and app.triage.view.id == first
        assert app.is_running


async def test_ctrl_q_in_the_notes_editor_discards_the_note_and_keeps_the_app(db_path):
    first, _ = _two_articles(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NotesEditor)
        await pilot.press("a", "b", "c", "ctrl+q")
        await settle(app, pilot)
        assert app.is_running
        assert not isinstance(app.screen, NotesEditor)
    db = open_db(db_path)
    assert get_decision(db, first, "tester").notes == ""


async def test_a_note_is_saved_on_the_article_it_was_opened_on(db_path):
    first, second = _two_articles(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("o", "k")
        # The reader moves on while the editor is open (as when a "done" worker finishes late).
        app.triage.queue.move_cursor(1)
        await settle(app, pilot)
        assert app.triage.view.id == second
        await pilot.press("escape")
        await settle(app, pilot)
    db = open_db(db_path)
    assert get_decision(db, first, "tester").notes == "ok"
    assert get_decision(db, second, "tester").notes == ""


async def test_stdin_is_refused_in_the_import_dialog(db_path):
    _two_articles(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("I")
        await pilot.pause()
        dialog = app.screen
        sources = dialog.query_one("#import-sources")
        sources.value = "-"
        sources.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        assert any("standard input is not available" in m for m in notifications(app))


async def test_analyst_corrects_a_translated_paragraph_in_the_app(db_path):
    first, _ = _two_articles(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("C")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#correct-index").value = "2"
        await pilot.pause()
        area = dialog.query_one("#correct-text")
        assert area.text == "Second paragraph."
        area.text = "The second paragraph, as it should read."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.triage.view.translation[1].provider == "analyst"
    db = open_db(db_path)
    rows = db.execute(
        "SELECT paragraph_index, text, provider FROM translations WHERE article_id = ? ORDER BY 1",
        [first],
    ).fetchall()
    assert rows == [
        (0, "First paragraph.", "google"),
        (1, "The second paragraph, as it should read.", "analyst"),
    ]
    # A later machine run keeps the correction.
    save_translation(db, first, "en", "google", ["First, again.", "Second, again."])
    assert (
        db.execute(
            "SELECT text FROM translations WHERE article_id = ? AND paragraph_index = 1", [first]
        ).fetchone()[0]
        == "The second paragraph, as it should read."
    )
