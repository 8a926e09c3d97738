"""The import run: inputs -> worker processes (read, decode, extract, detect) -> SQLite.

Workers do the CPU work (decoding, trafilatura, lingua, simhash) and return plain
values; the calling process alone writes, in batches, one savepoint per article so
that a failure never leaves half an article. Results are written in input order,
so the first copy of a duplicate is always the one kept.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import sqlite_utils

from store.articles import DuplicateArticle, find_duplicate, insert_article
from store.db import write_transaction
from store.ingest.decode import (
    GZIP_MAGIC,
    DecodeError,
    decode_bytes,
    format_size,
    gunzip,
    looks_binary,
)
from store.ingest.fetch import fetch, is_fetchable
from store.ingest.model import (
    ExtractedArticle,
    ImportOptions,
    ImportOutcome,
    ImportReport,
    IngestError,
)
from store.ingest.sources import Input, count_inputs, iter_inputs, kind_hint
from store.text import word_count

Progress = Callable[[ImportOutcome, int | None], None]

# Below this many words a simhash says little: short texts collide by chance.
MIN_WORDS_FOR_SIMHASH = 20
BATCH_SIZE = 64
BATCH_SECONDS = 0.5
# Inputs in flight per worker: enough to keep every core busy, few enough to keep memory flat.
WINDOW_PER_WORKER = 4


@dataclass
class WorkResult:
    source: str
    article: ExtractedArticle | None = None
    error: str | None = None
    completes_input: bool = True


@dataclass(frozen=True)
class WorkerSettings:
    timeout: float
    max_bytes: int
    allow_private_addresses: bool
    languages: tuple[str, ...]
    fetch_feed_links: bool


# --- the post-insert hook ---------------------------------------------------------------


def after_insert(db: sqlite_utils.Database, article_id: int) -> str | None:
    """Everything that follows storing a new article; returns a one-line note, if any.

    The single place for post-insert work (translation sidecars now; outlet
    detection hooks in here too). Runs inside the article's own savepoint.
    """
    from store.ingest.sidecar import apply_sidecar

    return apply_sidecar(db, article_id)


# --- worker side ----------------------------------------------------------------------


def process_input(inp: Input, settings: WorkerSettings) -> list[WorkResult]:
    """Read one input into articles (several for a feed), or say why it cannot be."""
    if inp.error:
        return [WorkResult(inp.display, error=inp.error)]
    try:
        return _process(inp, settings)
    except IngestError as exc:
        return [WorkResult(inp.display, error=str(exc))]
    except MemoryError:
        return [WorkResult(inp.display, error="too large to process in memory")]
    except Exception as exc:  # a bug or a library failure on hostile input: report, go on
        return [WorkResult(inp.display, error=f"unexpected {type(exc).__name__}: {exc}"[:300])]


def _process(inp: Input, settings: WorkerSettings) -> list[WorkResult]:
    provenance: dict[str, object] = {}
    hint = None
    base_url = None
    if inp.url:
        fetched = fetch(
            inp.url,
            timeout=settings.timeout,
            max_bytes=settings.max_bytes,
            allow_private_addresses=settings.allow_private_addresses,
        )
        data = fetched.data
        base_url = fetched.final_url
        provenance = {
            "source": inp.url,
            "final_url": fetched.final_url,
            "content_type": fetched.content_type,
            "http_status": fetched.status,
            "fetched_at": fetched.fetched_at,
            "fetch_ms": fetched.fetch_ms,
        }
        hint = _hint_from_content_type(fetched.content_type)
    elif inp.data is not None:
        data = inp.data
        provenance = {"source": inp.display}
    else:
        assert inp.path is not None
        data = _read_file(inp.path, settings.max_bytes)
        provenance = {"source": inp.path}
        hint = kind_hint(inp.path)

    if data[:2] == GZIP_MAGIC:
        try:
            data = gunzip(data, settings.max_bytes)
        except DecodeError as exc:
            raise IngestError(str(exc)) from None
    if not data or data.isspace():
        raise IngestError("empty: no content")
    if looks_binary(data):
        raise IngestError("binary data, not a web page, feed or text")
    try:
        decoded = decode_bytes(data, provenance.get("content_type"))  # type: ignore[arg-type]
    except DecodeError as exc:
        raise IngestError(str(exc)) from None

    kind = _kind(hint, decoded.text)
    if kind == "feed":
        feed_origin = inp.url or inp.path or inp.display
        return _process_feed(inp.display, feed_origin, decoded.text, base_url, settings)
    if kind == "html":
        from store.ingest.extract import extract_html

        article = extract_html(decoded.text, url=base_url)
    else:
        from store.ingest.plaintext import parse_plaintext

        article = parse_plaintext(decoded.text)
    _fill(article, provenance, data, decoded.encoding, settings)
    return [WorkResult(inp.display, article=article)]


def _read_file(path: str, max_bytes: int) -> bytes:
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise IngestError(f"{format_size(size)}, over the {format_size(max_bytes)} size limit")
        with open(path, "rb") as fh:
            return fh.read(max_bytes + 1)
    except IsADirectoryError:
        raise IngestError("a folder where a file was expected") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except OSError as exc:
        raise IngestError(f"cannot be read ({exc.strerror})") from None


def _hint_from_content_type(content_type: str | None) -> str | None:
    value = (content_type or "").lower()
    if "rss" in value or "atom" in value or "rdf" in value or "feed+json" in value:
        return "feed"
    if "html" in value:
        return "html"
    if value.startswith("text/plain"):
        return "text"
    return None


def _kind(hint: str | None, text: str) -> str:
    from store.ingest.feeds import looks_like_feed

    head = text[:4000]
    if hint == "feed" or (hint is None and looks_like_feed(head)):
        return "feed"
    if hint in ("html", "text"):
        return hint
    lowered = head.lower()
    if "<html" in lowered or "<!doctype html" in lowered or "<body" in lowered or "<p>" in lowered:
        return "html"
    if looks_like_feed(head):
        return "feed"
    return "text"


def _fill(
    article: ExtractedArticle,
    provenance: dict[str, object],
    raw: bytes,
    encoding: str | None,
    settings: WorkerSettings,
) -> None:
    from store.ingest.language import detect_language
    from store.ingest.simhash import simhash64

    for key, value in provenance.items():
        setattr(article, key, value)
    if article.final_url and not article.url:
        article.url = article.final_url
    if article.url and not article.hostname:
        from urllib.parse import urlsplit

        article.hostname = urlsplit(article.url).hostname
    # level 3: within 11% of level 6 on the corpus pages at half the CPU
    article.capture = zlib.compress(raw, 3)
    article.capture_size = len(raw)
    article.raw_sha256 = hashlib.sha256(raw).hexdigest()
    article.encoding = encoding
    article.language = detect_language(article.paragraphs, settings.languages)
    if word_count(article.paragraphs) >= MIN_WORDS_FOR_SIMHASH:
        article.simhash = simhash64(article.paragraphs)


def _process_feed(
    display: str, origin: str, text: str, base_url: str | None, settings: WorkerSettings
) -> list[WorkResult]:
    from store.ingest.feeds import EXTRACTOR, EXTRACTOR_VERSION, parse_feed

    feed = parse_feed(text, base_url)
    if not feed.entries:
        raise IngestError("a feed without entries")
    results = []
    for entry in feed.entries:
        source = f"{display}#entry-{entry.index}"
        article = None
        error = None
        if entry.link and settings.fetch_feed_links and is_fetchable(entry.link):
            try:
                article = _fetch_entry_page(entry.link, settings)
            except IngestError as exc:
                error = f"entry link {entry.link}: {exc}"
        if article is None and (entry.paragraphs or entry.title):
            article = ExtractedArticle(
                paragraphs=entry.paragraphs or [entry.title or ""],
                title=entry.title,
                url=entry.link,
                published=entry.published,
                extractor=EXTRACTOR,
                extractor_version=EXTRACTOR_VERSION,
            )
            _fill(article, {"source": entry.link or source}, entry.raw, "utf-8", settings)
        if article is None:
            results.append(WorkResult(source, error=error or "feed entry without text"))
            continue
        article.title = article.title or entry.title
        article.published = article.published or entry.published
        article.feed_url = origin
        results.append(WorkResult(source, article=article, completes_input=False))
    results[-1].completes_input = True
    return results


def _fetch_entry_page(link: str, settings: WorkerSettings) -> ExtractedArticle:
    from store.ingest.extract import extract_html

    fetched = fetch(
        link,
        timeout=settings.timeout,
        max_bytes=settings.max_bytes,
        allow_private_addresses=settings.allow_private_addresses,
    )
    data = fetched.data
    if data[:2] == GZIP_MAGIC:
        data = gunzip(data, settings.max_bytes)
    if looks_binary(data):
        raise IngestError("binary data, not a web page")
    decoded = decode_bytes(data, fetched.content_type)
    article = extract_html(decoded.text, url=fetched.final_url)
    provenance = {
        "source": link,
        "final_url": fetched.final_url,
        "content_type": fetched.content_type,
        "http_status": fetched.status,
        "fetched_at": fetched.fetched_at,
        "fetch_ms": fetched.fetch_ms,
    }
    _fill(article, provenance, data, decoded.encoding, settings)
    return article


# --- the calling process ------------------------------------------------------------


_worker_settings: WorkerSettings | None = None


def _init_worker(settings: WorkerSettings) -> None:
    global _worker_settings
    _worker_settings = settings


def _process_in_worker(inp: Input) -> list[WorkResult]:
    assert _worker_settings is not None
    return process_input(inp, _worker_settings)


def _results(
    inputs: Iterator[Input], settings: WorkerSettings, workers: int, on_started: Callable[[], None]
) -> Iterator[list[WorkResult]]:
    """Work results in input order, computed by *workers* processes (or in-process for 1)."""
    if workers <= 1:
        on_started()
        for inp in inputs:
            yield process_input(inp, settings)
        return
    # fork starts workers at once with everything already imported; it is only safe
    # while this process has no other threads (the app calls us from a worker thread).
    method = "fork" if threading.active_count() == 1 else "forkserver"
    context = multiprocessing.get_context(method)
    window: deque[tuple[Input, Future[list[WorkResult]] | None]] = deque()
    started = False
    pool_broken = False
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        for inp in inputs:
            future = None
            if not inp.error and not pool_broken:
                try:
                    future = pool.submit(_process_in_worker, inp)
                except BrokenProcessPool:
                    pool_broken = True  # a worker died; finish the run in this process
            window.append((inp, future))
            if not started:
                started = True
                on_started()  # the processes exist now; threads may start
            while len(window) >= workers * WINDOW_PER_WORKER:
                yield _result_of(*window.popleft(), settings)
        if not started:
            on_started()
        while window:
            yield _result_of(*window.popleft(), settings)


def _result_of(
    inp: Input, future: Future[list[WorkResult]] | None, settings: WorkerSettings
) -> list[WorkResult]:
    if future is None:
        return process_input(inp, settings)
    try:
        return future.result()
    except BrokenProcessPool:
        # The worker died (killed for memory, a crash in a C library) while holding
        # this input or another: the input itself fails rather than being retried
        # into the same crash.
        return [
            WorkResult(inp.display, error="a worker process died while this input was in flight")
        ]
    except Exception as exc:  # e.g. a result that cannot be sent back between processes
        return [WorkResult(inp.display, error=f"worker failed: {type(exc).__name__}: {exc}"[:300])]


def _write(db: sqlite_utils.Database, result: WorkResult) -> ImportOutcome:
    if result.error is not None or result.article is None:
        return ImportOutcome(
            result.source, "failed", reason=result.error, completes_input=result.completes_input
        )
    from store.ingest.simhash import find_near_duplicate, index_simhash, to_signed

    article = result.article
    outcome = ImportOutcome(
        result.source, "imported", title=article.title, completes_input=result.completes_input
    )
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
            note = after_insert(db, article_id)
            if note:
                outcome.reason = f"{outcome.reason}; {note}" if outcome.reason else note
    except DuplicateArticle as exc:
        outcome.status = "duplicate"
        outcome.duplicate_of = exc.article_id
        outcome.reason = f"same text as article {exc.article_id}"
        outcome.article_id = None
    except ValueError as exc:
        outcome.status = "failed"
        outcome.reason = "no text" if str(exc) == "no text" else f"not stored: {exc}"
        outcome.article_id = None
    return outcome


def import_sources(
    db: sqlite_utils.Database,
    sources: Iterable[str],
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import files, folders, URLs, feeds and ``-`` (stdin) into *db*; never stops on bad input.

    ``progress(outcome, total)`` is called after each input (after each entry of a
    feed); *total* is the number of inputs once the folder walk has counted them.
    """
    from store.ingest.language import configured_languages

    options = options or ImportOptions()
    sources = list(sources)
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

    def flush() -> None:
        nonlocal last_flush
        if not pending:
            return
        with write_transaction(db):
            outcomes = [_write(db, result) for result in pending]
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
        if len(pending) >= BATCH_SIZE or time.monotonic() - last_flush >= BATCH_SECONDS:
            flush()
    flush()
    return report
