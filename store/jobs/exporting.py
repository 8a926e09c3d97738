"""The export job: the records a filter selects, to a file (written whole or not at all)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from article_triage.store.articles import ArticleFilter
from article_triage.store.jobs.base import JobProgress, ProgressCallback


class ExportStopped(Exception):
    """Raised inside the writer when a stop is asked for: the partial file is removed."""


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str = "csv"
    """csv | json | jsonl"""
    filter: ArticleFilter = field(default_factory=ArticleFilter)
    with_text: bool = False
    with_translation: bool = False
    bom: bool = False
    target_lang: str = "en"


@dataclass
class ExportReport:
    path: Path
    records: int = 0
    interrupted: bool = False
    """Stopped before the end: no file was left behind."""


def run_export(
    db: sqlite_utils.Database,
    request: ExportRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> ExportReport:
    """Raises OSError when the file cannot be written, ValueError for an unknown format."""
    from article_triage.store.export import open_export_file, write_export

    def each(written: int) -> None:
        if progress is not None:
            progress(JobProgress(written, None, "records"))
        if stop is not None and stop.is_set():
            raise ExportStopped

    report = ExportReport(request.path)
    try:
        with open_export_file(request.path) as out:
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
    except ExportStopped:
        report.interrupted = True
    return report
