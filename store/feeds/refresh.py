"""The refresh job: fetch every due feed, import what is new, schedule the next check.

One function, ``refresh(db, request, progress, stop) -> RefreshReport``, for the CLI
and the app alike. Network work (the feed requests, then the pages new entries
link to) runs in a bounded thread pool, at most ``per_host`` requests at a time to
one host; this thread alone touches the database. New entries are read as ``add``
reads a feed's entries (store.ingest.read) and stored through the import's one
write path (store.ingest.pipeline.write_results), so outlet detection runs for each;
feeds read by the time the last batch is stored are stored together, in one call,
while the pool's requests go on.

A feed's validators (ETag, Last-Modified) are saved only after all its new entries
are stored: a refresh stopped half way leaves the feed to be fetched in full again,
and the entry memory keeps what was already stored from coming in twice.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import sqlite_utils

from article_triage.store.boundary import clean_line, clean_url
from article_triage.store.db import write_transaction
from article_triage.store.feeds import schedule
from article_triage.store.feeds.discover import (
    advertised_feeds,
    decode_document,
    is_feed,
    is_truncated,
)
from article_triage.store.feeds.request import FeedResponse, Validators, request_feed
from article_triage.store.feeds.schedule import ScheduleSettings
from article_triage.store.feeds.subscriptions import (
    FeedNotFound,
    Subscription,
    due_feed_ids,
    entry_keys,
    get_feed,
    remember_entries,
    seen_keys,
    update_state,
)
from article_triage.store.feeds.workers import WORKER_DIED, Workers
from article_triage.store.ingest.model import ImportOptions, ImportOutcome, IngestError

if TYPE_CHECKING:
    from article_triage.store.ingest.feeds import FeedEntry
    from article_triage.store.ingest.read import WorkerSettings, WorkResult
    from article_triage.store.outlets.registry import Registry
    from article_triage.store.settings import Settings
    from article_triage.store.stories.cluster import StoryAssigner

NEW, UNCHANGED, FAILED, GONE = "new", "unchanged", "failed", "gone"


@dataclass(frozen=True)
class RefreshRequest:
    tag: str | None = None
    feed_ids: tuple[int, ...] | None = None
    """Only these feeds (fetched even when paused or not yet due)."""
    ignore_schedule: bool = False
    """``--all``: fetch every feed, due or not."""
    options: ImportOptions = field(default_factory=ImportOptions)
    """Timeout, size cap, SSRF rule, languages, registry, linked pages: as for ``add``."""
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    concurrency: int = 16
    """Requests in flight at once, over all hosts."""
    per_host: int = 2
    """Requests in flight at once to one host: a reader must not hammer a site."""
    max_entries: int = 500
    """Entries read from one feed document; a feed listing 20,000 is read this far."""

    @classmethod
    def from_config(cls, settings: Settings, **overrides: Any) -> RefreshRequest:
        """``[feeds]`` settings (see README), then *overrides*; ConfigError when unusable."""
        from article_triage.store.settings import ConfigError

        feeds = settings.feeds
        values: dict[str, Any] = {}
        sched: dict[str, int] = {}
        for key, target, scale in (
            ("floor_minutes", "floor", 60),
            ("ceiling_minutes", "ceiling", 60),
            ("unconditional_every", "unconditional_every", 1),
        ):
            if getattr(feeds, key) is not None:
                sched[target] = getattr(feeds, key) * scale
        for key in ("concurrency", "per_host", "max_entries"):
            if getattr(feeds, key) is not None:
                values[key] = getattr(feeds, key)
        schedule = replace(ScheduleSettings(), **sched)
        if schedule.floor > schedule.ceiling:
            raise ConfigError(f"{settings.path}: [feeds] floor_minutes is above ceiling_minutes")
        values["schedule"] = schedule
        values.update(overrides)
        options = values.get("options") or ImportOptions.from_config(settings)
        # For feeds on an intranet; the command line's --allow-private-addresses also works.
        if feeds.allow_private_addresses:
            options = replace(options, allow_private_addresses=True)
        values["options"] = options
        return cls(**values)


@dataclass
class FeedOutcome:
    feed_id: int
    url: str
    name: str | None
    status: str
    """new | unchanged | failed | gone"""
    http_status: int | None = None
    new: int = 0
    duplicates: int = 0
    failed_entries: int = 0
    entry_errors: list[str] = field(default_factory=list)
    """One line per entry that failed: which one and why (the others are imported)."""
    reason: str | None = None
    """Why it failed, or a note (moved, entries beyond the limit)."""
    next_check: str | None = None
    article_ids: list[int] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.name or self.url

    def as_dict(self) -> dict[str, object]:
        return {
            "feed_id": self.feed_id,
            "url": self.url,
            "name": self.name,
            "status": self.status,
            "http_status": self.http_status,
            "new": self.new,
            "duplicates": self.duplicates,
            "failed_entries": self.failed_entries,
            "entry_errors": self.entry_errors,
            "reason": self.reason,
            "next_check": self.next_check,
        }


@dataclass
class RefreshReport:
    feeds: list[FeedOutcome] = field(default_factory=list)
    due: int = 0
    stopped: bool = False
    """Asked to stop before every due feed was done; a re-run picks up the rest."""

    @property
    def article_ids(self) -> list[int]:
        return [article_id for outcome in self.feeds for article_id in outcome.article_ids]

    def counts(self) -> dict[str, int]:
        tally = Counter(outcome.status for outcome in self.feeds)
        return {
            "due": self.due,
            "feeds_new": tally[NEW],
            "feeds_unchanged": tally[UNCHANGED],
            "feeds_failed": tally[FAILED],
            "feeds_gone": tally[GONE],
            "articles_new": sum(outcome.new for outcome in self.feeds),
        }

    @property
    def failed(self) -> int:
        return sum(1 for outcome in self.feeds if outcome.status in (FAILED, GONE))

    @property
    def failed_entries(self) -> int:
        """Entries that could not be imported, in feeds that were read."""
        return sum(outcome.failed_entries for outcome in self.feeds)


@dataclass(frozen=True)
class RefreshProgress:
    done: int
    total: int
    outcome: FeedOutcome


Progress = Callable[[RefreshProgress], None]


# --- what the pool threads do ----------------------------------------------------------------


@dataclass
class _Fetch:
    """A feed request's result, as the pool thread hands it back."""

    response: FeedResponse | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    total_entries: int = 0
    title: str | None = None
    error: str | None = None


