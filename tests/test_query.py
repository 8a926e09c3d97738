"""The query language (store.query): what each field selects, what it says, and hostile input."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.agreement import agreement
from article_triage.store.agreement_units import rebuild_units
from article_triage.store.articles import (
    ArticleFilter,
    count_articles,
    insert_article,
    iter_article_ids,
    page_articles,
)
from article_triage.store.db import open_db
from article_triage.store.disagreement import DISAGREEMENT_FIELDS, decisions_disagree
from article_triage.store.query import FIELDS, Not, QueryError, complete, parse
from article_triage.store.triage import apply_changes, decisions_for_article

EXAMPLE = (
    "lang:de outlet:rt status:new grade:<=C2 flag:state-media-sourcing stance:critical "
    "analyst:bob disagree:stance published:2024-03..2024-05 has:notes has:translation "
    '-status:done "RIA Nowosti" kazakh*'
)


def _ids(db, query: str, analyst: str = "me") -> list[int]:
    return list(iter_article_ids(db, ArticleFilter(analyst=analyst, where=parse(query))))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """Six articles with decisions by 'me' and 'bob', a publisher, a story, a translation
    (read-only for the tests: built once for the module)."""
    db = open_db(tmp_path_factory.mktemp("query") / "triage.db")
    yield db, _seed(db)
    db.close()


@pytest.fixture
def store(seeded):
    return seeded[1]


def _seed(db):
    ids = [
        insert_article(
            db, ["Laut RIA Nowosti hat Kasachstan ..."], language="de", published="2024-04-02"
        ),
        insert_article(db, ["Kazakhstan signs a deal"], language="en", published="2024-06-01"),
        insert_article(db, ["Казахстан підписав угоду"], language="uk", published="2024-03"),
        insert_article(db, ["Ein anderer Text"], language="de", published="2024"),
        insert_article(db, ["Nothing here at all"], language="en"),
        insert_article(
            db, ["Zweiter deutscher Text über Kasachstan"], language="de", published="2023-12-31"
        ),
    ]
    apply_changes(db, [ids[0]], "me", {"stance": "critical", "reliability": "B", "credibility": "2",
                                       "flags": ["state-media-sourcing"], "notes": "check RIA"})  # fmt: skip
    apply_changes(db, [ids[1]], "me", {"status": "done", "reliability": "C", "credibility": "1"})
    apply_changes(db, [ids[2]], "me", {"status": "done", "reliability": "C", "credibility": "3"})
    apply_changes(
        db, [ids[3]], "me", {"status": "escalated", "reliability": "F", "credibility": "1"}
    )
    apply_changes(db, [ids[5]], "me", {"reliability": "D", "credibility": "2"})
    apply_changes(db, [ids[0], ids[1]], "me", {"status": "done"})
    apply_changes(db, [ids[0]], "bob", {"status": "done", "stance": "neutral"})
    apply_changes(db, [ids[1]], "bob", {"status": "done", "stance": "critical"})
    db.execute(
        "UPDATE articles SET translation_text = 'According to RIA Novosti' WHERE id = ?", [ids[0]]
    )
    db.execute(
        "INSERT INTO citations (article_id, outlet_key, role) VALUES (?, 'rt', 'publisher'), "
        "(?, 'ria', 'attributed'), (?, 'ria', 'mention')",
        [ids[0], ids[0], ids[3]],
    )
    db.execute("INSERT INTO stories (id, size, created_at) VALUES (7, 2, '2024')")
    db.execute(
        "INSERT INTO story_members (article_id, story_id) VALUES (?, 7), (?, 7)", [ids[1], ids[2]]
    )
    db.conn.commit()
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lang:de", [0, 3, 5]),
        ("LANG:DE", [0, 3, 5]),
        ("-lang:de", [1, 2, 4]),
        ("outlet:rt", [0]),
        ("outlet:ria", [0]),  # attributed counts, a mere mention does not
        ("status:new", [4, 5]),
        ("-status:done", [3, 4, 5]),
        ("status:escalated OR status:new", [3, 4, 5]),
        ("stance:critical", [0]),
        ("-stance:critical", [1, 2, 3, 4, 5]),  # no stance is not critical
        ("flag:state-media-sourcing", [0]),
        ("grade:<=C2", [0, 1]),  # B2, C1; not C3, D2, or F1 (F is no basis, not a grade)
        ("grade:<C", [0]),
        ("grade:<C2", []),  # each half: A–B and 1
        ("grade:>=C", [1, 2, 5]),
        ("grade:>2", [2]),
        ("grade:F1", [3]),
        ("grade:C", [1, 2]),
        ("grade:1", [1, 3]),
        ("analyst:bob", [0, 1]),
        ("disagree:stance", [0]),  # article 1: 'me' gave no stance, which is not a dispute
        ("disagree:any", [0]),
        ("published:2024-03..2024-05", [0, 2, 3]),  # '2024' overlaps the range
        ("published:2024-06", [1, 3]),
        ("published:..2023", [5]),
        ("has:notes", [0]),
        ("has:translation", [0]),
        ("has:story", [1, 2]),
        ("story:7", [1, 2]),
        ("story:8", []),
        ('"RIA Nowosti"', [0]),
        ("kazakh*", [1]),
        ("kasachstan", [0, 5]),
        ("kasachstan -lang:de OR kazakh*", [1]),
        ("(kasachstan OR kazakh*) -grade:D2", [0, 1]),
        ("-(lang:de OR lang:en)", [2]),
        ("--lang:uk", [2]),
        ("C++", []),
        ("", [0, 1, 2, 3, 4, 5]),
    ],
)
def test_each_field_selects_its_articles(seeded, query, expected):
    db, store = seeded
    assert _ids(db, query) == [store[i] for i in expected]


def test_the_issue_example_parses_runs_and_says_what_it_shows(seeded):
    db, _ = seeded
    clause = parse(EXAMPLE)
    assert _ids(db, EXAMPLE) == []
    said = clause.describe()
    for phrase in (
        "language is de",
        "published by or citing rt",
        "status is new",
        "graded C2 or better (reliability A–C, credibility 1–2)",
        "flagged state-media-sourcing",
        "decided by bob",
        "analysts disagree on stance",
        "published 2024-03 to 2024-05",
        "has notes",
        "has a translation",
        "not status is done",
        "text has “RIA Nowosti”",
        "text has kazakh*",
    ):
        assert phrase in said
    assert parse("lang:de OR (lang:uk -has:notes)").describe() == (
        "language is de or (language is uk and not has notes)"
    )
    assert parse("").describe() == "all articles"


def test_the_where_clause_reaches_counting_and_paging(seeded):
    db, store = seeded
    flt = ArticleFilter(analyst="me", where=parse("kasachstan OR kazakh*"), language="de")
    assert count_articles(db, flt) == 2
    assert [r.id for r in page_articles(db, flt, offset=1, limit=1)] == [store[5]]


@pytest.mark.parametrize("query", ["status:done", "-status:new", "stance:critical", "lang:de"])
def test_a_count_with_a_query_is_the_length_of_its_list(seeded, query):
    """count_articles' one-sided shortcuts must not drop the decision join a query needs."""
    db, _ = seeded
    flt = ArticleFilter(analyst="me", where=parse(query))
    assert count_articles(db, flt) == len(list(iter_article_ids(db, flt)))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status:new lnag:de", "at 12: unknown field 'lnag' (did you mean lang?)"),
        ("stance:critcal", "at 8: unknown stance 'critcal' (did you mean critical?)"),
        ("grade:<=Z2", "at 7: not an Admiralty grade: 'Z2' (e.g. B2, B or 2)"),
        ("grade:B22", "at 7: not an Admiralty grade: 'B22' (e.g. B2, B or 2)"),
        ("grade:<=F", "at 7: F and 6 mean 'cannot be judged' and are not compared"),
        ("published:2024-13", "at 11: not a date: '2024-13' (YYYY, YYYY-MM or YYYY-MM-DD)"),
        (
            "published:2024-05..2024-01",
            "at 11: the range ends before it starts: 2024-05 is after 2024-01",
        ),
        ("published:..", "at 11: a date range needs at least one end (e.g. 2024-03..2024-05)"),
        ("lang:", "at 1: lang: needs a value, e.g. lang:de"),
        ("has:note", "at 5: unknown thing to have 'note' (did you mean notes?)"),
        ("story:x1", "at 7: a story is a number: 'x1'"),
        ('lang:de "RIA', "at 9: this quote is not closed"),
        ("(lang:de", "at 1: this '(' is not closed"),
        ("lang:de)", "at 8: ')' without a '(' before it"),
        ("()", "at 1: empty parentheses"),
        ("OR lang:de", "at 1: OR needs a term on each side"),
        ("lang:de OR", "at 11: OR needs a term on each side"),
        ("lang:de - x", "at 9: '-' goes right before what it leaves out, e.g. -status:done"),
        ("(" * 40 + "x" + ")" * 40, "at 33: parentheses nested more than 32 deep"),
        ("x " * 201, "at 401: more than 200 terms"),
    ],
)
def test_a_bad_query_says_where_and_why(query, message):
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert str(caught.value) == message


