"""Jobs: each long task is one function shared by the CLI and the app.

    report = run_import(db, ImportRequest(("a.html", "feed.xml"), options), progress, stop)
    text, severity = summarise(report)

Every job takes the store (a connection for this thread), a typed request, a progress
callback (:class:`JobProgress`) and a stop flag (``threading.Event``, checked between
units of work), and returns a typed report. :func:`summarise` turns any report into
one line of text and a severity, so the CLI and the app say the same thing.

The jobs wrap the code that does the work (store.ingest, store.translate,
store.export, store.exchange, store.outlets, store.feeds); they add no logic of their own beyond
the request/report shape. Bulk decisions (``triage decide --where``) are
store.triage.bulk_apply today; they join here as ``run_decide(db, DecideRequest(where,
changes), progress, stop)`` with a report of the count and the undo group, summarised
by a ``summarise.register`` beside the others.
"""

from article_triage.store.jobs.base import JobProgress, ProgressCallback
from article_triage.store.jobs.detecting import DetectReport, DetectRequest, run_detect
from article_triage.store.jobs.exporting import ExportReport, ExportRequest, run_export
from article_triage.store.jobs.importing import ImportRequest, run_import
from article_triage.store.jobs.merging import MergeRequest, run_merge
from article_triage.store.jobs.refreshing import run_refresh
from article_triage.store.jobs.summary import Summary, summarise
from article_triage.store.jobs.translating import (
    TranslateJobReport,
    TranslateRequest,
    run_translate,
)

__all__ = [
    "DetectReport",
    "DetectRequest",
    "ExportReport",
    "ExportRequest",
    "ImportRequest",
    "JobProgress",
    "MergeRequest",
    "ProgressCallback",
    "Summary",
    "TranslateJobReport",
    "TranslateRequest",
    "run_detect",
    "run_export",
    "run_import",
    "run_merge",
    "run_refresh",
    "run_translate",
    "summarise",
]
