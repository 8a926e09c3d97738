"""Sorted lists (store.articles.SortOrder): pages, positions and the next untriaged
article in every order, ties and missing keys included, and the query language's sort:."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.articles import (
    SORT_ORDERS,
    ArticleFilter,
    count_articles,
    insert_article,
    page_articles,
    position_of,
)
from article_triage.store.query import QueryError, join_fields, parse, parse_query, with_sort
from article_triage.store.query_views import save_view, view_query
from article_triage.store.triage import apply_changes, next_untriaged

ANALYST = "me"


def _site(hostname: str | None, sitename: str | None) -> str:
    site = hostname if hostname is not None else (sitename if sitename is not None else "")
    site = site.removeprefix("www.")
    return "".join(c.lower() if c.isascii() else c for c in site)  # SQLite's lower()


def expected_ids(db, order_name: str, ids: list[int] | None = None) -> list[int]:
    """The order, computed in Python from the stored rows: the model the SQL must match."""
    rows = db.execute("SELECT id, published, hostname, sitename FROM articles").fetchall()
    if ids is not None:
        rows = [r for r in rows if r[0] in ids]
    order = SORT_ORDERS[order_name]
    if order.key is None:
        return sorted((r[0] for r in rows), reverse=order.descending)
    if "published" in order.name:
        keyed = [(r[1] or "", r[0]) for r in rows]
    else:
        keyed = [(_site(r[2], r[3]), r[0]) for r in rows]
    if order.descending:  # '' is the least key: last
        return [i for _, i in sorted(keyed, reverse=True)]
    return [i for _, i in sorted(keyed, key=lambda ki: (ki[0] == "", ki[0], ki[1]))]


def all_pages(db, flt: ArticleFilter, size: int) -> list[int]:
    ids, offset = [], 0
    while page := page_articles(db, flt, offset, size):
        ids += [row.id for row in page]
        offset += size
    return ids


@pytest.fixture
def mixed(db) -> dict[str, int]:
    """Dates with ties, a year-only date, an empty and a missing one; sites with www.,
    capitals, a sitename only, none at all."""
    rows = {
        "a": ("2024-03-14", "www.radiosvoboda.org", None),
        "b": ("2024-03-14", "de.rt.com", None),
        "c": (None, "tass.ru", None),
        "d": ("2023", None, "RT DE"),
        "e": ("", None, None),
        "f": ("2024-05-01", "Radiosvoboda.org", None),
        "g": (None, None, None),
    }
    return {
        name: insert_article(
            db, [f"Article {name}."], published=published, hostname=host, sitename=site
        )
        for name, (published, host, site) in rows.items()
    }


@pytest.mark.parametrize(
    "order, names",
    [
        ("added", "abcdefg"),
        ("-added", "gfedcba"),
        # ties by id; undated (None and '') last, in id order
        ("published", "dabfceg"),
        # newest first, ties newest import first; undated last both ways
        ("-published", "fbadgec"),
        # www. off and any case: radiosvoboda.org twice, by id; no site last
        ("outlet", "bafdceg"),
        ("-outlet", "cdfabge"),
    ],
)
def test_each_order_pages_ties_by_id_and_keyless_last(db, mixed, order, names):
    flt = ArticleFilter(analyst=ANALYST, sort=order)
    want = [mixed[n] for n in names]
    assert [r.id for r in page_articles(db, flt, 0, 100)] == want
    assert all_pages(db, flt, 2) == want  # pages join up across ties and the keyless
    assert want == expected_ids(db, order)


@pytest.mark.parametrize("order", list(SORT_ORDERS))
def test_position_of_and_next_untriaged_follow_each_order(db, mixed, order):
    flt = ArticleFilter(analyst=ANALYST, sort=order)
    listed = [r.id for r in page_articles(db, flt, 0, 100)]
    for index, article_id in enumerate(listed):
        assert position_of(db, flt, article_id) == index
        # counted from any row above it, the same place
        for anchor_index in range(index + 1):
            anchor = (anchor_index, listed[anchor_index])
            assert position_of(db, flt, article_id, anchor=anchor) == index
    # the second and fifth are done: the next untriaged skips them, in the list's order
    done = {listed[1], listed[4]}
    apply_changes(db, done, ANALYST, {"status": "done"})
    untriaged = [i for i in listed if i not in done]
    for article_id in listed:
        later = [i for i in listed[listed.index(article_id) + 1 :] if i not in done]
        assert next_untriaged(db, ANALYST, article_id, flt) == (later or untriaged)[0]
    assert next_untriaged(db, ANALYST, 0, flt) == untriaged[0]


@pytest.mark.parametrize("order", list(SORT_ORDERS))
def test_anchor_that_left_the_filter_still_counts_right(db, mixed, order):
    """Done in a 'new' queue: the row just decided leaves the list, and the next
    untriaged one takes its place (the app's "done, next" counts from it)."""
    flt = ArticleFilter(analyst=ANALYST, sort=order, status="new")
    before = [r.id for r in page_articles(db, flt, 0, 100)]
    anchor = (2, before[2])
    apply_changes(db, [before[2]], ANALYST, {"status": "done"})
    after = [r.id for r in page_articles(db, flt, 0, 100)]
    for target in before[3:]:
        assert position_of(db, flt, target, anchor=anchor) == after.index(target)


def test_position_of_is_none_outside_the_filter_in_any_order(db, mixed):
    for order in SORT_ORDERS:
        flt = ArticleFilter(analyst=ANALYST, sort=order, ids=(mixed["a"], mixed["c"]))
        assert position_of(db, flt, mixed["b"]) is None
        assert position_of(db, flt, 10_000) is None
        assert position_of(db, flt, mixed["c"], anchor=(0, mixed["b"])) in (0, 1)


def test_query_sort_orders_the_list_and_the_field_is_its_default(db, mixed):
    by_query = ArticleFilter(analyst=ANALYST, where=parse("sort:-published"))
    assert by_query.order.name == "-published"
    ids = [r.id for r in page_articles(db, by_query, 0, 100)]
    assert ids == expected_ids(db, "-published")
    # The query's sort: term wins over the field, which is the order when it names none.
    both = ArticleFilter(analyst=ANALYST, where=parse("sort:outlet"), sort="-published")
    assert both.order.name == "outlet"
    assert ArticleFilter(analyst=ANALYST, where=parse("lang:und"), sort="-outlet").order.name == (
        "-outlet"
    )
    # A query that only sorts counts every article (and is no condition in describe()).
    assert count_articles(db, by_query) == len(mixed)
    assert count_articles(db, ArticleFilter(analyst=ANALYST, status="new", where=by_query.where))
    assert by_query.describe() == ""
    assert by_query.order.description == "newest published first"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([None, "", "2023", "2024-03", "2024-03-14", "2024-03-15", "2024"]),
            st.sampled_from([None, "www.a.org", "a.org", "B.org", "b.org", "www.é.net", "z.io"]),
            st.sampled_from([None, "RT DE", "a.org"]),
            st.booleans(),
        ),
        max_size=14,
    ),
    order=st.sampled_from(list(SORT_ORDERS)),
    size=st.integers(1, 5),
    pick=st.integers(0, 100),
)
def test_pages_positions_and_next_untriaged_match_pythons_sorted(db, rows, order, size, pick):
    db.execute("DELETE FROM decisions")
    db.execute("DELETE FROM articles")
    ids = [
        insert_article(db, [f"Row {i}."], published=p, hostname=h, sitename=s)
        for i, (p, h, s, _done) in enumerate(rows)
    ]
    done = [i for i, row in zip(ids, rows, strict=True) if row[3]]
    if done:
        apply_changes(db, done, ANALYST, {"status": "done"})
    flt = ArticleFilter(analyst=ANALYST, sort=order)
    want = expected_ids(db, order)
    assert all_pages(db, flt, size) == want
    new_only = ArticleFilter(analyst=ANALYST, sort=order, status="new")
    assert all_pages(db, new_only, size) == [i for i in want if i not in done]
    if not ids:
        return
    target = want[pick % len(want)]
    assert position_of(db, flt, target) == want.index(target)
    anchor_index = pick % (want.index(target) + 1)
    assert position_of(db, flt, target, anchor=(anchor_index, want[anchor_index])) == (
        want.index(target)
    )
    after = [i for i in want[want.index(target) + 1 :] if i not in done]
    first = [i for i in want if i not in done]
    assert next_untriaged(db, ANALYST, target, flt) == (after or first or [None])[0]


