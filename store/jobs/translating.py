"""The translate job: the articles a request selects, into the settings' target."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from article_triage.store.articles import ArticleFilter
from article_triage.store.jobs.base import JobProgress, ProgressCallback, stop_check
from article_triage.store.translate.engine import TranslateReport
from article_triage.store.translate.settings import ProviderSettings


@dataclass(frozen=True)
class TranslateRequest:
    settings: ProviderSettings
    article_ids: tuple[int, ...] | None = None
    """These articles; None: those *filter* selects."""
    filter: ArticleFilter = field(default_factory=ArticleFilter)
    config_path: Path | None = None
    """The config file an offline run's hint names (where to set a local provider)."""
    retranslate: bool = False
    """Every article *filter* selects, not only those lacking a translation."""


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
    provider: str | None = None

    @property
    def not_reached(self) -> int:
        """Selected articles a run the provider stopped never got to: they failed too,
        though no request of theirs was sent. A run the user stopped leaves none."""
        if self.report.interrupted:
            return 0
        r = self.report
        return max(self.selected - (r.translated + r.from_cache + r.skipped + len(r.failed)), 0)

    @property
    def failed(self) -> int:
        """Articles this run left without their translation (tried or not)."""
        return len(self.report.failed) + self.not_reached

    def as_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "provider": self.provider,
            "target": self.target,
            "selected": self.selected,
            "translated": r.translated,
            "from_cache": r.from_cache,
            "skipped": r.skipped,
            "failed": [{"id": i, "reason": reason} for i, reason in r.failed],
            "not_reached": self.not_reached,
            "requests_sent": r.requests_sent,
            "lines_from_cache": r.lines_from_cache,
            "interrupted": r.interrupted,
            "error": self.unreachable,
            "hint": self.hint,
        }


def run_translate(
    db: sqlite_utils.Database,
    request: TranslateRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> TranslateJobReport:
    """Raises ValueError (one line) for settings that cannot work."""
    from article_triage.store.articles import iter_article_ids
    from article_triage.store.translate.engine import (  # deep_translator: only when run
        ProviderUnreachable,
        translate_articles,
        untranslated_article_ids,
    )
    from article_triage.store.translate.settings import offline_hint

    settings = request.settings
    if request.article_ids is not None:
        ids = list(request.article_ids)
    elif request.retranslate:
        ids = list(iter_article_ids(db, request.filter))
    else:
        ids = list(untranslated_article_ids(db, settings.target, request.filter))
    out = TranslateJobReport(settings.target, len(ids), provider=settings.name)
    if not ids:
        return out

    def forward(p) -> None:
        if progress is not None:
            detail = f"{p.requests_sent:,} requests · {p.from_cache:,} from cache"
            progress(JobProgress(p.done_articles, p.total_articles, "articles", detail))

    if progress is not None:  # the total before the first article is done
        progress(JobProgress(0, len(ids), "articles"))
    try:
        out.report = translate_articles(db, ids, settings, forward, stop_check(stop))
    except ProviderUnreachable as exc:
        out.report = exc.report
        out.unreachable = str(exc)
        if exc.offline:
            out.hint = offline_hint(settings, request.config_path)
    return out