def _fetch_feed(feed: Subscription, request: RefreshRequest, workers: Workers) -> _Fetch:
    """Request the feed here (a pool thread); parse what came in a worker process."""
    options = request.options
    conditional = feed.conditional_streak < request.schedule.unconditional_every
    validators = Validators(feed.etag, feed.last_modified) if conditional else None
    try:
        response = request_feed(
            feed.url,
            validators,
            timeout=options.timeout,
            max_bytes=options.max_bytes,
            allow_private_addresses=options.allow_private_addresses,
        )
    except IngestError as exc:
        return _Fetch(error=str(exc))
    except MemoryError:
        return _Fetch(error="too large to process in memory")
    except Exception as exc:  # a library failing on hostile input: this feed fails alone
        return _Fetch(error=f"unexpected {type(exc).__name__}: {exc}"[:300])
    if response.status != 200:
        return _Fetch(response=response)
    try:
        fetched, answered = workers.run(
            _parse_document,
            response.data,
            response.content_type,
            response.final_url,
            options.max_bytes,
            request.max_entries,
        )
    except BrokenProcessPool:
        fetched, answered = _Fetch(error=WORKER_DIED), False
    if answered:
        # Parsed: the bytes are not kept.
        fetched.response = response if fetched.error else replace(response, data=b"")
    return fetched


def _parse_document(
    data: bytes, content_type: str | None, final_url: str, max_bytes: int, max_entries: int
) -> tuple[_Fetch, bool]:
    """The feed in a response's bytes, and whether the feed answered (False: it could not
    be read at all, so the refresh reports no HTTP status for it). In a worker process."""
    try:
        document = decode_document(data, content_type, max_bytes)
        if not is_feed(document.text):
            pages = advertised_feeds(document.text, final_url)
            hint = f"; the page advertises {pages[0]}" if pages else ""
            return _Fetch(error=f"not a feed{hint}"), True
        if is_truncated(document.text):
            return _Fetch(error="truncated: the feed ends before it closes"), True
        from article_triage.store.ingest.feeds import parse_feed

        feed_doc = parse_feed(document.text, final_url, max_entries + 1)
    except IngestError as exc:
        return _Fetch(error=str(exc)), False
    except MemoryError:
        return _Fetch(error="too large to process in memory"), False
    except Exception as exc:  # a library failing on hostile input: this feed fails alone
        return _Fetch(error=f"unexpected {type(exc).__name__}: {exc}"[:300]), False
    entries = feed_doc.entries
    return _Fetch(
        entries=entries[:max_entries], total_entries=len(entries), title=feed_doc.title
    ), True


