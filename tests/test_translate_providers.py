"""Google (the default) and MyMemory through deep-translator's real clients, pointed
at the fake server's imitations of their endpoints (no test reaches the internet)."""

from __future__ import annotations

import fake_libretranslate
import pytest
from deep_translator.constants import BASE_URLS
from fake_libretranslate import closed_url

from article_triage.store.articles import insert_article
from article_triage.store.translate import ProviderSettings, ProviderUnreachable, translate_articles
from article_triage.store.translations import get_translation

fake_libre = fake_libretranslate.fake_libre  # the server fixture factory


@pytest.fixture
def google(fake_libre, monkeypatch):
    server = fake_libre()
    monkeypatch.setitem(BASE_URLS, "GOOGLE_TRANSLATE", server.url + "m")
    return server


def settings(**overrides) -> ProviderSettings:
    return ProviderSettings(**{"timeout": 2.0, "backoff": 0.01, **overrides})


def test_google_is_the_default_and_packs_paragraphs_into_one_request(db, google):
    paragraphs = ["Перший абзац.", "Другий абзац,\nз розривом рядка.", "Третій абзац."]
    article = insert_article(db, paragraphs, language="uk")
    report = translate_articles(db, [article], settings())
    assert (report.translated, report.failed, google.requests) == (1, [], 1)
    assert [p.text for p in get_translation(db, article, "en")] == [
        "[en] Перший абзац.",
        "[en] Другий абзац,\n[en] з розривом рядка.",
        "[en] Третій абзац.",
    ]
    assert {p.provider for p in get_translation(db, article, "en")} == {"google"}


def test_google_gets_its_own_code_for_chinese(db, google):
    article = insert_article(db, ["北京今天下雨。"], language="zh")
    translate_articles(db, [article], settings())
    assert (google.fields[0]["source"], google.fields[0]["target"]) == ("zh-CN", "en")


def test_google_rate_limiting_is_retried(db, google):
    google.fail_429 = 2
    article = insert_article(db, ["Абзац."], language="uk")
    report = translate_articles(db, [article], settings())
    assert (report.translated, report.requests_sent) == (1, 3)


def test_a_page_without_a_translation_fails_the_article(db, google):
    google.malformed = 1
    article = insert_article(db, ["Абзац."], language="uk")
    report = translate_articles(db, [article], settings())
    [(failed, reason)] = report.failed
    assert failed == article and "not a translation" in reason


def test_offline_google_says_it_cannot_be_reached_and_stored_work_stays(db, google, monkeypatch):
    article = insert_article(db, ["Абзац."], language="uk")
    translate_articles(db, [article], settings())
    other = insert_article(db, ["Інший абзац."], language="uk")
    monkeypatch.setitem(BASE_URLS, "GOOGLE_TRANSLATE", closed_url() + "m")
    with pytest.raises(ProviderUnreachable, match=r"^cannot reach google$"):
        translate_articles(db, [article, other], settings())
    assert get_translation(db, article, "en")[0].text == "[en] Абзац."
    assert get_translation(db, other, "en") == [None]


def test_mymemory_gets_locale_codes_and_requests_under_500_bytes(db, fake_libre, monkeypatch):
    server = fake_libre()
    monkeypatch.setitem(BASE_URLS, "MYMEMORY", server.url + "get")
    paragraphs = [f"Абзац {i}: сили оборони збили ракету над містом." for i in range(12)]
    article = insert_article(db, paragraphs, language="uk")
    report = translate_articles(db, [article], settings(name="mymemory"))
    assert report.translated == 1
    assert {f["source"] + "|" + f["target"] for f in server.fields} == {"uk-UA|en-GB"}
    assert len(server.texts) > 1
    assert all(len(t.encode()) < 500 for t in server.texts)
    assert get_translation(db, article, "en")[11].text == "[en-GB] " + paragraphs[11]
