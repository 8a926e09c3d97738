"""The translation engine end to end: the real deep-translator LibreTranslator client
against the fake LibreTranslate server on 127.0.0.1, writing into a real store."""

from __future__ import annotations

import fake_libretranslate
import pytest
from fake_libretranslate import closed_url

from article_triage.store.articles import insert_article, search
from article_triage.store.translate import (
    ProviderSettings,
    ProviderUnreachable,
    translate_articles,
    untranslated_article_ids,
)
from article_triage.store.translations import correct_paragraph, get_translation

fake_libre = fake_libretranslate.fake_libre  # the server fixture factory

UK_PARAGRAPHS = [
    "Київ, 1 березня. Сили ППО збили дві ракети над столицею.",
    "Про це повідомляє Радіо Свобода з посиланням на міську адміністрацію.\nЖертв немає.",
    "2024-03-01",
    "Підписуйтесь на наш канал у Telegram.",
]


def settings_for(server, **overrides) -> ProviderSettings:
    values = dict(name="libre", url=server.url, timeout=2.0, backoff=0.01, concurrency=4)
    values.update(overrides)
    return ProviderSettings(**values)


def add(db, paragraphs, language="uk", **meta) -> int:
    return insert_article(db, paragraphs, language=language, **meta)


def texts(db, article_id, target="en"):
    return [p.text if p else None for p in get_translation(db, article_id, target)]


def expected(paragraphs, target="en"):
    return [
        "\n".join(
            f"[{target}] {line}" if any(c.isalpha() for c in line) else line
            for line in p.split("\n")
        )
        for p in paragraphs
    ]


def test_translation_is_stored_aligned_with_provider_and_languages(db, fake_libre):
    server = fake_libre()
    article = add(db, UK_PARAGRAPHS)
    report = translate_articles(db, [article], settings_for(server))
    assert (report.translated, report.failed) == (1, [])
    assert texts(db, article) == expected(UK_PARAGRAPHS)
    rows = db.execute(
        "SELECT DISTINCT provider, source_lang, target_lang FROM translations WHERE article_id = ?",
        [article],
    ).fetchall()
    assert rows == [("libre", "uk", "en")]
    assert all(p.translated_at for p in get_translation(db, article, "en"))
    # deep-translator's LibreTranslate table has no uk; the server still got uk, a
    # placeholder key (the server needs none), and plain text.
    sent = server.fields[0]
    assert (sent["source"], sent["target"], sent["format"]) == ("uk", "en", "text")
    assert sent["api_key"]
    # The line with no letters was never sent.
    assert "2024-03-01" not in server.lines_seen


def test_kazakh_and_german_reach_the_server_with_their_own_codes(db, fake_libre):
    server = fake_libre()
    kk = add(db, ["Астана — Қазақстанның астанасы."], language="kk")
    de = add(db, ["Laut RIA Novosti wurde nichts bestätigt."], language="de")
    translate_articles(db, [kk, de], settings_for(server))
    assert sorted(f["source"] for f in server.fields) == ["de", "kk"]
    assert texts(db, kk) == ["[en] Астана — Қазақстанның астанасы."]


def test_boilerplate_shared_by_many_articles_is_sent_once(db, fake_libre):
    server = fake_libre()
    boilerplate = "Підписуйтесь на наш канал у Telegram."
    ids = [add(db, [f"Новина номер {i}.", boilerplate]) for i in range(30)]
    first = translate_articles(db, ids, settings_for(server))
    assert first.translated == 30
    assert server.lines_seen[boilerplate] == 1
    assert max(server.lines_seen.values()) == 1
    server.reset_counts()
    again = translate_articles(db, ids, settings_for(server))
    assert server.requests == 0
    assert (again.translated, again.from_cache, again.requests_sent) == (0, 30, 0)
    assert texts(db, ids[7]) == expected(["Новина номер 7.", boilerplate])