def test_urls_and_times_are_words_not_fields():
    assert parse("https://example.org/x").describe() == "text has https://example.org/x"
    assert parse("12:30").describe() == "text has 12:30"


def test_completion_offers_field_names_then_values(seeded):
    db, _ = seeded
    values = {name: FIELDS[name].values(db, _taxonomy()) for name in FIELDS}
    assert complete("status:new la", values.get) == "status:new lang:"
    assert complete("lang:u", values.get) == "lang:uk"
    assert complete("-stance:cr", values.get) == "-stance:critical"
    assert complete("(story:", values.get) == "(story:7"
    assert complete("analyst:b", values.get) == "analyst:bob"
    assert complete("kazakh", values.get) is None
    assert complete("lang:de ", values.get) is None


def _taxonomy():
    from article_triage.store.taxonomy import Taxonomy

    return Taxonomy()


# --- hostile input --------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [*(f"{name}:" for name in FIELDS), "-", "(", ")", '"', " ", " OR ", "AND", "..", "<=", ">",
     "de", "new", "critical", "C2", "2024-03", "notes", "any", "7", "kazakh*", "C++", "foo-bar",
     "*", ":", "'", "\\", "\x00", "ж", "NEAR", "^", "{", "}", "99999999999999999999999",
     "²", "-0"]
)  # fmt: skip
_QUERIES = st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=14).map("".join))


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    db = open_db(tmp_path_factory.mktemp("hostile") / "triage.db")
    a = insert_article(db, ["Kazakh foo bar C++ text"], language="de", published="2024-03-05")
    insert_article(db, ["другой текст"], language="ru")
    apply_changes(db, [a], "me", {"status": "done", "stance": "critical", "reliability": "C"})
    apply_changes(db, [a], "bob", {"status": "done", "stance": "neutral", "notes": "n"})
    yield db
    db.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_QUERIES)
