"""Machine translation of stored articles (issue 3): providers through deep-translator,
with timeouts, retries, bounded concurrency, packing and a per-line cache.

Storing and reading translations is store.translations; this package produces them.
"""

from article_triage.store.translate.engine import (
    ProviderUnreachable,
    TranslateProgress,
    TranslateReport,
    cache_key,
    translate_articles,
    untranslated_article_ids,
)
from article_triage.store.translate.providers import REQUEST_LIMITS, ProviderError, provider_code
from article_triage.store.translate.settings import (
    PROVIDERS,
    ProviderSettings,
    offline_hint,
    settings_from_config,
)

__all__ = [
    "PROVIDERS",
    "REQUEST_LIMITS",
    "ProviderError",
    "ProviderSettings",
    "ProviderUnreachable",
    "TranslateProgress",
    "TranslateReport",
    "cache_key",
    "offline_hint",
    "provider_code",
    "settings_from_config",
    "translate_articles",
    "untranslated_article_ids",
]
