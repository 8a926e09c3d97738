"""Shared helpers for the ingest tests: run an import and keep every outcome."""

from __future__ import annotations

from store.ingest import ImportOptions, ImportOutcome, ImportReport, import_sources


def run_import(
    db, sources, progress_totals: list | None = None, **options
) -> tuple[ImportReport, list[ImportOutcome]]:
    """Import in-process by default (workers=1): fast, and the same code path per input."""
    options.setdefault("workers", 1)
    options.setdefault("fetch_feed_links", False)
    outcomes: list[ImportOutcome] = []
    report = import_sources(
        db,
        [str(s) for s in sources],
        ImportOptions(**options),
        progress=lambda outcome, total: (
            outcomes.append(outcome),
            progress_totals is not None and progress_totals.append(total),
        ),
    )
    return report, outcomes


def article(db, article_id: int) -> dict:
    from store.articles import get_article

    row = get_article(db, article_id)
    assert row is not None
    return row
