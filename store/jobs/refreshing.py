"""The refresh job: the feeds that are due, fetched, and their new entries imported.

store.feeds.refresh does the work with its own progress (one step per feed, with that
feed's outcome); this adapter gives it the jobs' shape, counting feeds and saying how
many new articles they brought so far.
"""

from __future__ import annotations

import threading

import sqlite_utils

from article_triage.store.feeds.refresh import (
    RefreshProgress,
    RefreshReport,
    RefreshRequest,
    refresh,
)
from article_triage.store.jobs.base import JobProgress, ProgressCallback


def run_refresh(
    db: sqlite_utils.Database,
    request: RefreshRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> RefreshReport:
    """Never raises for a feed's failure (each is a FeedOutcome in the report); raises
    RegistryError when the user's outlet file is broken."""
    new = 0

    def each(step: RefreshProgress) -> None:
        nonlocal new
        new += step.outcome.new
        if progress is not None:
            progress(JobProgress(step.done, step.total, "feeds", f"{new:,} new articles"))

    if progress is not None:
        progress(JobProgress(0, None, "feeds"))
    return refresh(db, request, each, stop)
