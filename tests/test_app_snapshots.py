"""SVG snapshots of the main screen, the reader, the notes editor, the help screen, and the app
at 80x24 and 200x50.

Regenerate (after checking the change is intended) with
``pytest tests/test_app_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from app_support import SIZE, seed_store, settle

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.settings import Settings
from article_triage.store.translations import save_translation
from article_triage.tui.app import TriageApp


def snapshot_app(db_path) -> TriageApp:
    seed_store(db_path)
    return TriageApp(db_path, "tester", Settings())


def keys_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        if keys:
            await pilot.press(*keys)
        await settle(pilot.app, pilot)

    return run_before


def test_main_screen_with_translated_article(snap_compare, db_path):
    assert snap_compare(snapshot_app(db_path), terminal_size=SIZE, run_before=keys_then_settle())


def test_reader_with_citation_suggestion_and_missing_translation(snap_compare, db_path):
    assert snap_compare(
        snapshot_app(db_path), terminal_size=SIZE, run_before=keys_then_settle("j", "2", "g", "c")
    )


def test_notes_editor(snap_compare, db_path):
    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("n", *"d2")
        pilot.app.screen.query_one("#notes-text").insert("\nCites RIA; check the MoD denial.")
        await settle(pilot.app, pilot)

    assert snap_compare(snapshot_app(db_path), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, db_path):
    assert snap_compare(
        snapshot_app(db_path), terminal_size=SIZE, run_before=keys_then_settle("question_mark")
    )


def test_right_to_left_article(snap_compare, db_path):
    assert snap_compare(
        snapshot_app(db_path), terminal_size=(100, 20), run_before=keys_then_settle("end", "v")
    )


# --- any size: the default terminal and a large one -----------------------------------------


def long_article_app(db_path) -> TriageApp:
    """The seed store plus a 300-paragraph article whose two sides wrap differently."""
    seed_store(db_path)
    db = open_db(db_path)
    article_id = insert_article(
        db,
        [f"Абзац {i + 1}: " + "слово " * (i % 17) for i in range(300)],
        title="Довга стаття про експорт зброї, яка має дуже довгий заголовок для вузьких терміналів",
        language="uk",
    )
    save_translation(
        db,
        article_id,
        "en",
        "google",
        [f"Paragraph {i + 1}: " + "word " * ((i * 5) % 23) for i in range(300)],
        source_lang="uk",
    )
    db.close()
    return TriageApp(db_path, "tester", Settings())


def test_main_screen_80x24(snap_compare, db_path):
    assert snap_compare(
        snapshot_app(db_path), terminal_size=(80, 24), run_before=keys_then_settle("j")
    )


def test_filter_dialog_80x24(snap_compare, db_path):
    assert snap_compare(
        snapshot_app(db_path), terminal_size=(80, 24), run_before=keys_then_settle("F")
    )


def test_long_article_paged_at_200x50(snap_compare, db_path):
    """Paragraph numbers in the gutter, headings in place after three pages."""
    assert snap_compare(
        long_article_app(db_path),
        terminal_size=(200, 50),
        run_before=keys_then_settle("end", "space", "space", "space"),
    )


def test_zoomed_reader_with_a_toast_80x24(snap_compare, db_path):
    """With the queue hidden (z) the newest toast stands on the triage bar, right, over the
    bottom of the text; the title, the column headings and the Sources line show."""

    async def run_before(pilot) -> None:
        await settle(pilot.app, pilot)
        await pilot.press("j", "z")
        await settle(pilot.app, pilot)
        pilot.app.notify("Exported 2 records to decisions.csv.", timeout=60)
        pilot.app.notify(
            "Translation failed: the provider answered 429 Too Many Requests after retries.",
            severity="error",
            timeout=60,
        )
        await settle(pilot.app, pilot)

    assert snap_compare(snapshot_app(db_path), terminal_size=(80, 24), run_before=run_before)
