"""Reading one input into articles: bytes from a file, stdin or URL, then decode, extract,
fingerprint. Runs in the worker processes; touches no database. (The language is
detected by the writing process: see store.ingest.pipeline.)
"""

from __future__ import annotations

import hashlib
import os
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from article_triage.store.boundary import clean_url
from article_triage.store.ingest.decode import (
    GZIP_MAGIC,
    DecodeError,
    decode_bytes,
    format_size,
    gunzip,
    looks_binary,
)
from article_triage.store.ingest.fetch import Fetched, fetch, is_fetchable
from article_triage.store.ingest.model import ExtractedArticle, IngestError
from article_triage.store.ingest.sources import Input, kind_hint
from article_triage.store.text import word_count

if TYPE_CHECKING:
    from article_triage.store.ingest.feeds import FeedEntry

# Below this many words a simhash says little: short texts collide by chance.
MIN_WORDS_FOR_SIMHASH = 20


@dataclass
class WorkResult:
    """One article read from an input, or why there is none; a feed gives one per entry."""

    source: str
    article: ExtractedArticle | None = None
    error: str | None = None
    completes_input: bool = True


@dataclass(frozen=True)
class WorkerSettings:
    """What a worker needs from ImportOptions, resolved once by the calling process."""

    timeout: float
    max_bytes: int
    allow_private_addresses: bool
    languages: tuple[str, ...]
    fetch_feed_links: bool


def read_input(inp: Input, settings: WorkerSettings) -> list[WorkResult]:
    """Read one input into articles (several for a feed), or say why it cannot be."""
    if inp.error:
        return [WorkResult(inp.display, error=inp.error)]
    try:
        if inp.entry is not None:
            result = _feed_entry_result(inp.display, inp.entry, inp.url or inp.display, settings)
            result.completes_input = True
            return [result]
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
        provenance = _fetched_provenance(inp.url, fetched)
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
        from article_triage.store.ingest.extract import extract_html

        article = extract_html(decoded.text, url=base_url)
    else:
        from article_triage.store.ingest.plaintext import parse_plaintext

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
    from article_triage.store.ingest.feeds import looks_like_feed

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
    from article_triage.store.ingest.simhash import simhash64

    for key, value in provenance.items():
        setattr(article, key, value)
    _settle_urls(article)
    # level 3: within 11% of level 6 on the corpus pages at half the CPU
    article.capture = zlib.compress(raw, 3)
    article.capture_size = len(raw)
    article.raw_sha256 = hashlib.sha256(raw).hexdigest()
    article.encoding = encoding
    if word_count(article.paragraphs) >= MIN_WORDS_FOR_SIMHASH:
        article.simhash = simhash64(article.paragraphs)


def _fetched_provenance(requested: str, fetched: Fetched) -> dict[str, object]:
    return {
        "source": requested,
        "final_url": fetched.final_url,
        "content_type": fetched.content_type,
        "http_status": fetched.status,
        "fetched_at": fetched.fetched_at,
        "fetch_ms": fetched.fetch_ms,
    }


def _settle_urls(article: ExtractedArticle) -> None:
    """Where the article came from, as it will be stored: the one place for it.

    No ``user:password@`` reaches the store (store.boundary.clean_url). A fetched page
    is the page at the host it was fetched from: a canonical link on another site is
    what the page claims to be, kept as ``canonical_claim``, never its URL or host.
    (A local file has nothing better than its canonical link: that stays its URL.)
    """
    from article_triage.store.outlets.domains import same_site

    for name in ("source", "url", "final_url", "feed_url"):
        value = getattr(article, name)
        if value:
            setattr(article, name, clean_url(value) or None)
    if article.final_url:
        if article.url and not same_site(article.url, article.final_url):
            article.canonical_claim = article.url
            article.url = None
        article.url = article.url or article.final_url
        article.hostname = urlsplit(article.final_url).hostname
    elif article.url and not article.hostname:
        article.hostname = urlsplit(article.url).hostname


def _process_feed(
    display: str, origin: str, text: str, base_url: str | None, settings: WorkerSettings
) -> list[WorkResult]:
    from article_triage.store.ingest.feeds import parse_feed

    feed = parse_feed(text, base_url)
    if not feed.entries:
        raise IngestError("a feed without entries")
    results = []
    for entry in feed.entries:
        source = f"{display}#entry-{entry.index}"
        try:
            results.append(_feed_entry_result(source, entry, origin, settings))
        except IngestError as exc:
            results.append(WorkResult(source, error=str(exc)))
        except Exception as exc:  # one hostile entry fails alone, not the whole feed
            results.append(
                WorkResult(source, error=f"unexpected {type(exc).__name__}: {exc}"[:300])
            )
    for result in results:  # progress counts the feed once, at its last entry
        result.completes_input = result is results[-1]
    return results


def _feed_entry_result(
    source: str, entry: FeedEntry, origin: str, settings: WorkerSettings
) -> WorkResult:
    from article_triage.store.ingest.feeds import EXTRACTOR, EXTRACTOR_VERSION

    if entry.error:
        return WorkResult(source, error=entry.error)
    article = None
    error = None
    if entry.link and settings.fetch_feed_links and is_fetchable(entry.link):
        try:
            article = _fetch_entry_page(entry.link, origin, settings)
        except IngestError as exc:
            error = f"entry link {clean_url(entry.link)}: {exc}"
    if article is None and (entry.paragraphs or entry.title):
        article = ExtractedArticle(
            paragraphs=entry.paragraphs or [entry.title or ""],
            title=entry.title,
            url=entry.link,
            published=entry.published,
            extractor=EXTRACTOR,
            extractor_version=EXTRACTOR_VERSION,
        )
        # A link that is no address (javascript:) leaves the entry's place in its feed.
        provenance = {"source": clean_url(entry.link) or source, "feed_url": origin}
        _fill(article, provenance, entry.raw, "utf-8", settings)
    if article is None:
        return WorkResult(source, error=error or "feed entry without text")
    article.title = article.title or entry.title
    article.published = article.published or entry.published
    return WorkResult(source, article=article, completes_input=False)


def _fetch_entry_page(link: str, feed_url: str, settings: WorkerSettings) -> ExtractedArticle:
    from article_triage.store.ingest.extract import extract_html

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
    provenance = _fetched_provenance(link, fetched)
    provenance["feed_url"] = feed_url
    _fill(article, provenance, data, decoded.encoding, settings)
    return article
