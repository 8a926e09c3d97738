"""A small threaded HTTP server on 127.0.0.1 that serves given paths, bytes and statuses.

For URL and feed import tests (trafilatura's fetcher reaches it only with SSRF
protection turned off, which is what ``--allow-private-addresses`` does)::

    import loopback_server  # tests/ is on sys.path

    loopback = loopback_server.loopback  # makes the fixture available here

    def test_fetch(loopback):
        loopback.add("/page.html", b"<html>...</html>", content_type="text/html; charset=utf-8")
        url = loopback.url("/page.html")
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    redirect_to: str | None = None
    delay: float = 0.0
    trickle: float = 0.0
    """Seconds between body bytes, sent one at a time (a slow-read attack on the client)."""
    # A feed server's manners (tests/test_feeds_refresh.py): validators answered with 304,
    # and gzip for clients that accept it.
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    claimed_length: int | None = None
    """The Content-Length to announce instead of the body's (a server that lies)."""


class LoopbackServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """*tls*: serve HTTPS with this server context (its certificate) instead of HTTP."""
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.hosts: list[str | None] = []
        """The Host header of every request, in order."""
        self.scheme = "https" if tls is not None else "http"
        self.requests: list[tuple[str, dict[str, str]]] = []
        """(path, request headers) of every request, in order."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                server.hosts.append(self.headers.get("Host"))
                route = server.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                server.requests.append((path, dict(self.headers.items())))
                if route.delay:
                    time.sleep(route.delay)
                if _not_modified(route, self.headers):
                    self.send_response(304)
                    _send_validators(self, route)
                    self.end_headers()
                    return
                if route.redirect_to:
                    self.send_response(route.status if 300 <= route.status < 400 else 302)
                    self.send_header("Location", route.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                _send_validators(self, route)
                body = route.body
                if route.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                claimed = route.claimed_length
                self.send_header("Content-Length", str(len(body) if claimed is None else claimed))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if not route.trickle:
                        self.wfile.write(body)
                        return
                    for index in range(len(body)):
                        self.wfile.write(body[index : index + 1])
                        self.wfile.flush()
                        time.sleep(route.trickle)

            def log_message(self, format: str, *args: object) -> None:  # quiet tests
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            # Each accepted connection does its handshake in its handler thread.
            self._httpd.socket = tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
            # A client refusing the certificate is what the HTTPS tests expect: no traceback.
            self._httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.port = self._httpd.server_address[1]
        # a short poll interval: shutdown() waits for it at every test's teardown
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def add(self, path: str, body: bytes | str = b"", **route: object) -> str:
        """Serve *body* at *path* (str bodies are UTF-8); returns the full URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **route)  # type: ignore[arg-type]
        return self.url(path)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _not_modified(route: Route, headers) -> bool:
    if route.status != 200 or route.redirect_to:
        return False
    if route.etag and headers.get("If-None-Match"):
        return route.etag in [tag.strip() for tag in headers["If-None-Match"].split(",")]
    return bool(route.last_modified) and headers.get("If-Modified-Since") == route.last_modified


def _send_validators(handler: BaseHTTPRequestHandler, route: Route) -> None:
    if route.etag:
        handler.send_header("ETag", route.etag)
    if route.last_modified:
        handler.send_header("Last-Modified", route.last_modified)


def closed_port_url(path: str = "/") -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@pytest.fixture
def loopback():
    server = LoopbackServer()
    yield server
    server.close()


@pytest.fixture
def resolver(monkeypatch):
    """socket.getaddrinfo answering made-up names with loopback addresses; records every
    name asked. ``answers["news.test"] = ["127.0.0.1"]``; other names resolve as usual."""
    answers: dict[str, list[str]] = {}
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host in answers:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, asked
