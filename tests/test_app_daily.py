"""What a daily user trips on: where the app reopens, who and which store, analysts who
disagree, the notes at a glance."""

from __future__ import annotations

from app_support import SIZE, decision, make_app, seed_store, settle

from article_triage.store.db import open_db
from article_triage.store.reader import resume_article_id
from article_triage.store.triage import apply_changes
from article_triage.tui.screens.messages import MessageLog
from article_triage.tui.widgets.queue import DISAGREEMENT_MARK, format_row


def test_resume_is_the_last_decision_or_the_next_untriaged(db, db_path):
    ids = seed_store(db_path)
    assert resume_article_id(db, "tester") == ids["uk"]  # nothing decided: first untriaged
    apply_changes(db, [ids["hostile"]], "tester", {"stance": "critical"})
    assert resume_article_id(db, "tester") == ids["hostile"]
    # Closing an article moved the app on: reopen on the next untriaged one.
    apply_changes(db, [ids["de"]], "tester", {"status": "done"})
    assert resume_article_id(db, "tester") == ids["hostile"]
    apply_changes(db, [ids["hostile"]], "tester", {"status": "skipped"})
    assert resume_article_id(db, "tester") == ids["rtl"]
    # Another analyst's work is theirs: they start where they left off.
    assert resume_article_id(db, "someone-else") == ids["uk"]


async def test_app_reopens_where_the_analyst_left_off(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]
        await pilot.press("j", "2")
        await settle(app, pilot)
    assert decision(db_path, ids["de"]).stance == "critical"

    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"] and app.triage.queue.cursor == 1
        await pilot.press("d")  # done: the app moves on to the next untriaged
        await settle(app, pilot)
        assert app.triage.view.id == ids["hostile"]
    assert decision(db_path, ids["de"]).status == "done"

    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == ids["hostile"]  # where the app had moved on to, not #1


async def test_header_queue_and_bar_show_who_where_disagreement_and_notes(db_path):
    ids = seed_store(db_path)
    db = open_db(db_path)
    apply_changes(db, [ids["uk"]], "olena", {"status": "done", "stance": "critical"})
    apply_changes(db, [ids["uk"]], "taras", {"status": "done", "stance": "neutral"})
    apply_changes(db, [ids["de"]], "olena", {"status": "done", "stance": "critical"})
    apply_changes(db, [ids["de"]], "taras", {"status": "done", "stance": "critical"})
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        session = str(app.query_one("#session").render())
        assert session == f"tester · {db_path.parent.name}/{db_path.name}"
        rows = {
            app.triage.queue.row_at(i).id: app.triage.queue.row_at(i)
            for i in range(app.triage.queue.total)
        }
        assert rows[ids["uk"]].disagreement and not rows[ids["de"]].disagreement
        assert format_row(rows[ids["uk"]]).plain[1] == DISAGREEMENT_MARK
        assert format_row(rows[ids["de"]]).plain[1] == " "

        await pilot.press("n", *"Check the MoD denial", "enter", *"and the date.", "escape")
        await settle(app, pilot)
        bar = app.triage.triage_bar.content.plain
        assert "Notes Check the MoD denial…" in bar
    assert decision(db_path, ids["uk"]).notes == "Check the MoD denial\nand the date."


async def test_message_log_keeps_what_the_toasts_said(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("T")  # the first article is translated already
        await pilot.press("u")  # nothing to undo yet
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageLog)
        log = str(app.screen.query_one("#messages-body").render())
        lines = log.splitlines()
        assert "Nothing to undo." in lines[0]  # newest first
        assert "This article is translated already." in lines[1]
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, MessageLog) and app.triage.view.id == ids["uk"]