def test_the_cache_spans_runs_and_articles(db, fake_libre):
    server = fake_libre()
    first = add(db, ["Спільний абзац.", "Перша стаття."])
    translate_articles(db, [first], settings_for(server))
    second = add(db, ["Спільний абзац.", "Друга стаття."])
    report = translate_articles(db, [second], settings_for(server))
    assert report.lines_from_cache == 1
    assert server.lines_seen["Спільний абзац."] == 1
    assert db["translation_cache"].count == 3


@pytest.mark.parametrize("switch", ["merge_lines", "drop_last_line"])
def test_merged_or_dropped_lines_are_repaired_without_shifting(db, fake_libre, switch):
    server = fake_libre(**{switch: True})
    paragraphs = [f"Абзац {i}: подія номер {i}." for i in range(9)]
    article = add(db, paragraphs)
    report = translate_articles(db, [article], settings_for(server))
    assert report.failed == []
    assert texts(db, article) == expected(paragraphs)
    # One packed request, then each line sent on its own.
    assert server.requests == 1 + len(paragraphs)


def test_a_paragraph_longer_than_a_request_is_cut_and_joined(db, fake_libre):
    server = fake_libre()
    sentence = "Це довге речення про події у місті, яке повторюється багато разів. "
    long_paragraph = (sentence * 60).strip()  # about 4000 characters, over libre's 2000
    article = add(db, [long_paragraph, "Короткий абзац."])
    translate_articles(db, [article], settings_for(server))
    assert all(len(t) < 2000 for t in server.texts)
    translated = texts(db, article)[0]
    assert translated.startswith("[en] Це довге речення")
    assert translated.replace("[en] ", "").split() == long_paragraph.split()


def test_429_and_500_are_retried(db, fake_libre):
    server = fake_libre(fail_429=2, fail_500=1)
    article = add(db, UK_PARAGRAPHS)
    report = translate_articles(db, [article], settings_for(server))
    assert report.failed == []
    assert report.requests_sent == server.requests == 4
    assert texts(db, article) == expected(UK_PARAGRAPHS)


def test_a_server_error_that_persists_fails_the_article_with_a_reason(db, fake_libre):
    server = fake_libre(fail_500=100)
    article = add(db, UK_PARAGRAPHS)
    report = translate_articles(db, [article], settings_for(server, max_retries=2))
    assert server.requests == 3
    [(failed_id, reason)] = report.failed
    assert failed_id == article
    assert "server error 500" in reason
    assert "Traceback" not in reason
    assert list(untranslated_article_ids(db, "en")) == [article]


def test_persistent_rate_limiting_stops_the_run(db, fake_libre):
    server = fake_libre(fail_429=100)
    article = add(db, UK_PARAGRAPHS)
    with pytest.raises(ProviderUnreachable, match="rate-limiting"):
        translate_articles(db, [article], settings_for(server, max_retries=1))
    assert texts(db, article) == [None] * len(UK_PARAGRAPHS)


def test_a_malformed_answer_to_a_pack_is_recovered_by_halving_it(db, fake_libre):
    server = fake_libre(malformed=1)
    article = add(db, UK_PARAGRAPHS)
    report = translate_articles(db, [article], settings_for(server))
    assert report.failed == []
    assert texts(db, article) == expected(UK_PARAGRAPHS)
    # The pack of four lines, then its two halves.
    assert [t.count("\n") + 1 for t in server.texts] == [4, 2, 2]


def test_a_server_with_a_lower_size_limit_gets_smaller_requests(db, fake_libre):
    server = fake_libre(max_chars=150)
    paragraphs = [f"Абзац {i}: сили оборони збили ракету над містом." for i in range(8)]
    article = add(db, paragraphs)
    report = translate_articles(db, [article], settings_for(server))
    assert report.failed == []
    assert texts(db, article) == expected(paragraphs)
    assert any(len(t) > 150 for t in server.texts)  # the first pack was refused (413)


def test_a_language_the_server_lacks_fails_once_per_request_not_per_half(db, fake_libre):
    server = fake_libre(unsupported=("kk",))
    kk = add(db, [f"Қазақша абзац {i}." for i in range(8)], language="kk")
    uk = add(db, ["Українською."])
    report = translate_articles(db, [kk, uk], settings_for(server))
    [(failed, reason)] = report.failed
    assert failed == kk and "HTTP 400" in reason
    assert report.translated == 1
    assert server.requests == 2