def _read_entry(entry: FeedEntry, feed_url: str, settings: WorkerSettings) -> WorkResult:
    from article_triage.store.ingest.read import read_input
    from article_triage.store.ingest.sources import Input

    display = f"{feed_url}#entry-{entry.index}"
    return read_input(Input(display=display, url=feed_url, entry=entry), settings)[0]


def _read_each(
    entries: list[FeedEntry], feed_url: str, settings: WorkerSettings
) -> list[WorkResult]:
    return [_read_entry(entry, feed_url, settings) for entry in entries]


def _read_entries(
    entries: list[FeedEntry],
    feed_url: str,
    settings: WorkerSettings,
    workers: Workers | None = None,
) -> list[WorkResult]:
    """Read entries (in a worker process, given *workers*), each article with its
    language: detected here, in the pool thread.

    lingua works without the GIL, so detecting in the thread that read the entries
    overlaps it with the refresh's thread storing the batch before (in write_results,
    it held that thread up a fifth of a first refresh). Each text's language is its
    own, whichever call detects it, so the store is the same.
    """
    from article_triage.store.ingest.language import detect_languages

    if workers is None:
        results = _read_each(entries, feed_url, settings)
    else:
        try:
            results = workers.run(_read_each, entries, feed_url, settings)
        except BrokenProcessPool:
            from article_triage.store.ingest.read import WorkResult

            results = [
                WorkResult(f"{feed_url}#entry-{entry.index}", error=WORKER_DIED)
                for entry in entries
            ]
    articles = [result.article for result in results if result.article is not None]
    if articles:
        found = detect_languages([article.paragraphs for article in articles], settings.languages)
        for article, language in zip(articles, found, strict=True):
            article.language = language
    return results


# --- the dispatcher: bounded, fair per host ---------------------------------------------------


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


