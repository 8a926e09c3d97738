"""Language codes per provider: deep-translator's tables differ (its LibreTranslate table
lacks uk and kk; MyMemory wants locales). A leaf module, so that settings can check a
target without importing the provider clients.
"""

from __future__ import annotations

_GOOGLE_CODES = {
    "zh": "zh-CN",
    "zh-hans": "zh-CN",
    "zh-hant": "zh-TW",
    "he": "iw",
    "jv": "jw",
    "nb": "no",
}
_MICROSOFT_CODES = {"zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-tw": "zh-Hant", "nb": "nb", "no": "nb"}
_LIBRE_CODES = {"zh-cn": "zh", "zh-hans": "zh", "zh-tw": "zt", "zh-hant": "zt", "nb": "nb"}
# MyMemory wants locales; where a language has several, the usual one.
_MYMEMORY_PREFERRED = {
    "en": "en-GB",
    "zh": "zh-CN",
    "pt": "pt-PT",
    "es": "es-ES",
    "ar": "ar-SA",
    "sr": "sr-Cyrl-RS",
}


class UnsupportedLanguage(ValueError):
    pass


def provider_code(provider: str, language: str) -> str:
    """The code *provider* uses for the ISO 639-1 *language* (``auto`` passes through).

    Raises UnsupportedLanguage when deep-translator's table for the provider lacks it.
    LibreTranslate servers differ in what they offer, so libre codes are not checked
    against deep-translator's table, which lacks uk and kk.
    """
    code = language.strip()
    lower = code.lower()
    if lower == "auto":
        return "auto"
    base = lower.split("-")[0]
    if provider == "google":
        from deep_translator.constants import GOOGLE_LANGUAGES_TO_CODES

        mapped = _GOOGLE_CODES.get(lower) or _GOOGLE_CODES.get(base) or base
        if mapped in GOOGLE_LANGUAGES_TO_CODES.values():
            return mapped
    elif provider == "mymemory":
        from deep_translator.constants import MY_MEMORY_LANGUAGES_TO_CODES

        locales = list(MY_MEMORY_LANGUAGES_TO_CODES.values())
        exact = [loc for loc in locales if loc.lower() == lower]
        if exact:
            return exact[0]
        if base in _MYMEMORY_PREFERRED:
            return _MYMEMORY_PREFERRED[base]
        same = [loc for loc in locales if loc.split("-")[0] == base]
        for loc in same:
            if loc.split("-")[-1].lower() == base:  # de-DE, ru-RU, fr-FR
                return loc
        if same:
            return same[0]
    elif provider == "deepl":
        from deep_translator.constants import DEEPL_LANGUAGE_TO_CODE

        if base in DEEPL_LANGUAGE_TO_CODE.values():
            return base
    elif provider == "libre":
        return _LIBRE_CODES.get(lower) or _LIBRE_CODES.get(base) or base
    elif provider == "microsoft":
        return _MICROSOFT_CODES.get(lower) or _MICROSOFT_CODES.get(base) or base
    raise UnsupportedLanguage(f"{provider} does not translate {language!r}")
