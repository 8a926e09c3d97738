"""The one door to the network for imports: every page and feed URL is fetched here.

What the door guarantees, for each URL:

- One deadline. ``timeout`` bounds the whole fetch: name resolution, connecting,
  the TLS handshake, every read, redirects, retries and Retry-After waits. A server
  that trickles one byte at a time cannot hold an import beyond it.
- Resolve, check, then connect to what was checked. The host name is resolved once;
  unless private addresses are allowed, every address it resolves to must be public,
  or nothing is connected at all (no TCP handshake with an internal host, and no
  message that tells an open port from a closed one). The connection goes to the
  checked address itself, so a second DNS answer cannot swap in another; the Host
  header and TLS server name stay the URL's. Each redirect is checked the same way.
- Certificates are verified. A bad certificate is a failure, never a fallback to an
  unverified connection.
- A size cap, checked against Content-Length and again while reading.

trafilatura's downloader does none of the first three (it checks the peer after
connecting, retries HTTPS unverified, and bounds each socket read rather than the
URL), so the request is made here with http.client over a socket we connect.
Proxies are not used: the checked address would be the proxy's.
"""

from __future__ import annotations

import email.utils
import http.client
import io
import ipaddress
import select
import socket
import ssl
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from article_triage.store.db import utcnow
from article_triage.store.ingest.decode import format_size
from article_triage.store.ingest.model import IngestError

USER_AGENT = "Mozilla/5.0 (compatible; article-triage; +https://github.com/article-triage)"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRIES = 2
BACKOFF_SECONDS = 0.5
"""First wait before retrying a 429/5xx without Retry-After; doubled each time."""
READ_CHUNK = 64 * 1024

