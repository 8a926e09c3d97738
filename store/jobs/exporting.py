"""The export job: the records a filter selects, to a file (written whole or not at all)
or to a stream (the CLI's standard output)."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import sqlite_utils

from article_triage.store.articles import ArticleFilter
from article_triage.store.jobs.base import JobProgress, ProgressCallback


class ExportStopped(Exception):
    """Raised inside the writer when a stop is asked for: the partial file is removed."""


@dataclass(frozen=True)
class ExportRequest:
    path: Path | None
    """The file to write; None: write to *stream*."""
    fmt: str = "csv"
    """csv | json | jsonl"""
    filter: ArticleFilter = field(default_factory=ArticleFilter)
    with_text: bool = False
    with_translation: bool = False
    bom: bool = False
    target_lang: str = "en"
    stream: TextIO | None = None
    """Where to write when *path* is None (opened with newline="" for CSV)."""


@dataclass
class ExportReport:
    path: Path | None
    """None: the request's stream."""
    records: int = 0
    """Written; for a stopped export to a stream, written before the stop."""
    interrupted: bool = False
    """Stopped before the end: no file was left behind (a stream keeps what it got)."""


def run_export(
    db: sqlite_utils.Database,
    request: ExportRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> ExportReport:
    """Raises OSError when the file cannot be written, ValueError for an unknown format."""
    from article_triage.store.articles import count_articles
    from article_triage.store.export import export_filter, open_export_file, write_export

    if (request.path is None) == (request.stream is None):
        raise ValueError("an export writes to a path or to a stream, one of the two")
    report = ExportReport(request.path)
    # Counted only for someone watching: a count is a second pass over the selection.
    total = count_articles(db, export_filter(request.filter)) if progress is not None else None

    def each(written: int) -> None:
        report.records = written
        if progress is not None:
            progress(
                JobProgress(written, max(total, written) if total is not None else None, "records")
            )
        if stop is not None and stop.is_set():
            raise ExportStopped

    target: AbstractContextManager[TextIO] = (
        open_export_file(request.path, stop)
        if request.path is not None
        else nullcontext(request.stream)
    )
    try:
        with target as out:
            report.records = write_export(
                db,
                out,
                request.fmt,
                request.filter,
                with_text=request.with_text,
                with_translation=request.with_translation,
                bom=request.bom,
                progress=each,
                target_lang=request.target_lang,
            )
    except (ExportStopped, InterruptedError):  # InterruptedError: stopped waiting on a pipe
        report.interrupted = True
        if request.path is not None:
            report.records = 0
    return report
