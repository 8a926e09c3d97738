"""Which provider to use and how: from the settings, the environment and the command line.

API keys come from ``TRIAGE_<PROVIDER>_KEY`` or the config; they live only in
memory. ``repr`` leaves the key out, and nothing in store.translate puts it in a
message, a log line or the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from article_triage.store.settings import Settings, normalise_language
from article_triage.store.translate.codes import provider_code

PROVIDERS = ("google", "deepl", "microsoft", "libre", "mymemory")
PROVIDERS_NEEDING_KEY = ("deepl", "microsoft")


def key_env_var(provider: str) -> str:
    return f"TRIAGE_{provider.upper()}_KEY"


@dataclass
class ProviderSettings:
    name: str = "google"
    """google | deepl | microsoft | libre | mymemory"""
    target: str = "en"
    url: str | None = None
    """Base URL of a self-hosted LibreTranslate."""
    api_key: str | None = field(default=None, repr=False)
    """Never stored, logged or shown."""
    timeout: float = 15.0
    """Seconds one HTTP request may take (connect, and each wait for the answer)."""
    max_retries: int = 4
    """Retries of a request answered with 429 or 5xx."""
    concurrency: int = 4
    """Requests in flight at once."""
    backoff: float = 0.5
    """First retry delay in seconds; doubles per retry, with full jitter."""
    region: str | None = None
    """Microsoft resource region, when the key needs one."""

    def validate(self) -> None:
        """Raise ValueError with a one-line reason when these settings cannot work."""
        if self.name not in PROVIDERS:
            raise ValueError(
                f"unknown translation provider {self.name!r} (choose from {', '.join(PROVIDERS)})"
            )
        if not self.target or not self.target.strip():
            raise ValueError("no target language")
        if self.name == "libre" and not self.url:
            raise ValueError("provider libre needs the URL of a LibreTranslate server (--url)")
        if self.url and urlsplit(self.url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {display_url(self.url)}")
        if self.name in PROVIDERS_NEEDING_KEY and not self.api_key:
            raise ValueError(f"provider {self.name} needs an API key: set {key_env_var(self.name)}")
        if self.timeout <= 0 or self.concurrency < 1 or self.max_retries < 0:
            raise ValueError("timeout and concurrency must be positive, max_retries not negative")
        provider_code(self.name, self.target)  # UnsupportedLanguage is a ValueError


LOCAL_LIBRE_URL = "http://localhost:5000"


def offline_hint(settings: ProviderSettings, config_path: object = None) -> str:
    """What to do when the provider cannot be reached: start or point at a LibreTranslate
    of one's own (it runs offline), or choose another provider; *config_path* is the file
    to edit."""
    where = f" in {config_path}" if config_path else ""
    if settings.name == "libre":
        return (
            f"is the LibreTranslate at {display_url(settings.url or LOCAL_LIBRE_URL)} running? "
            f'Set its address as [translation] url = "..."{where}, '
            f"or another provider ({', '.join(p for p in PROVIDERS if p != 'libre')})"
        )
    return (
        "without the internet, run a local LibreTranslate "
        f"(docker run -p 5000:5000 libretranslate/libretranslate) and set "
        f'[translation] provider = "libre", url = "{LOCAL_LIBRE_URL}"{where}; '
        f"or another provider ({', '.join(p for p in PROVIDERS if p != settings.name)}; "
        f"deepl and microsoft take a key from {key_env_var('deepl')} or {key_env_var('microsoft')})"
    )


def display_url(url: str) -> str:
    """*url* without user info, query or fragment, which may carry credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


_CONFIGURED = ("target", "url", "timeout", "max_retries", "concurrency", "backoff", "region")


def settings_from_config(settings: Settings, **overrides: Any) -> ProviderSettings:
    """Provider settings from ``settings.translation``, the environment and *overrides*.

    Overrides that are None are ignored, so a CLI can pass its options straight
    through; ``provider=`` is accepted as a synonym of ``name=``. The key is
    ``TRIAGE_<NAME>_KEY``, else ``<name>_key`` or ``api_key`` in ``[translation]``.
    """
    configured = settings.translation
    values: dict[str, Any] = {}
    if configured.provider:
        values["name"] = configured.provider
    for name in _CONFIGURED:
        if getattr(configured, name) is not None:
            values[name] = getattr(configured, name)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if "provider" in overrides:
        overrides["name"] = overrides.pop("provider")
    unknown = set(overrides) - {f.name for f in fields(ProviderSettings)}
    if unknown:
        raise TypeError(f"unknown translation settings: {sorted(unknown)}")
    values.update(overrides)
    name = str(values.get("name", "google")).strip().lower()
    values["name"] = name
    if values.get("target"):
        values["target"] = normalise_language(str(values["target"]))
    if not values.get("api_key"):
        # A bare api_key in the table belongs to the table's provider, not to one
        # chosen on the command line.
        table_key = configured.api_key if (configured.provider or name) == name else None
        values["api_key"] = (
            os.environ.get(key_env_var(name)) or configured.keys.get(name) or table_key
        )
    return ProviderSettings(**values)
