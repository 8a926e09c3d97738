"""The key gate's fast path: a key with nothing in flight before it goes straight on,
and a run of cursor moves goes through together; the gate follows a key until it is
handled (KeyGate._handled, the costly part) only when the next key needs that. Each
test checks where the keys landed in the store, and how many keys the gate followed.
"""

from __future__ import annotations

import pytest
from app_support import SIZE, decision, make_app, seed_store, settle
from textual import events

from article_triage.tui.key_gate import KeyGate


@pytest.fixture
def followed(monkeypatch) -> list[str]:
    """How often the gate followed a key until handled (one entry per follow)."""
    calls: list[str] = []
    real = KeyGate._handled

    async def counting(self):
        calls.append("followed")
        await real(self)

    monkeypatch.setattr(KeyGate, "_handled", counting)
    return calls


async def test_keys_typed_one_at_a_time_into_the_notes_editor_are_not_followed(db_path, followed):
    """Typed at a person's pace (Pilot waits for the app to idle between keys), each key
    finds the one before handled and nothing on its way: no key is followed, yet each
    lands where the focus is (the editor opened by n takes the letters)."""
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        followed.clear()
        await pilot.press("j", "n", "a", "b", "c", "ctrl+s", "4")
        await settle(app, pilot)
        assert followed == []
    shown = decision(db_path, ids["de"])
    assert (shown.notes, shown.stance) == ("abc", "mixed")
    assert decision(db_path, ids["uk"]).notes == ""


async def test_a_burst_of_cursor_moves_goes_through_together_and_the_stance_waits(
    db_path, followed
):
    """21 moves and a stance handed to the driver at once, as one read from the terminal
    delivers them: the moves go to the queue in order without being followed one by
    one, and the stance still waits for the article the last move reaches."""
    ids = seed_store(db_path)
    app = make_app(db_path)
    moves = ["j", "j", *["k", "j"] * 9, "j"]  # ends on the fourth article (rtl)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        followed.clear()
        for key in [*moves, "5"]:
            event = events.Key(key, key)
            event.set_sender(app)
            app._driver.send_message(event)
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"]
        # At most: before the first key held, after the last move before the stance,
        # and after the stance (the gate followed every key before: 22 here).
        assert len(followed) <= 3
    assert decision(db_path, ids["rtl"]).stance == "unclear"
    assert all(decision(db_path, ids[k]).stance is None for k in ("uk", "de", "hostile"))
