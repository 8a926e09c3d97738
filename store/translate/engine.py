"""Translating stored articles: cache, packing, bounded concurrency, retries, resumable saves.

Articles are taken a window at a time. For a window, every line that still needs
a translation (a line too long for one request: each of its pieces) is looked up
in the cache; what is left is de-duplicated (boilerplate shared by many articles
is sent once), packed into requests up to the provider's limit and sent from a
bounded thread pool. HTTP happens only in the pool; the database is touched only
by the calling thread, which saves each article (its translation and the cache
rows for what it got from the network, in one transaction) as soon as all its
lines are in. Asked to stop, it sends nothing more, keeps the answers already on
the wire and stores what the unfinished articles got, so a re-run sends nothing
twice.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace

import sqlite_utils

from article_triage.store.articles import ArticleFilter, iter_article_ids
from article_triage.store.db import utcnow, write_transaction
from article_triage.store.settings import normalise_language
from article_triage.store.text import split_paragraphs
from article_triage.store.translate.packing import (
    join_pack,
    join_pieces,
    needs_translation,
    pack,
    split_long,
    unpack,
)
from article_triage.store.translate.providers import (
    ProviderClient,
    ProviderError,
    UnsupportedLanguage,
    client_factory,
)
from article_triage.store.translate.settings import ProviderSettings
from article_triage.store.translations import ANALYST_PROVIDER, save_translation

# Characters of article text per concurrent request in one window: a few full
# requests each, so that the pool stays busy without holding many unsaved articles.
_WINDOW_CHARS_PER_WORKER = 15_000
_WINDOW_MAX_ARTICLES = 200
_BACKOFF_CAP = 30.0
_POLL_SECONDS = 0.1
# Packs that failed with server errors after all their retries, one after another,
# before the provider counts as down rather than choking on particular texts.
_MAX_FAILED_PACKS_IN_A_ROW = 4


@dataclass
class TranslateProgress:
    done_articles: int
    total_articles: int
    article_id: int | None
    requests_sent: int
    from_cache: int


@dataclass
class TranslateReport:
    translated: int = 0
    """Articles whose translation is now complete and needed the provider."""
    from_cache: int = 0
    """Articles whose translation is now complete from the cache alone."""
    skipped: int = 0
    """Articles already in the target language."""
    failed: list[tuple[int, str]] = field(default_factory=list)
    """(article id, reason); what did translate of such an article is stored."""
    requests_sent: int = 0
    """HTTP requests, retries included."""
    lines_from_cache: int = 0
    """Lines (or pieces of long lines) served from the cache instead of the provider."""
    interrupted: bool = False
    """should_stop asked for a stop before every article was done."""


class ProviderUnreachable(Exception):
    """The provider is down, hangs, rejects the key or keeps rate-limiting: the run stops.

    The message is one line without the key. ``report`` says what was done first
    (all of it is stored).
    """

    def __init__(
        self, message: str, report: TranslateReport | None = None, kind: str | None = None
    ):
        super().__init__(message)
        self.report = report or TranslateReport()
        self.kind = kind
        """ProviderError.kind of the call that stopped the run."""

    @property
    def offline(self) -> bool:
        """Nothing answered (refused or timed out), as opposed to a rejected key."""
        return self.kind in (ProviderError.CONNECT, ProviderError.TIMEOUT)


class _Cancelled(Exception):
    pass


def cache_key(provider: str, source: str, target: str, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{provider}:{source}:{target}:{digest}"


def base_language(code: str | None) -> str:
    return (code or "").strip().lower().split("-")[0]


def untranslated_article_ids(
    db: sqlite_utils.Database, target: str, flt: ArticleFilter | None = None
) -> Iterator[int]:
    """Articles matching *flt* that lack a translation of some paragraph into *target*,
    leaving out those already written in *target*."""
    flt = flt or ArticleFilter()
    base = base_language(target)
    clause = (
        "lower(a.language) != ? AND lower(a.language) NOT LIKE ? AND "
        "(SELECT count(*) FROM translations t WHERE t.article_id = a.id AND t.target_lang = ?) "
        "< a.paragraph_count"
    )
    flt = replace(flt, extra_where=(*flt.extra_where, (clause, (base, f"{base}-%", target))))
    return iter_article_ids(db, flt)


def _pieces(line: str, client: ProviderClient) -> list[str] | None:
    """What to send for one line: itself, or its pieces if it is too long for one request."""
    if not needs_translation(line):
        return None
    return [p.strip() for p in split_long(line, client.limit, client.size) if p.strip()]


# --- one article's needs ----------------------------------------------------------------


@dataclass
class _Article:
    id: int
    language: str
    source: str  # ISO code, or "auto" when the language is not known
    lines: list[list[tuple[str, list[str] | None]]]
    """For each paragraph, each line and the pieces to send for it (None: the line has no
    letters and stays as it is)."""
    keep: set[int]  # paragraphs an analyst translated by hand
    client: ProviderClient
    pending: set[str] = field(default_factory=set)  # cache keys still awaited


@dataclass
class _Window:
    """What is known, in one window, about the pieces its articles need (by cache key)."""

    texts: dict[str, tuple[str, ProviderClient]] = field(default_factory=dict)  # key -> piece
    done: dict[str, str] = field(default_factory=dict)  # key -> translation
    errors: dict[str, ProviderError] = field(default_factory=dict)
    fresh: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (source, translation)
    waiting: dict[str, list[_Article]] = field(default_factory=lambda: defaultdict(list))


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


class _Run:
    def __init__(
        self,
        db: sqlite_utils.Database,
        settings: ProviderSettings,
        total: int,
        progress: Callable[[TranslateProgress], None] | None,
        should_stop: Callable[[], bool] | None,
    ):
        self.db = db
        self.settings = settings
        self.provider = settings.name
        self.target = normalise_language(settings.target)
        self.target_base = base_language(self.target)
        self.total = total
        self.progress = progress
        self.should_stop = should_stop or (lambda: False)
        self.report = TranslateReport()
        self.requests = _Counter()
        self.cancel = threading.Event()
        self.clients = client_factory(settings)
        self.done_articles = 0
        self.failed_packs = 0
        self.pool = ThreadPoolExecutor(
            max_workers=settings.concurrency, thread_name_prefix="translate"
        )

    # -- bookkeeping --

    def _advance(self, article_id: int | None) -> None:
        self.done_articles += 1
        self.report.requests_sent = self.requests.value
        if self.progress is not None:
            self.progress(
                TranslateProgress(
                    self.done_articles,
                    self.total,
                    article_id,
                    self.report.requests_sent,
                    self.report.from_cache,
                )
            )

    def _watch_server(self, answers: list[str | ProviderError]) -> None:
        """Stop the run when request after request fails with server errors despite retries."""
        if answers and all(
            isinstance(a, ProviderError) and a.kind == ProviderError.RETRY for a in answers
        ):
            self.failed_packs += 1
            if self.failed_packs >= _MAX_FAILED_PACKS_IN_A_ROW:
                raise answers[0]
        else:
            self.failed_packs = 0

    def _fail(self, article_id: int, reason: str) -> None:
        self.report.failed.append((article_id, reason))
        self._advance(article_id)

    def _key(self, article: _Article, piece: str) -> str:
        return cache_key(self.provider, article.source, self.target, piece)

    # -- loading --

    def _load(self, article_id: int) -> _Article | None:
        row = self.db.execute(
            "SELECT language, text, paragraph_count FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        if row is None:
            self._fail(article_id, "no such article")
            return None
        language, text, count = row
        if base_language(language) == self.target_base:
            self.report.skipped += 1
            self._advance(article_id)
            return None
        paragraphs = split_paragraphs(text or "")
        if len(paragraphs) != count:
            self._fail(
                article_id, f"stored text has {len(paragraphs)} paragraphs, expected {count}"
            )
            return None
        source = "auto" if base_language(language) in ("", "und") else language.strip().lower()
        try:
            client = self.clients(source, self.target)
        except UnsupportedLanguage as exc:
            self._fail(article_id, str(exc))
            return None
        keep = {
            r[0]
            for r in self.db.execute(
                "SELECT paragraph_index FROM translations WHERE article_id = ? AND target_lang = ? "
                "AND provider = ?",
                [article_id, self.target, ANALYST_PROVIDER],
            )
        }
        lines = [
            [(line, _pieces(line, client)) for line in paragraph.split("\n")]
            for paragraph in paragraphs
        ]
        return _Article(article_id, language, source, lines, keep, client)

    def _cached(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.db.execute(
                    f"SELECT key, translation FROM translation_cache WHERE key IN ({marks})", chunk
                ).fetchall()
            )
        return found

    # -- one window --

    def window(self, article_ids: list[int]) -> None:
        articles = [a for a in (self._load(i) for i in article_ids) if a is not None]
        win = _Window()
        for article in articles:
            for index, lines in enumerate(article.lines):
                if index in article.keep:
                    continue
                for _, pieces in lines:
                    for piece in pieces or ():
                        key = self._key(article, piece)
                        if key not in article.pending:
                            article.pending.add(key)
                            win.waiting[key].append(article)
                            win.texts[key] = (piece, article.client)
        cached = self._cached(list(win.texts))
        win.done.update(cached)
        self.report.lines_from_cache += sum(len(win.waiting[key]) for key in cached)
        futures = self._submit([k for k in win.texts if k not in cached], win)
        try:
            for article in articles:
                article.pending -= cached.keys()
                if not article.pending:
                    self._save(article, win)
            self._collect(futures, win)
        except ProviderError as err:
            self._abandon(futures, articles, win)
            raise ProviderUnreachable(str(err), self.report, err.kind) from None
        except BaseException:
            self._abandon(futures, articles, win)
            raise
        if self.cancel.is_set():
            self._abandon(futures, articles, win)

    def _submit(self, keys: list[str], win: _Window) -> dict[Future, list[str]]:
        """Pack the pieces behind *keys* into requests; each future answers for its keys."""
        by_client: dict[int, tuple[ProviderClient, list[str]]] = {}
        for key in keys:
            client = win.texts[key][1]
            by_client.setdefault(id(client), (client, []))[1].append(key)
        futures: dict[Future, list[str]] = {}
        for client, client_keys in by_client.values():
            texts = [win.texts[key][0] for key in client_keys]
            for group in pack(texts, client.limit, client.size):
                future = self.pool.submit(self._send_pack, client, [texts[i] for i in group])
                futures[future] = [client_keys[i] for i in group]
        return futures

    def _collect(self, futures: dict[Future, list[str]], win: _Window) -> None:
        outstanding = set(futures)
        while outstanding:
            if self.should_stop():
                self._stop(futures, outstanding, win)
                return
            finished, outstanding = wait(
                outstanding, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED
            )
            for future in finished:
                try:
                    answers = future.result()  # a fatal ProviderError propagates from here
                except _Cancelled:
                    continue
                self._watch_server(answers)
                for key, answer in zip(futures[future], answers, strict=True):
                    self._resolve(key, answer, win)

    def _stop(
        self, futures: dict[Future, list[str]], outstanding: set[Future], win: _Window
    ) -> None:
        """Asked to stop: send nothing more, but keep the answers to requests already on the wire."""
        self.report.interrupted = True
        self.cancel.set()
        running = {f for f in outstanding if not f.cancel()}
        finished, _ = wait(running, timeout=self.settings.timeout + 1)
        for future in finished:
            try:
                answers = future.result()
            except (_Cancelled, ProviderError):
                continue
            for key, answer in zip(futures[future], answers, strict=True):
                self._resolve(key, answer, win)

    def _resolve(self, key: str, answer: str | ProviderError, win: _Window) -> None:
        """Record one piece's answer; save the articles that were waiting only for it."""
        if isinstance(answer, ProviderError):
            win.errors[key] = answer
        else:
            win.done[key] = answer
            win.fresh[key] = (win.waiting[key][0].source, answer)
        for article in win.waiting[key]:
            article.pending.discard(key)
            if not article.pending:
                self._save(article, win)

    def _abandon(
        self, futures: dict[Future, list[str]], articles: list[_Article], win: _Window
    ) -> None:
        """Stop sending; store what the window got for articles it could not finish."""
        self.cancel.set()
        for future in futures:
            future.cancel()
        for article in articles:
            if article.pending:
                self._save(article, win, partial=True)
        # Pieces of paragraphs left incomplete are kept too, so a re-run does not send them again.
        with write_transaction(self.db):
            self._write_cache(win, list(win.fresh))

    # -- saving --

    def _write_cache(self, win: _Window, keys: list[str]) -> None:
        now = utcnow()
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO translation_cache VALUES (?, ?, ?, ?, ?, ?)",
            [(k, self.provider, win.fresh[k][0], self.target, win.fresh[k][1], now) for k in keys],
        )

    def _save(self, article: _Article, win: _Window, partial: bool = False) -> None:
        paragraphs: list[str | None] = []
        reasons: list[str] = []
        used_fresh: set[str] = set()
        translated_lines = 0
        for index, lines in enumerate(article.lines):
            if index in article.keep:
                paragraphs.append(None)
                continue
            out: list[str] = []
            for line, pieces in lines:
                if pieces is None:
                    out.append(line)
                    continue
                keys = [self._key(article, piece) for piece in pieces]
                if not all(k in win.done for k in keys):
                    reasons += [str(win.errors[k]) for k in keys if k in win.errors]
                    break
                out.append(join_pieces([win.done[k] for k in keys]))
                translated_lines += 1
                used_fresh.update(k for k in keys if k in win.fresh)
            else:
                paragraphs.append("\n".join(out))
                continue
            paragraphs.append(None)
        if partial and not translated_lines:
            return
        with write_transaction(self.db):
            self._write_cache(win, sorted(used_fresh))
            save_translation(
                self.db, article.id, self.target, self.provider, paragraphs, article.language
            )
        article.pending.clear()
        if partial:
            return
        missing = sum(1 for i, p in enumerate(paragraphs) if p is None and i not in article.keep)
        if missing:
            reason = reasons[0] if reasons else "no translation returned"
            self._fail(
                article.id, f"{missing} of {len(paragraphs)} paragraphs untranslated: {reason}"
            )
            return
        if used_fresh:
            self.report.translated += 1
        else:
            self.report.from_cache += 1
        self._advance(article.id)

    # -- in the pool --

    def _send_pack(self, client: ProviderClient, texts: list[str]) -> list[str | ProviderError]:
        """Translate *texts* in one request; re-send singly if the answer's lines do not align.

        A pack the provider finds too large (HTTP 413/414) or answers with garbage
        is halved and each half sent again, so that one bad text or a request-size
        limit lower than ours costs a few requests rather than the whole pack. Errors
        that stop the run (and cancellation) propagate; others are returned in place
        of the translations they prevented.
        """
        if len(texts) > 1:
            try:
                answer = self._call(client, join_pack(texts))
            except ProviderError as err:
                if err.fatal:
                    raise
                # Not for other 4xx: a 400 (say, a language the server lacks) would
                # only be repeated for every half.
                if err.kind != ProviderError.BAD_ANSWER or err.status not in (None, 413, 414):
                    return [err] * len(texts)
                half = len(texts) // 2
                return self._send_pack(client, texts[:half]) + self._send_pack(client, texts[half:])
            lines = unpack(answer, len(texts))
            if lines is not None:
                return list(lines)
        results: list[str | ProviderError] = []
        for text in texts:
            try:
                results.append(" ".join(self._call(client, text).split()))
            except ProviderError as err:
                if err.fatal:
                    raise
                results.append(err)
        return results

    def _call(self, client: ProviderClient, text: str) -> str:
        """One text, retried with exponential backoff and jitter on 429/5xx (and once on
        a timeout or a refused connection, which rarely heal within seconds)."""
        attempt = 0
        while True:
            if self.cancel.is_set():
                raise _Cancelled
            self.requests.add()
            try:
                return client.translate(text)
            except ProviderError as err:
                if err.kind == ProviderError.RETRY:
                    allowed = attempt < self.settings.max_retries
                elif err.kind in (ProviderError.TIMEOUT, ProviderError.CONNECT):
                    allowed = attempt < min(1, self.settings.max_retries)
                else:
                    allowed = False
                if not allowed:
                    if err.fatal:
                        self.cancel.set()
                    raise
                delay = min(_BACKOFF_CAP, self.settings.backoff * 2**attempt)
                if self.cancel.wait(delay / 2 + random.uniform(0, delay / 2)):
                    raise _Cancelled from None
                attempt += 1


