"""Hostile input: any text a page or an analyst supplies is data, never syntax.

Property tests (hypothesis) for FTS queries, control characters and paragraphs,
and one article full of markup, escape sequences, NULs and bidi overrides.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.articles import (
    ArticleFilter,
    DuplicateArticle,
    count_articles,
    fts_query,
    get_article,
    insert_article,
    page_articles,
    search,
)
from article_triage.store.db import open_db
from article_triage.store.text import (
    join_paragraphs,
    normalise_paragraph,
    split_paragraphs,
    strip_control,
)
from article_triage.store.translations import save_translation

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
QUERY_SYNTAX = "\"*()-+^:.{},NEAR OR AND NOT _ a b é\u0301 Ы 中 \\'"
PROPERTIES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text the way pages deliver it: all of Unicode (no surrogates), and strings that
# lean on the characters that mean something to FTS5, terminals and Rich.
any_text = st.text(max_size=200)
syntax_text = st.text(alphabet=QUERY_SYNTAX, max_size=60)
control_text = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x00, 0x20)]
        + [chr(c) for c in range(0x7F, 0xA0)]
        + ["\ud800", "\udcff", "\udfff"]  # lone surrogates, as JSON escapes can carry
        + list("ab [/]\u202e")
    ),
    max_size=80,
)
hostile_text = any_text | syntax_text | control_text


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    database = open_db(tmp_path_factory.mktemp("hostile") / "triage.db")
    insert_article(database, ["Hello world of grain and ports."], title="Seed")
    yield database
    database.close()


@PROPERTIES
@given(query=hostile_text)
def test_fts_query_is_never_an_fts5_syntax_error(shared_db, query):
    match = fts_query(query)
    if match is None:
        assert not re.search(r"\w", strip_control(query).replace("*", ""))
        return
    # Raises sqlite3.OperationalError on a syntax error.
    shared_db.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", [match]
    ).fetchone()
    search(shared_db, query)
    count_articles(shared_db, ArticleFilter(query=query))


def test_fts_query_with_thousands_of_terms(shared_db):
    for query in (" ".join(["w"] * 5000), "x*" * 3000, '"a" ' * 2000, "a" * 100_000):
        assert search(shared_db, query) == []


@PROPERTIES
@given(text=hostile_text)
def test_strip_control_removes_every_c0_c1_but_tab_and_newline(text):
    cleaned = strip_control(text)
    assert not CONTROL.search(cleaned)
    assert "\r" not in cleaned
    # nothing else is touched
    expected = "".join(
        c for c in text.replace("\r\n", "\n").replace("\r", "\n") if not CONTROL.match(c)
    )
    assert cleaned == expected
    assert strip_control(cleaned) == cleaned


@PROPERTIES
@given(text=hostile_text)
def test_split_join_round_trip_on_normalised_text(text):
    paragraphs = split_paragraphs(text)
    assert all(p and p == normalise_paragraph(p) for p in paragraphs)
    assert all("\n\n" not in p and not CONTROL.search(p) for p in paragraphs)
    assert split_paragraphs(join_paragraphs(paragraphs)) == paragraphs


@PROPERTIES
@given(paragraphs=st.lists(hostile_text, min_size=1, max_size=5), title=hostile_text)
def test_insert_article_never_stores_a_control_character(shared_db, paragraphs, title):
    try:
        article_id = insert_article(shared_db, paragraphs, title=title, hostname=title)
    except ValueError:  # nothing left after cleaning
        assert not any(normalise_paragraph(p) for p in paragraphs)
        return
    except DuplicateArticle as dup:
        article_id = dup.article_id
    stored = get_article(shared_db, article_id)
    for column in ("text", "title", "hostname"):
        assert not CONTROL.search(stored[column] or ""), column
    row = page_articles(shared_db, ArticleFilter(ids=(article_id,)))[0]
    assert not CONTROL.search(row.title + row.hostname)


HOSTILE_TITLE = "[bold red]Breaking[/] \x1b[2J\x1b]0;pwned\x07 news\x00 \u202egnp.exe\u202c"
HOSTILE_PARAGRAPHS = [
    "Markup [/] and [bold red]x[/] and [link=http://evil]click[/link] stay text.",
    "Escape \x1b[31mred\x1b[0m, cursor \x1b[H\x1b[2J, OSC \x1b]52;c;Zm9v\x07 and NUL\x00 go.",
    "Bidi \u202eoverride\u202c and \u2066isolate\u2069 are kept as written: שלום עולם.",
    "C1 \x9b31m CSI and \x85 NEL and DEL\x7f vanish; a tab\tis a space.",
]


def test_hostile_article_is_returned_safely_everywhere(db):
    article_id = insert_article(db, HOSTILE_PARAGRAPHS, title=HOSTILE_TITLE, language="en")
    save_translation(
        db, article_id, "de", "sample", ["[i]Übersetzung[/i]\x1b[0m", None, None, None]
    )

    article = get_article(db, article_id)
    assert article["title"] == "[bold red]Breaking[/] [2J]0;pwned news \u202egnp.exe\u202c"
    assert article["text"].split("\n\n") == [
        "Markup [/] and [bold red]x[/] and [link=http://evil]click[/link] stay text.",
        "Escape [31mred[0m, cursor [H[2J, OSC ]52;c;Zm9v and NUL go.",
        "Bidi \u202eoverride\u202c and \u2066isolate\u2069 are kept as written: שלום עולם.",
        "C1 31m CSI and NEL and DEL vanish; a tab is a space.",
    ]
    row = page_articles(db)[0]
    assert row.title == article["title"]

    for query, needle in [
        ("bold red", "[bold red]"),
        ('"stay text"', "[/link]"),
        ("pwned", None),
        ("override", "\u202e"),
        ("Übersetzung", "[i]"),
    ]:
        hits = search(db, query)
        assert [h.id for h in hits] == [article_id], query
        assert not CONTROL.search(hits[0].snippet + hits[0].title)
        if needle:
            assert needle in hits[0].snippet + hits[0].title, query
    # every character that survives is printable or a deliberate format mark
    for ch in article["text"] + article["title"]:
        assert (
            ch in "\n\t" or unicodedata.category(ch)[0] != "C" or ch in "\u202e\u202c\u2066\u2069"
        )


def test_hostile_queries_from_the_shell_find_literal_text(db):
    article_id = insert_article(db, ["Price of C++ books and foo-bar terms."], title="[/]")
    assert [h.id for h in search(db, "C++")] == [article_id]
    assert [h.id for h in search(db, "foo-bar")] == [article_id]
    assert [h.id for h in search(db, '"books foo')] == [article_id]  # unbalanced quote
    assert search(db, '"unbalanced foo') == []  # words are ANDed
    assert search(db, "[/]") == []  # nothing searchable in it, and no error
    assert search(db, "\x1b[31m") == []
