"""Running a store job (store.jobs) from the shell.

Ctrl-C or SIGTERM asks the job to stop: it finishes the unit of work in hand, keeps
what is done and reports (a second Ctrl-C interrupts at once; what is saved stays
saved). Progress is a bar on stderr when stderr is a terminal, nothing otherwise.
The report is said by the one summariser, and its summary gives the exit code.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

from article_triage.store.jobs import JobProgress, ProgressCallback, Summary
from article_triage.tui.cli import print_summary, summary_exit_code

Report = TypeVar("Report")


@contextmanager
def stop_requests(stop: threading.Event) -> Iterator[None]:
    """First SIGINT/SIGTERM sets *stop*; a second SIGINT interrupts as usual."""

    def ask_to_stop(signum, frame):
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, ask_to_stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def progress_bar(label: str, interactive: bool) -> Iterator[ProgressCallback | None]:
    """A JobProgress callback drawing a click bar on stderr; None when nobody watches
    (a job asked for no progress may skip work done only for it, such as a count)."""
    if not interactive:
        yield None
        return
    with click.progressbar(iter(()), label=label, file=sys.stderr, show_pos=True) as bar:

        def show(progress: JobProgress) -> None:
            if progress.total is not None and bar.length != progress.total:
                bar.length = progress.total
            bar.update(progress.done - bar.pos)

        yield show


def run_job(
    job: Callable[..., Report], db: Any, request: Any, label: str, *, show_progress: bool = True
) -> Report:
    """*job*(db, request, progress, stop) with Ctrl-C as its stop flag and a bar when
    stderr is a terminal (and *show_progress*)."""
    stop = threading.Event()
    interactive = show_progress and sys.stderr.isatty()
    with stop_requests(stop), progress_bar(label, interactive) as progress:
        return job(db, request, progress, stop)


def finish(summary: Summary, *, quiet: bool = False) -> NoReturn:
    """Print *summary* (unless *quiet* and all went well) and exit with its code."""
    if not (quiet and summary.severity == "information" and not summary.stopped):
        print_summary(summary)
    sys.exit(summary_exit_code(summary))
