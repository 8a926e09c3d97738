"""The merge job: another analyst's export into this store (new articles through the
one write path, decisions by the merge rules in store.exchange)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from article_triage.store.exchange import MergeReport
from article_triage.store.jobs.base import JobProgress, ProgressCallback
from article_triage.store.outlets.registry import Registry
from article_triage.store.taxonomy import Taxonomy


@dataclass(frozen=True)
class MergeRequest:
    path: Path
    analyst: str
    """Who merges (recorded in the event log)."""
    take_theirs: bool = False
    accept_adjudications: bool = False
    accept_lookalikes: bool = False
    taxonomy: Taxonomy | None = None
    registry: Registry | None = None


def run_merge(
    db: sqlite_utils.Database,
    request: MergeRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> MergeReport:
    """Raises MergeError (one line) for a file that is not an export at all.

    A merge is not stopped half-way (*stop* is accepted for the common shape): each
    record is its own transaction and a merge run twice changes nothing, so a stopped
    merge is simply run again.
    """
    from article_triage.store.exchange import merge_file

    def each(report: MergeReport) -> None:
        if progress is not None:
            progress(JobProgress(report.records, None, "records"))

    return merge_file(
        db,
        request.path,
        request.analyst,
        take_theirs=request.take_theirs,
        accept_adjudications=request.accept_adjudications,
        accept_lookalikes=request.accept_lookalikes,
        taxonomy=request.taxonomy,
        registry=request.registry,
        progress=each,
    )
