"""The queue reads only the pages it shows, and keeps a bounded cache of them."""

from __future__ import annotations

from app_support import settle

import article_triage.tui.widgets.queue as queue_module
from article_triage.store.articles import ArticleFilter, insert_article
from article_triage.store.db import open_db
from article_triage.store.settings import Settings
from article_triage.tui.app import TriageApp


async def test_only_visible_pages_are_read(db_path, monkeypatch):
    db = open_db(db_path)
    for i in range(250):
        insert_article(db, [f"Article number {i} in the queue."], title=f"Title {i}", language="en")
    db.close()

    read: list[int] = []
    real_page_articles = queue_module.page_articles

    def recording_page_articles(db, flt, offset, limit):
        read.append(offset // limit)
        return real_page_articles(db, flt, offset, limit)

    monkeypatch.setattr(queue_module, "page_articles", recording_page_articles)
    app = TriageApp(db_path, "tester", Settings())
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert app.triage.queue.total == 250
        assert set(read) == {0}
        await pilot.press("end")
        await settle(app, pilot)
        assert app.triage.view.id == 250
        # The last rows are on page 2; page 1 was never on screen, so never read.
        assert 1 not in read and 2 in read
        assert app.triage.queue.pages_cached <= queue_module.MAX_PAGES
        assert str(app.query_one("#queue-header").content) == "0 / 250 done"


async def test_filter_by_grade_and_status_through_the_app(db_path):
    db = open_db(db_path)
    ids = [insert_article(db, [f"Text {i}."], language="en") for i in range(5)]
    db.close()
    app = TriageApp(db_path, "tester", Settings())
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("g", "b", "2", "d")
        await settle(app, pilot)
        assert app.triage.view.id == ids[1]
        app.triage.apply_filter(ArticleFilter(analyst="tester", grade="B2"))
        await settle(app, pilot)
        assert (app.triage.queue.total, app.triage.view.id) == (1, ids[0])
        app.triage.apply_filter(ArticleFilter(analyst="tester", status="new"))
        await settle(app, pilot)
        assert app.triage.queue.total == 4
        # Done in a "new" filter: the row leaves the list and the next one is shown.
        await pilot.press("d")
        await settle(app, pilot)
        assert (app.triage.queue.total, app.triage.view.id) == (3, ids[2])
        assert str(app.query_one("#queue-header").content).startswith("0 / 3 done")
