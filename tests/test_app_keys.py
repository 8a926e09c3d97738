"""Keys typed in one burst land on the article shown when each key is handled, in key order.

A paste, an SSH link or a slow render delivers several keys in one read; each
decision must still apply to the article whose text was on screen when its key was
handled. The real app runs in a pseudo-terminal and gets the keys in ONE write;
the database says where they landed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from app_support import (
    SIZE,
    decision,
    first_article_shown,
    make_app,
    notifications,
    seed_store,
    settle,
    type_in_one_write,
)
from textual import events

from article_triage.store.db import open_db
from article_triage.store.triage import apply_changes
from article_triage.tui import article_reading as reading_module
from article_triage.tui.screens.confirm import ConfirmDialog

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("burst", "target", "stance"),
    [(b"j4q", "de", "mixed"), (b"jjj5q", "rtl", "unclear")],
    ids=["j4", "jjj5"],
)
def test_a_burst_in_one_write_lands_on_the_article_shown(db_path, tmp_path, burst, target, stance):
    ids = seed_store(db_path)
    type_in_one_write(db_path, tmp_path, burst)
    assert decision(db_path, ids[target]).stance == stance
    assert decision(db_path, ids["uk"]).stance is None


def send_burst(app, keys: str) -> None:
    """Hand every key to the driver at once, as one read from the terminal does
    (pilot.press waits for the app to idle between keys)."""
    for key in keys:
        event = events.Key(key, key)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_pilot_burst_lands_in_key_order(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        send_burst(app, "j4j2kk1jjj5")
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"]
    assert decision(db_path, ids["uk"]).stance == "supportive"
    assert decision(db_path, ids["de"]).stance == "mixed"
    assert decision(db_path, ids["hostile"]).stance == "critical"
    assert decision(db_path, ids["rtl"]).stance == "unclear"


async def test_keys_pressed_while_the_next_article_loads_wait_for_it(db_path, monkeypatch):
    """pilot.press, one key at a time, behind an article read that has not come back."""
    ids = seed_store(db_path)
    gate = threading.Event()
    real_load = reading_module.load_article_view

    def slow_load(db, article_id, *args):
        if article_id != ids["uk"]:
            gate.wait(timeout=30)
        return real_load(db, article_id, *args)

    monkeypatch.setattr(reading_module, "load_article_view", slow_load)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_article_shown(app, pilot)  # de's read ahead waits at the gate too
        await pilot.press("j", "2", "4", "4", "4")  # a stance key again clears it
        assert app.triage.view.id == ids["uk"]  # still loading: nothing decided yet
        assert decision(db_path, ids["uk"]).stance is None
        gate.set()
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        assert app.triage.view.decision.stance == "mixed"
    assert decision(db_path, ids["uk"]).stance is None
    assert decision(db_path, ids["de"]).stance == "mixed"


async def test_done_then_a_stance_lands_on_the_next_untriaged(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        send_burst(app, "d3")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
    assert (decision(db_path, ids["uk"]).status, decision(db_path, ids["uk"]).stance) == (
        "done",
        None,
    )
    assert decision(db_path, ids["de"]).stance == "neutral"


def event_groups(db_path: Path) -> list[tuple]:
    db = open_db(db_path)
    try:
        return db.execute(
            "SELECT group_id, action, group_concat(field) FROM events GROUP BY group_id ORDER BY 1"
        ).fetchall()
    finally:
        db.close()


async def test_a_grade_is_one_change_or_nothing(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("g", "b", "escape")
        await settle(app, pilot)
        assert (decision(db_path, ids["uk"]).grade, event_groups(db_path)) == ("", [])

        await pilot.press("g", "3")  # a digit with no letter before it: refused
        await settle(app, pilot)
        assert (decision(db_path, ids["uk"]).grade, event_groups(db_path)) == ("", [])
        assert app.triage.mode == "grade"

        await pilot.press("b", "c", "2")  # a second letter replaces the first
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).grade == "C2"
        assert event_groups(db_path) == [(1, "set", "reliability,credibility")]

        await pilot.press("g", "5")  # the digit alone keeps the letter already given
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).grade == "C5"

        await pilot.press("u", "u")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).grade == ""

        await pilot.press("g", "a", "escape", "1")  # escape drops the letter; 1 is a stance again
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).grade == ""
        assert decision(db_path, ids["uk"]).stance == "supportive"


def seed_disagreement(db_path: Path, ids: dict[str, int]) -> None:
    db = open_db(db_path)
    apply_changes(db, [ids["de"]], "olena", {"status": "done", "stance": "critical"})
    apply_changes(db, [ids["de"]], "taras", {"status": "done", "stance": "neutral"})
    db.close()


async def test_adjudication_needs_a_whole_decision_and_a_yes(db_path):
    ids = seed_store(db_path)
    seed_disagreement(db_path, ids)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "A")  # nothing decided yet: refused, no dialog
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert any(m.startswith("Not adjudicated") for m in notifications(app))
        await pilot.press("2", "A")  # a stance but no grade: refused
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert not decision(db_path, ids["de"]).adjudicated

        await pilot.press("g", "b", "2", "A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Critical B2" in str(app.screen.query_one("#confirm-question").content)
        await pilot.press("n")
        await settle(app, pilot)
        assert not decision(db_path, ids["de"]).adjudicated

        await pilot.press("A", "y")
        await settle(app, pilot)
        ruled = decision(db_path, ids["de"])
        assert (ruled.adjudicated, ruled.status, ruled.stance, ruled.grade) == (
            True,
            "done",
            "critical",
            "B2",
        )

        # Undo takes the adjudication back whole: the decision as it was, not settled.
        await pilot.press("u")
        await settle(app, pilot)
        back = decision(db_path, ids["de"])
        assert (back.adjudicated, back.status, back.stance, back.grade) == (
            False,
            "new",
            "critical",
            "B2",
        )
        said = notifications(app)[-1]
        assert said.startswith(f"Undid adjudication on #{ids['de']} Medienbericht: Ukraine")
        assert said.endswith("…")  # a long title is cut short
        assert app.triage.view.id == ids["de"] and not app.triage.view.decision.adjudicated


async def test_undo_says_what_and_where_and_shows_that_article(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "4", "j", "j")
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"]
        await pilot.press("u")
        await settle(app, pilot)
        assert decision(db_path, ids["de"]).stance is None
        assert app.triage.view.id == ids["de"]  # taken to the article the undo changed
        assert notifications(app)[-1].startswith(f"Undid stance on #{ids['de']} Medienbericht")
        await pilot.press("U")
        await settle(app, pilot)
        assert decision(db_path, ids["de"]).stance == "mixed"
        assert notifications(app)[-1].startswith(f"Redid stance on #{ids['de']} ")
        await pilot.press("u", "u")
        await settle(app, pilot)
        assert notifications(app)[-1] == "Nothing to undo."


async def test_a_correction_in_the_app_is_one_undo_step(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("C")
        await pilot.pause()
        app.screen.query_one("#correct-text").text = "Kazakhstan halted arms exports."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.triage.view.translation[0].text == "Kazakhstan halted arms exports."
        await pilot.press("u")
        await settle(app, pilot)
        assert app.triage.view.translation[0].text.startswith("Kazakhstan has suspended")
        assert notifications(app)[-1].startswith(f"Undid translation correction on #{ids['uk']} ")
    db = open_db(db_path)
    actions = [r[0] for r in db.execute("SELECT action FROM events WHERE field = 'translation'")]
    db.close()
    assert actions == ["correct", "undo"]


async def test_cursor_keys_do_not_wait_for_the_reads_they_skip(db_path, monkeypatch):
    """Held-down j moves on while reads are slow; the stance after it still waits."""
    ids = seed_store(db_path)
    gate = threading.Event()
    real_load = reading_module.load_article_view

    def slow_load(db, article_id, *args):
        if article_id != ids["uk"]:
            gate.wait(timeout=30)
        return real_load(db, article_id, *args)

    monkeypatch.setattr(reading_module, "load_article_view", slow_load)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_article_shown(app, pilot)  # de's read ahead waits at the gate too
        await pilot.press("j", "j", "j", "5")
        assert app.triage.queue.cursor == 3  # moved without the reads of #2 and #3
        assert app.triage.view.id == ids["uk"]
        gate.set()
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"]
    assert decision(db_path, ids["rtl"]).stance == "unclear"
    assert decision(db_path, ids["uk"]).stance is None


async def test_config_keys_rebind_through_the_keymap_and_each_mode_keeps_its_own(db_path, tmp_path):
    """[keys] goes through Textual's keymap; "done" moved to enter leaves d to reliability D
    after g, and a mode's footer lists exactly its keys."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    from article_triage.store.settings import settings_from_table
    from article_triage.tui.screens.mode_keys import ModeKeys

    ids = seed_store(db_path)
    keys = {"decide.done": "enter", "nav.next": "ctrl+n", "grade.credibility.2": "w"}
    config = settings_from_table({"keys": keys}, tmp_path / "config.toml")
    app = make_app(db_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]  # j is no longer "next"
        await pilot.press("ctrl+n")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]

        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, ModeKeys)
        shown = {key.action for key in app.screen.query_one(Footer).query(FooterKey)}
        assert "set_reliability('D')" in shown and "set_credibility('2')" in shown
        assert not {"mark_done", "on('queue', 'next_article')", "quit"} & shown
        await pilot.press("d", "w")
        await settle(app, pilot)
        assert not isinstance(app.screen, ModeKeys) and app.triage.mode == ""
        assert decision(db_path, ids["de"]).grade == "D2"

        await pilot.press("d")  # moved away: nothing
        await settle(app, pilot)
        assert decision(db_path, ids["de"]).status == "new"
        await pilot.press("enter")
        await settle(app, pilot)
        assert decision(db_path, ids["de"]).status == "done"


async def test_a_burst_into_a_mode_and_out_of_it_lands_in_key_order(db_path):
    """Keys held behind a navigation and released into a mode reach the mode's keys (the
    triage screen stays in view under them), then the screen's again."""
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        send_burst(app, "jgc2jfs")
        await settle(app, pilot)
        assert app.triage.view.id == ids["hostile"] and app.triage.mode == ""
    assert decision(db_path, ids["de"]).grade == "C2"
    assert decision(db_path, ids["hostile"]).flags == ("state-media-sourcing",)
    assert not decision(db_path, ids["uk"]).grade
