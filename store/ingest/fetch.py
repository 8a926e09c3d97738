"""Fetching a URL with trafilatura's downloader: timeout, size cap, SSRF protection.

trafilatura's fetch_response returns None on failure and only logs why; the log
record is captured here so that the user reads the reason in one line.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from article_triage.store.db import utcnow
from article_triage.store.ingest.decode import format_size
from article_triage.store.ingest.model import IngestError


@dataclass
class Fetched:
    data: bytes
    status: int
    final_url: str
    content_type: str | None
    fetched_at: str
    fetch_ms: int


def is_fetchable(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _config(timeout: float, max_bytes: int, allow_private_addresses: bool):
    from trafilatura.settings import use_config

    config = use_config()
    # trafilatura reads DOWNLOAD_TIMEOUT with getint(): whole seconds, rounded up.
    config.set("DEFAULT", "DOWNLOAD_TIMEOUT", str(max(1, math.ceil(timeout))))
    config.set("DEFAULT", "MAX_FILE_SIZE", str(max_bytes))
    config.set("DEFAULT", "SSRF_PROTECTION", "off" if allow_private_addresses else "on")
    return config


def fetch(url: str, *, timeout: float, max_bytes: int, allow_private_addresses: bool) -> Fetched:
    """GET *url*; raises IngestError with the reason on anything but a 200 with content."""
    if not is_fetchable(url):
        raise IngestError("not an http(s) URL")
    from trafilatura.downloads import fetch_response

    capture = _Capture()
    loggers = [logging.getLogger("trafilatura.downloads"), logging.getLogger("trafilatura.utils")]
    for logger in loggers:
        logger.addHandler(capture)
    started = time.monotonic()
    fetched_at = utcnow()
    try:
        response = fetch_response(
            url, decode=False, config=_config(timeout, max_bytes, allow_private_addresses)
        )
    finally:
        for logger in loggers:
            logger.removeHandler(capture)
    elapsed_ms = round((time.monotonic() - started) * 1000)
    if response is None or response.data is None:
        raise IngestError(_reason(capture.messages, timeout, max_bytes))
    if response.status != 200:
        raise IngestError(f"HTTP {response.status}")
    if not response.data:
        raise IngestError("empty response")
    headers = response.headers or {}
    return Fetched(
        data=response.data,
        status=response.status,
        final_url=response.url or url,
        content_type=headers.get("content-type"),
        fetched_at=fetched_at,
        fetch_ms=elapsed_ms,
    )


def _reason(messages: list[str], timeout: float, max_bytes: int) -> str:
    text = " ".join(messages)
    lowered = text.lower()
    if "ssrf protection" in lowered:
        return "blocked: a private or loopback address (see --allow-private-addresses)"
    if "max_file_size" in lowered:
        return f"over the {format_size(max_bytes)} size limit"
    if "timed out" in lowered or "timeout" in lowered:
        return f"timed out after {timeout:g} s"
    if "connection refused" in lowered:
        return "unreachable: connection refused"
    if (
        "name or service not known" in lowered
        or "failed to resolve" in lowered
        or "nodename" in lowered
    ):
        return "unreachable: host name does not resolve"
    if "too many" in lowered and "error responses" in lowered:
        status = lowered.rsplit("too many ", 1)[-1].split(" error", 1)[0]
        return f"HTTP {status} (after retries)"
    if messages:
        last = messages[-1].split("\n", 1)[0]
        return f"download failed: {last[:200]}"
    return "download failed"
