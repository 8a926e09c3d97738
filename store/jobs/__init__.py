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
by a ``summarises("...DecideReport")`` beside the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each name is imported from its module when first asked for: a command that runs one
# job (an export from the shell) does not load the others' code (ingest and numpy, the
# feeds, the merge rules), which would cost it start-up time and memory.
_HOMES = {
    "JobProgress": "base",
    "ProgressCallback": "base",
    "DetectReport": "detecting",
    "DetectRequest": "detecting",
    "run_detect": "detecting",
    "ExportReport": "exporting",
    "ExportRequest": "exporting",
    "run_export": "exporting",
    "ImportRequest": "importing",
    "run_import": "importing",
    "MergeRequest": "merging",
    "run_merge": "merging",
    "run_refresh": "refreshing",
    "Summary": "summary",
    "summarise": "summary",
    "TranslateJobReport": "translating",
    "TranslateRequest": "translating",
    "run_translate": "translating",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
