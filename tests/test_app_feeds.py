"""Pilot tests of feeds in the app: R refreshes in a worker, L shows health; each checks the store."""

from __future__ import annotations

import loopback_server
from app_support import SIZE, make_app, seed_store, settle

from article_triage.store.db import open_db
from article_triage.store.feeds import add_feed, list_feeds
from article_triage.store.settings import settings_from_table
from article_triage.tui.screens.confirm import ConfirmDialog
from article_triage.tui.screens.feeds import FeedsScreen
from tests.test_feeds_refresh import item, rss
from tests.test_ingest_files import PAGE

loopback = loopback_server.loopback
CONFIG = settings_from_table({"feeds": {"allow_private_addresses": True}})


def subscribe(db_path, loopback) -> int:
    page = loopback.add("/article.html", PAGE)
    url = loopback.add("/feed.xml", rss(item(1, link=page), item(2)), etag='"1"')
    db = open_db(db_path)
    feed, _ = add_feed(db, url, name="Loopback")
    db.close()
    return feed.id


def store_rows(db_path, sql: str) -> list[tuple]:
    db = open_db(db_path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


async def test_R_imports_new_entries_and_the_reader_keeps_its_place(db_path, loopback):
    seed_store(db_path)
    subscribe(db_path, loopback)
    app = make_app(db_path, CONFIG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        reading = app.triage.view.id
        before = app.triage.queue.total
        await pilot.press("R")
        await settle(app, pilot)
        assert app.triage.queue.total == before + 2
        assert app.triage.view.id == reading  # the article being read stays on screen
        assert app.triage.queue.current.id == reading
        assert any("2 new articles" in m.text for m in app.message_log)
    rows = store_rows(
        db_path, "SELECT title, final_url, feed_url FROM articles WHERE feed_url IS NOT NULL"
    )
    assert len(rows) == 2
    assert {r[2] for r in rows} == {loopback.url("/feed.xml")}
    # the entry linking to a page was read from that page, as `add` does
    assert loopback.url("/article.html") in {r[1] for r in rows}
    (state,) = store_rows(db_path, "SELECT etag, last_success, items_seen FROM feeds")
    assert state[0] == '"1"' and state[1] is not None and state[2] == 2


async def test_feeds_screen_pauses_and_removes_a_feed(db_path, loopback):
    seed_store(db_path)
    feed_id = subscribe(db_path, loopback)
    app = make_app(db_path, CONFIG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("L")
        await settle(app, pilot)
        assert isinstance(app.screen, FeedsScreen)
        assert app.screen.selected_id == feed_id
        await pilot.press("p")
        await settle(app, pilot)
        assert store_rows(db_path, "SELECT paused FROM feeds") == [(1,)]
        assert app.screen.rows[feed_id].state == "paused"
        await pilot.press("p")
        await settle(app, pilot)
        assert store_rows(db_path, "SELECT paused FROM feeds") == [(0,)]
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, FeedsScreen)
    db = open_db(db_path)
    assert list_feeds(db) == []
    db.close()


async def test_feeds_screen_shows_a_hostile_feed_name_as_text(db_path, loopback):
    from tests.test_feeds_cli import HOSTILE_NAME

    seed_store(db_path)
    db = open_db(db_path)
    add_feed(db, loopback.url("/feed.xml"), name=HOSTILE_NAME, tags=["[bold]"])
    db.close()
    app = make_app(db_path, CONFIG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("L")
        await settle(app, pilot)
        assert isinstance(app.screen, FeedsScreen)
        table = app.screen.query_one("DataTable")
        name, tags = (str(cell) for cell in table.get_row_at(0)[:2])
        assert name == "<U+202E>ss<U+200B>ap <U+2066>[/]"
        assert tags == "[bold]"
        await pilot.press("x")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "<U+202E>ss<U+200B>ap" in str(app.screen.question)
        await pilot.press("n")
        await settle(app, pilot)
    assert len(store_rows(db_path, "SELECT id FROM feeds")) == 1
