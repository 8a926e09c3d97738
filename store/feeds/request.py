"""One feed request: conditional, identifiable, through the import's one network door.

Every request goes through store.ingest.fetch.fetch (its whole-URL deadline, its
SSRF checks and pinning); this module only says what a feed reader adds: the
validators it stored, an Accept naming feed types, a User-Agent with the version,
and which answers it handles itself instead of failing (304, 410, 429, 5xx).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from article_triage.store.ingest.fetch import Fetched, fetch

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.5, */*;q=0.1"
)
# Answered without a body and without retries inside the request: the schedule
# decides when to ask again (Retry-After, back-off), not a loop in this request.
HANDLED_STATUSES = frozenset({304, 410, 429, 500, 502, 503, 504})
HOMEPAGE = "https://github.com/article-triage/article-triage"


@cache
def user_agent() -> str:
    """``article-triage/<version> (...)``: servers can tell who asks and how to reach us."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("article-triage")
    except PackageNotFoundError:
        number = "dev"
    return f"article-triage/{number} (feed reader; +{HOMEPAGE})"


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FeedResponse:
    status: int
    final_url: str
    data: bytes
    content_type: str | None
    moved_to: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    conditional: bool = False
    """Whether validators were sent."""

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("etag"), self.headers.get("last-modified"))


def request_feed(
    url: str,
    validators: Validators | None,
    *,
    timeout: float,
    max_bytes: int,
    allow_private_addresses: bool,
) -> FeedResponse:
    """GET a feed, conditionally when *validators* are given; raises IngestError on failure."""
    headers = {"User-Agent": user_agent(), "Accept": FEED_ACCEPT}
    conditional = validators.headers() if validators is not None else {}
    headers.update(conditional)
    fetched: Fetched = fetch(
        url,
        timeout=timeout,
        max_bytes=max_bytes,
        allow_private_addresses=allow_private_addresses,
        headers=headers,
        pass_statuses=HANDLED_STATUSES,
    )
    return FeedResponse(
        status=fetched.status,
        final_url=fetched.final_url,
        data=fetched.data,
        content_type=fetched.content_type,
        moved_to=fetched.moved_to,
        headers=fetched.headers,
        conditional=bool(conditional),
    )
