"""Daily tools in the app: translating without the internet, the article's URL (browser,
clipboard), import path completion, clearing a filter in place, the export dialog's memory."""

from __future__ import annotations

import webbrowser

import fake_libretranslate
from test_app_flows import SIZE, make_app, notifications, seed_store, settle

from article_triage.store.db import open_db
from article_triage.store.settings import settings_from_table


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
        offline = [m for m in notifications(app) if m.startswith("offline")]
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
        assert app.view.id == ids["uk"]
        await pilot.press("O")
        await settle(app, pilot)
        assert opened == ["https://www.radiosvoboda.org/a/kazakhstan-arms.html"]
        await pilot.press("Y")
        assert app.clipboard == "https://www.radiosvoboda.org/a/kazakhstan-arms.html"
        # An article pasted or read from a file has no address: said, nothing opened.
        await pilot.press("end")
        await settle(app, pilot)
        assert app.view.id == ids["rtl"]
        await pilot.press("O", "Y")
        await settle(app, pilot)
        assert len(opened) == 1
        assert app.clipboard == "https://www.radiosvoboda.org/a/kazakhstan-arms.html"
        assert any("no URL" in m for m in notifications(app))
    # Both keys are in the one action table, so help and palette list them.
    ids_in_table = {spec.id for spec in app.action_table}
    assert {"article.open_url", "article.copy_url"} <= ids_in_table
