"""The import run: inputs -> worker processes (store.ingest.read) -> SQLite.

Workers do the CPU work (decoding, trafilatura, lingua, simhash) and return plain
values; the calling process alone writes, in batches, one savepoint per article so
that a failure never leaves half an article. Results are written in input order,
so the first copy of a duplicate is always the one kept.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

import sqlite_utils

from article_triage.store.articles import DuplicateArticle, find_duplicate, insert_article
from article_triage.store.db import write_transaction
from article_triage.store.ingest.language import load_models
from article_triage.store.ingest.model import ImportOptions, ImportOutcome, ImportReport
from article_triage.store.ingest.read import WorkerSettings, WorkResult, read_input
from article_triage.store.ingest.sources import Input, count_inputs, iter_inputs

if TYPE_CHECKING:
    from article_triage.store.outlets.registry import Registry
    from article_triage.store.stories.cluster import StoryAssigner

Progress = Callable[[ImportOutcome, int | None], None]

BATCH_SIZE = 64
BATCH_SECONDS = 0.5
# Tasks handed to the workers ahead of the writer. Nothing is handed over while the
# writer stores a batch, so the window must outlast a batch: with 16 tasks both
# workers sat idle for a tenth (postlight) to a fifth (trafilatura folder) of a run
# while the writer stored its batches. Bounded by the bytes of the inputs in it too,
# so large pages do not pile up in memory.
WINDOW_TASKS = 2 * BATCH_SIZE
WINDOW_BYTES = 64 * 1024 * 1024
# What _results yields, no result in it, when every worker is on its last task and the
# next result is not ready: the writer stores what it holds while they finish, instead
# of alone after the last page (up to BATCH_SECONDS of results, on one core).
WORKERS_FINISHING: list[WorkResult] = []
# Files up to this size travel to the workers in groups of CHUNK_INPUTS.
SMALL_INPUT_BYTES = 32 * 1024
CHUNK_INPUTS = 32


# --- the post-insert hook ---------------------------------------------------------------


def after_insert(
    db: sqlite_utils.Database,
    article_id: int,
    registry: Registry | None = None,
    stories: StoryAssigner | None = None,
) -> str | None:
    """Everything that follows storing a new article; returns a one-line note, if any.

    The single place for post-insert work: the translation sidecar, then outlet
    detection (publisher, citations, suggested flags), then its story (after the
    sidecar, so a stored translation already counts), so an imported article is
    shown with its sources and its story from the first look. Runs inside the
    article's own savepoint: a failure here leaves no half-annotated article.
    *stories* is the batch's story assigner (what the batch's assignments share).
    """
    from article_triage.store.ingest.sidecar import apply_sidecar
    from article_triage.store.outlets import annotate_article
    from article_triage.store.stories.cluster import StoryAssigner

    note = apply_sidecar(db, article_id)
    annotate_article(db, article_id, registry)
    if stories is None:
        stories = StoryAssigner(db)
        stories.assign(article_id, inserted=True)
        stories.write_counts()
    else:
        stories.assign(article_id, inserted=True)  # the batch writes its key counts
    return note


# --- the calling process ------------------------------------------------------------


# A page that takes the workers' whole path for HTML: decode, parse, metadata with a
# date, extraction, capture, simhash.
_WARM_UP_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Warm-up</title>"
    b"<meta property='article:published_time' content='2026-01-02'>"
    b"<link rel='canonical' href='https://example.org/a'></head><body><article><h1>Warm-up</h1>"
    + b"<p>One sentence of twenty words or more, so that the page takes every step the "
    b"workers take on a real article, simhash included, before they exist.</p>"
    * 3
    + b"</article></body></html>"
)


def _preload_for_workers(settings: WorkerSettings) -> None:
    """Read one page here, before forking: what it imports and builds, the workers share.

    Each step of reading imports its modules on first use (trafilatura, htmldate,
    the feed sniffer, numpy for the simhash) and fills caches (compiled patterns,
    the parser); done once here, forked workers inherit all of it instead of each
    paying for it again on both cores. (lingua's models load in this process,
    which detects the language while the workers extract: see write_results.)
    """
    read_input(Input("warm-up", data=_WARM_UP_PAGE), settings)

    # Keep the collector away from what the workers inherit: its passes would write
    # to (and so copy) every shared page of those modules in every worker.
    gc.freeze()


def _load_language_models(languages: tuple[str, ...]) -> None:
    """load_models, ahead of need. A failure here would print a thread's traceback; the
    same failure shows again, as the run's one error line, where detection runs."""
    with contextlib.suppress(Exception):
        load_models(languages)


_worker_settings: WorkerSettings | None = None


def _init_worker(settings: WorkerSettings) -> None:
    global _worker_settings
    _worker_settings = settings


def _read_chunk_in_worker(chunk: list[Input]) -> list[list[WorkResult]]:
    assert _worker_settings is not None
    return [read_input(inp, _worker_settings) for inp in chunk]


def _input_size(inp: Input) -> int | None:
    """Bytes of the input as it lies, or None for a URL (its size is the network's)."""
    if inp.error:
        return 0
    if inp.data is not None:
        return len(inp.data)
    if inp.path is None:
        return None
    try:
        return os.path.getsize(inp.path)
    except OSError:
        return 0  # the worker will say why it cannot be read


