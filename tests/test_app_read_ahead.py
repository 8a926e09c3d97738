"""Reading ahead: j shows the next article from memory, never a stale one, and every
decision after it lands on the article shown (checked in the store)."""

from __future__ import annotations

import threading

from app_support import SIZE, decision, make_app, screen_text, seed_store, settle
from rich.text import Text

import article_triage.tui.article_reading as reading_module
from article_triage.store.db import open_db
from article_triage.store.reader import load_article_view
from article_triage.store.triage import apply_changes
from article_triage.tui.article_reading import ReadAhead


def _view(db_path, article_id: int):
    db = open_db(db_path)
    try:
        return load_article_view(db, article_id, "tester")
    finally:
        db.close()


def test_read_ahead_hands_out_only_what_was_read_at_the_same_version(db_path):
    ids = seed_store(db_path)
    ahead = ReadAhead(kept=2)
    uk, de, rtl = (_view(db_path, ids[k]) for k in ("uk", "de", "rtl"))
    ahead.put(uk, version=3)
    ahead.put(de, version=3)
    assert ahead.holds(ids["uk"], 3) and not ahead.holds(ids["uk"], 4)
    assert ahead.take(ids["de"], version=4) is None  # another connection committed since
    assert ahead.take(ids["de"], version=3) is None  # and a refused view is gone
    assert ahead.take(ids["uk"], version=3) is uk
    assert ahead.take(ids["uk"], version=3) is None  # taken once: the screen keeps it now
    for view in (uk, de, rtl):
        ahead.put(view, version=5)
    assert len(ahead) == 2 and not ahead.holds(ids["uk"], 5)  # bounded, oldest out
    ahead.forget(ids["de"])
    assert not ahead.holds(ids["de"], 5) and ahead.holds(ids["rtl"], 5)
    ahead.forget()
    assert len(ahead) == 0


def _store_version(db) -> int:
    # What the app reads on its UI connection (TriageApp.store_version).
    return db.execute("PRAGMA data_version").fetchone()[0]


def test_a_copy_read_ahead_is_refused_once_another_connection_has_committed(db_path):
    """No app: the UI connection's data version, a worker's connection filling the
    copies, and a third connection (another process) deciding on one of them."""
    ids = seed_store(db_path)
    ui, worker, other = (open_db(db_path) for _ in range(3))
    try:
        ahead = ReadAhead(kept=2)
        version = _store_version(ui)
        ahead.fill(worker, [ids["de"], ids["hostile"]], "tester", "en", version)
        assert ahead.holds(ids["de"], version) and ahead.holds(ids["hostile"], version)

        # The app's own commit does not move the version: the decision flows must
        # forget the copy it touched, or take() would hand out its old decision.
        apply_changes(ui, [ids["hostile"]], "tester", {"stance": "critical"})
        assert _store_version(ui) == version
        stale = ahead.take(ids["hostile"], version)
        assert stale is not None and stale.decision.stance is None
        ahead.put(stale, version)
        ahead.forget(ids["hostile"])
        assert not ahead.holds(ids["hostile"], version)

        # Another connection commits: the version moves and the copy is refused.
        apply_changes(other, [ids["de"]], "tester", {"stance": "supportive"})
        now = _store_version(ui)
        assert now != version
        assert not ahead.holds(ids["de"], now)
        assert ahead.take(ids["de"], now) is None
        # Read again at the new version, it holds what the store holds.
        ahead.fill(worker, [ids["de"]], "tester", "en", now)
        assert ahead.take(ids["de"], now).decision.stance == "supportive"

        # A worker told to stop reads no further article.
        ahead.fill(worker, [ids["uk"], ids["rtl"]], "tester", "en", now, stopped=lambda: True)
        assert len(ahead) == 0
    finally:
        for db in (ui, worker, other):
            db.close()


async def test_j_shows_the_article_read_ahead_never_a_stale_one(db_path, monkeypatch):
    ids = seed_store(db_path)
    reads: list[int] = []
    real_load = reading_module.load_article_view

    def recording_load(db, article_id, *args):
        reads.append(article_id)
        return real_load(db, article_id, *args)

    monkeypatch.setattr(reading_module, "load_article_view", recording_load)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]
        assert ids["de"] in reads  # read while uk was on screen
        reads.clear()
        await pilot.press("j", "2", "g", "c", "3")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        assert ids["de"] not in reads  # shown from memory, not read on the key
        assert ids["hostile"] in reads  # and the next one is read ahead in turn
        assert ids["uk"] not in reads  # the one left is kept as it was shown
        assert app.triage.view.decision.stance == "critical"

        # Another process decides on the article read ahead: j must not show the copy.
        other = open_db(db_path)
        try:
            apply_changes(other, [ids["hostile"]], "tester", {"stance": "supportive"})
        finally:
            other.close()
        await pilot.press("j")
        await settle(app, pilot)
        assert app.triage.view.id == ids["hostile"]
        assert app.triage.view.decision.stance == "supportive"
        await pilot.press("1")  # the same key again clears: it acts on the stance shown
        await settle(app, pilot)

        # Back to de, decided here before it was read ahead again: shown as decided.
        await pilot.press("k")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        assert app.triage.view.decision.grade == "C3"
        await pilot.press("2")  # clears the critical stance it shows
        await settle(app, pilot)
    assert decision(db_path, ids["hostile"]).stance is None
    shown = decision(db_path, ids["de"])
    assert (shown.stance, shown.reliability, shown.credibility) == (None, "C", "3")
    assert decision(db_path, ids["uk"]).stance is None


async def test_j_to_an_article_read_ahead_wraps_nothing_on_the_ui_thread(db_path, monkeypatch):
    """The read-ahead worker wraps the first paragraphs of the copies it reads, for the
    reader's width and columns; j then shows one without wrapping on the UI thread, k
    back shows the article left as the reader had wrapped it, and after a resize a copy
    wrapped for the old width is wrapped again for the new one (never shown stale)."""
    ids = seed_store(db_path)
    wrapped_on_ui: list[str] = []
    real_wrap = Text.wrap

    def recording_wrap(self, *args, **kwargs):
        if threading.current_thread() is threading.main_thread():
            wrapped_on_ui.append(self.plain)
        return real_wrap(self, *args, **kwargs)

    monkeypatch.setattr(Text, "wrap", recording_wrap)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # uk shown, de read ahead (and wrapped) by then
        for key, shown in (("j", "de"), ("k", "uk")):
            wrapped_on_ui.clear()
            await pilot.press(key)
            await settle(app, pilot)
            view = app.triage.view
            assert view.id == ids[shown]
            assert not set(view.paragraphs) & set(wrapped_on_ui)
            assert view.paragraphs[0][:20] in screen_text(app)

        await pilot.resize_terminal(90, 30)  # de was read ahead at 140 columns
        await settle(app, pilot)
        wrapped_on_ui.clear()
        await pilot.press("j")
        await settle(app, pilot)
        view = app.triage.view
        assert view.id == ids["de"]
        assert set(view.paragraphs) <= set(wrapped_on_ui)
        body = app.triage.reader.body
        width = body.scrollable_content_region.width
        lines = [body.render_line(y) for y in range(body.size.height)]
        assert all(line.cell_length == width for line in lines)
        assert view.paragraphs[0][:20] in screen_text(app)
