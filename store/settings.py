"""User settings: the config TOML read once into a frozen, typed tree that is passed in.

This module is the only reader of the config file. Everything else takes a
:class:`Settings` (the CLI loads it once per run, the app is given it), so a value
such as the translation target is decided here, once: ``target = "EN"`` becomes
``en``, the form translations are stored and looked up under.

Example file::

    analyst = "olena"
    theme = "textual-dark"

    [translation]
    provider = "libre"           # google, deepl, microsoft, libre, mymemory
    target = "en"
    url = "http://127.0.0.1:5000/"
    # keys: prefer environment variables (TRIAGE_DEEPL_KEY, ...); a key here also works

    [ingest]
    languages = ["uk", "ru", "kk", "de", "en", "pl", "fr", "es", "zh"]

    [taxonomy]
    extra_flags = [{ value = "satire", label = "Satire", key = "x" }]

    [outlets]
    registry = "~/outlets.toml"  # your outlets (TOML or CSV), over the built-in registry

    [keys]
    next = "j,down"              # action id -> keys

    [feeds]
    floor_minutes = 15

Unknown keys do not stop anything: each becomes one line in ``Settings.warnings``,
which the CLI prints and the app shows.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from article_triage.store.taxonomy import Taxonomy, taxonomy_from_config

CONFIG_ENV = "TRIAGE_CONFIG"
ANALYST_ENV = "TRIAGE_ANALYST"
DEFAULT_TARGET = "en"


class ConfigError(Exception):
    """The config file exists but cannot be used; the message says why, in one line."""


def default_config_path() -> Path:
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    import platformdirs

    return platformdirs.user_config_path("article-triage") / "config.toml"


def normalise_language(code: str) -> str:
    """``EN`` -> ``en``, ``zh-tw`` -> ``zh-TW``: the form translations are stored under."""
    language, _, region = code.strip().partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


@dataclass(frozen=True)
class TranslationSettings:
    """``[translation]``: what the user configured; None leaves the provider default."""

    provider: str | None = None
    """As configured (lowercase); None: not set, google is the default."""
    target: str = DEFAULT_TARGET
    """Normalised ISO code (``en``, ``zh-TW``)."""
    url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None
    concurrency: int | None = None
    backoff: float | None = None
    region: str | None = None
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    """``<provider>_key`` entries by provider name. Never logged or shown."""
    api_key: str | None = field(default=None, repr=False)
    """A bare ``api_key``: it belongs to ``provider`` (to any provider when that is unset)."""


@dataclass(frozen=True)
class IngestSettings:
    languages: tuple[str, ...] | None = None
    """``[ingest] languages``: ISO 639-1 codes for detection; None: the default set."""


@dataclass(frozen=True)
class OutletSettings:
    registry: Path | None = None
    """``[outlets] registry``: the user's outlet file; None: the platformdirs default."""


@dataclass(frozen=True)
class FeedSettings:
    """``[feeds]``: whole numbers above 0 where set; None leaves the refresh default."""

    floor_minutes: int | None = None
    ceiling_minutes: int | None = None
    unconditional_every: int | None = None
    concurrency: int | None = None
    per_host: int | None = None
    max_entries: int | None = None
    allow_private_addresses: bool = False


