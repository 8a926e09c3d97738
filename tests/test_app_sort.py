"""Sorting the queue in the app: > steps through the orders, and every key after it acts
on the article the sorted queue shows (checked in the store)."""

from __future__ import annotations

from app_support import SIZE, decision, make_app, seed_store, settle

from article_triage.tui.screens.triage import query_text


async def test_sort_then_move_grade_and_done_land_on_the_article_shown(db_path):
    ids = seed_store(db_path)
    # Import order: uk, de, hostile, rtl. Published, oldest first: de (2024-03), uk
    # (2024-03-14), then the undated in import order: hostile, rtl.
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]
        header = app.query_one("#queue-header")
        assert str(header.content) == "0 / 4 done"

        await pilot.press("greater_than_sign")
        await settle(app, pilot)
        assert "newest published first" in str(header.content)
        assert (app.triage.queue.cursor, app.triage.view.id) == (0, ids["uk"])  # the article stays

        await pilot.press("greater_than_sign")
        await settle(app, pilot)
        assert "oldest published first" in str(header.content)
        assert (app.triage.queue.cursor, app.triage.view.id) == (1, ids["uk"])
        assert query_text(app.triage.filter) == "sort:published"  # what / shows and edits

        # In import order j would show de; sorted, the next is the undated hostile one.
        await pilot.press("j", "2", "g", "b", "2")
        await settle(app, pilot)
        assert app.triage.view.id == ids["hostile"]
        shown = decision(db_path, ids["hostile"])
        assert (shown.stance, shown.reliability, shown.credibility) == ("critical", "B", "2")
        assert decision(db_path, ids["de"]).stance is None

        # Done moves to the next untriaged in the sorted order: rtl, not back to de.
        await pilot.press("d")
        await settle(app, pilot)
        assert decision(db_path, ids["hostile"]).status == "done"
        assert app.triage.view.id == ids["rtl"]
        assert app.triage.queue.cursor == 3

        # By outlet site: de.rt.com, radiosvoboda.org (www. off), then no site.
        await pilot.press("greater_than_sign")
        await settle(app, pilot)
        assert "by outlet site, A to Z" in str(header.content)
        await pilot.press("home")
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        await pilot.press("j", "3")
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]
        assert decision(db_path, ids["uk"]).stance == "neutral"
        await pilot.press("c")  # clears search and filter; the order is neither
        await settle(app, pilot)
        assert "by outlet site, A to Z" in str(header.content)
        assert (app.triage.queue.cursor, app.triage.view.id) == (1, ids["uk"])

        await pilot.press("greater_than_sign")  # back to import order
        await settle(app, pilot)
        assert str(header.content) == "1 / 4 done"
        assert query_text(app.triage.filter) == ""
        assert (app.triage.queue.cursor, app.triage.view.id) == (0, ids["uk"])