class _Raised:
    """A pool call that raised: re-raised in the refresh's own thread."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Dispatcher:
    """Runs queued calls in the pool while fewer than *concurrency* run, and never more
    than *per_host* to one host (None: no host, e.g. reading an entry without its
    page): a queued call for a busy host waits while calls for other hosts go ahead,
    so no pool thread sits idle behind a host limit.

    Each call that ends starts the next from its own pool thread, so requests keep
    going out while the refresh's thread is storing what came in; it collects the
    ended calls with :meth:`ended`.
    """

    def __init__(self, pool: ThreadPoolExecutor, concurrency: int, per_host: int) -> None:
        self.pool = pool
        self.concurrency = concurrency
        self.per_host = per_host
        self.lock = threading.RLock()  # RLock: a call that ends at once calls back under it
        self.waiting: deque[tuple[str | None, object, Callable[[], object]]] = deque()
        self.running: dict[Future[object], tuple[str | None, object]] = {}
        self.active: Counter[str] = Counter()
        self.results: SimpleQueue[tuple[object, object]] = SimpleQueue()
        self.closed = False

    def add(
        self, host: str | None, tag: object, call: Callable[[], object], first: bool = False
    ) -> None:
        with self.lock:
            if first:
                self.waiting.appendleft((host, tag, call))
            else:
                self.waiting.append((host, tag, call))

    def waiting_feeds(self) -> int:
        with self.lock:
            return sum(1 for _host, tag, _call in self.waiting if tag[0] == "feed")  # type: ignore[index]

    def pump(self) -> None:
        with self.lock:
            if self.closed:
                return
            kept: deque[tuple[str | None, object, Callable[[], object]]] = deque()
            while self.waiting and len(self.running) < self.concurrency:
                host, tag, call = self.waiting.popleft()
                if host is not None and self.active[host] >= self.per_host:
                    kept.append((host, tag, call))
                    continue
                if host is not None:
                    self.active[host] += 1
                future = self.pool.submit(call)
                self.running[future] = (host, tag)
                future.add_done_callback(lambda f, host=host, tag=tag: self._ended(f, host, tag))
            kept.extend(self.waiting)
            self.waiting = kept

    def _ended(self, future: Future[object], host: str | None, tag: object) -> None:
        try:
            result = future.result()
        except BaseException as exc:  # handed to the refresh's thread, raised there
            result = _Raised(exc)
        with self.lock:
            # The result is queued before the call stops counting as running, so
            # that idle() never sees neither.
            self.results.put((tag, result))
            self.running.pop(future, None)
            if host is not None:
                self.active[host] -= 1
        self.pump()

    def idle(self) -> bool:
        with self.lock:
            return not self.running and not self.waiting and self.results.empty()

    def drop_waiting(self) -> None:
        with self.lock:
            self.waiting.clear()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.waiting.clear()
            running = list(self.running)
        for future in running:
            future.cancel()

    def ended(self, wait: bool) -> list[tuple[object, object]]:
        """(tag, result) of the calls that ended; *wait*: for at least one, unless idle."""
        out = []
        if wait and not self.idle():
            out.append(self.results.get())
        while True:
            try:
                out.append(self.results.get_nowait())
            except Empty:
                break
        for _tag, result in out:
            if isinstance(result, _Raised):
                raise result.error
        return out


# --- the job -----------------------------------------------------------------------------------


@dataclass
class _Open:
    """A feed fetched, with the new entries it brought and those read so far."""

    feed: Subscription
    fetch: _Fetch
    new: list[tuple[FeedEntry, list[str]]] = field(default_factory=list)
    results: dict[int, WorkResult] = field(default_factory=dict)
    unreadable: list[FeedEntry] = field(default_factory=list)
    """Entries the feed parser could not read (each has its error): they fail alone."""

    @property
    def read(self) -> bool:
        return len(self.results) == len(self.new)


STORE_BATCH = 128
"""Articles stored in one write transaction at most: feeds that are read by the time
the last batch is stored go into the next one together, so the write path's batch
work (story candidates, key counts) is shared, and the write lock is held briefly."""


def refresh(
    db: sqlite_utils.Database,
    request: RefreshRequest | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> RefreshReport:
    """Fetch the due feeds, import their new entries, and schedule each feed's next check.

    Never raises for a feed's failure: each ends as a FeedOutcome. *stop* set: no new
    request starts, requests on the wire finish, and feeds whose entries are all in
    are saved; the others are fetched again by the next refresh. Requests go on
    while what came in is stored (in this thread, the only one using *db*).
    """
    from article_triage.store.ingest.language import configured_languages
    from article_triage.store.ingest.read import WorkerSettings
    from article_triage.store.outlets import load_registry

    request = request or RefreshRequest()
    stop = stop or threading.Event()
    options = request.options
    registry = load_registry(options.registry_path)
    settings = WorkerSettings(
        timeout=options.timeout,
        max_bytes=options.max_bytes,
        allow_private_addresses=options.allow_private_addresses,
        languages=configured_languages(options.languages),
        fetch_feed_links=options.fetch_feed_links,
    )
    ids = due_feed_ids(
        db,
        schedule.format_time(datetime.now(UTC)),
        tag=request.tag,
        ids=request.feed_ids,
        ignore_schedule=request.ignore_schedule,
    )
    report = RefreshReport(due=len(ids))
    # Before the pool's threads: the worker processes start from this thread alone.
    workers = Workers(options.workers or os.cpu_count() or 1)
    try:
        _run(db, request, progress, stop, settings, registry, ids, report, workers)
    finally:
        workers.close()
    report.stopped = stop.is_set() and len(report.feeds) < len(ids)
    return report


def _run(
    db: sqlite_utils.Database,
    request: RefreshRequest,
    progress: Progress | None,
    stop: threading.Event,
    settings: WorkerSettings,
    registry: Registry,
    ids: list[int],
    report: RefreshReport,
    workers: Workers,
) -> None:
    """Fetch the feeds *ids* with the pool, reading and storing what is new (see refresh)."""
    from article_triage.store.stories.cluster import StoryAssigner

    stories = StoryAssigner(db)  # kept from batch to batch (write_results)
    waiting_ids = deque(ids)
    open_feeds: dict[int, _Open] = {}
    ready: deque[_Open] = deque()
    # Feeds queued, fetched or waiting to be stored, at most: what keeps memory flat in
    # the feed count, with enough queued that requests go on while a batch is stored.
    max_open = max(2, request.concurrency * 2)

    with ThreadPoolExecutor(
        max_workers=request.concurrency, thread_name_prefix="feeds-refresh"
    ) as pool:
        dispatcher = _Dispatcher(pool, request.concurrency, request.per_host)
        try:
            while True:
                if stop.is_set():
                    dispatcher.drop_waiting()
                    waiting_ids.clear()
                while (
                    waiting_ids
                    and len(open_feeds) + len(ready) + dispatcher.waiting_feeds() < max_open
                ):
                    try:
                        feed = get_feed(db, waiting_ids.popleft())
                    except FeedNotFound:  # removed (in the app, say) since the run began
                        continue
                    dispatcher.add(
                        _host(feed.url),
                        ("feed", feed),
                        lambda feed=feed: _fetch_feed(feed, request, workers),
                    )
                dispatcher.pump()
                if not ready and dispatcher.idle():
                    break
                for tag, result in dispatcher.ended(wait=not ready):
                    kind, payload = tag  # type: ignore[misc]
                    if kind == "feed":
                        opened = _fetched(db, payload, result, dispatcher, settings, workers)
                        if opened.read:
                            ready.append(opened)
                        else:
                            open_feeds[payload.id] = opened
                    else:
                        feed_id, index = payload if kind == "entry" else (payload, None)
                        opened = open_feeds[feed_id]
                        if index is None:  # all the feed's entries in one call
                            opened.results.update(enumerate(result))
                        else:
                            opened.results[index] = result[0]  # type: ignore[index]
                        if opened.read:
                            ready.append(open_feeds.pop(feed_id))
                if ready:
                    batch = [ready.popleft()]
                    size = len(batch[0].new)
                    while ready and size + len(ready[0].new) <= STORE_BATCH:
                        size += len(ready[0].new)
                        batch.append(ready.popleft())
                    stored = _store(db, batch, request, registry, settings, stories)
                    for outcome in stored:
                        report.feeds.append(outcome)
                        if progress is not None:
                            progress(RefreshProgress(len(report.feeds), len(ids), outcome))
        finally:
            dispatcher.close()


def _fetched(
    db: sqlite_utils.Database,
    feed: Subscription,
    fetched: _Fetch,
    dispatcher: _Dispatcher,
    settings: WorkerSettings,
    workers: Workers,
) -> _Open:
    """A feed answered: find its new entries, if any, and queue reading them."""
    opened = _Open(feed, fetched)
    if fetched.response is None or fetched.response.status != 200 or fetched.error:
        return opened
    # An entry the parser could not read has no keys to remember: it is reported as
    # failed (and tried again next time), never dropped without a word.
    opened.unreadable = [entry for entry in fetched.entries if entry.error]
    keys_of = [(entry, entry_keys(entry)) for entry in fetched.entries if not entry.error]
    seen = seen_keys(db, feed.id, (key for _, keys in keys_of for key in keys))
    for entry, keys in keys_of:
        if keys and not seen.intersection(keys):
            opened.new.append((entry, keys))
            seen.update(keys)  # the same entry twice in one document counts once
    if opened.new and not settings.fetch_feed_links:
        # Entries read without their pages: work for one thread, not for a host, and
        # one call for the feed's entries rather than one each.
        entries = [entry for entry, _keys in opened.new]
        dispatcher.add(
            None,
            ("entries", feed.id),
            lambda: _read_entries(entries, feed.url, settings, workers),
            first=True,
        )
    for index, (entry, _keys) in enumerate(opened.new if settings.fetch_feed_links else []):
        dispatcher.add(
            _host(entry.link),
            ("entry", (feed.id, index)),
            lambda entry=entry: _read_entries([entry], feed.url, settings),
            first=True,  # entries before further feeds: they finish what is open
        )
    return opened


def _store(
    db: sqlite_utils.Database,
    batch: list[_Open],
    request: RefreshRequest,
    registry: Registry,
    settings: WorkerSettings,
    stories: StoryAssigner,
) -> list[FeedOutcome]:
    """Store the new entries of the feeds in *batch* through the import's write path
    (one call, so its batch work is shared; *stories* is kept from batch to batch),
    then each feed's new fetch state."""
    from article_triage.store.ingest.pipeline import write_results

    results = [opened.results[i] for opened in batch for i in range(len(opened.new))]
    # Languages were detected where the entries were read (_read_entries).
    written = write_results(db, results, registry, None, stories) if results else []
    outcomes = []
    start = 0
    with write_transaction(db):  # each feed's memory and new state, after its articles
        for opened in batch:
            end = start + len(opened.new)
            outcomes.append(_close(db, opened, written[start:end], request))
            start = end
    return outcomes