BLOCKED = "blocked: a private or loopback address (see --allow-private-addresses)"
# NAT64 (RFC 6052): the IPv4 address in the last 32 bits is what is really reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass
class Fetched:
    data: bytes
    status: int
    final_url: str
    content_type: str | None
    fetched_at: str
    fetch_ms: int
    # For feed requests (store.feeds.refresh); see fetch()'s headers and pass_statuses.
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers, names lower-cased (ETag, Last-Modified, Retry-After...)."""
    moved_to: str | None = None
    """Where a chain of permanent redirects (301, 308) from the URL led, if it did."""


def is_fetchable(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises TimeoutError once none are."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_private_addresses: bool,
    headers: Mapping[str, str] | None = None,
    pass_statuses: Collection[int] = (),
) -> Fetched:
    """GET *url*; raises IngestError with the one-line reason on anything but a 200 with content.

    Feed requests add *headers* (validators such as If-None-Match, their own Accept and
    User-Agent) and name in *pass_statuses* the answers they handle themselves (304,
    410, 429, 503): those come back, bodiless and without retries, as a Fetched.
    """
    if not is_fetchable(url):
        raise IngestError("not an http(s) URL")
    deadline = _Deadline(timeout)
    started = time.monotonic()
    fetched_at = utcnow()
    try:
        status, final_url, content_type, data, answer = _follow(
            url, deadline, max_bytes, allow_private_addresses, headers or {}, pass_statuses
        )
    except TimeoutError:
        raise IngestError(f"timed out after {timeout:g} s") from None
    except ssl.SSLCertVerificationError as exc:
        raise IngestError(f"certificate not trusted: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise IngestError(f"TLS failed: {exc.reason or exc}") from None
    except socket.gaierror:
        raise IngestError("unreachable: host name does not resolve") from None
    except ConnectionRefusedError:
        raise IngestError("unreachable: connection refused") from None
    except http.client.HTTPException as exc:
        raise IngestError(f"not a valid HTTP response ({type(exc).__name__})") from None
    except OSError as exc:
        raise IngestError(f"unreachable: {exc.strerror or exc}") from None
    return Fetched(
        data=data,
        status=status,
        final_url=final_url,
        content_type=content_type,
        fetched_at=fetched_at,
        fetch_ms=round((time.monotonic() - started) * 1000),
        headers=answer.headers,
        moved_to=answer.moved_to,
    )


@dataclass
class _Answer:
    headers: dict[str, str] = field(default_factory=dict)
    moved_to: str | None = None
    still_permanent: bool = True


def _follow(
    url: str,
    deadline: _Deadline,
    max_bytes: int,
    allow_private: bool,
    extra_headers: Mapping[str, str],
    pass_statuses: Collection[int],
) -> tuple[int, str, str | None, bytes, _Answer]:
    """Redirects and retries, each request on its own checked connection."""
    redirects = retries = 0
    answer = _Answer()
    while True:
        response, connection = _request(url, deadline, allow_private, extra_headers)
        try:
            status = response.status
            answer.headers = {name.lower(): value for name, value in response.getheaders()}
            location = response.getheader("Location")
            if status in (301, 302, 303, 307, 308) and location:
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise IngestError(f"more than {MAX_REDIRECTS} redirects")
                url = urljoin(url, location.strip())
                if not is_fetchable(url):
                    raise IngestError("redirected to a URL that is not http(s)")
                # Only permanent hops from the start say the URL itself has moved.
                answer.still_permanent = answer.still_permanent and status in (301, 308)
                if answer.still_permanent:
                    answer.moved_to = url
                continue
            if status in pass_statuses:
                return status, url, response.getheader("Content-Type"), b"", answer
            if status in RETRY_STATUSES:
                if retries >= MAX_RETRIES:
                    raise IngestError(f"HTTP {status} (after retries)")
                wait = _retry_after(response.getheader("Retry-After"))
                wait = BACKOFF_SECONDS * 2**retries if wait is None else wait
                if wait >= deadline.remaining():
                    raise IngestError(
                        f"HTTP {status}; a retry in {wait:g} s would pass the "
                        f"{deadline.seconds:g} s timeout"
                    )
                retries += 1
                time.sleep(wait)
                continue
            if status != 200:
                raise IngestError(f"HTTP {status}")
            data = _read_body(response, deadline, max_bytes)
            if not data:
                raise IngestError("empty response")
            return status, url, response.getheader("Content-Type"), data, answer
        finally:
            response.close()
            connection.shutdown()


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _read_body(response: http.client.HTTPResponse, deadline: _Deadline, max_bytes: int) -> bytes:
    length = response.getheader("Content-Length")
    announced = int(length) if length and length.strip().isdigit() else None
    if announced is not None and announced > max_bytes:
        raise IngestError(f"{format_size(announced)}, over the {format_size(max_bytes)} size limit")
    body = bytearray()
    while chunk := response.read1(READ_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise IngestError(f"over the {format_size(max_bytes)} size limit")
        deadline.remaining()
    # read1 ends quietly when the connection closes early: a page cut short would be
    # stored as if whole (its last paragraphs missing, and nothing to say so).
    if announced is not None and len(body) < announced:
        raise IngestError(
            f"cut short: the server sent {format_size(len(body))} of the "
            f"{format_size(announced)} it announced"
        )
    return bytes(body)


# --- one request on a checked, pinned connection -----------------------------------------


def _request(
    url: str, deadline: _Deadline, allow_private: bool, extra_headers: Mapping[str, str]
) -> tuple[http.client.HTTPResponse, _PinnedConnection]:
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise IngestError("not a valid URL (bad port)") from None
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise IngestError("not a valid URL (bad host name)") from None
    addresses = _resolve(ascii_host, port, deadline)
    if not allow_private and not all(is_public_address(address[4][0]) for address in addresses):
        raise IngestError(BLOCKED)
    tls = ssl.create_default_context() if parts.scheme == "https" else None
    connection = _PinnedConnection(ascii_host, port, addresses, deadline, tls)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.putrequest("GET", _quote_target(path), skip_accept_encoding=True)
        connection.putheader("User-Agent", extra_headers.get("User-Agent", USER_AGENT))
        connection.putheader("Accept", extra_headers.get("Accept", ACCEPT))
        for name, value in extra_headers.items():
            if name not in ("User-Agent", "Accept"):
                connection.putheader(name, value)
        # gzip bodies are kept as they came and unpacked, size-capped, by store.ingest.read.
        connection.putheader("Accept-Encoding", "gzip")
        connection.putheader("Connection", "close")
        connection.endheaders()
        return connection.getresponse(), connection
    except BaseException:
        connection.shutdown()
        raise


def _quote_target(path: str) -> str:
    from urllib.parse import quote

    # Spaces and non-ASCII would be refused by http.client; reserved characters stay.
    return quote(path, safe="/%:@!$&'()*+,;=-._~?")


def is_public_address(text: str) -> bool:
    """Whether connecting to this IP address leaves the machine and its private networks."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone id
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address.teredo is not None:
            address = address.teredo[1]
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int, deadline: _Deadline) -> list[tuple]:
    """getaddrinfo, within the deadline (it has no timeout of its own)."""
    outcome: dict[str, object] = {}

    def resolve() -> None:
        try:
            outcome["addresses"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=resolve, name="ingest-resolve", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    addresses = outcome["addresses"]
    if not addresses:
        raise socket.gaierror("no address")
    return addresses  # type: ignore[return-value]


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses checked beforehand, never resolved again.

    ``host`` (the URL's) goes into the Host header and the TLS server name; the
    socket connects to one of ``addresses``. Every read and write is bounded by
    what is left of the deadline.
    """

    def __init__(
        self,
        host: str,
        port: int,
        addresses: list[tuple],
        deadline: _Deadline,
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__(host, port)
        self._addresses = addresses
        self._deadline = deadline
        self._tls = tls

    def shutdown(self) -> None:
        """Close the socket whatever still reads from it."""
        sock = self.sock
        self.close()
        if isinstance(sock, _DeadlineSocket):
            sock.shutdown()

    def connect(self) -> None:
        error: OSError | None = None
        for family, kind, proto, _name, sockaddr in self._addresses:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self._deadline.remaining())
                sock.connect(sockaddr)
                if self._tls is not None:
                    sock = self._handshake(sock)
            except ssl.SSLError:
                sock.close()
                raise  # a certificate problem is not cured by another address
            except OSError as exc:
                sock.close()
                if isinstance(exc, TimeoutError):
                    raise
                error = exc
                continue
            self.sock = _DeadlineSocket(sock, self._deadline)
            return
        raise error or OSError("no address to connect to")

    def _handshake(self, sock: socket.socket) -> ssl.SSLSocket:
        assert self._tls is not None
        tls_sock = self._tls.wrap_socket(
            sock, server_hostname=self.host, do_handshake_on_connect=False
        )
        # Non-blocking, so that a server trickling its handshake meets the deadline too.
        tls_sock.setblocking(False)
        while True:
            try:
                tls_sock.do_handshake()
                break
            except ssl.SSLWantReadError:
                select.select([tls_sock], [], [], self._deadline.remaining())
            except ssl.SSLWantWriteError:
                select.select([], [tls_sock], [], self._deadline.remaining())
        return tls_sock


class _DeadlineSocket:
    """A connected socket whose every read and write ends by the deadline.

    Like socket.socket, it stays open while a reader made by makefile() is open:
    http.client closes the connection as soon as the response takes it over.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline
        self._readers = 0
        self._closing = False

    def _arm(self) -> None:
        self._sock.settimeout(self._deadline.remaining())

    def sendall(self, data: bytes) -> None:
        self._arm()
        self._sock.sendall(data)

    def recv_into(self, buffer, nbytes: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_DeadlineReader(self))

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closing and self._readers <= 0:
            self._sock.close()

    def close(self) -> None:
        self._closing = True
        if self._readers <= 0:
            self._sock.close()

    def shutdown(self) -> None:
        """Close now, open readers or not (the fetch is over)."""
        self._readers = 0
        self.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._sock.reader_closed()
        super().close()
