"""Daily tools in the app: translating without the internet, the article's URL (browser,
clipboard), import path completion, clearing a filter in place, the export dialog's memory."""

from __future__ import annotations

import webbrowser

import fake_libretranslate
from app_support import SIZE, make_app, notifications, seed_store, settle

from article_triage.store.articles import ArticleFilter
from article_triage.store.db import open_db
from article_triage.store.settings import settings_from_table
from article_triage.tui.screens.confirm import ConfirmDialog
from article_triage.tui.screens.export_dialog import ExportDialog
from article_triage.tui.screens.import_dialog import PathSuggester


async def test_translate_offline_says_how_to_translate_without_the_internet(db_path, tmp_path):
    seed_store(db_path)
    db = open_db(db_path)
    stored = db["translations"].count
    db.close()
    config_path = tmp_path / "config.toml"
    config = settings_from_table(
        {
            "translation": {
                "provider": "libre",
                "url": fake_libretranslate.closed_url(),
                "max_retries": 0,
            }
        },
        config_path,
    )
    app = make_app(db_path, config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("end", "T")
        await settle(app, pilot)
        offline = [m for m in notifications(app) if "; stopped: " in m]
        assert offline, notifications(app)
        assert "LibreTranslate" in offline[0] and "[translation] url" in offline[0]
        assert str(config_path) in offline[0]
    db = open_db(db_path)
    assert db["translations"].count == stored
    db.close()


async def test_o_opens_and_y_copies_the_article_url(db_path, monkeypatch):
    ids = seed_store(db_path)
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("home")
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]
        await pilot.press("o")
        await settle(app, pilot)
        assert opened == ["https://www.radiosvoboda.org/a/kazakhstan-arms.html"]
        await pilot.press("Y")
        assert app.clipboard == "https://www.radiosvoboda.org/a/kazakhstan-arms.html"
        # An article pasted or read from a file has no address: said, nothing opened.
        await pilot.press("end")
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"]
        await pilot.press("o", "Y")
        await settle(app, pilot)
        assert len(opened) == 1
        assert app.clipboard == "https://www.radiosvoboda.org/a/kazakhstan-arms.html"
        assert any("no URL" in m for m in notifications(app))
    # Both keys are in the one action table, so help and palette list them.
    ids_in_table = {spec.id for spec in app.action_table}
    assert {"article.open_url", "article.copy_url"} <= ids_in_table


# --- import completion, clear in place, the export dialog's memory -----------------------


async def test_import_path_completes_from_the_filesystem(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "report-kyiv.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    suggest = PathSuggester().get_suggestion
    assert await suggest(f"{tmp_path}/report-") == f"{tmp_path}/report-kyiv.txt"
    assert await suggest(f"{tmp_path}/reports") == f"{tmp_path}/reports/"
    assert await suggest(f"'{tmp_path}/.hid") == f"'{tmp_path}/.hidden"
    assert await suggest(f"{tmp_path}/nothing-like-it") is None
    assert await suggest("https://example.org/fe") is None
    assert await suggest(f"{tmp_path}/report-kyiv.txt ") is None  # the next word is not begun


async def test_import_dialog_completes_a_path_and_imports_it(db_path, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "kazakhstan-arms-report.txt").write_text(
        "Kazakhstan suspended arms exports for a year, the government said.\n\n"
        "The decision was taken on Thursday.",
        encoding="utf-8",
    )
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("I")
        await pilot.pause()
        sources = app.screen.query_one("#import-sources")
        sources.focus()
        sources.value = f"{folder}/kaz"
        sources.cursor_position = len(sources.value)
        await settle(app, pilot)
        await pilot.press("right")  # takes the suggestion
        assert sources.value == f"{folder}/kazakhstan-arms-report.txt"
        await pilot.press("enter")
        await settle(app, pilot)
    db = open_db(db_path)
    titles = [r[0] for r in db.execute("SELECT source FROM articles").fetchall()]
    db.close()
    assert titles and "kazakhstan-arms-report.txt" in titles[0]


async def test_clear_keeps_the_article_being_read(db_path):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.triage.apply_filter(ArticleFilter(analyst="tester", language="he"))
        await settle(app, pilot)
        assert app.triage.view.id == ids["rtl"] and app.triage.queue.total == 1
        await pilot.press("c")
        await settle(app, pilot)
        assert app.triage.queue.total == 4
        assert app.triage.view.id == ids["rtl"]


async def test_export_dialog_remembers_the_format_and_asks_before_overwriting(db_path, tmp_path):
    seed_store(db_path)
    out = tmp_path / "decisions.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("E")
        await pilot.pause()
        assert app.screen.query_one("#export-format").value == "csv"
        app.screen.query_one("#export-format").value = "jsonl"
        path_input = app.screen.query_one("#export-path")
        path_input.value = str(out)
        path_input.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app, pilot)
        assert out.read_text(encoding="utf-8") == "keep me\n"  # not overwritten
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter", "y")
        await settle(app, pilot)
        assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    # A new session offers the format used last.
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("E")
        await pilot.pause()
        assert app.screen.query_one("#export-format").value == "jsonl"
        assert app.screen.query_one("#export-path").value.endswith(".jsonl")