def _chunks(inputs: Iterator[Input]) -> Iterator[tuple[list[Input], int]]:
    """Inputs grouped for the workers, with their bytes: small files together, anything
    larger alone.

    One task per small file would cost more in inter-process traffic than reading
    the file; one task per large page keeps both cores busy to the end of the run.
    """
    chunk: list[Input] = []
    chunk_bytes = 0
    for inp in inputs:
        size = _input_size(inp)
        if size is not None and size <= SMALL_INPUT_BYTES:
            chunk.append(inp)
            chunk_bytes += size
            if len(chunk) >= CHUNK_INPUTS:
                yield chunk, chunk_bytes
                chunk, chunk_bytes = [], 0
        else:
            if chunk:
                yield chunk, chunk_bytes
                chunk, chunk_bytes = [], 0
            yield [inp], size or 0
    if chunk:
        yield chunk, chunk_bytes


def _results(
    inputs: Iterator[Input], settings: WorkerSettings, workers: int, on_started: Callable[[], None]
) -> Iterator[list[WorkResult]]:
    """Work results in input order, computed by *workers* processes (or in-process for 1),
    and WORKERS_FINISHING when the writer may store what it holds before the last ones."""
    if workers <= 1:
        on_started()
        for inp in inputs:
            yield read_input(inp, settings)
        return
    # fork starts workers at once with everything already imported; it is only safe
    # while this process has no other threads (the app calls us from a worker thread).
    method = "fork" if threading.active_count() == 1 else "forkserver"
    context = multiprocessing.get_context(method)
    if method == "fork":
        # Until the workers start, this process runs on one core: lingua loads the
        # writer's language models on the other (without the GIL) meanwhile, instead
        # of on the first batch, when both cores are the workers'. The workers
        # inherit the models as shared pages and never use them.
        loading = threading.Thread(
            target=_load_language_models, args=(settings.languages,), name="ingest-languages"
        )
        loading.start()
        _preload_for_workers(settings)
        loading.join()  # fork only from a process with one thread
    try:
        yield from _pooled_results(inputs, settings, workers, on_started, context)
    finally:
        gc.unfreeze()


def _pooled_results(
    inputs: Iterator[Input],
    settings: WorkerSettings,
    workers: int,
    on_started: Callable[[], None],
    context: multiprocessing.context.BaseContext,
) -> Iterator[list[WorkResult]]:
    window: deque[tuple[list[Input], int, Future[list[list[WorkResult]]] | None]] = deque()
    window_bytes = 0
    started = False
    pool_broken = False
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        for chunk, size in _chunks(inputs):
            future = None
            if not pool_broken:
                try:
                    future = pool.submit(_read_chunk_in_worker, chunk)
                except BrokenProcessPool:
                    pool_broken = True  # a worker died; finish the run in this process
            window.append((chunk, size, future))
            window_bytes += size
            if not started:
                started = True
                on_started()  # the processes exist now; threads may start
            while len(window) >= WINDOW_TASKS or window_bytes > WINDOW_BYTES:
                chunk, size, future = window.popleft()
                window_bytes -= size
                yield from _results_of(chunk, future, settings)
        if not started:
            on_started()
        while window:
            chunk, _, future = window.popleft()
            if future is not None and len(window) < workers and not future.done():
                yield WORKERS_FINISHING
            yield from _results_of(chunk, future, settings)


def _results_of(
    chunk: list[Input], future: Future[list[list[WorkResult]]] | None, settings: WorkerSettings
) -> list[list[WorkResult]]:
    if future is None:
        return [read_input(inp, settings) for inp in chunk]
    try:
        return future.result()
    except BrokenProcessPool:
        # The worker died (killed for memory, a crash in a C library) while holding
        # this input or another: the inputs fail rather than being retried into the
        # same crash.
        reason = "a worker process died while this input was in flight"
    except Exception as exc:  # e.g. a result that cannot be sent back between processes
        reason = f"worker failed: {type(exc).__name__}: {exc}"[:300]
    return [[WorkResult(inp.display, error=reason)] for inp in chunk]


