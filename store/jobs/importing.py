"""The import job: files, folders, URLs, feeds and stdin through the one write path."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils

from article_triage.store.ingest.model import ImportOptions, ImportOutcome, ImportReport
from article_triage.store.jobs.base import ProgressCallback, report_to, stop_check


@dataclass(frozen=True)
class ImportRequest:
    sources: tuple[str, ...]
    options: ImportOptions = field(default_factory=ImportOptions)


def run_import(
    db: sqlite_utils.Database,
    request: ImportRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
    on_outcome: Callable[[ImportOutcome, int | None], None] | None = None,
) -> ImportReport:
    """Import *request.sources*; progress counts whole inputs (a feed is one).

    *on_outcome(outcome, total)*, if given, sees every outcome as it is stored (the
    CLI's --json lists them). Raises RegistryError when the user's outlet file is broken.
    """
    from article_triage.store.ingest import import_sources  # trafilatura: only when run

    forward = report_to(progress, "inputs")
    done = 0
    forward(0, None)

    def each(outcome: ImportOutcome, total: int | None) -> None:
        nonlocal done
        if on_outcome is not None:
            on_outcome(outcome, total)
        if outcome.completes_input:
            done += 1
        forward(done, total)

    return import_sources(
        db, request.sources, request.options, progress=each, should_stop=stop_check(stop)
    )
