"""The processes a refresh parses feed documents and reads entries in.

Parsing a feed (feedparser) and reading its entries (store.ingest.read: cleaning,
simhash) is pure Python: in the refresh's pool threads it held the GIL that the
refresh's own thread needs to store the batch before, which made storing, the
longest part of a first refresh, wait. In worker processes it runs on the other
core. The pool threads still make the requests and wait here for the processes;
language detection stays in the threads (lingua runs without the GIL, and its
models would otherwise load once in every process).

With one worker (``ImportOptions.workers``) everything runs in the calling thread,
as before. A worker that dies (killed for memory, a crash in a C library) fails the
feed it held; the rest of the refresh runs in the threads, never into the same crash.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")

WORKER_DIED = "a worker process died while reading this feed"

_WARM_UP_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Warm-up</title>'
    "<item><title>Warm-up</title><guid>urn:warm-up</guid><link>https://example.org/a</link>"
    "<pubDate>Fri, 04 Dec 2026 08:00:00 GMT</pubDate><description>One sentence of twenty "
    "words or more, so that reading it takes every step a refresh takes on an entry, the "
    "simhash included.</description></item></channel></rss>"
)


_PRELOAD = [
    "article_triage.store.feeds.refresh",
    "article_triage.store.ingest.feeds",
    "article_triage.store.ingest.read",
    "article_triage.store.ingest.simhash",
]


def _warm_up() -> None:
    """Parse and read one entry here, before forking: the modules this imports and the
    caches it fills, the workers share instead of each paying for them again."""
    from article_triage.store.ingest.feeds import parse_feed
    from article_triage.store.ingest.read import WorkerSettings, read_input
    from article_triage.store.ingest.sources import Input

    settings = WorkerSettings(5, 1 << 20, False, ("en",), False)
    for entry in parse_feed(_WARM_UP_FEED, "https://example.org/feed").entries:
        read_input(Input("warm-up", url="https://example.org/feed", entry=entry), settings)


def _init_worker() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the refresh stops its
    # workers itself (and a worker's traceback would only garble the terminal).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Workers:
    """``run(fn, *args)``: fn(*args) in a worker process, or in the calling thread when
    there is none. Called from the refresh's pool threads; *fn* and its arguments and
    result cross between processes, so they are plain values and module-level functions.
    """

    def __init__(self, workers: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        if workers <= 1:
            return
        # fork starts workers at once with everything already imported; it is only
        # safe while this process has no other threads (the app refreshes from one).
        method = "fork" if threading.active_count() == 1 else "forkserver"
        context = multiprocessing.get_context(method)
        if method == "fork":
            _warm_up()
        else:
            # Workers fork from a server process that imported these once (it lives
            # as long as this process: the app's next refresh starts its workers warm).
            context.set_forkserver_preload(_PRELOAD)
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker
        )
        # The first task starts the processes: from this thread, before the pool's exist.
        self._pool.submit(int)

    def run(self, fn: Callable[..., T], *args: object) -> T:
        """Raises BrokenProcessPool when the worker died holding this call."""
        if self._pool is None or self._broken:
            return fn(*args)
        try:
            return self._pool.submit(fn, *args).result()
        except BrokenProcessPool:
            self._broken = True
            raise

    def close(self) -> None:
        """Stop the workers; calls not yet started are dropped."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
