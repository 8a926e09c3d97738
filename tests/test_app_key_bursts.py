"""Keys typed in one burst reach the screen or widget in focus when each is handled,
complete and in order: into a dialog opened by a key before them, out of it again, and
through a grade or flag mode, as an outside tester types them.

The app runs in a pseudo-terminal and gets each burst in ONE write, so every key
reaches it before the first has been handled; the database says where they landed.
The gate that orders them is tui/key_gate.py.
"""

from __future__ import annotations

import pytest
from app_support import (
    SIZE,
    decision,
    make_app,
    seed_store,
    settle,
    type_in_one_write,
)
from textual import events

CTRL_S = b"\x13"
CHARACTERS = {"escape": "\x1b", "ctrl+q": "\x11"}
PASTE_START, PASTE_END = b"\x1b[200~", b"\x1b[201~"


def test_a_note_typed_at_once_after_n_lands_whole_on_the_article_n_was_pressed_on(
    db_path, tmp_path
):
    """The note's letters arrive before the editor exists: none may go to the triage
    screen (n, d would be keys there), and j d after ctrl+s act on the next article."""
    ids = seed_store(db_path)
    type_in_one_write(db_path, tmp_path, b"jnhello world, send dj" + CTRL_S + b"jdq")
    assert decision(db_path, ids["de"]).notes == "hello world, send dj"
    assert decision(db_path, ids["de"]).status == "new"
    assert decision(db_path, ids["hostile"]).status == "done"
    untouched = decision(db_path, ids["uk"])
    assert (untouched.status, untouched.notes) == ("new", "")


def test_a_query_typed_at_once_after_slash_filters_before_the_keys_after_it(db_path, tmp_path):
    """/ moves the focus to the search line: the query's letters go there (l, a, n are
    keys on the triage screen), and j d act on the queue the query selected."""
    ids = seed_store(db_path)
    type_in_one_write(db_path, tmp_path, b"/-lang:uk\rjdq")
    assert decision(db_path, ids["hostile"]).status == "done"  # de is first, j: hostile
    assert all(decision(db_path, ids[k]).status == "new" for k in ("uk", "de", "rtl"))
    assert decision(db_path, ids["uk"]).notes == ""


def test_the_filter_dialog_gets_its_keys_and_the_key_after_it_acts_on_what_it_selected(
    db_path, tmp_path
):
    ids = seed_store(db_path)
    type_in_one_write(db_path, tmp_path, b"F\t\tde\r2q")  # tab tab: the language field
    assert decision(db_path, ids["de"]).stance == "critical"
    assert decision(db_path, ids["uk"]).status == "new"  # d of "de" was not "done" here
    assert decision(db_path, ids["uk"]).stance is None


def test_a_grade_then_a_pasted_note_then_a_flag_land_in_order_on_one_article(db_path, tmp_path):
    """A mode's key screen, the notes editor and a paste (bracketed) in one write: the
    paste keeps its place among the keys."""
    ids = seed_store(db_path)
    note = PASTE_START + b"pasted, " + PASTE_END + b"typed"
    type_in_one_write(db_path, tmp_path, b"jgb2n" + note + CTRL_S + b"fsq")
    shown = decision(db_path, ids["de"])
    assert (shown.grade, shown.notes, shown.flags) == (
        "B2",
        "pasted, typed",
        ("state-media-sourcing",),
    )
    assert decision(db_path, ids["uk"]).grade == ""


def send_keys_at_once(app, keys: list[str]) -> None:
    """Hand every key to the driver at once, as one read from the terminal does."""
    for key in keys:
        event = events.Key(key, CHARACTERS.get(key, key))
        event.set_sender(app)
        app._driver.send_message(event)


@pytest.mark.parametrize(
    ("burst", "note", "next_status"),
    [
        (["j", "n", "a", "b", "c", "escape", "j", "d"], "abc", "done"),  # escape saves
        (["j", "n", "a", "b", "c", "ctrl+q", "j", "d"], "", "done"),  # ctrl+q discards
    ],
    ids=["escape", "ctrl+q"],
)
async def test_escape_in_the_middle_of_a_burst_closes_the_editor_and_the_rest_go_on(
    db_path, burst, note, next_status
):
    """Escape in a terminal's one read would be taken for alt+j: the driver gets the
    keys as separate events here, all at once."""
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        send_keys_at_once(app, burst)
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"]  # d moved on to the next untriaged
    assert decision(db_path, ids["de"]).notes == note
    assert decision(db_path, ids["hostile"]).status == next_status
