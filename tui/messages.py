"""Messages the app's and the triage screen's workers post: each names a fact that has happened.

Workers never touch widgets; they post one of these and an ``@on`` handler on
the UI thread updates the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
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
class JobAdvanced(Message):
    """A store job (store.jobs) advanced; later progress replaces earlier progress."""

    label: str
    """What runs, as the triage bar says it: "importing"."""
    done: int
    total: int | None
    unit: str
    detail: str = ""
    """More of the same moment in words (store.jobs.JobProgress.detail)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobAdvanced) and message.label == self.label


@dataclass
class JobFinished(Message):
    label: str
    report: Any
    """The job's typed report; store.jobs.summarise says it in one line."""
    changed_store: bool = True
    """The job wrote to the store, so the queue and the article are read again."""
