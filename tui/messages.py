"""Messages the app's workers post: each names a fact that has happened.

Workers never touch widgets; they post one of these and an ``@on`` handler on
the UI thread updates the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message

from article_triage.store.reader import ArticleView
from article_triage.store.triage import Change


@dataclass
class ArticleLoaded(Message):
    """The reader's view of an article was read from the store."""

    view: ArticleView


@dataclass
class ArticleMissing(Message):
    """The highlighted article is no longer in the store (deleted by another process)."""

    article_id: int


@dataclass
class HistoryReplayed(Message):
    """Undo or redo was committed (``change`` is None when there was nothing to do)."""

    change: Change | None
    redo: bool
    title: str | None = None
    """The title of the one article the step touched (None for several or none)."""


@dataclass
class BulkApplied(Message):
    """A bulk action over the current filter was committed as one undo step."""

    change: Change
    changes: dict[str, Any]


@dataclass
class UntriagedFound(Message):
    """The next untriaged article after the current one (None when all are triaged)."""

    article_id: int | None


@dataclass
class TranslationProgress(Message):
    """Translation advanced; later progress replaces earlier progress in the queue."""

    done_articles: int
    total_articles: int
    requests_sent: int
    from_cache: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TranslationProgress)


@dataclass
class TranslationFinished(Message):
    article_ids: tuple[int, ...]
    summary: str
    """One line: what was translated, from the cache, skipped, failed."""
    severity: str = "information"
    """information | warning | error: decided where the report is read, not from the words."""


@dataclass
class ExportWritten(Message):
    path: Path | None
    records: int
    summary: str


@dataclass
class JobAdvanced(Message):
    """A store job (store.jobs) advanced; later progress replaces earlier progress."""

    label: str
    """What runs, as the triage bar says it: "importing"."""
    done: int
    total: int | None
    unit: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobAdvanced) and message.label == self.label


@dataclass
class JobFinished(Message):
    label: str
    report: Any
    """The job's typed report; store.jobs.summarise says it in one line."""


@dataclass
class FeedsRefreshProgress(Message):
    """Feeds refreshed so far; later progress replaces earlier progress in the queue."""

    done: int
    total: int
    new_articles: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedsRefreshProgress)


@dataclass
class FeedsRefreshed(Message):
    new_articles: int
    failed: int
    summary: str