def _close(
    db: sqlite_utils.Database,
    opened: _Open,
    written: list[ImportOutcome],
    request: RefreshRequest,
) -> FeedOutcome:
    """Count what a feed brought (*written*: its new entries as stored), then save its new
    fetch state and entry memory; the feed's outcome."""
    feed, fetched = opened.feed, opened.fetch
    now = datetime.now(UTC)
    sched = request.schedule
    response = fetched.response
    outcome = FeedOutcome(
        feed.id, feed.url, feed.name, UNCHANGED, http_status=response and response.status
    )
    state: dict[str, object] = {"last_checked": schedule.format_time(now)}

    def failed(reason: str, wait: int | None = None) -> FeedOutcome:
        errors = feed.error_count + 1
        delay = wait if wait is not None else schedule.backoff_seconds(errors, sched)
        outcome.status, outcome.reason = FAILED, reason
        outcome.next_check = schedule.after(now, delay)
        state.update(
            last_error=clean_line(reason), error_count=errors, next_check=outcome.next_check
        )
        update_state(db, feed.id, **state)
        return outcome

    if response is None:
        return failed(fetched.error or "no answer")
    status = response.status
    if status == 410:
        reason = "the server says this feed was removed (HTTP 410); paused"
        outcome.status, outcome.reason = GONE, reason
        state.update(paused=1, paused_reason=reason, last_error=reason, next_check=None)
        update_state(db, feed.id, **state)
        return outcome
    if status in (429, 503):
        wait = schedule.retry_after_seconds(response.headers.get("retry-after"), now, sched)
        if wait is None:
            return failed(f"HTTP {status}: busy, backing off")
        state["retry_after"] = schedule.after(now, wait)
        return failed(f"HTTP {status}: the server asks to wait {_duration(wait)}", wait)
    if status >= 500:
        return failed(f"HTTP {status}")
    if fetched.error:
        return failed(fetched.error)

    memory: list[tuple[list[str], int | None]] = []
    for entry in opened.unreadable:
        outcome.failed_entries += 1
        outcome.entry_errors.append(f"entry {entry.index}: {clean_line(entry.error)}")
    for (entry, keys), stored in zip(opened.new, written, strict=True):
        _count(outcome, stored)
        if stored.status == "failed":
            outcome.entry_errors.append(
                f"entry {entry.index}: {clean_line(stored.reason or 'not imported')}"
            )
        if stored.status != "failed":
            memory.append((keys, stored.article_id or stored.duplicate_of))
    if outcome.new:
        outcome.status = NEW
    if fetched.total_entries > request.max_entries:
        outcome.reason = f"read the first {request.max_entries} entries of a longer feed"

    interval = schedule.adapted_interval(
        feed.interval,
        [entry.published for entry in fetched.entries],
        outcome.new,
        now,
        sched,
    )
    outcome.next_check = schedule.after(now, interval)
    validators = response.validators if status == 200 else Validators()
    state.update(
        last_success=schedule.format_time(now),
        retry_after=None,
        last_error=None,
        error_count=0,
        interval=interval,
        next_check=outcome.next_check,
        conditional_streak=feed.conditional_streak + 1 if response.conditional else 0,
    )
    if status == 200:
        # The validators of the answer that was read; none sent back means none kept.
        state.update(
            etag=clean_line(validators.etag) or None,
            last_modified=clean_line(validators.last_modified) or None,
        )
    if feed.name is None and clean_line(fetched.title):
        state["name"] = clean_line(fetched.title)
    if response.moved_to and response.moved_to != feed.url:
        moved = clean_url(response.moved_to)
        taken = db.execute("SELECT id FROM feeds WHERE url = ?", [moved]).fetchone()
        if taken is None:
            state["url"] = moved
            outcome.url = moved
            note = f"moved permanently to {moved}; the subscription now uses it"
        else:
            note = f"moved permanently to {moved}, already feed {taken[0]}"
        outcome.reason = f"{outcome.reason}; {note}" if outcome.reason else note
    if memory:
        remember_entries(db, feed.id, memory)
    update_state(db, feed.id, **state)
    return outcome


def _count(outcome: FeedOutcome, written: ImportOutcome) -> None:
    if written.status in ("imported", "near-duplicate"):
        outcome.new += 1
        if written.article_id is not None:
            outcome.article_ids.append(written.article_id)
    elif written.status == "duplicate":
        outcome.duplicates += 1
    else:
        outcome.failed_entries += 1


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
