"""From what a URL answered to the feed it is: a feed itself, or a page advertising one.

Sites name their feeds in ``<link rel="alternate" type="application/rss+xml" href=...>``
in the page head; ``feeds add`` accepts such a page and subscribes to its first feed.
"""

from __future__ import annotations

import re
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


_ROOT_RE = re.compile(r"<(?:[\w-]+:)?(rss|feed|RDF)[\s>]")
_TRAILING_MISC_RE = re.compile(r"(?:\s*(?:<!--.*?-->|<\?.*?\?>))+\s*$", re.S)
_LAST_CLOSE_RE = re.compile(r"</(?:[\w.-]+:)?([\w.-]+)\s*>\s*$")


def is_truncated(text: str) -> bool:
    """Whether an XML feed stops before its root element closes (a cut-off transfer).

    lxml's recovering parser would make entries of what is there, and a half entry
    remembered as seen would keep the whole one out for good: such a feed fails and
    is fetched again later instead. JSON feeds fail to parse when cut, so say no here.
    """
    head = text.lstrip()[:4000]
    if head.startswith("{"):
        return False
    root = _ROOT_RE.search(head)
    # Caches append comments after the root ("<!-- generated in 0.2 s -->"): not a cut.
    tail = _TRAILING_MISC_RE.sub("", text[-4000:])
    last = _LAST_CLOSE_RE.search(tail[-500:])
    return root is None or last is None or last.group(1) != root.group(1)


# A page that advertises more feeds than this is not listing its own: only the first is
# ever fetched, and the rest are kept for what a message quotes.
MAX_ADVERTISED = 100


def advertised_feeds(html: str, base_url: str) -> list[str]:
    """The feed URLs a page advertises, in page order, absolute, at most MAX_ADVERTISED.

    A hostile page of 2 MB holds about 30,000 feed links; seen links are kept in a
    dict, not searched in the list (that took 3.7 s of CPU on such a page)."""
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
    found: dict[str, None] = {}
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            found.setdefault(urljoin(base, href))
            if len(found) >= MAX_ADVERTISED:
                break
    return list(found)


@dataclass(frozen=True)
class FoundFeed:
    url: str
    """The feed's own URL (where a permanent redirect led, or what a page advertised)."""
    title: str | None
    site_url: str | None
    via_page: str | None = None
    """The page that advertised the feed, when the analyst named a page."""


def find_feed_at(
    url: str, *, timeout: float, max_bytes: int, allow_private_addresses: bool
) -> FoundFeed:
    """The feed at *url*, or the first one the page at *url* advertises; IngestError if none."""
    from article_triage.store.feeds.request import request_feed
    from article_triage.store.ingest.feeds import parse_feed

    def get(target: str) -> tuple[str, str, str]:
        """(the URL to keep, the URL answered from, the text)."""
        response = request_feed(
            target,
            None,
            timeout=timeout,
            max_bytes=max_bytes,
            allow_private_addresses=allow_private_addresses,
        )
        if response.status != 200:
            raise IngestError(f"HTTP {response.status}")
        text = decode_document(response.data, response.content_type, max_bytes).text
        return response.moved_to or target, response.final_url, text

    where, answered_from, text = get(url)
    via = None
    if not is_feed(text):
        pages = advertised_feeds(text, answered_from)
        if not pages:
            raise IngestError("neither a feed nor a page that advertises one")
        via = where
        where, answered_from, text = get(pages[0])
        if not is_feed(text):
            raise IngestError(f"the page advertises {pages[0]}, which is not a feed")
    # A feed cut before its root closes would still parse (lxml recovers): its title and
    # link would be guesses from half a document, so it fails like a refresh would.
    if is_truncated(text):
        raise IngestError("the feed stops before its end (a cut-off transfer)")
    feed = parse_feed(text, answered_from, max_entries=0)
    return FoundFeed(where, feed.title, feed.link or via, via)
