"""Publisher and citation detection: domains, inflections, cues, look-alikes, hostile text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.outlets import detect_publisher, find_citations, load_registry


@pytest.fixture(scope="module")
def registry():
    return load_registry("/nonexistent/outlets.toml")


def cites(registry, text: str) -> list[tuple[str, str, str]]:
    """(outlet key, role, matched text) for each citation in one paragraph."""
    return [(c.outlet_key, c.role, c.matched_text) for c in find_citations([text], registry)]


# --- publisher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, key",
    [
        ("https://de.rt.com/international/123-ukraine/", "rt"),
        ("https://russian.rt.com/world/news/1", "rt"),
        ("http://RT.COM/news", "rt"),
        ("https://rtde.world/a", "rt"),
        ("https://www.radiosvoboda.org/a/news/1.html", "rferl"),
        ("https://rus.azattyq.org/a/1.html", "rferl"),
        ("https://ru.sputnik.kz/20230512/x.html", "sputnik"),
        ("https://tass.ru:443/politika/1", "tass"),
        ("https://www.pravda.com.ua/news/2023/05/12/1/", "ukrainska-pravda"),
        ("https://primeminister.kz/ru/news/x", "kz-government"),
        ("https://www.akorda.kz/ru/x", "kz-government"),
        ("https://mfa.gov.kz/ru/x", "kz-government"),
        ("https://radiosputnik.ria.ru/x", "ria-novosti"),
        ("https://xn--c1acbl2abdlkab1og.xn--p1ai/x", "rossiya-segodnya"),
        ("https://россиясегодня.рф/x", "rossiya-segodnya"),
        ("https://english.news.cn/x", "xinhua"),
        ("https://deutschewelle.h-cdn.com/x", "dw"),
    ],
)
def test_publisher_from_domain_and_subdomains(registry, url, key):
    outlet = detect_publisher(url, registry)
    assert outlet is not None and outlet.key == key


@pytest.mark.parametrize(
    "url",
    [
        "https://art.com/x",  # ends in rt.com but is not a subdomain of it
        "https://tass.example.org/a",  # TASS's name, someone else's domain
        "https://smart.com/",
        "https://rt.com.evil.example/",
        "https://x.h-cdn.com/",  # only the exact full: host belongs to DW
        "/home/me/articles/rt.com.html",
        "rt.com",
        "",
        "http://[::1",
        "mailto:tass@tass.ru",
    ],
)
def test_publisher_is_not_a_lookalike(registry, url):
    assert detect_publisher(url, registry) is None


# --- names in every script and inflection --------------------------------------------------


@pytest.mark.parametrize(
    "text, key, matched",
    [
        # Ukrainian declension
        ("За даними Укрінформу, обстріл тривав.", "ukrinform", "Укрінформу"),
        (
            "Про це повідомили Укрінформом підтверджені джерела: Укрінформ пише.",
            "ukrinform",
            "Укрінформ",
        ),
        ("Як нагадує Радіо Свобода, президент висловив стурбованість.", "rferl", "Радіо Свобода"),
        ("За інформацією Радіо Свободи, указ підписано.", "rferl", "Радіо Свободи"),
        (
            "За інформацією Української правди, уряд вирішив.",
            "ukrainska-pravda",
            "Української правди",
        ),
        (
            "З посиланням на Інтерфакс-Україну повідомили про вибухи.",
            "interfax-ukraine",
            "Інтерфакс-Україну",
        ),
        # Russian declension, quotes
        ("По данным «Первого канала», всё хорошо.", "channel-one", "Первого канала"),
        ("Как пишет «Российская газета», закон принят.", "rossiyskaya-gazeta", "Российская газета"),
        (
            "Со ссылкой на «Комсомольскую правду» сообщается о пожаре.",
            "komsomolskaya-pravda",
            "Комсомольскую правду",
        ),
        ("По информации «Новой газеты», дело закрыто.", "novaya-gazeta", "Новой газеты"),
        ("Как сообщает Интерфакс, торги остановлены.", "interfax", "Интерфакс"),
        ("Об этом сообщает Радио «Свобода».", "rferl", "Радио «Свобода»"),
        ("По данным РИА Новостей, переговоры идут.", "ria-novosti", "РИА Новостей"),
        # Kazakh
        ("Азаттық радиосының хабарлауынша, заң қабылданды.", "rferl", "Азаттық радиосының"),
        ("Kazinform хабарлауынша, мораторий ұзартылды.", "kazinform", "Kazinform"),
        ("ҚазАқпарат хабарлайды, жиын өтті.", "kazinform", "ҚазАқпарат"),
        ("Tengrinews жазуынша, баға өсті.", "tengrinews", "Tengrinews"),
        # German, with quotes „“ and "
        (
            'Laut einem Bericht der Nachrichtenagentur "RIA Nowosti" versucht Kiew Waffen zu kaufen.',
            "ria-novosti",
            "RIA Nowosti",
        ),
        ("Wie die „Bild“ berichtet, trat der Minister zurück.", "bild", "Bild"),
        ("Das berichtete der SPIEGEL am Montag.", "spiegel", "SPIEGEL"),
        ("Nach Angaben der Deutschen Welle wurde das Büro geschlossen.", "dw", "Deutschen Welle"),
        ("Die Nachrichtenagentur dpa meldete am Abend neue Zahlen.", "dpa", "dpa"),
        # English
        ("According to Reuters, the talks stalled.", "reuters", "Reuters"),
        ("The Associated Press reported that the vote was delayed.", "ap", "Associated Press"),
        ("A source told TASS's correspondent nothing new.", "tass", "TASS's"),
        ("Citing Xinhua, the agency said exports rose.", "xinhua", "Xinhua"),
        # Chinese
        ("据新华社报道，中国经济增长。", "xinhua", "新华社"),
        ("环球时报称，会议顺利召开。", "global-times", "环球时报"),
        ("据RT报道，会谈取得进展。", "rt", "RT"),
    ],
)
def test_attributions_in_every_language(registry, text, key, matched):
    found = cites(registry, text)
    assert (key, "attributed", matched) in found, found


@pytest.mark.parametrize(
    "text, key",
    [
        ("RT DE was banned in the EU in 2022.", "rt"),
        ("RT DE wurde 2022 in der EU verboten.", "rt"),
        ("Вещание RT в ЕС запрещено с 2022 года.", "rt"),
        ("Мовлення RT DE у ЄС заборонено.", "rt"),
        ("Sanktionen gegen RIA Nowosti treten in Kraft.", "ria-novosti"),
        ("俄罗斯卫星通讯社被欧盟禁止。", "sputnik"),
        (
            "Russian state broadcaster RT, which has been banned in the European Union, aired a segment.",
            "rt",
        ),
    ],
)
def test_mentions_are_not_attributions(registry, text, key):
    found = cites(registry, text)
    assert [f for f in found if f[0] == key] and all(
        role == "mention" for k, role, _ in found if k == key
    ), found


@pytest.mark.parametrize(
    "text, key",
    [
        ("Reuters, the British news agency, reported heavy shelling overnight.", "reuters"),
        ("Sputnik, which the EU banned in 2022, claimed the bridge was intact.", "sputnik"),
        ("Die dpa, die größte deutsche Agentur, meldete am Abend neue Zahlen.", "dpa"),
        ("Интерфакс, ссылаясь на источники, сообщил о задержании.", "interfax"),
        ("Xinhua, quoting officials, said harvests rose.", "xinhua"),
        ("新华社莫斯科3月12日电 俄罗斯总统表示……", "xinhua"),
        ("人民日报刊文指出，合作前景广阔。", "peoples-daily"),
        ("ТАСС агенттігі жариялаған мәлімет бойынша, келіссөз аяқталды.", "tass"),
        ("Ақорда сайтындағы хабарламада Президенттің жарлығы жарияланды.", "kz-government"),
        ("Ақорданың баспасөз қызметі мәлімдегендей, кездесу өтті.", "kz-government"),
        ("Kazinform агенттігі жазғандай, егін жиналды.", "kazinform"),
        ("Как стало известно «Ведомостям» и РБК, сделка сорвалась.", "rbc"),
        ("Повідомлення РІА Новини про вибух не підтвердилося.", "ria-novosti"),
        ("Wie die Deutsche Welle erfuhr, wurde das Büro geschlossen.", "dw"),
    ],
)
def test_cues_after_an_aside_and_in_kazakh_and_chinese(registry, text, key):
    assert any(k == key and role == "attributed" for k, role, _ in cites(registry, text)), cites(
        registry, text
    )


@pytest.mark.parametrize(
    "text, key",
    [
        ("Хабар арнасының журналисі сұхбат алды.", "khabar"),
        ("Азаттықтың тілшісі жиынға кіргізілмеді.", "rferl"),
        ("Журналисты телеканала «Дождь» покинули страну.", "tv-rain"),
        ("美联社记者在会场拍照。", "ap"),
        ("环球时报的编辑部搬迁了。", "global-times"),
        ("“今日俄罗斯”电视台在欧盟被禁播。", "rt"),
    ],
)
def test_named_without_a_cue_is_a_mention(registry, text, key):
    assert (key, "mention") in {(k, role) for k, role, _ in cites(registry, text)}, cites(
        registry, text
    )


@pytest.mark.parametrize(
    "text, key",
    [
        ("Hamburg (dpa/lno) – Trotz eines Gesprächs blieb es dabei.", "dpa"),
        ("MOSCOW (Reuters) - Talks resumed.", "reuters"),
    ],
)
def test_agency_bylines_are_attributions(registry, text, key):
    assert (key, "attributed") in {(k, role) for k, role, _ in cites(registry, text)}


def test_cue_belongs_to_the_nearer_outlet(registry):
    found = cites(registry, "RT DE wurde in der EU verboten, berichtete die dpa.")
    assert ("rt", "mention", "RT DE") in found
    assert ("dpa", "attributed", "dpa") in found


def test_outlets_joined_by_and_share_the_cue(registry):
    found = cites(registry, "ТАСС и РИА Новости сообщили о взрыве.")
    assert {(k, r) for k, r, _ in found} == {("tass", "attributed"), ("ria-novosti", "attributed")}


@pytest.mark.parametrize(
    "text",
    [
        "Die Tassen stehen im Schrank, sagte Victoria.",
        "The startup art.com raised money, said Victoria.",
        "Вакцина «Спутник V» зарегистрирована, сообщил министр.",
        "The Sputnik V vaccine was approved, officials said.",
        "Der Impfstoff Sputnik V wurde zugelassen.",
        "Це правда, і свобода слова важлива, повідомив він.",
        "Это правда, а свобода дороже всего, сообщил он.",
        "В настоящее время ситуация сложная, сообщил он.",
        "Ein Bild der Lage zeigte, dass alles ruhig war.",
        "Im Spiegel sah er sich, berichtete er.",
        "Хабарлауынша, бүгін жиналыс өтеді.",
        "RT-PCR tests were negative, the ministry reported.",
        "Michael Bloomberg said he would run.",
        "The Guardian Council rejected the candidates, reports said.",
        "Die Welt ist groß, sagte er.",
        "первый канал связи восстановлен, сообщили инженеры.",
        "Спутник вышел на орбиту, деп хабарлады агенттік.",
        "Спутник связи запущен с Байконура.",
        "Das akute Lungenversagen (ARDS) ist gefährlich, sagte er.",
        "Ecuador: TVC, RTS, ESPN, reported the listings.",
        "Die Demokratische Partei der Albaner (DPA) gewann, meldete die Kommission.",
        "Senator Randolfe Rodrigues (Rede-AP) said the bill was ready.",
        "When Bloomberg entered the race, few expected much.",
        "She passed her AP Chemistry exam, the school reported.",
        "今日俄罗斯的天气很冷，专家表示。",
        "Азаттық — бұл ең қымбат байлық, деді ол.",
    ],
)
def test_lookalikes_are_not_outlets(registry, text):
    assert cites(registry, text) == []


def test_spans_point_at_the_name_within_the_paragraph(registry):
    paragraphs = ["Вступ.", "Як нагадує Радіо Свобода, указ підписано; нагадує Радіо Свобода."]
    citations = find_citations(paragraphs, registry)
    assert [c.paragraph_index for c in citations] == [1, 1]
    for c in citations:
        assert paragraphs[c.paragraph_index][c.start : c.end] == c.matched_text == "Радіо Свобода"
        assert c.role == "attributed"


# --- the seeds -------------------------------------------------------------------------------


def _paragraphs(path):
    from article_triage.store.text import split_paragraphs

    return split_paragraphs(path.read_text(encoding="utf-8"))


def test_german_seed_cites_ria_novosti(registry, samples):
    (seed,) = samples.glob("004_*.txt")
    citations = find_citations(_paragraphs(seed), registry)
    assert {c.outlet_key for c in citations} == {"ria-novosti"}
    assert all(c.role == "attributed" for c in citations)
    assert {c.matched_text for c in citations} == {"RIA Nowosti"}


def test_ukrainian_seed_cites_radio_svoboda_and_the_prime_ministers_site(registry, samples):
    (seed,) = samples.glob("000_*.txt")
    citations = find_citations(_paragraphs(seed), registry)
    attributed = {c.outlet_key for c in citations if c.role == "attributed"}
    assert attributed == {"rferl", "kz-government"}
    site = next(c for c in citations if c.outlet_key == "kz-government")
    assert "прем'єра Казахстану" in site.matched_text


# --- hostile text ------------------------------------------------------------------------------

_ALIAS_BITS = [
    "RT",
    "РИА Новости",
    "Радіо Свободи",
    "«",
    "»",
    "„",
    "“",
    '"',
    "laut ",
    "据",
    "报道",
    "新华社",
    "со ссылкой на ",
    "Укрінформу",
    "Азаттық радиосының",
    "\u202e",
    "\x1b[31m",
    "[b]",
    "ТАСС",
    "'",
    "ʼ",
    "İ",  # casefolds to two characters, one not a word character
    "\u0345",  # not a word character, casefolds to one
    "(dpa/x)",
    "Sputnik V",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=40), st.sampled_from(_ALIAS_BITS)), max_size=30))
def test_hostile_text_never_raises_and_spans_stay_inside(registry, parts):
    paragraph = "".join(parts)
    for c in find_citations([paragraph, paragraph[::-1]], registry):
        text = [paragraph, paragraph[::-1]][c.paragraph_index]
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.matched_text
        assert c.role in ("attributed", "mention")
