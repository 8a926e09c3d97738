"""Language detection: lingua on a configurable set; uk/ru/kk told apart; ``und`` when unsure."""

from __future__ import annotations

from article_triage.store.ingest.language import (
    DEFAULT_LANGUAGES,
    REQUIRED_LANGUAGES,
    configured_languages,
    detect_language,
)

SAMPLES = {
    "uk": "Казахстан на рік призупиняє експорт військової продукції, повідомили в уряді після засідання комісії.",
    "ru": "Казахстан на год приостанавливает экспорт военной продукции, сообщили в правительстве после заседания комиссии.",
    "kk": "Қазақстан әскери өнім экспортын бір жылға тоқтатады, деп хабарлады үкімет комиссия отырысынан кейін.",
    "de": "Kasachstan setzt den Export von Rüstungsgütern für ein Jahr aus, teilte die Regierung nach der Sitzung mit.",
    "en": "Kazakhstan suspends the export of military products for a year, the government said after the meeting.",
    "pl": "Kazachstan wstrzymuje na rok eksport produktów wojskowych, poinformował rząd po posiedzeniu komisji.",
    "zh": "哈萨克斯坦政府在委员会会议后表示，将暂停军工产品出口一年，以防止武器流入地区冲突。",
}


def test_each_language_is_recognised():
    for code, text in SAMPLES.items():
        assert detect_language([text]) == code, code


def test_too_little_text_is_undetermined():
    assert detect_language(["OK 12"]) == "und"
    assert detect_language(["1234 5678 — 99%"]) == "und"


def test_default_set_covers_the_required_languages():
    assert set(DEFAULT_LANGUAGES) >= REQUIRED_LANGUAGES


def test_configured_set_comes_from_the_config_and_keeps_the_required(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[ingest]\nlanguages = ["uk", "ru", "be"]\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    # The settings read the config once; import options carry the set to detection.
    from article_triage.store.ingest import ImportOptions
    from article_triage.store.settings import load_settings

    languages = configured_languages(ImportOptions.from_config(load_settings()).languages)
    assert "be" in languages and set(languages) >= REQUIRED_LANGUAGES
    assert "hu" not in languages


def test_models_loaded_ahead_detect_what_models_loaded_on_use_detect():
    """An import loads every model up front (load_models); lazy loading must not differ."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    from article_triage.store.ingest import language

    chosen = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in DEFAULT_LANGUAGES
    ]
    lazy = LanguageDetectorBuilder.from_languages(*chosen).with_low_accuracy_mode().build()
    language.load_models(DEFAULT_LANGUAGES)
    loaded = language._detector(DEFAULT_LANGUAGES)
    for text in SAMPLES.values():
        assert [
            (v.language, round(v.value, 9)) for v in loaded.compute_language_confidence_values(text)
        ] == [
            (v.language, round(v.value, 9)) for v in lazy.compute_language_confidence_values(text)
        ]


def test_one_detector_a_language_set_whether_loaded_ahead_or_on_use():
    from article_triage.store.ingest import language

    languages = ("uk", "ru", "kk", "de", "en", "pl", "fr", "es", "zh", "hu")
    on_use = language._detector(languages)
    language.load_models(languages)
    assert language._detector(languages) is on_use
