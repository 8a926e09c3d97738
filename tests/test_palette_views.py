"""Saved views in the command palette: choosing one shows the articles its query
selects, the same ones `--where` of that query selects through the store."""

from __future__ import annotations

from app_support import SIZE, make_app, seed_store, settle
from rich.style import Style
from textual.command import CommandPalette, Matcher

from article_triage.store.articles import ArticleFilter, iter_article_ids
from article_triage.store.db import open_db
from article_triage.store.query import parse
from article_triage.store.query_views import save_view
from article_triage.store.triage import apply_changes
from article_triage.tui.palette_views import highlighted

QUERY = "-status:done lang:de OR lang:uk"


async def test_a_saved_view_chosen_in_the_palette_fills_the_queue_as_where_would(db_path):
    ids = seed_store(db_path)
    db = open_db(db_path)
    apply_changes(db, [ids["uk"]], "tester", {"status": "done"})
    save_view(db, "[b]german[/b] open", QUERY, "tester")  # brackets: shown, not markup
    save_view(db, "english", "lang:en", "tester")
    expected = list(iter_article_ids(db, ArticleFilter(analyst="tester", where=parse(QUERY))))
    assert 0 < len(expected) < len(ids)

    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"view german")
        await settle(app, pilot)
        first = palette.query_one("CommandList").get_option_at_index(0)
        assert str(first.prompt).splitlines()[0] == f"view: [b]german[/b] open — {QUERY}"
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, CommandPalette)
        shown = [app.triage.queue.row_at(i).id for i in range(app.triage.queue.total)]
        header = str(app.query_one("#queue-header").content)

    assert shown == expected
    assert parse(QUERY).describe() in header


def test_letters_that_lower_to_two_keep_the_highlight_on_the_letters_matched():
    # 'İ' lowers to two letters: the search's offsets ran past the title (IndexError
    # in the palette) or marked letters after the ones matched.
    bold = Style(bold=True)
    title = "view: İİİ — abczq"
    spans = highlighted(Matcher("zq", match_style=bold), title).spans
    assert [title[s.start : s.end] for s in spans] == ["z", "q"]
    title = "view: " + "İ" * 10 + " — zq"
    spans = highlighted(Matcher("zq", match_style=bold), title).spans
    assert [title[s.start : s.end] for s in spans] == ["z", "q"]


def test_a_views_name_shows_its_bidi_override_in_the_palette():
    from article_triage.store.query_views import SavedView
    from article_triage.tui.palette_views import view_title

    view = SavedView("\u202eevil\u200b", "lang:de", "ann", "2026-12-05T00:00:00Z")
    assert view_title(view) == "view: <U+202E>evil<U+200B> — lang:de"