def test_a_malformed_answer_to_one_line_fails_the_article_and_a_rerun_recovers(db, fake_libre):
    server = fake_libre(malformed=1)
    article = add(db, ["Один абзац."])
    report = translate_articles(db, [article], settings_for(server))
    [(_, reason)] = report.failed
    assert "not a translation" in reason
    report = translate_articles(db, untranslated_article_ids(db, "en"), settings_for(server))
    assert report.translated == 1
    assert texts(db, article) == ["[en] Один абзац."]


def test_a_hang_is_cut_by_the_timeout_and_retried(db, fake_libre):
    server = fake_libre(hang=1)
    article = add(db, UK_PARAGRAPHS)
    report = translate_articles(db, [article], settings_for(server, timeout=0.3))
    assert report.failed == []
    assert server.requests == 2
    assert texts(db, article) == expected(UK_PARAGRAPHS)


def test_a_provider_that_keeps_hanging_stops_the_run_and_keeps_earlier_work(db, fake_libre):
    server = fake_libre()
    done = add(db, ["Перша стаття."])
    translate_articles(db, [done], settings_for(server))
    server.hang = 100
    pending = add(db, ["Друга стаття."])
    with pytest.raises(ProviderUnreachable) as caught:
        translate_articles(db, [done, pending], settings_for(server, timeout=0.3))
    assert str(caught.value) == f"libre at {server.url} did not answer within 0.3 s"
    assert "\n" not in str(caught.value)
    # The first article came from the cache before the provider was needed.
    assert caught.value.report.from_cache == 1
    assert texts(db, done) == ["[en] Перша стаття."]
    assert texts(db, pending) == [None]


def test_connection_refused_says_the_provider_cannot_be_reached(db):
    url = closed_url()
    article = add(db, UK_PARAGRAPHS)
    settings = ProviderSettings(name="libre", url=url, timeout=1.0, backoff=0.01)
    with pytest.raises(ProviderUnreachable, match=r"^cannot reach libre at http://127\.0\.0\.1"):
        translate_articles(db, [article], settings)
    assert db["translations"].count == 0


def test_a_rejected_key_stops_the_run_and_the_key_is_never_shown_or_stored(db, fake_libre):
    secret = "sk-wrong-7f3a9c"
    server = fake_libre(api_key="sk-right-1b2c")
    article = add(db, UK_PARAGRAPHS)
    settings = settings_for(server, api_key=secret)
    assert secret not in repr(settings)
    with pytest.raises(ProviderUnreachable, match="rejected the API key") as caught:
        translate_articles(db, [article], settings)
    assert secret not in str(caught.value)
    report = translate_articles(db, [article], settings_for(server, api_key="sk-right-1b2c"))
    assert report.translated == 1
    dump = "\n".join(db.conn.iterdump())
    assert secret not in dump and "sk-right-1b2c" not in dump


def test_requests_in_flight_are_bounded_by_concurrency(db, fake_libre):
    server = fake_libre(latency=0.02)
    # Long distinct paragraphs so that the window needs many requests.
    ids = [
        add(db, [f"Стаття {i}, абзац {j}. " + "Текст " * 150 for j in range(4)]) for i in range(6)
    ]
    report = translate_articles(db, ids, settings_for(server, concurrency=2))
    assert report.translated == 6
    assert server.requests > 4
    assert server.max_in_flight <= 2


def test_articles_already_in_the_target_language_are_skipped(db, fake_libre):
    server = fake_libre()
    english = add(db, ["Already written in English."], language="en")
    british = add(db, ["Also English."], language="en-GB")
    ukrainian = add(db, ["Українською."])
    assert list(untranslated_article_ids(db, "en")) == [ukrainian]
    report = translate_articles(db, [english, british, ukrainian], settings_for(server))
    assert (report.skipped, report.translated) == (2, 1)
    assert server.requests == 1


