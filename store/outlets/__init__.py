"""Source intelligence: the outlet registry, publisher and citation detection, suggestions.

    registry = load_registry()                        # built-in + the user's file
    detect_publisher("https://de.rt.com/x", registry) # -> Outlet(key='rt', ...)
    find_citations(paragraphs, registry)              # -> [Citation(...)]
    annotate_article(db, article_id)                  # fills citations + suggested_flags
    annotate_all(db, progress=callback)               # after a registry change

The user's file is the path given (``ImportOptions.from_config`` takes it from the
settings' ``[outlets] registry``), else ``platformdirs.user_config_path("article-triage")/outlets.toml``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from article_triage.store.outlets.annotate import (
    STATE_MEDIA_FLAG,
    annotate_all,
    annotate_article,
    find_publisher,
    suggested_flags,
    sync_outlets,
)
from article_triage.store.outlets.domains import detect_publisher, host_of
from article_triage.store.outlets.matcher import Citation, find_citations
from article_triage.store.outlets.registry import (
    CATEGORIES,
    Designation,
    Outlet,
    Registry,
    RegistryError,
    builtin_entries,
    merge,
    parse_outlets,
    read_entries,
    user_registry_path,
)

__all__ = [
    "CATEGORIES",
    "STATE_MEDIA_FLAG",
    "Citation",
    "Designation",
    "Outlet",
    "Registry",
    "RegistryError",
    "annotate_all",
    "annotate_article",
    "builtin_outlets",
    "detect_publisher",
    "find_citations",
    "find_publisher",
    "host_of",
    "load_registry",
    "suggested_flags",
    "sync_outlets",
]


@lru_cache(maxsize=1)
def builtin_outlets() -> dict[str, Outlet]:
    entries = parse_outlets(builtin_entries(), "built-in registry", "builtin")
    return {e["key"]: Outlet(**e) for e in entries}


@lru_cache(maxsize=8)
def _load(path: str | None, stamp: tuple[int, int] | None) -> Registry:
    outlets = builtin_outlets()
    if path is not None:
        overrides = parse_outlets(read_entries(Path(path)), path, "user")
        outlets = merge(outlets, overrides)
    return Registry(outlets.values())


def load_registry(user_path: str | os.PathLike[str] | None = None) -> Registry:
    """The built-in registry with the user's file on top (cached until that file changes).

    Raises :class:`RegistryError` (one line: which file, what is wrong) for a bad user file.
    """
    path = Path(user_path) if user_path is not None else user_registry_path(None)
    try:
        stat = path.stat()
    except OSError:
        return _load(None, None)
    return _load(str(path), (stat.st_mtime_ns, stat.st_size))
