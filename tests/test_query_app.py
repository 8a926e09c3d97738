"""One query, three front doors: typed in the app's `/` bar, built by the filter dialog,
and given to the CLI as --where select the same articles; the queue header says it."""

from __future__ import annotations

import csv
import io

import pytest
from app_support import SIZE, make_app, seed_store, settle
from click.testing import CliRunner

from article_triage.store.articles import ArticleFilter, iter_article_ids
from article_triage.store.db import open_db
from article_triage.store.query import join_fields, parse, split_fields
from article_triage.store.triage import apply_changes
from article_triage.tui.cli import cli
from article_triage.tui.screens.triage import query_text

QUERY = 'status:new outlet:rt "RIA Nowosti" -lang:en'


@pytest.fixture
def seeded(db_path):
    ids = seed_store(db_path)
    db = open_db(db_path)
    apply_changes(db, [ids["uk"]], "tester", {"status": "done"})
    db.close()
    return db_path, ids


def _cli_ids(db_path) -> list[int]:
    result = CliRunner().invoke(
        cli,
        [
            *("--db", str(db_path), "--analyst", "tester"),
            *("export", "--format", "csv", "--analyst", "tester", "--where", QUERY),
        ],
    )
    assert result.exit_code == 0, result.output
    return sorted({int(row["id"]) for row in csv.DictReader(io.StringIO(result.output))})


async def test_the_bar_the_dialog_and_where_select_the_same_articles(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        db = open_db(db_path)

        await pilot.press("slash")
        app.query_one("#search").value = QUERY
        await pilot.press("enter")
        await settle(app, pilot)
        typed = list(iter_article_ids(db, app.triage.filter))
        header = str(app.query_one("#queue-header").content)
        assert parse(QUERY).describe() in header
        assert app.triage.queue.total == len(typed)

        await pilot.press("c")  # clear, then build the same query in the dialog
        await settle(app, pilot)
        assert app.triage.queue.total == 4
        await pilot.press("F")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#filter-status").value = "new"
        dialog.query_one("#filter-outlet").value = "rt"
        dialog.query_one("#filter-rest").value = '"RIA Nowosti" -lang:en'
        dialog.query_one("#filter-rest").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        built = list(iter_article_ids(db, app.triage.filter))
        assert query_text(app.triage.filter) == join_fields(*split_fields(QUERY))

    assert typed == built == _cli_ids(db_path) == [ids["de"]]


async def test_a_bad_query_in_the_bar_leaves_the_queue_and_the_bar_open(seeded):
    db_path, _ = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        app.query_one("#search").value = "status:new lnag:de"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.triage.queue.total == 4
        assert app.query_one("#search").display  # still there, to correct


@pytest.mark.parametrize(
    "query",
    [QUERY, "lang:de OR lang:uk", "grade:<=C2 -status:done x", 'outlet:"RIA Novosti" disagree:any'],
)
def test_the_dialog_split_and_join_select_what_the_query_does(seeded, query):
    db_path, _ = seeded
    db = open_db(db_path)

    def ids(text: str) -> list[int]:
        return list(iter_article_ids(db, ArticleFilter(analyst="tester", where=parse(text))))

    assert ids(join_fields(*split_fields(query))) == ids(query)


async def take_suggestion(pilot, field, expected: str) -> None:
    """Right arrow takes the suggestion, once it is worked out (off the UI thread)."""
    for _ in range(100):
        await pilot.pause(0.02)
        await pilot.press("right")
        if field.value == expected:
            return
    raise AssertionError(f"{expected!r} never offered; the field holds {field.value!r}")


async def test_the_filter_dialog_completes_the_rest_of_the_query_as_the_bar_does(seeded):
    db_path, ids = seeded
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("F")
        await pilot.pause()
        rest = app.screen.query_one("#filter-rest")
        rest.focus()
        await pilot.press(*"lan")
        await take_suggestion(pilot, rest, "lang:")  # the field name
        await pilot.press("u")
        await take_suggestion(pilot, rest, "lang:uk")  # a value the store holds
        assert rest.value == "lang:uk"
        await pilot.press("enter")
        await settle(app, pilot)
        assert query_text(app.triage.filter) == "lang:uk"
        assert (app.triage.queue.total, app.triage.view.id) == (1, ids["uk"])
