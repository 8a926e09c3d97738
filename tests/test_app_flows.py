"""Pilot tests of the app's flows; each asserts what the store holds afterwards."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace

import fake_libretranslate
import pytest
from app_support import (
    HOSTILE_TITLE,
    SIZE,
    decision,
    events,
    make_app,
    notifications,
    rendered_text,
    screen_text,
    seed_store,
    settle,
)

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.settings import settings_from_table
from article_triage.store.triage import get_decision
from article_triage.tui.action_commands import ActionCommands
from article_triage.tui.app import TriageApp
from article_triage.tui.messages import JobAdvanced
from article_triage.tui.screens.confirm import ConfirmDialog
from article_triage.tui.screens.export_dialog import ExportDialog
from article_triage.tui.screens.help import HelpScreen
from article_triage.tui.screens.notes_editor import NotesEditor
from article_triage.tui.screens.triage import query_text

fake_libre = fake_libretranslate.fake_libre  # the fixture, for the translate test


@pytest.fixture
def seeded(db_path):
    return db_path, seed_store(db_path)


async def test_first_article_navigation_and_literal_text(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view is not None and app.triage.view.id == ids["uk"]
        assert str(app.query_one("#queue-header").content) == "0 / 4 done"
        assert "Kazakhstan has suspended arms exports" in screen_text(app)
        await pilot.press("j")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        await pilot.press("k")
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]

        # Markup and an ESC sequence in the store: no crash, shown as the text it is.
        await pilot.press("j", "j")
        await settle(app, pilot)
        assert app.triage.view.id == ids["hostile"]
        text = screen_text(app)
        assert HOSTILE_TITLE in text
        assert "Markup [bold]x and [/] stay text." in text
        assert "Escape here: [31mred[0m done." in text
        assert "\x1b" not in text
        svg = app.export_screenshot()
        assert "\x1b" not in svg
        assert "[bold]x" in svg.replace("&#160;", " ")


async def test_decision_keys_are_committed_and_logged(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).stance == "critical"
        assert app.triage.view.decision.stance == "critical"
        assert events(db_path)[-1][1:] == ("tester", "set", ids["uk"], "stance", '"critical"')

        await pilot.press("g", "d", "4")
        await settle(app, pilot)
        saved = decision(db_path, ids["uk"])
        # "d" inside grade mode is the letter D, not "done".
        assert (saved.reliability, saved.credibility, saved.status) == ("D", "4", "new")
        assert app.triage.mode == ""

        await pilot.press("f", "s")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).flags == ("state-media-sourcing",)
        await pilot.press("f", "o", "f", "s")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).flags == ("single-source",)

        # Escape leaves a mode without a change; then "d" is "done" again.
        await pilot.press("g", "escape", "d")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).status == "done"
        assert decision(db_path, ids["uk"]).reliability == "D"


async def test_done_moves_to_the_next_untriaged_article(seeded):
    db_path, ids = seeded
    db = open_db(db_path)
    db.execute(
        "INSERT INTO decisions (article_id, analyst, status) VALUES (?, 'tester', 'done')",
        [ids["de"]],
    )
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).status == "done"
        assert app.triage.view.id == ids["hostile"]
        assert str(app.query_one("#queue-header").content) == "2 / 4 done"


async def test_notes_editor_types_letters_and_saves_on_escape(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NotesEditor)
        # Every one of these is an app key outside the editor.
        await pilot.press(*"dug1jq", "space", "slash")
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, NotesEditor)
        saved = decision(db_path, ids["uk"])
        assert saved.notes == "dug1jq /"
        assert (saved.status, saved.stance, saved.reliability) == ("new", None, None)
        await pilot.press("n", "x", "ctrl+s")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).notes == "dug1jq /x"


async def test_undo_and_redo_work_across_restarts(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
    assert decision(db_path, ids["uk"]).stance == "neutral"

    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).stance is None
        assert app.triage.view.decision.stance is None
        await pilot.press("U")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).stance == "neutral"
        assert app.triage.view.decision.stance == "neutral"


async def test_bulk_done_asks_first_and_undoes_as_one_step(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app, pilot)
        assert all(decision(db_path, i).status == "new" for i in ids.values())

        await pilot.press("D", "y")
        await settle(app, pilot)
        assert all(decision(db_path, i).status == "done" for i in ids.values())
        assert len({e[0] for e in events(db_path)}) == 1
        assert str(app.query_one("#queue-header").content) == "4 / 4 done"

        await pilot.press("u")
        await settle(app, pilot)
        assert all(decision(db_path, i).status == "new" for i in ids.values())


async def search_for(app: TriageApp, pilot, query: str) -> None:
    await pilot.press("slash")
    app.query_one("#search").value = query
    await pilot.press("enter")
    await settle(app, pilot)


async def test_search_narrows_the_queue_through_translations(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"svob", "enter")
        await settle(app, pilot)
        assert query_text(app.triage.filter) == "svob"
        assert app.triage.queue.total == 0
        await search_for(app, pilot, "svoboda")
        assert app.triage.queue.total == 1
        assert app.triage.view.id == ids["uk"]
        assert "text has svoboda" in str(app.query_one("#queue-header").content)
        # English query, German article: found through its stored translation.
        await search_for(app, pilot, "novosti")
        assert (app.triage.queue.total, app.triage.view.id) == (1, ids["de"])
        # A quote left open is a message saying where; the bar stays and the queue too.
        await search_for(app, pilot, 'C++ "unbalanced')
        assert app.query_one("#search").display
        assert (app.triage.queue.total, app.triage.view.id) == (1, ids["de"])
        await pilot.press("escape")
        await search_for(app, pilot, "C++")
        assert app.triage.queue.total == 0
        assert app.triage.view is None
        await pilot.press("c")
        await settle(app, pilot)
        assert app.triage.queue.total == 4


async def test_filter_dialog_filters_by_language(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        app.screen.query_one("#filter-language").value = "de"
        app.screen.query_one("#filter-language").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert query_text(app.triage.filter) == "lang:de"
        assert app.triage.queue.total == 1
        assert app.triage.view.id == ids["de"]
        assert "language is de" in str(app.query_one("#queue-header").content)

        # Status, flag, grade and outlet together; a bad grade is refused in the dialog.
        await pilot.press("2", "g", "b", "2", "f", "s")
        await settle(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#filter-language").value = ""
        dialog.query_one("#filter-status").value = "new"
        dialog.query_one("#filter-flag").value = "state-media-sourcing"
        dialog.query_one("#filter-outlet").value = "RIA Novosti"
        dialog.query_one("#filter-grade").value = "Z9"
        dialog.query_one("#filter-grade").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        dialog.query_one("#filter-grade").value = "b2"
        await pilot.press("enter")
        await settle(app, pilot)
        assert query_text(app.triage.filter) == (
            'status:new outlet:"RIA Novosti" flag:state-media-sourcing grade:B2'
        )
        assert (app.triage.queue.total, app.triage.view.id) == (1, ids["de"])
        app.triage.apply_filter(replace(app.triage.filter, grade="A"))
        await settle(app, pilot)
        assert app.triage.queue.total == 0


async def test_suggestion_accept_then_reject(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        bar = app.triage.triage_bar.content.plain
        assert "publisher RT: state-controlled, RU" in bar
        assert "cites RIA Novosti: state-controlled, RU" in bar
        await pilot.press("y")
        await settle(app, pilot)
        assert decision(db_path, ids["de"]).flags == ("state-media-sourcing",)
        assert app.triage.view.pending_suggestions == []
        await pilot.press("y")
        await settle(app, pilot)
        assert "No suggestion waiting for review." in notifications(app)

        await pilot.press("u")
        await settle(app, pilot)
        assert app.triage.view.pending_suggestions != []
        await pilot.press("x")
        await settle(app, pilot)
        saved = decision(db_path, ids["de"])
        assert saved.rejected_suggestions == ("state-media-sourcing",)
        assert saved.flags == ()
        assert (
            "Suggestions reviewed: State-media sourcing rejected"
            in app.triage.triage_bar.content.plain
        )


async def test_help_and_palette_come_from_the_action_table(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = rendered_text(app.screen.query_one("#help-body").content, 120)
        for spec in app.action_table:
            assert spec.description in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)

        provider = ActionCommands(app.screen)
        titles = [hit.text async for hit in provider.discover()]
        keyed = {spec.description for spec in app.action_table if spec.mode != "*"}
        assert {t.split("  (")[0] for t in titles} >= keyed
        hits = [hit async for hit in provider.search("Reliability C")]
        best = max(hits, key=lambda hit: hit.score)
        assert best.text.startswith("Reliability C: Fairly reliable")
        await best.command()
        await settle(app, pilot)
        # A grade is one change: the letter waits in grade mode for its digit.
        assert (app.triage.mode, app.triage.grade_letter) == ("grade", "C")
        await pilot.press("2")
        await settle(app, pilot)
        assert decision(db_path, ids["uk"]).grade == "C2"
        assert app.triage.mode == ""


async def test_columns_missing_translation_and_refresh(seeded):
    db_path, _ = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        assert app.triage.reader.columns == "original"
        assert "Kazakhstan has suspended" not in screen_text(app)
        await pilot.press("v")
        assert app.triage.reader.columns == "translation"
        assert "Казахстан призупинив експорт зброї на рік" not in screen_text(app)
        await pilot.press("v")
        assert app.triage.reader.columns == "both"
        # Narrow terminals: the queue can go; the keys still work without it.
        await pilot.press("z", "j")
        await settle(app, pilot)
        assert not app.query_one("#queue-pane").display and app.triage.view.id == 2
        await pilot.press("z", "k")
        await settle(app, pilot)
        assert app.query_one("#queue-pane").display and app.triage.view.id == 1

        await pilot.press("j")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Translation · en · 1/2 paragraphs" in text
        assert "no translation — press T to translate" in text

        # Another process imports while the app is open; a refresh shows it.
        other = open_db(db_path)
        long_text = [f"Paragraph {i} imported meanwhile by another process." for i in range(80)]
        insert_article(other, long_text, language="en")
        other.close()
        app._check_store_changed()
        assert "store changed: f5 refreshes" in str(app.query_one("#queue-header").content)
        await pilot.press("f5")
        await settle(app, pilot)
        assert app.triage.queue.total == 5
        assert app.triage.view.id == 2
        assert "store changed" not in str(app.query_one("#queue-header").content)

        # Space and b page through a long article, the queue stays where it is.
        await pilot.press("end")
        await settle(app, pilot)
        assert app.triage.view.id == 5
        await pilot.press("space")
        await pilot.pause()
        assert app.triage.reader.body.scroll_y > 0
        await pilot.press("b")
        await pilot.pause()
        assert app.triage.reader.body.scroll_y == 0 and app.triage.queue.cursor == 4


async def test_worker_errors_become_a_notification_not_a_crash(seeded, monkeypatch):
    db_path, _ = seeded

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr("article_triage.tui.screens.decisions.undo", locked)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        messages = notifications(app)
        assert any("store is busy" in m for m in messages)
        assert app.is_running


async def test_a_queue_read_that_fails_is_said_and_keys_act_on_what_is_shown(seeded, monkeypatch):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        def locked(*args, **kwargs):
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr("article_triage.tui.widgets.queue.page_articles", locked)
        await pilot.press("f5", "3")  # the reload dies; the stance must not wait for it
        await settle(app, pilot)
        assert any(
            m.startswith("queue reload failed: The store is busy") for m in notifications(app)
        )
        assert app.is_running and app.triage.view.id == ids["uk"]
    assert decision(db_path, ids["uk"]).stance == "neutral"


async def test_export_dialog_writes_the_file(seeded, tmp_path):
    db_path, ids = seeded
    out = tmp_path / "decisions.jsonl"
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("2", "E")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#export-format").value = "jsonl"
        path_input = app.screen.query_one("#export-path")
        path_input.value = str(out)
        path_input.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert any(m.startswith("Exported 4 records") for m in notifications(app))

        # A target that cannot be written: one error line, no half-written file left.
        (tmp_path / "a-folder").mkdir()
        await pilot.press("E")
        await pilot.pause()
        path_input = app.screen.query_one("#export-path")
        path_input.value = str(tmp_path / "a-folder")
        path_input.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert any(m.startswith("export failed") for m in notifications(app))
        assert not list(tmp_path.glob("*.part"))
        assert app.is_running
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4
    first = next(r for r in records if r["id"] == ids["uk"])
    assert first["stance"] == "critical"


async def test_translate_offline_says_so(seeded, tmp_path):
    db_path, _ = seeded
    config = settings_from_table(
        {
            "translation": {
                "provider": "libre",
                "url": fake_libretranslate.closed_url(),
                "max_retries": 0,
            }
        },
        tmp_path / "config.toml",
    )
    app = make_app(db_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "T")
        await settle(app, pilot)
        messages = notifications(app)
        assert any(m.startswith("Into en:") and "; stopped: " in m for m in messages), messages
        assert app.is_running


async def test_translate_current_article_updates_the_reader(seeded, tmp_path, fake_libre):
    db_path, ids = seeded
    server = fake_libre()
    config = settings_from_table(
        {"translation": {"provider": "libre", "url": server.url}}, tmp_path / "c.toml"
    )
    app = make_app(db_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        await pilot.press("T")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        assert app.triage.view.translated_count == 2
        assert "[en] Das Verteidigungsministerium" in screen_text(app)
        await pilot.press("T")
        assert "This article is translated already." in notifications(app)

        app.post_message(JobAdvanced("translating", 1, 3, "articles", "2 requests · 0 from cache"))
        await pilot.pause()
        assert "translating 1/3 articles · 2 requests" in app.triage.triage_bar.content.plain

        # All untranslated in the filter: the Hebrew one (the hostile one is in English).
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        db = open_db(db_path)
        translated = dict(
            db.execute(
                "SELECT article_id, count(*) FROM translations WHERE target_lang = 'en' "
                "GROUP BY article_id"
            ).fetchall()
        )
        db.close()
        assert translated == {ids["uk"]: 2, ids["de"]: 2, ids["rtl"]: 2}
        assert any(m.startswith("Into en: translated 1,") for m in notifications(app))


async def test_ctrl_x_stops_a_running_job_and_the_summariser_says_so(seeded, tmp_path):
    from article_triage.store.jobs import ExportReport, JobProgress

    db_path, _ = seeded
    asked: list[bool] = []

    def slow_export(db, request, progress, stop) -> ExportReport:
        progress(JobProgress(1, 3, "records", "slowly"))
        asked.append(stop.wait(10))  # the job checks its flag between units
        return ExportReport(tmp_path / "out.csv", records=1, interrupted=stop.is_set())

    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.run_job(slow_export, None, "exporting", name="export", changes_store=False)
        for _ in range(50):
            await pilot.pause(0.02)
            if "exporting 1/3" in app.triage.triage_bar.content.plain:
                break
        assert (
            "exporting 1/3 records · slowly… (ctrl+x stops)" in app.triage.triage_bar.content.plain
        )
        await pilot.press("ctrl+x")
        await settle(app, pilot)
        assert asked == [True]
        assert notifications(app)[-1].startswith("Export stopped;")
        assert "exporting" not in app.triage.triage_bar.content.plain
        await pilot.press("ctrl+x")
        assert notifications(app)[-1] == "Nothing is running."


async def test_configured_flags_get_keys(db_path, tmp_path):
    seed_store(db_path)
    config = settings_from_table(
        {
            "theme": "textual-light",
            "keys": {"decide.done": "enter"},
            "taxonomy": {"extra_flags": [{"value": "satire", "label": "Satire", "key": "x"}]},
        },
        tmp_path / "config.toml",
    )
    app = make_app(db_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.theme == "textual-light"
        await pilot.press("f", "x")
        await settle(app, pilot)
        assert decision(db_path, 1).flags == ("satire",)
        await pilot.press("d")
        await settle(app, pilot)
        assert decision(db_path, 1).status == "new"
        await pilot.press("enter")
        await settle(app, pilot)
        assert decision(db_path, 1).status == "done"


async def test_a_writer_in_another_process_makes_a_keystroke_wait_not_fail(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        other = sqlite3.connect(db_path, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE articles SET title = title WHERE id = ?", [ids["rtl"]])
        threading.Timer(0.3, other.commit).start()
        await pilot.press("4")
        await settle(app, pilot)
        other.close()
        assert decision(db_path, ids["uk"]).stance == "mixed"
        assert not any("not saved" in m for m in notifications(app))


async def test_mouse_click_picks_a_row(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.click("#queue", offset=(5, 1))
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]


def test_open_imports_sources_then_needs_a_terminal(db_path, samples):
    from click.testing import CliRunner

    from article_triage.tui.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db_path), "open", str(samples)])
    assert result.exit_code == 1
    assert "the app needs a terminal" in result.output
    assert "Traceback" not in result.output
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    db.close()


async def test_import_from_the_app_fills_an_empty_store(db_path, samples):
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view is None
        assert "The store is empty" in screen_text(app)
        await pilot.press("I")
        await pilot.pause()
        sources = app.screen.query_one("#import-sources")
        sources.value = f"'{samples}'"
        sources.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert any(m.startswith("Imported ") for m in notifications(app)), notifications(app)
        db = open_db(db_path)
        stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        db.close()
        assert stored > 0
        assert app.triage.queue.total == stored
        assert app.triage.view is not None

        # The seed article that cites RIA Novosti, side by side with its sample
        # translation, with the detectors' suggestion in the triage bar.
        await search_for(app, pilot, "Nowosti Ukrspezexport")
        assert app.triage.queue.total == 1
        assert app.triage.view.translated_count == len(app.triage.view.paragraphs)
        assert "cites RIA Novosti" in app.triage.triage_bar.content.plain
        await pilot.press("y")
        await settle(app, pilot)
        assert "state-media-sourcing" in decision(db_path, app.triage.view.id).flags


async def test_lead_filters_to_disagreements_and_adjudicates(seeded):
    """Two analysts graded the German article differently; the lead sees both and settles it."""
    db_path, ids = seeded
    db = open_db(db_path)
    from article_triage.store.triage import apply_changes

    apply_changes(
        db, [ids["de"]], "olena", {"status": "done", "stance": "critical", "reliability": "B"}
    )
    apply_changes(
        db, [ids["de"]], "taras", {"status": "done", "stance": "neutral", "reliability": "C"}
    )
    apply_changes(db, [ids["uk"]], "olena", {"status": "done", "stance": "neutral"})
    apply_changes(db, [ids["uk"]], "taras", {"status": "done", "stance": "neutral"})
    db.close()
    app = make_app(db_path)  # the lead analyst ("tester")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        app.screen.query_one("#filter-disagreement").value = True
        app.screen.query_one("#filter-language").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert query_text(app.triage.filter) == "disagree:any"
        assert (app.triage.queue.total, app.triage.view.id) == (1, ids["de"])
        assert "analysts disagree" in str(app.query_one("#queue-header").content)
        bar = app.triage.triage_bar.content.plain
        assert "olena: Critical B" in bar and "taras: Neutral C" in bar

        await pilot.press("2", "g", "b", "2", "A", "y")
        await settle(app, pilot)

    db = open_db(db_path)
    ruling = get_decision(db, ids["de"], "tester")
    assert (ruling.stance, ruling.grade, ruling.status, ruling.adjudicated) == (
        "critical",
        "B2",
        "done",
        True,
    )
    actions = {
        r[0]
        for r in db.execute(
            "SELECT action FROM events WHERE analyst = 'tester' AND article_id = ?", [ids["de"]]
        )
    }
    assert actions == {"set", "adjudicate"}
    # Settled: the disagreement list is empty now.
    from article_triage.store.articles import ArticleFilter, count_articles

    assert count_articles(db, ArticleFilter(analyst="tester", disagreement=True)) == 0