@pytest.mark.parametrize("status", [None, "new"])
@pytest.mark.parametrize("order", list(SORT_ORDERS))
def test_each_sorted_page_walks_an_index_not_a_sort(db, mixed, order, status):
    """The migration's index expressions are those of SORT_ORDERS: SQLite reads a page in
    index order (a million articles stay fast) instead of sorting or scanning the table."""
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        page_articles(db, ArticleFilter(analyst=ANALYST, sort=order, status=status), 3, 2)
    finally:
        db.conn.set_trace_callback(None)
    (page_sql,) = [sql for sql in statements if "LIMIT" in sql]
    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {page_sql}")]
    # The rows skipped to the offset come from the order's index (not a table scan and
    # a sort); only the page's few rows are sorted again, after their decisions join.
    skipping = next(step for step in plan if step.startswith("SCAN a"))
    assert "INDEX articles_sort_" in skipping


# --- the query language's sort: -----------------------------------------------------------


@pytest.mark.parametrize(
    "query, order, said",
    [
        ("sort:-published", "-published", "newest published first"),
        ("sort:published", "published", "oldest published first"),
        ("sort:outlet", "outlet", "by outlet site, A to Z"),
        ("sort:added", "added", "oldest import first"),
        ("sort:Published", "published", "oldest published first"),
        ("lang:de sort:-published", "-published", "language is de, newest published first"),
        ("sort:outlet lang:de OR lang:uk", "outlet", "language is de or language is uk, by"),
        ("", None, "all articles"),
    ],
)
def test_sort_terms_name_the_order_and_say_it(query, order, said):
    clause = parse(query)
    assert clause.order() == order
    assert clause.describe().startswith(said)
    assert clause.conditions().order() is None