def _write(
    db: sqlite_utils.Database,
    result: WorkResult,
    registry: Registry | None,
    stories: StoryAssigner,
) -> ImportOutcome:
    if result.error is not None or result.article is None:
        return ImportOutcome(
            result.source, "failed", reason=result.error, completes_input=result.completes_input
        )
    from article_triage.store.ingest.simhash import find_near_duplicate, index_simhash, to_signed

    article = result.article
    outcome = ImportOutcome(
        result.source, "imported", title=article.title, completes_input=result.completes_input
    )
    hooks_ran = False
    try:
        with write_transaction(db):
            same_bytes = find_duplicate(db, raw_sha256=article.raw_sha256)
            if same_bytes is not None:
                outcome.status = "duplicate"
                outcome.duplicate_of = same_bytes
                outcome.reason = f"same bytes as article {same_bytes}"
                return outcome
            columns = article.columns()
            near = None
            if article.simhash is not None:
                columns["simhash"] = to_signed(article.simhash)
                near = find_near_duplicate(db, article.simhash)
                if near is not None:
                    columns["near_duplicate_of"], columns["near_duplicate_distance"] = near
            article_id = insert_article(db, article.paragraphs, None, **columns)
            if article.capture is not None:
                db.execute(
                    "INSERT INTO captures (article_id, compression, size, raw) VALUES (?, 'zlib', ?, ?)",
                    [article_id, article.capture_size, article.capture],
                )
            if article.simhash is not None:
                index_simhash(db, article_id, article.simhash)
            outcome.article_id = article_id
            if near is not None:
                outcome.status = "near-duplicate"
                outcome.duplicate_of = near[0]
                outcome.reason = f"near-duplicate of article {near[0]} (simhash distance {near[1]})"
            hooks_ran = True
            note = after_insert(db, article_id, registry, stories)
            if note:
                outcome.reason = f"{outcome.reason}; {note}" if outcome.reason else note
    except DuplicateArticle as exc:
        if hooks_ran:
            stories.forget(undone=article_id)  # the savepoint undid what it may have kept
        outcome.status = "duplicate"
        outcome.duplicate_of = exc.article_id
        outcome.reason = f"same text as article {exc.article_id}"
        outcome.article_id = None
    except ValueError as exc:
        if hooks_ran:
            stories.forget(undone=article_id)
        outcome.status = "failed"
        outcome.reason = "no text" if str(exc) == "no text" else f"not stored: {exc}"
        outcome.article_id = None
    return outcome


def write_results(
    db: sqlite_utils.Database,
    results: list[WorkResult],
    registry: Registry | None,
    languages: tuple[str, ...] | None,
    stories: StoryAssigner | None = None,
) -> list[ImportOutcome]:
    """Store read results in one transaction, one savepoint each: the one write path.

    The language is detected here rather than in the workers: lingua's models load
    once, in this process, while the workers are already extracting; and before the
    transaction, so the write lock is held only for writing. *languages* None: the
    caller already knows each article's language (a merge takes the exporter's).
    *stories*: an assigner the caller keeps from batch to batch (a run of many
    batches, each its own transaction), so each batch reads what the ones before
    stored from memory; None: one for this batch alone.
    """
    from article_triage.store.ingest.language import detect_languages
    from article_triage.store.stories.cluster import StoryAssigner

    articles = [result.article for result in results if result.article is not None]
    if languages is not None and articles:
        found = detect_languages([article.paragraphs for article in articles], languages)
        for article, language in zip(articles, found, strict=True):
            article.language = language
    kept = stories
    try:
        with write_transaction(db):
            if kept is None:
                stories = StoryAssigner(db)
            else:
                kept.begin()
            outcomes = [_write(db, result, registry, stories) for result in results]
            stories.write_counts()
    except BaseException:
        if kept is not None:
            kept.abandon()  # rolled back (Ctrl-C, disk full): what it kept is gone
        raise
    return outcomes


def import_sources(
    db: sqlite_utils.Database,
    sources: Iterable[str],
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import files, folders, URLs, feeds and ``-`` (stdin) into *db*; never stops on bad input.

    ``progress(outcome, total)`` is called after each input (after each entry of a
    feed); *total* is the number of inputs once the folder walk has counted them.
    ``should_stop()`` true: what was read is stored, the rest is left
    (``report.interrupted``).
    """
    from article_triage.store.ingest.language import configured_languages
    from article_triage.store.outlets import load_registry

    options = options or ImportOptions()
    sources = list(sources)
    # Once per run: the registry the config names (RegistryError, one line, if broken).
    registry = load_registry(options.registry_path)
    settings = WorkerSettings(
        timeout=options.timeout,
        max_bytes=options.max_bytes,
        allow_private_addresses=options.allow_private_addresses,
        languages=configured_languages(options.languages),
        fetch_feed_links=options.fetch_feed_links,
    )
    workers = options.workers or os.cpu_count() or 1
    report = ImportReport()
    total: list[int | None] = [None]

    def count() -> None:
        total[0] = count_inputs(sources)

    def start_counting() -> None:
        threading.Thread(target=count, name="ingest-count", daemon=True).start()

    pending: list[WorkResult] = []
    last_flush = time.monotonic()
    from article_triage.store.stories.cluster import StoryAssigner

    stories = StoryAssigner(db)  # kept from batch to batch (write_results)

    def flush() -> None:
        nonlocal last_flush
        if not pending:
            return
        outcomes = write_results(db, pending, registry, settings.languages, stories)
        pending.clear()
        last_flush = time.monotonic()
        for outcome in outcomes:
            report.add(outcome)
            if progress is not None:
                progress(outcome, total[0])

    for results in _results(
        iter_inputs(sources, options.max_bytes), settings, workers, start_counting
    ):
        pending.extend(results)
        if (
            results is WORKERS_FINISHING
            or len(pending) >= BATCH_SIZE
            or time.monotonic() - last_flush >= BATCH_SECONDS
        ):
            flush()
        if should_stop is not None and should_stop():
            report.interrupted = True
            break
    flush()
    return report
