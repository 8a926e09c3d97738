"""The values passed between the ingest stages (and across the worker processes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from article_triage.store.settings import Settings


class IngestError(Exception):
    """One input cannot be imported; the message is the one line the user sees."""


@dataclass
class ExtractedArticle:
    """An article as read from one input, ready to be stored."""

    paragraphs: list[str]
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    url: str | None = None
    published: str | None = None
    extractor: str | None = None
    extractor_version: str | None = None
    language: str = "und"
    simhash: int | None = None
    # provenance, filled in by the stage that read the bytes
    source: str | None = None
    final_url: str | None = None
    capture: bytes | None = field(default=None, repr=False)
    """The raw bytes, zlib-compressed by the worker so the writing process only stores them."""
    capture_size: int = 0
    raw_sha256: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    http_status: int | None = None
    fetched_at: str | None = None
    fetch_ms: int | None = None
    feed_url: str | None = None
    canonical_claim: str | None = None
    """A fetched page's canonical URL on another site than the one fetched: what the page
    claims to be, kept, never taken as its publisher."""

    def columns(self) -> dict[str, object]:
        """The article columns for store.articles.insert_article."""
        return {
            "source": self.source,
            "url": self.url,
            "final_url": self.final_url,
            "title": self.title,
            "author": self.author,
            "sitename": self.sitename,
            "hostname": self.hostname,
            "published": self.published,
            "language": self.language,
            "raw_sha256": self.raw_sha256,
            "simhash": self.simhash,
            "extractor": self.extractor,
            "extractor_version": self.extractor_version,
            "content_type": self.content_type,
            "encoding": self.encoding,
            "http_status": self.http_status,
            "fetched_at": self.fetched_at,
            "fetch_ms": self.fetch_ms,
            "feed_url": self.feed_url,
            "canonical_claim": self.canonical_claim,
        }


@dataclass
class ImportOptions:
    allow_private_addresses: bool = False
    """Let URLs (and feed links) reach loopback and private networks; off: SSRF protection."""
    timeout: float = 20.0
    """Seconds for the whole fetch of one URL: redirects, retries and Retry-After waits included."""
    max_bytes: int = 20 * 1024 * 1024
    """Inputs (and pages fetched, and gzip contents) over this size fail."""
    workers: int | None = None
    """Processes for decode + extract + language detection; None = os.cpu_count()."""
    languages: tuple[str, ...] | None = None
    """ISO 639-1 codes for language detection; None = the default set."""
    fetch_feed_links: bool = True
    """Fetch the page each feed entry links to; off: build entries from the feed alone."""
    registry_path: str | None = None
    """The user's outlet registry that detection at import applies; None = the default
    user file (``from_config`` fills in the one the settings name)."""

    @classmethod
    def from_config(cls, settings: Settings, **overrides: Any) -> ImportOptions:
        """Options as *settings* set them (``[ingest] languages``, ``[outlets] registry``),
        then *overrides*."""
        from article_triage.store.outlets.registry import user_registry_path

        values: dict[str, Any] = {
            "languages": settings.ingest.languages,
            "registry_path": str(user_registry_path(settings)),
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class ImportOutcome:
    source: str
    """Path, URL, "-" or "feed#entry-n"."""
    status: str
    """"imported" | "duplicate" | "near-duplicate" | "failed"."""
    article_id: int | None = None
    duplicate_of: int | None = None
    title: str | None = None
    reason: str | None = None
    """One line: why it failed, what it duplicates, or a note on an imported article."""
    completes_input: bool = True
    """False for all but the last entry of a feed: progress counts inputs, not entries."""

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "status": self.status,
            "article_id": self.article_id,
            "duplicate_of": self.duplicate_of,
            "title": self.title,
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    failed: int = 0
    failures: list[ImportOutcome] = field(default_factory=list)
    """Kept in full; successes are only counted."""
    interrupted: bool = False
    """A stop was asked for before every input was read."""

    def add(self, outcome: ImportOutcome) -> None:
        if outcome.status == "imported":
            self.imported += 1
        elif outcome.status == "duplicate":
            self.duplicates += 1
        elif outcome.status == "near-duplicate":
            self.near_duplicates += 1
        else:
            self.failed += 1
            self.failures.append(outcome)

    def counts(self) -> dict[str, int]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "failed": self.failed,
        }
