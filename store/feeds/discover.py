"""From what a URL answered to the feed it is: a feed itself, or a page advertising one.

Sites name their feeds in ``<link rel="alternate" type="application/rss+xml" href=...>``
in the page head; ``feeds add`` accepts such a page and subscribes to its first feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from article_triage.store.ingest.decode import GZIP_MAGIC, DecodeError, decode_bytes, gunzip
from article_triage.store.ingest.model import IngestError

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/json",
    "application/xml",
    "text/xml",
)


@dataclass(frozen=True)
class FeedDocument:
    text: str
    encoding: str | None


def decode_document(data: bytes, content_type: str | None, max_bytes: int) -> FeedDocument:
    """Bytes as served (gzip or not, any charset) to text; IngestError says why not."""
    try:
        if data[:2] == GZIP_MAGIC:
            data = gunzip(data, max_bytes)
        decoded = decode_bytes(data, content_type)
    except DecodeError as exc:
        raise IngestError(str(exc)) from None
    return FeedDocument(decoded.text, decoded.encoding)


def is_feed(text: str) -> bool:
    from article_triage.store.ingest.feeds import looks_like_feed

    return looks_like_feed(text[:4000])


def advertised_feeds(html: str, base_url: str) -> list[str]:
    """The feed URLs a page advertises, in page order, absolute."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html[:2_000_000])
    except Exception:  # lxml raises several types on hostile markup: no feeds then
        return []
    base = base_url
    for element in root.iter("base"):
        if element.get("href"):
            base = urljoin(base_url, element.get("href"))
            break
    found: list[str] = []
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            url = urljoin(base, href)
            if url not in found:
                found.append(url)
    return found
