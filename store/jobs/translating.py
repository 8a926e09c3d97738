"""The translate job: the articles a request selects, into the settings' target."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from article_triage.store.articles import ArticleFilter
from article_triage.store.jobs.base import JobProgress, ProgressCallback, stop_check
from article_triage.store.translate.engine import TranslateReport
from article_triage.store.translate.settings import ProviderSettings


@dataclass(frozen=True)
class TranslateRequest:
    settings: ProviderSettings
    article_ids: tuple[int, ...] | None = None
    """These articles; None: those in *filter* that lack a translation."""
    filter: ArticleFilter = field(default_factory=ArticleFilter)
    config_path: Path | None = None
    """The config file to name when the provider is offline (where to set another)."""


@dataclass
class TranslateJobReport:
    target: str
    selected: int = 0
    report: TranslateReport = field(default_factory=TranslateReport)
    unreachable: str | None = None
    """Why the provider could not be used at all (one line, no key); the work done
    before is stored."""
    hint: str | None = None
    """When nothing answered: how to translate without the internet (one line)."""


def run_translate(
    db: sqlite_utils.Database,
    request: TranslateRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> TranslateJobReport:
    """Raises ValueError (one line) for settings that cannot work."""
    from article_triage.store.translate.engine import (  # deep_translator: only when run
        ProviderUnreachable,
        translate_articles,
        untranslated_article_ids,
    )
    from article_triage.store.translate.settings import offline_hint

    settings = request.settings
    ids = (
        list(request.article_ids)
        if request.article_ids is not None
        else list(untranslated_article_ids(db, settings.target, request.filter))
    )
    out = TranslateJobReport(settings.target, len(ids))
    if not ids:
        return out

    def forward(p) -> None:
        if progress is not None:
            detail = f"{p.requests_sent:,} requests · {p.from_cache:,} from cache"
            progress(JobProgress(p.done_articles, p.total_articles, "articles", detail))

    try:
        out.report = translate_articles(db, ids, settings, forward, stop_check(stop))
    except ProviderUnreachable as exc:
        out.report = exc.report
        out.unreachable = str(exc)
        if exc.offline:
            out.hint = offline_hint(settings, request.config_path)
    return out
