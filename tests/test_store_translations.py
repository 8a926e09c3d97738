"""store.translations: aligned per-paragraph translations, corrections, search text."""

from __future__ import annotations

import pytest

from article_triage.store.articles import (
    ArticleFilter,
    count_articles,
    insert_article,
    page_articles,
    search,
)
from article_triage.store.translations import (
    ANALYST_PROVIDER,
    AlignmentError,
    correct_paragraph,
    get_translation,
    save_translation,
    translation_targets,
)

UK = ["Президент підписав закон.", "Парламент ухвалив бюджет.", "Опозиція критикує рішення."]


@pytest.fixture
def article(db) -> int:
    return insert_article(db, UK, title="Закон і бюджет", language="uk")


def _texts(db, article_id, lang="en"):
    return [p.text if p else None for p in get_translation(db, article_id, lang)]


def test_save_and_get_aligned(db, article):
    written = save_translation(
        db, article, "en", "google", ["President signed.", "Budget passed.", "Critics."], "uk"
    )
    assert written == 3
    aligned = get_translation(db, article, "en")
    assert [p.index for p in aligned] == [0, 1, 2]
    assert _texts(db, article) == ["President signed.", "Budget passed.", "Critics."]
    assert {p.provider for p in aligned} == {"google"}
    assert all(p.translated_at.endswith("Z") for p in aligned)
    assert translation_targets(db, article) == ["en"]


@pytest.mark.parametrize("count", [0, 2, 4])
def test_alignment_error_when_paragraph_counts_differ(db, article, count):
    with pytest.raises(AlignmentError, match="3 paragraphs"):
        save_translation(db, article, "en", "google", ["x"] * count)
    assert _texts(db, article) == [None, None, None]
    assert isinstance(AlignmentError("x"), ValueError)


def test_unknown_article(db):
    with pytest.raises(KeyError):
        save_translation(db, 999, "en", "google", ["x"])
    assert get_translation(db, 999, "en") == []


def test_partial_translation_keeps_none_and_fills_in_later(db, article):
    assert save_translation(db, article, "en", "google", ["First.", None, "Third."]) == 2
    assert _texts(db, article) == ["First.", None, "Third."]
    # a resumed run fills the gap and leaves what was there when it sends None
    assert save_translation(db, article, "en", "google", [None, "Second.", None]) == 1
    assert _texts(db, article) == ["First.", "Second.", "Third."]


def test_translation_text_is_cleaned(db, article):
    save_translation(db, article, "en", "google", ["A\x1b[2J  b\x00", "c", "d"])
    assert _texts(db, article)[0] == "A[2J b"


def test_analyst_correction_survives_a_later_machine_run(db, article):
    save_translation(db, article, "en", "google", ["P1.", "P2.", "P3."], "uk")
    correct_paragraph(db, article, "en", 1, "Parliament adopted the budget.", analyst="ana")
    written = save_translation(db, article, "en", "deepl", ["D1.", "D2.", "D3."], "uk")
    assert written == 2
    aligned = get_translation(db, article, "en")
    assert [p.text for p in aligned] == ["D1.", "Parliament adopted the budget.", "D3."]
    assert [p.provider for p in aligned] == ["deepl", ANALYST_PROVIDER, "deepl"]
    # another correction by the analyst does replace the first
    correct_paragraph(db, article, "en", 1, "Parliament passed the budget.", analyst="ana")
    assert _texts(db, article)[1] == "Parliament passed the budget."
    row = db.execute(
        "SELECT source_lang FROM translations WHERE article_id = ? AND paragraph_index = 1",
        [article],
    ).fetchone()
    assert row[0] == "uk"  # the correction keeps the source language of the run


def test_correction_of_a_paragraph_that_does_not_exist(db, article):
    for index in (-1, 3):
        with pytest.raises(IndexError):
            correct_paragraph(db, article, "en", index, "x", analyst="ana")
    with pytest.raises(IndexError):
        correct_paragraph(db, 999, "en", 0, "x", analyst="ana")


def test_correction_before_any_machine_translation(db, article):
    correct_paragraph(db, article, "en", 2, "Opposition criticises.", analyst="ana")
    assert _texts(db, article) == [None, None, "Opposition criticises."]
    assert save_translation(db, article, "en", "google", ["a", "b", "c"]) == 2
    assert _texts(db, article) == ["a", "b", "Opposition criticises."]


def test_search_finds_article_through_its_translation(db, article):
    other = insert_article(db, ["Unrelated German text über Wetter."], language="de")
    assert search(db, "budget") == []
    save_translation(db, article, "en", "google", ["President.", "The budget passed.", "Critics."])
    hits = search(db, "budget")
    assert [h.id for h in hits] == [article]
    assert "budget" in hits[0].snippet.lower()
    assert count_articles(db, ArticleFilter(query="budget")) == 1
    # re-translation replaces the searchable text
    save_translation(db, article, "en", "google", ["President.", "The spending plan.", "Critics."])
    assert search(db, "budget") == []
    assert [h.id for h in search(db, "spending")] == [article]
    # a correction is searchable too
    correct_paragraph(db, article, "en", 0, "Zelensky signed.", analyst="ana")
    assert [h.id for h in search(db, "zelensky")] == [article]
    assert search(db, "wetter")[0].id == other


def test_two_target_languages_are_both_searchable_and_separate(db, article):
    save_translation(db, article, "en", "google", ["President.", "Budget.", "Critics."])
    save_translation(db, article, "de", "google", ["Präsident.", "Haushalt.", "Kritiker."])
    assert translation_targets(db, article) == ["de", "en"]
    assert _texts(db, article, "de")[1] == "Haushalt."
    assert _texts(db, article, "en")[1] == "Budget."
    assert [h.id for h in search(db, "haushalt")] == [article]
    assert [h.id for h in search(db, "budget")] == [article]


def test_queue_shows_translated(db, article):
    assert not page_articles(db)[0].translated
    save_translation(db, article, "en", "google", [None, "Budget.", None])
    assert page_articles(db)[0].translated


def test_get_translation_ignores_rows_beyond_the_article(db, article):
    save_translation(db, article, "en", "google", ["a", "b", "c"])
    # a row left over from an older text with more paragraphs must not break alignment
    db.execute(
        "INSERT INTO translations VALUES (?, 'en', 7, 'stale', 'uk', 'google', '2024-01-01T00:00:00Z')",
        [article],
    )
    assert _texts(db, article) == ["a", "b", "c"]
