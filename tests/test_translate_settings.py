"""Provider settings from config, environment and command line; language codes per provider."""

import pytest

from article_triage.store.settings import ConfigError, settings_from_table
from article_triage.store.translate import ProviderSettings, provider_code, settings_from_config
from article_triage.store.translate.providers import UnsupportedLanguage, classify
from article_triage.store.translate.settings import display_url


def test_defaults_are_google_into_english():
    settings = settings_from_config(settings_from_table({}))
    assert (settings.name, settings.target, settings.url) == ("google", "en", None)
    settings.validate()


def test_the_config_table_is_read_and_the_command_line_wins():
    config = settings_from_table(
        {
            "translation": {
                "provider": "libre",
                "target": "de",
                "url": "http://127.0.0.1:5000",
                "timeout": 3,
                "concurrency": "2",
            }
        }
    )
    settings = settings_from_config(config)
    assert (settings.name, settings.target, settings.timeout, settings.concurrency) == (
        "libre",
        "de",
        3.0,
        2,
    )
    overridden = settings_from_config(config, provider="mymemory", target="en", url=None)
    assert (overridden.name, overridden.target, overridden.url) == (
        "mymemory",
        "en",
        "http://127.0.0.1:5000",
    )


def test_a_bad_number_in_the_config_is_a_config_error():
    with pytest.raises(ConfigError, match="timeout must be a number"):
        settings_from_config(settings_from_table({"translation": {"timeout": "soon"}}))


def test_the_key_comes_from_the_environment_first_and_is_never_in_repr(monkeypatch):
    config = settings_from_table(
        {"translation": {"provider": "deepl", "deepl_key": "from-config-123"}}
    )
    assert settings_from_config(config).api_key == "from-config-123"
    monkeypatch.setenv("TRIAGE_DEEPL_KEY", "from-env-456")
    settings = settings_from_config(config)
    assert settings.api_key == "from-env-456"
    assert "from-env-456" not in repr(settings) and "from-env-456" not in str(settings)


def test_a_bare_api_key_belongs_to_the_configured_provider_only():
    config = settings_from_table({"translation": {"provider": "deepl", "api_key": "deepl-secret"}})
    assert settings_from_config(config).api_key == "deepl-secret"
    assert settings_from_config(config, provider="libre").api_key is None


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (ProviderSettings(name="libre"), "needs the URL"),
        (ProviderSettings(name="microsoft"), "TRIAGE_MICROSOFT_KEY"),
        (ProviderSettings(name="libre", url="ftp://x/"), "not an http"),
        (ProviderSettings(timeout=0), "timeout"),
        (ProviderSettings(name="yandex"), "unknown translation provider"),
    ],
)
def test_settings_that_cannot_work_say_why(settings, message):
    with pytest.raises(ValueError, match=message):
        settings.validate()


def test_urls_in_messages_lose_credentials():
    assert display_url("https://user:pw@mt.example.org:5000/lt/?api_key=k#x") == (
        "https://mt.example.org:5000/lt/"
    )


@pytest.mark.parametrize(
    ("provider", "language", "code"),
    [
        ("libre", "uk", "uk"),  # deep-translator's LibreTranslate table lacks uk and kk
        ("libre", "kk", "kk"),
        ("mymemory", "uk", "uk-UA"),
        ("mymemory", "kk", "kk-KZ"),
        ("mymemory", "de", "de-DE"),
        ("mymemory", "en", "en-GB"),
        ("mymemory", "ru", "ru-RU"),
        ("google", "zh", "zh-CN"),
        ("google", "he", "iw"),
        ("google", "uk", "uk"),
        ("deepl", "UK", "uk"),
        ("microsoft", "zh", "zh-Hans"),
        ("google", "auto", "auto"),
    ],
)
def test_language_codes_are_mapped_per_provider(provider, language, code):
    assert provider_code(provider, language) == code


def test_a_language_the_provider_lacks_is_refused_before_sending():
    with pytest.raises(UnsupportedLanguage, match="deepl does not translate 'kk'"):
        provider_code("deepl", "kk")


def test_deep_translators_403_message_with_the_key_is_not_passed_on():
    from deep_translator.exceptions import AuthorizationException

    settings = ProviderSettings(name="libre", url="http://127.0.0.1:1/", api_key="k-999")
    error = classify(AuthorizationException("k-999"), 403, settings)
    assert "k-999" in str(AuthorizationException("k-999"))
    assert "k-999" not in str(error)
    assert error.fatal


def test_target_codes_are_normalised():
    assert settings_from_config(settings_from_table({}), target=" EN ").target == "en"
    assert settings_from_config(settings_from_table({}), target="zh-tw").target == "zh-TW"