def test_stopping_keeps_finished_articles_and_a_rerun_sends_nothing_twice(db, fake_libre):
    server = fake_libre(latency=0.01)
    # Each article one long paragraph of its own words: several requests per window.
    ids = [add(db, [" ".join(f"слово{i}x{k}" for k in range(500))]) for i in range(12)]
    seen = []

    def progress(p):
        seen.append(p)

    stop_after_first = lambda: bool(seen)  # noqa: E731
    first = translate_articles(
        db, ids, settings_for(server, concurrency=1), progress, stop_after_first
    )
    assert first.interrupted
    saved = first.translated
    assert 1 <= saved < len(ids)
    remaining = list(untranslated_article_ids(db, "en"))
    assert len(remaining) == len(ids) - saved
    second = translate_articles(db, remaining, settings_for(server))
    assert second.translated + second.from_cache == len(remaining)
    assert list(untranslated_article_ids(db, "en")) == []
    assert max(server.lines_seen.values()) == 1
    assert seen[0].total_articles == len(ids)
    assert seen[0].done_articles == 1


def test_an_analyst_correction_survives_a_later_machine_run(db, fake_libre):
    server = fake_libre()
    article = add(db, UK_PARAGRAPHS)
    translate_articles(db, [article], settings_for(server))
    correct_paragraph(
        db, article, "en", 0, "Kyiv, 1 March. Air defence shot down two missiles.", analyst="ana"
    )
    translate_articles(db, [article], settings_for(server))
    after = get_translation(db, article, "en")
    assert after[0].text == "Kyiv, 1 March. Air defence shot down two missiles."
    assert after[0].provider == "analyst"
    assert [p.provider for p in after[1:]] == ["libre"] * 3


def test_a_paragraph_corrected_before_the_machine_run_is_not_sent(db, fake_libre):
    server = fake_libre()
    article = add(db, UK_PARAGRAPHS)
    correct_paragraph(db, article, "en", 0, "Kyiv, 1 March.", analyst="ana")
    translate_articles(db, [article], settings_for(server))
    assert UK_PARAGRAPHS[0] not in server.lines_seen
    assert texts(db, article)[0] == "Kyiv, 1 March."


def test_an_english_query_finds_a_ukrainian_article_through_its_translation(db, fake_libre):
    server = fake_libre(
        glossary={"Вибух пролунав у Харкові вночі.": "An explosion hit Kharkiv overnight."}
    )
    article = add(db, ["Вибух пролунав у Харкові вночі."], title="Вибух у Харкові")
    assert search(db, "explosion Kharkiv") == []
    translate_articles(db, [article], settings_for(server))
    hits = search(db, "explosion Kharkiv")
    assert [h.id for h in hits] == [article]


def test_settings_that_cannot_work_are_refused_before_any_request(db):
    article = add(db, UK_PARAGRAPHS)
    with pytest.raises(ValueError, match="needs the URL"):
        translate_articles(db, [article], ProviderSettings(name="libre"))
    with pytest.raises(ValueError, match="TRIAGE_DEEPL_KEY"):
        translate_articles(db, [article], ProviderSettings(name="deepl"))
    with pytest.raises(ValueError, match="unknown translation provider"):
        translate_articles(db, [article], ProviderSettings(name="babelfish"))


def test_a_deepl_key_in_the_request_url_never_reaches_the_message(db, monkeypatch):
    from deep_translator.constants import BASE_URLS

    # DeeplTranslator sends the key as auth_key in the query string; requests puts
    # that URL in its connection errors.
    monkeypatch.setitem(BASE_URLS, "DEEPL_FREE", closed_url() + "{version}/")
    article = add(db, UK_PARAGRAPHS)
    settings = ProviderSettings(name="deepl", api_key="deepl-secret:fx", timeout=1.0, backoff=0.01)
    with pytest.raises(ProviderUnreachable) as caught:
        translate_articles(db, [article], settings)
    assert str(caught.value) == "cannot reach deepl"
    assert caught.value.__cause__ is None
