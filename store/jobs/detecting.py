"""The detect job: outlet detection (publisher, citations, suggestions) over every
article again, after the registry changed."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from article_triage.store.jobs.base import JobProgress, ProgressCallback, stop_check


@dataclass(frozen=True)
class DetectRequest:
    registry_path: str | None = None
    """The user's outlet file over the built-in registry; None: the default user file."""


@dataclass
class DetectReport:
    articles: int = 0
    """Articles detection ran over."""
    publisher: int = 0
    """Articles whose publisher the registry knows (in the whole store, afterwards)."""
    attributed: int = 0
    """Citations that attribute a claim to an outlet."""
    mention: int = 0
    """Citations that only name an outlet."""
    suggested_flags: int = 0
    outlets: int = 0
    """Outlets in the registry detection used."""
    interrupted: bool = False
    """Stopped between batches: the articles before are done, the rest as they were."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_detect(
    db: sqlite_utils.Database,
    request: DetectRequest,
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> DetectReport:
    """Raises RegistryError (one line) for a broken user file. Detection is rerun in
    batches, each committed whole; *stop* is checked between them (a stopped run is
    simply run again: detection is idempotent)."""
    from article_triage.store.outlets import annotate_all, load_registry

    registry = load_registry(request.registry_path)
    seen = JobProgress(0, None, "articles")

    def forward(done: int, total: int | None) -> None:
        nonlocal seen
        seen = JobProgress(done, total, "articles")
        if progress is not None:
            progress(seen)

    report = DetectReport(annotate_all(db, registry, forward, stop_check(stop)))
    report.interrupted = seen.total is not None and report.articles < seen.total
    for role in ("publisher", "attributed", "mention"):
        count = db.execute("SELECT count(*) FROM citations WHERE role = ?", [role]).fetchone()[0]
        setattr(report, role, count)
    report.suggested_flags = db.execute("SELECT count(*) FROM suggested_flags").fetchone()[0]
    report.outlets = len(registry)
    return report
