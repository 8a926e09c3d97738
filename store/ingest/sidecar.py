"""Translation sidecars: ``X.translation.json`` beside an imported file X.

They let sample articles read side by side offline. Format::

    {"target_lang": "en", "provider": "sample", "source_lang": "uk",
     "paragraphs": [{"original": "...", "translation": "..."}, ...]}

Each article paragraph is matched to an ``original`` after normalisation;
unmatched paragraphs stay untranslated. A feed's sidecar holds pairs for all its
entries, so each entry takes the pairs that match its own paragraphs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache

import sqlite_utils

from article_triage.store.articles import article_paragraphs, get_article
from article_triage.store.ingest.sources import SIDECAR_SUFFIX
from article_triage.store.text import normalise_paragraph
from article_triage.store.translations import save_translation


class SidecarError(ValueError):
    """The sidecar exists but cannot be used; the message says why in one line."""


@dataclass(frozen=True)
class Sidecar:
    target_lang: str
    provider: str
    source_lang: str | None
    pairs: dict[str, str]


def sidecar_for(path: str) -> str | None:
    candidate = path + SIDECAR_SUFFIX
    return candidate if os.path.isfile(candidate) else None


def load_sidecar(path: str) -> Sidecar:
    stat = os.stat(path)
    return _load(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int) -> Sidecar:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SidecarError(f"translation sidecar ignored: not readable JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("paragraphs"), list):
        raise SidecarError("translation sidecar ignored: no paragraphs list")
    target = data.get("target_lang")
    if not isinstance(target, str) or not target:
        raise SidecarError("translation sidecar ignored: no target_lang")
    pairs: dict[str, str] = {}
    for pair in data["paragraphs"]:
        if (
            isinstance(pair, dict)
            and isinstance(pair.get("original"), str)
            and isinstance(pair.get("translation"), str)
        ):
            key = normalise_paragraph(pair["original"])
            if key:
                pairs.setdefault(key, pair["translation"])
    return Sidecar(target, str(data.get("provider") or "sample"), data.get("source_lang"), pairs)


def apply_sidecar(db: sqlite_utils.Database, article_id: int) -> str | None:
    """Store the sidecar translation of *article_id*, if its file has one; a note if unusable."""
    row = db.execute("SELECT feed_url, source FROM articles WHERE id = ?", [article_id]).fetchone()
    origin = row and (row[0] or row[1])
    if not origin or not os.path.isabs(origin):
        return None  # URLs and stdin have no sidecar
    path = sidecar_for(origin)
    if path is None:
        return None
    article = get_article(db, article_id)
    assert article is not None
    try:
        sidecar = load_sidecar(path)
    except SidecarError as exc:
        return str(exc)
    aligned = [sidecar.pairs.get(p) for p in article_paragraphs(article)]
    if not any(aligned):
        return None if article.get("feed_url") else "translation sidecar matched no paragraph"
    save_translation(
        db, article_id, sidecar.target_lang, sidecar.provider, aligned, sidecar.source_lang
    )
    return None