def test_any_text_parses_or_raises_the_one_error_and_never_an_sql_error(hostile_db, text):
    try:
        clause = parse(text)
    except QueryError as error:
        assert 1 <= error.position <= len(text) + 1
        return
    try:
        selected = count_articles(hostile_db, ArticleFilter(analyst="me", where=clause))
        left_out = count_articles(hostile_db, ArticleFilter(analyst="me", where=Not(clause)))
    except sqlite3.Error as error:  # pragma: no cover - the failure this test looks for
        pytest.fail(f"{text!r}: {error}")
    # Two-valued: the negation selects exactly the rest.
    assert selected + left_out == 2
    assert isinstance(clause.describe(), str)


# --- the one definition of a disagreement ---------------------------------------------------

_DECISION = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["new", "done", "escalated"]),
        "stance": st.sampled_from([None, "critical", "neutral"]),
        "reliability": st.sampled_from([None, "B", "C"]),
        "credibility": st.sampled_from([None, "2"]),
        "flags": st.lists(st.sampled_from(["single-source", "state-media-sourcing"]), max_size=2),
        "adjudicated": st.sampled_from([False, False, False, True]),
    }
)
_ARTICLES = st.lists(
    st.dictionaries(st.sampled_from(["ann", "bob", "cy"]), _DECISION, max_size=3),
    min_size=1,
    max_size=4,
)


@pytest.fixture(scope="module")
def four_articles(tmp_path_factory):
    db = open_db(tmp_path_factory.mktemp("disagree") / "triage.db")
    ids = [insert_article(db, [f"article {i}"]) for i in range(4)]
    yield db, ids
    db.close()


@settings(max_examples=60, deadline=None)
@given(articles=_ARTICLES)
def test_disagreement_is_one_definition_in_sql_python_and_agreement(four_articles, articles):
    db, ids = four_articles
    ids = ids[: len(articles)]
    db.execute("DELETE FROM decisions")
    # Rows written directly: what is compared is reading, and 60 examples through the
    # write path (a transaction per change) would cost seconds.
    db.conn.executemany(
        "INSERT INTO decisions (article_id, analyst, status, stance, reliability, credibility, "
        "flags, adjudicated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (article_id, analyst, d["status"], d["stance"], d["reliability"], d["credibility"],
             json.dumps(d["flags"]), int(d["adjudicated"]))
            for article_id, decisions in zip(ids, articles, strict=True)
            for analyst, d in decisions.items()
        ],
    )  # fmt: skip
    # Around the write path, so its kept agreement units are rebuilt as a migration would.
    rebuild_units(db)
    db.conn.commit()
    read = {a: decisions_for_article(db, a) for a in ids}
    for name in DISAGREEMENT_FIELDS:
        python = [a for a in ids if decisions_disagree(read[a], name)]
        assert [a for a in _ids(db, f"disagree:{name}") if a in ids] == python, name
    python_any = [a for a in ids if decisions_disagree(read[a], "any")]
    assert list(iter_article_ids(db, ArticleFilter(disagreement=True))) == python_any
    listed = agreement(db).disagreements
    assert sorted({d.article_id for d in listed}) == python_any
    for field in ("stance", "reliability", "credibility"):
        assert sorted({d.article_id for d in listed if d.field == field}) == [
            a for a in ids if decisions_disagree(read[a], field)
        ]


def test_a_missing_value_is_not_a_disagreement(db):
    a = insert_article(db, ["one"])
    apply_changes(db, [a], "ann", {"status": "done", "stance": "critical"})
    apply_changes(db, [a], "bob", {"status": "done"})
    assert _ids(db, "disagree:stance") == []
    assert list(agreement(db).disagreements) == []
    apply_changes(db, [a], "bob", {"stance": "neutral"})
    assert _ids(db, "disagree:stance") == [a]
    assert count_articles(db, ArticleFilter(disagreement=True)) == 1
