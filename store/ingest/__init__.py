"""Ingest: files, folders, gzip, stdin, URLs and feeds become articles in the store.

``import_sources`` is the one entry point; the CLI (``triage add``) and the app
call it and render its progress callback.
"""

from article_triage.store.ingest.model import (
    ImportOptions,
    ImportOutcome,
    ImportReport,
    IngestError,
)
from article_triage.store.ingest.pipeline import after_insert, import_sources

__all__ = [
    "ImportOptions",
    "ImportOutcome",
    "ImportReport",
    "IngestError",
    "after_insert",
    "import_sources",
]
