"""User configuration: one TOML file, found through platformdirs or $TRIAGE_CONFIG.

Example::

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
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from article_triage.store.taxonomy import Taxonomy, taxonomy_from_config

CONFIG_ENV = "TRIAGE_CONFIG"
ANALYST_ENV = "TRIAGE_ANALYST"


class ConfigError(Exception):
    """The config file exists but cannot be used; the message says why, in one line."""


def default_config_path() -> Path:
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    import platformdirs

    return platformdirs.user_config_path("article-triage") / "config.toml"


@dataclass
class Config:
    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: [{name}] must be a table")
        return value

    @property
    def taxonomy(self) -> Taxonomy:
        try:
            return taxonomy_from_config(self.section("taxonomy"))
        except ValueError as exc:
            raise ConfigError(f"{self.path}: {exc}") from exc

    @property
    def theme(self) -> str | None:
        return self.data.get("theme")

    def analyst(self, override: str | None = None) -> str:
        """--analyst, then $TRIAGE_ANALYST, then the config, then the login name."""
        name = override or os.environ.get(ANALYST_ENV) or self.data.get("analyst")
        if not name:
            try:
                name = getpass.getuser()
            except Exception:  # no login name in some containers
                name = "analyst"
        return str(name)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    config_path = Path(path) if path else default_config_path()
    if not config_path.exists():
        return Config({}, config_path)
    try:
        with config_path.open("rb") as fh:
            return Config(tomllib.load(fh), config_path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:  # TOML is UTF-8 by definition
        raise ConfigError(f"{config_path}: not valid TOML (not UTF-8)") from exc
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot be read ({exc.strerror})") from exc
