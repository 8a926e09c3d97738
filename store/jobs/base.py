"""What every job shares: how it reports progress and how it is asked to stop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int | None
    """None while the total is not known yet (a folder still being walked)."""
    unit: str
    """What is counted: "inputs", "articles", "records"."""
    detail: str = ""
    """More of the same moment, in words ("12 requests · 3 from cache"); may be empty."""


ProgressCallback = Callable[[JobProgress], None]


def stop_check(stop: threading.Event | None) -> Callable[[], bool]:
    return stop.is_set if stop is not None else lambda: False


def report_to(progress: ProgressCallback | None, unit: str) -> Callable[[int, int | None], None]:
    """A (done, total) callback that forwards to *progress* as JobProgress."""

    def forward(done: int, total: int | None) -> None:
        if progress is not None:
            progress(JobProgress(done, total, unit))

    return forward