def _windows(run: _Run, ids: list[int]) -> Iterator[list[int]]:
    """Consecutive slices of *ids* holding about a window's worth of text."""
    budget = run.settings.concurrency * _WINDOW_CHARS_PER_WORKER
    window: list[int] = []
    size = 0
    for article_id in ids:
        row = run.db.execute(
            "SELECT length(text) FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        window.append(article_id)
        size += row[0] if row and row[0] else 0
        if size >= budget or len(window) >= _WINDOW_MAX_ARTICLES:
            yield window
            window, size = [], 0
    if window:
        yield window


def translate_articles(
    db: sqlite_utils.Database,
    article_ids: Iterable[int],
    settings: ProviderSettings,
    progress: Callable[[TranslateProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TranslateReport:
    """Translate the given articles into ``settings.target`` and store the translations.

    Raises ValueError for settings that cannot work (unknown provider, no key, no
    URL for libre) and :class:`ProviderUnreachable` when the provider cannot be
    used at all; everything done before is stored either way. Articles already in
    the target language are skipped; hand corrections are never overwritten.
    """
    settings.validate()
    ids = list(dict.fromkeys(article_ids))  # each article once, in the order given
    run = _Run(db, settings, len(ids), progress, should_stop)
    try:
        for window in _windows(run, ids):
            if run.should_stop():
                run.report.interrupted = True
            if run.report.interrupted:
                break
            run.window(window)
    finally:
        run.cancel.set()
        # Do not wait for requests still on the wire: each ends within the timeout.
        run.pool.shutdown(wait=False, cancel_futures=True)
        run.report.requests_sent = run.requests.value
    return run.report
