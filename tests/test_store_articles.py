"""store.articles: storing, filtering, paging, searching and counting articles."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.articles import (
    ARTICLE_COLUMNS,
    ArticleFilter,
    DuplicateArticle,
    article_paragraphs,
    count_articles,
    find_duplicate,
    get_article,
    get_capture,
    insert_article,
    iter_article_ids,
    page_articles,
    position_of,
    search,
    stats,
)
from article_triage.store.text import text_sha256
from article_triage.store.translations import save_translation
from article_triage.store.triage import apply_changes

# --- insert_article ------------------------------------------------------------------


def test_insert_article_stores_clean_text_and_derived_columns(db):
    article_id = insert_article(
        db,
        ["  First\x1b[31m paragraph\x00 here. ", "", "Second\u0085 one\x07.\r\nNext line"],
        raw=b"<html>raw bytes</html>",
        title="Title\x1b]0;evil\x07",
        url="https://example.org/a",
        hostname="example.org",
        language="uk",
    )
    article = get_article(db, article_id)
    assert article["text"] == "First[31m paragraph here.\n\nSecond one.\nNext line"
    assert article["title"] == "Title]0;evil"
    assert article["paragraph_count"] == 2
    assert article["word_count"] == 7
    assert article["text_sha256"] == text_sha256(article_paragraphs(article))
    assert article["added_at"].endswith("Z")
    assert article["language"] == "uk"
    assert "translation_text" not in article
    assert get_capture(db, article_id) == b"<html>raw bytes</html>"


def test_insert_article_language_defaults_to_und(db):
    article_id = insert_article(db, ["No language given."])
    assert get_article(db, article_id)["language"] == "und"
    assert get_capture(db, article_id) is None


def test_insert_article_single_line_columns(db):
    article_id = insert_article(
        db,
        ["Body."],
        title="\n  Grain deal\n  extended\t again  ",
        author=" A.\nAuthor ",
        sitename="   ",
        url="https://x.example/a",
    )
    article = get_article(db, article_id)
    assert article["title"] == "Grain deal extended again"
    assert article["author"] == "A. Author"
    assert article["sitename"] is None
    assert page_articles(db)[0].title == "Grain deal extended again"


def test_insert_article_unsure_language_is_und(db):
    article_id = insert_article(db, ["Detector was unsure."], language=None)
    assert get_article(db, article_id)["language"] == "und"


def test_insert_article_drops_lone_surrogates(db):
    # json.loads('"\\udcff"') and surrogateescape-decoded names produce these;
    # SQLite cannot encode them, so they must never reach it.
    article_id = insert_article(db, ["Broken\udcff byte."], title="T\ud800")
    article = get_article(db, article_id)
    assert (article["text"], article["title"]) == ("Broken byte.", "T")


def test_insert_article_duplicate_raises_with_the_kept_id(db):
    kept = insert_article(db, ["Same text.", "Twice."], url="https://a.example/1")
    # Same text after normalisation: case, spacing and control characters differ.
    with pytest.raises(DuplicateArticle) as info:
        insert_article(db, ["same   TEXT.\x00", "twice."], url="https://b.example/2")
    assert info.value.article_id == kept
    assert count_articles(db) == 1


@pytest.mark.parametrize("paragraphs", [[], [""], ["   ", "\x00\x1b", "\n\n"]])
def test_insert_article_without_text_is_a_value_error(db, paragraphs):
    with pytest.raises(ValueError):
        insert_article(db, paragraphs)
    assert count_articles(db) == 0


def test_insert_article_rejects_unknown_columns(db):
    with pytest.raises(TypeError):
        insert_article(db, ["Text."], colour="red")
    assert "text" not in ARTICLE_COLUMNS  # text is derived, never passed as metadata


def test_find_duplicate_by_raw_hash_and_url(db):
    article_id = insert_article(
        db, ["Text."], raw_sha256="abc", url="https://x.example/a", final_url="https://x.example/b"
    )
    assert find_duplicate(db, raw_sha256="abc") == article_id
    assert find_duplicate(db, url="https://x.example/a") == article_id
    assert find_duplicate(db, url="https://x.example/b") == article_id
    assert find_duplicate(db, raw_sha256="zzz", url="https://x.example/c") is None
    assert get_article(db, 12345) is None


# --- a small store for the filters -----------------------------------------------------


@pytest.fixture
def store(db):
    """Eight articles with decisions by two analysts, citations and translations."""
    rows = [
        # (text, language, published, hostname)
        ("Київ енергетика атака", "uk", "2024-03-05", "pravda.com.ua"),
        ("Москва заявление министерства", "ru", "2024-03", "ria.ru"),
        ("Berlin Bericht laut RIA Nowosti", "de", "2024", "de.rt.com"),
        ("London report on shipping", "en", "2024-04-01", "bbc.co.uk"),
        ("Астана жаңалықтары", "kk", "2023-12-31", "kaz.example"),
        ("北京 新闻 报道", "zh", None, "news.example.cn"),
        ("Odesa grain corridor reopened", "en", "2024-03-31", "rferl.org"),
        ("Харків обстріл", "uk", "2024-02-29", "suspilne.media"),
    ]
    ids = [
        insert_article(
            db,
            [text, f"Paragraph two of {n}."],
            title=f"T{n} {text}",
            language=lang,
            published=published,
            hostname=host,
        )
        for n, (text, lang, published, host) in enumerate(rows)
    ]
    db["outlets"].insert_all(
        [
            {"key": "ria-novosti", "name": "RIA Novosti", "country": "RU", "category": "state"},
            {"key": "rt", "name": "RT", "country": "RU", "category": "state"},
            {"key": "rferl", "name": "Radio Free Europe/Radio Liberty", "country": "US"},
        ]
    )
    db["citations"].insert_all(
        [
            {"article_id": ids[1], "outlet_key": "ria-novosti", "role": "publisher"},
            {"article_id": ids[2], "outlet_key": "rt", "role": "publisher"},
            {
                "article_id": ids[2],
                "outlet_key": "ria-novosti",
                "role": "attributed",
                "paragraph_index": 0,
                "start": 13,
                "end": 24,
                "matched_text": "RIA Nowosti",
                "cue": "laut",
            },
            {
                "article_id": ids[3],
                "outlet_key": "ria-novosti",
                "role": "mention",
                "paragraph_index": 0,
            },
            {"article_id": ids[6], "outlet_key": "rferl", "role": "publisher"},
        ]
    )
    apply_changes(
        db, [ids[0], ids[1]], "olena", {"status": "done", "reliability": "B", "credibility": "2"}
    )
    apply_changes(
        db,
        [ids[2]],
        "olena",
        {
            "status": "escalated",
            "reliability": "E",
            "credibility": "2",
            "flags": ["state-media-sourcing", "single-source"],
        },
    )
    apply_changes(db, [ids[3]], "olena", {"status": "skipped"})
    apply_changes(db, [ids[4]], "olena", {"stance": "neutral"})  # touched but still 'new'
    apply_changes(db, [ids[0]], "taras", {"status": "done", "reliability": "B", "credibility": "2"})
    apply_changes(db, [ids[1]], "taras", {"status": "done", "reliability": "C", "credibility": "3"})
    apply_changes(
        db,
        [ids[2]],
        "taras",
        {
            "status": "done",
            "reliability": "E",
            "credibility": "2",
            "flags": ["single-source", "state-media-sourcing"],
        },
    )
    save_translation(db, ids[0], "en", "sample", ["Kyiv energy attack", "Second paragraph."], "uk")
    return ids


def _ids(db, **kwargs) -> list[int]:
    flt = ArticleFilter(**kwargs)
    listed = [r.id for r in page_articles(db, flt, 0, 1000)]
    assert count_articles(db, flt) == len(listed)
    assert list(iter_article_ids(db, flt, batch=3)) == listed
    return listed


def test_filter_all(db, store):
    assert _ids(db) == store


def test_filter_status_new_means_no_decision_or_new(db, store):
    assert _ids(db, analyst="olena", status="new") == [store[4], store[5], store[6], store[7]]
    assert _ids(db, analyst="olena", status="done") == [store[0], store[1]]
    assert _ids(db, analyst="olena", status="escalated") == [store[2]]
    assert _ids(db, analyst="taras", status="new") == store[3:]
    # No analyst: no decision is anyone's, everything is new.
    assert _ids(db, status="new") == store
    assert _ids(db, status="done") == []


def test_filter_language(db, store):
    assert _ids(db, language="uk") == [store[0], store[7]]
    assert _ids(db, language="xx") == []


@pytest.mark.parametrize(
    ("grade", "expected"),
    [
        ("B2", [0, 1]),
        ("b2", [0, 1]),
        ("B", [0, 1]),
        ("2", [0, 1, 2]),
        ("E", [2]),
        ("E2", [2]),
        ("A", []),
        ("C3", []),
        ("zz", []),
    ],
)
def test_filter_grade_and_its_halves(db, store, grade, expected):
    assert _ids(db, analyst="olena", grade=grade) == [store[i] for i in expected]


def test_filter_grade_for_other_analyst(db, store):
    assert _ids(db, analyst="taras", grade="C3") == [store[1]]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-03", "2024-03", [0, 1, 2, 6]),  # "2024" may be March: kept on both bounds
        ("2024-03-01", "2024-03-31", [0, 1, 2, 6]),
        ("2024-03-06", None, [1, 2, 3, 6]),
        (None, "2024-03-04", [1, 2, 4, 7]),
        ("2024-04", None, [2, 3]),
        (None, "2023", [4]),
        ("2024", "2024", [0, 1, 2, 3, 6, 7]),
        ("2025", None, []),
    ],
)
def test_filter_published_range_with_partial_dates(db, store, start, end, expected):
    # An article's partial date is kept when the period it names overlaps the range;
    # an article without a date is never in a date range.
    assert _ids(db, published_from=start, published_to=end) == [store[i] for i in expected]


def test_filter_outlet_by_key_or_name_publisher_and_attributed_only(db, store):
    assert _ids(db, outlet="ria-novosti") == [store[1], store[2]]  # not the mere mention
    assert _ids(db, outlet="RIA Novosti") == [store[1], store[2]]
    assert _ids(db, outlet="ria novosti") == [store[1], store[2]]
    assert _ids(db, outlet="rt") == [store[2]]
    assert _ids(db, outlet="Radio Free Europe/Radio Liberty") == [store[6]]
    assert _ids(db, outlet="tass") == []


def test_filter_flag(db, store):
    assert _ids(db, analyst="olena", flag="single-source") == [store[2]]
    assert _ids(db, analyst="taras", flag="state-media-sourcing") == [store[2]]
    assert _ids(db, analyst="olena", flag="denial-issued") == []
    assert _ids(db, flag="single-source") == []  # nobody's decision without an analyst


def test_filter_disagreement(db, store):
    # Article 1: B2 vs C3. Article 2: the same flags in another order is agreement.
    # Article 0: identical. Article 3: only one analyst decided.
    assert _ids(db, disagreement=True) == [store[1]]


def test_filter_disagreement_ignores_undecided(db, store):
    apply_changes(db, [store[4]], "taras", {"stance": "critical"})  # both still 'new'
    assert _ids(db, disagreement=True) == [store[1]]
    apply_changes(db, [store[4]], "taras", {"status": "done"})
    apply_changes(db, [store[4]], "olena", {"status": "done"})
    assert _ids(db, disagreement=True) == [store[1], store[4]]


def test_filter_query_ids_and_combinations(db, store):
    assert _ids(db, query="energy") == [store[0]]  # through the translation
    assert _ids(db, query="енергетика") == [store[0]]
    assert _ids(db, query="---") == []
    assert _ids(db, ids=(store[3], store[1])) == [store[1], store[3]]
    assert _ids(db, ids=()) == []
    assert _ids(db, language="uk", analyst="olena", status="new") == [store[7]]
    assert _ids(db, query="paragraph", language="en", published_from="2024-04") == [store[3]]
    extra = (("a.hostname LIKE ?", ("%.ua",)),)
    assert _ids(db, extra_where=extra) == [store[0]]


def test_page_articles_rows_and_paging(db, store):
    rows = page_articles(db, ArticleFilter(analyst="olena"), 0, 3)
    assert [r.id for r in rows] == store[:3]
    third = rows[2]
    assert third.status == "escalated"
    assert (third.reliability, third.credibility) == ("E", "2")
    assert third.flags == ("state-media-sourcing", "single-source")
    assert third.hostname == "de.rt.com"
    assert third.language == "de"
    assert rows[0].translated and not rows[1].translated
    assert page_articles(db, ArticleFilter(), 3, 3)[0].id == store[3]
    assert page_articles(db, ArticleFilter(), 8, 3) == []
    no_date = page_articles(db, ArticleFilter(ids=(store[5],)))[0]
    assert no_date.published == "" and no_date.status == "new" and no_date.flags == ()


def test_paging_position_and_ids_agree(db, store):
    flt = ArticleFilter(analyst="olena", status="new")
    listed = [r.id for offset in range(0, 8, 2) for r in page_articles(db, flt, offset, 2)]
    assert listed == list(iter_article_ids(db, flt, batch=1))
    assert count_articles(db, flt) == len(listed) == 4
    for index, article_id in enumerate(listed):
        assert position_of(db, flt, article_id) == index
    assert position_of(db, flt, store[0]) is None  # done, so not in the list
    assert position_of(db, flt, 999_999) is None


def test_article_paragraphs_round_trip(db):
    article_id = insert_article(db, ["One.", "Two\nlines.", "Three."])
    assert article_paragraphs(get_article(db, article_id)) == ["One.", "Two\nlines.", "Three."]


# --- search ----------------------------------------------------------------------------


def test_search_ranks_with_bm25_and_marks_the_snippet(db):
    weak = insert_article(
        db, ["Grain exports fell.", "Other news about weather and roads."], title="Weather"
    )
    strong = insert_article(db, ["Grain grain grain corridor.", "Grain again."], title="Grain deal")
    insert_article(db, ["Nothing related here."], title="Unrelated")
    hits = search(db, "grain")
    assert [h.id for h in hits] == [strong, weak]
    assert "«Grain»" in hits[0].snippet or "«grain»" in hits[0].snippet
    assert hits[0].title == "Grain deal"
    assert search(db, "grain", limit=1)[0].id == strong


def test_search_prefix_phrase_and_hostile_queries(db):
    article_id = insert_article(
        db, ["Zaporizhzhia nuclear plant inspection by the IAEA."], language="en"
    )
    assert [h.id for h in search(db, "zapor*")] == [article_id]
    assert [h.id for h in search(db, '"nuclear plant"')] == [article_id]
    assert search(db, '"plant nuclear"') == []
    assert [h.id for h in search(db, "nuclear-plant")] == [article_id]
    for query in ['"unbalanced', "C++", "AND", "OR NOT", "NEAR(", "*", "(", ")", "a:b", "^x", ""]:
        search(db, query)  # never an SQL error
    assert search(db, "   ") == []


def test_search_finds_through_translation_and_cyrillic_case(db):
    article_id = insert_article(db, ["Україна отримала ППО."], language="uk")
    save_translation(db, article_id, "en", "sample", ["Ukraine received air defence."])
    assert [h.id for h in search(db, "air defence")] == [article_id]
    assert [h.id for h in search(db, "УКРАЇНА")] == [article_id]
    assert [h.id for h in search(db, "україна")] == [article_id]


# --- stats -----------------------------------------------------------------------------


def test_stats_counts(db, store):
    counts = stats(db, analyst="olena")
    assert counts["total"] == [("articles", 8)]
    assert dict(counts["status"]) == {"new": 4, "done": 2, "escalated": 1, "skipped": 1}
    assert dict(counts["language"]) == {"uk": 2, "en": 2, "ru": 1, "de": 1, "kk": 1, "zh": 1}
    assert dict(counts["outlet"]) == {
        "(unknown)": 5,
        "RIA Novosti": 1,
        "RT": 1,
        "Radio Free Europe/Radio Liberty": 1,
    }
    assert dict(counts["grade"]) == {"(ungraded)": 5, "B2": 2, "E2": 1}
    assert counts["status"][0] == ("new", 4)  # most frequent first
    assert sum(n for _, n in counts["status"]) == 8


def test_stats_without_analyst_and_on_empty_store(db, store):
    assert dict(stats(db)["status"]) == {"new": 8}
    db.execute("DELETE FROM articles")
    empty = stats(db, analyst="olena")
    assert empty["total"] == [("articles", 0)]
    assert empty["status"] == []


def test_stats_counts_an_article_once_when_two_publishers_are_recorded(db, store):
    db["citations"].insert(
        {"article_id": store[2], "outlet_key": "ria-novosti", "role": "publisher"}
    )
    assert sum(n for _, n in stats(db, "olena")["outlet"]) == 8
    assert json.dumps(stats(db, "olena"))  # plain data, for --json


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from([None, "new", "done", "skipped", "escalated"]),
    language=st.sampled_from([None, "uk", "en"]),
    grade=st.sampled_from([None, "B2", "B", "2"]),
    flag=st.sampled_from([None, "state-media-sourcing"]),
    analyst=st.sampled_from([None, "olena", "taras"]),
)
def test_counting_one_side_of_the_join_counts_what_the_join_counts(
    db, store, status, language, grade, flag, analyst
):
    flt = ArticleFilter(analyst=analyst, status=status, language=language, grade=grade, flag=flag)
    joins, where, params = flt.sql()
    joined = db.execute(f"SELECT count(*) FROM {joins} WHERE {where}", params).fetchone()[0]
    assert count_articles(db, flt) == joined