@dataclass(frozen=True)
class Settings:
    path: Path | None = None
    """The file these came from (named in error messages); None: built in code."""
    configured_analyst: str | None = None
    theme: str | None = None
    translation: TranslationSettings = field(default_factory=TranslationSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    outlets: OutletSettings = field(default_factory=OutletSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """``[keys]``: action id -> "key1,key2" (the app says which ids name no action)."""
    taxonomy: Taxonomy = field(default_factory=lambda: taxonomy_from_config({}))
    warnings: tuple[str, ...] = ()
    """One line per unknown key."""

    def analyst(self, override: str | None = None) -> str:
        """--analyst, then $TRIAGE_ANALYST, then the config, then the login name."""
        name = override or os.environ.get(ANALYST_ENV) or self.configured_analyst
        if not name:
            try:
                name = getpass.getuser()
            except Exception:  # no login name in some containers
                name = "analyst"
        return str(name)


# --- reading -------------------------------------------------------------------------------

_TOP = {"analyst", "theme", "translation", "ingest", "outlets", "feeds", "keys", "taxonomy"}
_TRANSLATION = {
    "provider",
    "target",
    "url",
    "timeout",
    "max_retries",
    "concurrency",
    "backoff",
    "region",
    "api_key",
}
_TRANSLATION_NUMBERS = {"timeout": float, "max_retries": int, "concurrency": int, "backoff": float}
_FEED_NUMBERS = (
    "floor_minutes",
    "ceiling_minutes",
    "unconditional_every",
    "concurrency",
    "per_host",
    "max_entries",
)
_KNOWN = {
    "ingest": {"languages"},
    "outlets": {"registry"},
    "feeds": {*_FEED_NUMBERS, "allow_private_addresses"},
    "taxonomy": {
        "statuses",
        "stances",
        "flags",
        "extra_flags",
        "reliability_labels",
        "credibility_labels",
    },
}


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Settings from *path* (else $TRIAGE_CONFIG, else the platformdirs file); defaults
    when the file does not exist. Raises ConfigError, one line, when it cannot be used."""
    config_path = Path(path) if path else default_config_path()
    if not config_path.exists():
        return Settings(path=config_path)
    try:
        with config_path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8 by definition
        raise ConfigError(f"{config_path}: not valid TOML (not UTF-8)") from exc
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot be read ({exc.strerror})") from exc
    return settings_from_table(data, config_path)


def settings_from_table(data: Mapping[str, Any], path: Path | None = None) -> Settings:
    """Settings from an already parsed TOML table (tests build them this way)."""
    where = str(path) if path else "config"
    warnings = [f"{where}: unknown setting {key!r}" for key in data if key not in _TOP]

    def table(name: str) -> Mapping[str, Any]:
        value = data.get(name) or {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: [{name}] must be a table")
        for key in value:
            known = _KNOWN.get(name)
            if known is not None and key not in known:
                warnings.append(f"{where}: unknown setting {key!r} in [{name}]")
        return value

    try:
        taxonomy = taxonomy_from_config(dict(table("taxonomy")))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    translation = _translation(table("translation"), where, warnings)
    ingest = _ingest(table("ingest"), where)
    registry = table("outlets").get("registry")
    outlets = OutletSettings(Path(os.path.expanduser(str(registry))) if registry else None)
    feeds = _feeds(table("feeds"), where)
    keys = {str(k): str(v) for k, v in table("keys").items()}
    analyst = data.get("analyst")
    theme = data.get("theme")
    return Settings(
        path=path,
        configured_analyst=str(analyst) if analyst else None,
        theme=str(theme) if theme else None,
        translation=translation,
        ingest=ingest,
        outlets=outlets,
        feeds=feeds,
        keys=MappingProxyType(keys),
        taxonomy=taxonomy,
        warnings=tuple(warnings),
    )


def _translation(
    section: Mapping[str, Any], where: str, warnings: list[str]
) -> TranslationSettings:
    values: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, value in section.items():
        if key.endswith("_key") and key != "api_key":
            keys[key.removesuffix("_key").lower()] = str(value)
        elif key not in _TRANSLATION:
            warnings.append(f"{where}: unknown setting {key!r} in [translation]")
    for name, convert in _TRANSLATION_NUMBERS.items():
        if name in section:
            try:
                values[name] = convert(section[name])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{where}: [translation] {name} must be a number") from exc
    if section.get("provider"):
        values["provider"] = str(section["provider"]).strip().lower()
    if section.get("target"):
        values["target"] = normalise_language(str(section["target"]))
    for name in ("url", "region", "api_key"):
        if section.get(name):
            values[name] = str(section[name])
    return TranslationSettings(keys=MappingProxyType(keys), **values)


def _ingest(section: Mapping[str, Any], where: str) -> IngestSettings:
    languages = section.get("languages")
    if languages is not None and not (
        isinstance(languages, list) and all(isinstance(code, str) for code in languages)
    ):
        raise ConfigError(f"{where}: [ingest] languages must be a list of ISO 639-1 codes")
    return IngestSettings(tuple(code.lower() for code in languages) if languages else None)


def _feeds(section: Mapping[str, Any], where: str) -> FeedSettings:
    values: dict[str, Any] = {}
    for key in _FEED_NUMBERS:
        if key in section:
            value = section[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: [feeds] {key} must be a whole number above 0")
            values[key] = value
    floor, ceiling = values.get("floor_minutes"), values.get("ceiling_minutes")
    if floor is not None and ceiling is not None and floor > ceiling:
        raise ConfigError(f"{where}: [feeds] floor_minutes is above ceiling_minutes")
    allow_private = section.get("allow_private_addresses", False)
    if not isinstance(allow_private, bool):
        raise ConfigError(f"{where}: [feeds] allow_private_addresses must be true or false")
    return FeedSettings(allow_private_addresses=allow_private, **values)