@pytest.mark.parametrize(
    "query, position, reason",
    [
        ("sort:newest", 6, "unknown sort key 'newest'"),
        ("lang:de sort:-publshed", 14, "did you mean published?"),
        ("sort:", 1, "needs a value"),
        ("-sort:published", 1, "cannot be left out"),
        ("(lang:de sort:outlet)", 10, "outside the parentheses"),
        ("lang:de OR sort:outlet", 12, "no side of OR"),
        ("sort:outlet lang:de sort:added", 21, "sorted once: sort:outlet at 1"),
    ],
)
def test_bad_sort_terms_say_where_and_why(query, position, reason):
    with pytest.raises(QueryError) as error:
        parse(query)
    assert error.value.position == position
    assert reason in error.value.reason


def test_with_sort_replaces_the_term_and_keeps_the_rest():
    assert with_sort("lang:de sort:outlet has:notes", "-published") == (
        "lang:de has:notes sort:-published"
    )
    assert with_sort("lang:de sort:outlet", "added") == "lang:de"
    assert with_sort("", "outlet") == "sort:outlet"
    assert parse(with_sort("a OR b", "published")).order() == "published"
    # The filter dialog puts a query with OR in parentheses: the sort stays outside.
    joined = join_fields({"lang": "de"}, "a OR b sort:outlet")
    assert parse(joined).order() == "outlet"
    assert parse_query(joined).conditions().describe() == (
        "language is de and (text has a or text has b)"
    )


def test_a_saved_view_carries_its_order(db):
    save_view(db, "latest", "lang:de sort:-published")
    clause = parse(view_query(db, "latest"))
    assert ArticleFilter(where=clause).order.name == "-published"


# --- export follows the order ---------------------------------------------------------------


@pytest.mark.parametrize("order", list(SORT_ORDERS))
def test_export_follows_the_querys_order_across_batches(db, mixed, order, monkeypatch):
    """`triage export --where sort:...`: records in the list's order, each article's by
    analyst, however the batches fall (two rows a batch: ties and analysts split)."""
    import csv
    import io

    from article_triage.store import export as export_module

    apply_changes(db, [mixed["a"], mixed["b"], mixed["e"]], "bob", {"stance": "critical"})
    apply_changes(db, [mixed["a"], mixed["e"]], "ann", {"stance": "neutral"})
    monkeypatch.setattr(export_module, "BATCH_SIZE", 2)
    flt = ArticleFilter(where=parse(f"sort:{order}"))
    records = list(export_module.export_records(db, flt))
    keys = [(r["id"], r["analyst"]) for r in records]
    analysts = {mixed["a"]: ["ann", "bob"], mixed["b"]: ["bob"], mixed["e"]: ["ann", "bob"]}
    assert keys == [
        (article_id, analyst)
        for article_id in expected_ids(db, order)
        for analyst in analysts.get(article_id, [None])
    ]
    out = io.StringIO()
    export_module.write_export(db, out, "csv", flt)
    ids = [int(row["id"]) for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert ids == [article_id for article_id, _ in keys]
