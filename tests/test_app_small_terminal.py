"""The app at 80x24, the default terminal: every dialog fits with its buttons and shows its
own keys, the footer keeps ? and q, and the queue's columns stay apart."""

from __future__ import annotations

import csv

import pytest
from app_support import decision, make_app, seed_store, settle
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer
from textual.widgets._footer import FooterKey

from article_triage.store.articles import QueueRow
from article_triage.tui.widgets.queue import (
    DATE_COLUMN_FROM,
    STANCE_COLUMN_FROM,
    format_row,
    queue_heading,
)

SMALL = (80, 24)
MAIN_KEYS = {
    "on('queue', 'next_article')",
    "on('queue', 'previous_article')",
    "mark_done",
    "help",
    "quit",
}


def inside(inner, outer) -> bool:
    return (
        inner.x >= outer.x
        and inner.y >= outer.y
        and inner.right <= outer.right
        and inner.bottom <= outer.bottom
    )


DIALOG_KEYS = ("F", "E", "I", "n", "C", "question_mark", "L", "D", "m")


async def test_every_dialog_fits_80x24_with_its_buttons_and_its_own_keys(db_path):
    seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        for key in DIALOG_KEYS:
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, ModalScreen), key
            await check_dialog(app.screen, pilot)
            app.screen.dismiss(None)
            await settle(app, pilot)
            assert not isinstance(app.screen, ModalScreen), key


async def check_dialog(screen, pilot) -> None:
    """Fits the terminal, buttons inside and never over the fields, its own keys below."""
    footer = screen.query_one(Footer)
    assert inside(footer.region, screen.region) and footer.region.height == 1
    dialog = screen.query_one(".dialog")
    assert inside(dialog.region, screen.region)
    assert not dialog.region.overlaps(footer.region)
    for button in screen.query(Button):
        assert inside(button.region, dialog.region), button.id
    # Every field can be scrolled to, and the buttons are never drawn over it.
    for body in screen.query(".dialog-body"):
        last = list(body.query("Input, Select, Checkbox"))[-1]
        body.scroll_to_widget(last, animate=False, immediate=True)
        await pilot.pause()
        assert inside(last.region, body.region), last.id
        for button in screen.query(Button):
            assert not button.region.overlaps(body.region)
    # The footer lists the dialog's keys, not the article's.
    actions = {b.binding.action for b in screen.active_bindings.values() if b.binding.show}
    assert actions and not actions & MAIN_KEYS
    shown = {k.action for k in footer.query(FooterKey)}
    assert shown and not shown & MAIN_KEYS


async def test_footer_keeps_help_and_quit_at_80x24(db_path):
    seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        keys = {k.action: k for k in app.screen.query_one(Footer).query(FooterKey)}
        for action in ("help", "quit"):
            region = keys[action].region
            assert region.width and region.right <= SMALL[0], action


async def test_notes_and_export_work_at_80x24(db_path, tmp_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SMALL) as pilot:
        await settle(app, pilot)
        await pilot.press("n", *"Check the MoD denial.", "escape")
        await settle(app, pilot)

        await pilot.press("E")
        await settle(app, pilot)
        dialog = app.screen
        target = tmp_path / "small.csv"
        dialog.query_one("#export-path").value = str(target)
        # The last option is below the fold at 80x24: scrolled to, it can be clicked.
        box = dialog.query_one("#export-with-translation", Checkbox)
        dialog.query_one(".dialog-body").scroll_to_widget(box, animate=False, immediate=True)
        await pilot.pause()
        await pilot.click("#export-with-translation")
        await pilot.click("#export-go")
        await settle(app, pilot)
    assert decision(db_path, ids["uk"]).notes == "Check the MoD denial."
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert "translation" in rows[0]
    assert any("Kazakhstan has suspended" in row["translation"] for row in rows)


def _row(**changes) -> QueueRow:
    fields = dict(
        id=7,
        title="Заголовок",
        language="und",
        hostname="example.org",
        published="2024-03-14T10:00:00",
        status="done",
        stance="critical",
        reliability="B",
        credibility="2",
        flags=(),
        translated=True,
    )
    fields.update(changes)
    return QueueRow(**fields)


@pytest.mark.parametrize("width", [30, STANCE_COLUMN_FROM, DATE_COLUMN_FROM])
def test_queue_columns_stay_apart_and_under_their_heading(width):
    row = format_row(_row(), width).plain
    heading = queue_heading(width).plain
    assert "und ≈" in row  # the language no longer runs into the translated mark
    assert row.index("≈") == heading.index("≈")
    assert row.index("B2") == heading.index("Gr")
    assert row.endswith(" Заголовок") and heading.endswith(" Title")
    assert ("crit" in row) == (width >= STANCE_COLUMN_FROM)
    assert ("2024-03-14 " in row) == (width >= DATE_COLUMN_FROM)
    if width >= DATE_COLUMN_FROM:
        assert row.index("2024") == heading.index("Published")
    untranslated = format_row(_row(translated=False, language="uk"), width).plain
    assert untranslated.index("Заголовок") == row.index("Заголовок")
