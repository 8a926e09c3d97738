"""The detect job: outlet detection (publisher, citations, suggestions) over every
article again, after the registry changed."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import sqlite_utils

from article_triage.store.jobs.base import ProgressCallback, report_to


@dataclass(frozen=True)
class DetectRequest:
    registry_path: str | None = None
    """The user's outlet file over the built-in registry; None: the default user file."""


@dataclass
class DetectReport:
    articles: int = 0


def run_detect(
    db: sqlite_utils.Database,
    request: DetectRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> DetectReport:
    """Raises RegistryError (one line) for a broken user file. Detection is rerun in
    batches and is idempotent; *stop* is accepted for the common shape."""
    from article_triage.store.outlets import annotate_all, load_registry

    registry = load_registry(request.registry_path)
    return DetectReport(annotate_all(db, registry, report_to(progress, "articles")))
