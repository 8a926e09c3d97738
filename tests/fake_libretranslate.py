"""A LibreTranslate-compatible HTTP server on 127.0.0.1 for tests and the benchmark.

It also serves ``GET /m`` like Google's mobile page that deep-translator's
GoogleTranslator scrapes and ``GET /get`` like MyMemory's API, so those providers'
paths can be tested offline: point ``deep_translator.constants.BASE_URLS``
``["GOOGLE_TRANSLATE"]`` at ``url + "m"`` or ``["MYMEMORY"]`` at ``url + "get"``.

It answers ``POST /translate`` (fields q, source, target, format, api_key, from the
query string as deep-translator sends them, or a form or JSON body as the real
server also accepts) with ``{"translatedText": ...}`` and ``GET /languages``. The
translation is deterministic and reversible: every line becomes ``"[<target>] " + line``.

Switches on :class:`FakeLibreTranslate` make it misbehave: per-request latency,
the next N requests answered 429 or 500, hanging requests, malformed JSON, merged
or dropped lines, a required API key, a lower size limit (413) and languages it
lacks (400). ``closed_url()`` gives an address where nothing listens (connection
refused).

Other test modules use it through the ``fake_libre`` fixture factory::

    import fake_libretranslate  # tests/ is on sys.path

    fake_libre = fake_libretranslate.fake_libre  # makes the fixture available here

    def test_something(fake_libre):
        server = fake_libre(latency=0.01)
        ... LibreTranslator(custom_url=server.url, ...) ...
"""

from __future__ import annotations

import html
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

LANGUAGES = ["en", "uk", "ru", "kk", "de", "zh", "pl", "fr", "es"]


def fake_translation(text: str, target: str) -> str:
    """What the server answers for *text*: each line prefixed with the target language."""
    return "\n".join(f"[{target}] {line}" if line.strip() else line for line in text.split("\n"))


def original_of(translation: str, target: str = "en") -> str:
    """The inverse of :func:`fake_translation`."""
    prefix = f"[{target}] "
    return "\n".join(line.removeprefix(prefix) for line in translation.split("\n"))


class FakeLibreTranslate:
    """The server and its switches; thread-safe, since requests are served in threads."""

    def __init__(
        self,
        latency: float = 0.0,
        fail_429: int = 0,
        fail_500: int = 0,
        hang: int = 0,
        malformed: int = 0,
        merge_lines: bool = False,
        drop_last_line: bool = False,
        api_key: str | None = None,
        glossary: dict[str, str] | None = None,
        max_chars: int | None = None,
        unsupported: tuple[str, ...] = (),
        trickle: float = 0.0,
    ):
        self.latency = latency
        self.fail_429 = fail_429
        """The next this many translate requests get 429."""
        self.fail_500 = fail_500
        self.hang = hang
        """The next this many translate requests never get an answer (until shutdown)."""
        self.malformed = malformed
        self.merge_lines = merge_lines
        """Join each pair of lines of a multi-line request into one (as some MT engines do)."""
        self.drop_last_line = drop_last_line
        self.api_key = api_key
        """When set, requests without this key get 403."""
        self.max_chars = max_chars
        """Requests with a longer q get 413, like a server with a lower size limit."""
        self.unsupported = unsupported
        """Source languages answered with 400, as LibreTranslate does for ones it lacks."""
        self.trickle = trickle
        """Seconds between the bytes of a translate answer's body, sent one at a time (a
        server that never stops answering, so a per-read timeout never fires)."""
        self.glossary = dict(glossary or {})
        """Lines translated as given here instead of by prefixing (for search tests)."""
        self.requests = 0
        """Translate requests received, answered or not."""
        self.fields: list[dict[str, str]] = []
        """The fields of every translate request (q, source, target, format, api_key)."""
        self.in_flight = 0
        self.max_in_flight = 0
        """The most translate requests being served at once."""
        self.texts: list[str] = []
        """The q of every translate request, in arrival order."""
        self.lines_seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeLibreTranslate:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def reset_counts(self) -> None:
        with self._lock:
            self.requests = 0
            self.texts.clear()
            self.lines_seen.clear()
            self.fields.clear()
            self.max_in_flight = 0

    def _take(self, switch: str) -> bool:
        """Use up one of the next-N-requests switches, if any is left."""
        with self._lock:
            left = getattr(self, switch)
            if left > 0:
                setattr(self, switch, left - 1)
                return True
            return False

    def respond(self, fields: dict[str, str]) -> tuple[int, bytes] | None:
        """(status, body) for one translate request, or None to hang."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._respond(fields)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _respond(self, fields: dict[str, str]) -> tuple[int, bytes] | None:
        """LibreTranslate's answer: JSON."""
        text = fields.get("q", "")
        with self._lock:
            self.requests += 1
            self.texts.append(text)
            self.fields.append(dict(fields))
            self.lines_seen.update(text.split("\n"))
        if self.latency:
            time.sleep(self.latency)
        if self._take("hang"):
            self._released.wait(60)
            return None
        if self.api_key is not None and fields.get("api_key") != self.api_key:
            return 403, json.dumps({"error": "Invalid API key"}).encode()
        if self._take("fail_429"):
            return 429, json.dumps({"error": "Slowdown: 1 per 1 second"}).encode()
        if self._take("fail_500"):
            return 500, json.dumps({"error": "internal error"}).encode()
        if self.max_chars is not None and len(text) > self.max_chars:
            return 413, json.dumps({"error": "Request too large"}).encode()
        if fields.get("source") in self.unsupported:
            message = f"{fields['source']} is not supported"
            return 400, json.dumps({"error": message}).encode()
        if self._take("malformed"):
            return 200, b'{"translatedText": "unterminated'
        body = {"translatedText": self.translate(fields.get("q", ""), fields.get("target", "en"))}
        return 200, json.dumps(body, ensure_ascii=False).encode()

    def translate(self, text: str, target: str) -> str:
        """The deterministic translation, with the line-merging switches applied."""
        lines = [
            self.glossary.get(line) or fake_translation(line, target) for line in text.split("\n")
        ]
        if self.merge_lines and len(lines) > 1:
            lines = [" ".join(lines[i : i + 2]) for i in range(0, len(lines), 2)]
        if self.drop_last_line and len(lines) > 1:
            lines = lines[:-1]
        return "\n".join(lines)

    def respond_mymemory(self, fields: dict[str, str]) -> tuple[int, bytes] | None:
        """MyMemory's ``GET /get?q=...&langpair=uk-UA|en-GB``, which MyMemoryTranslator calls."""
        source, _, target = fields.get("langpair", "").partition("|")
        answer = self.respond(
            {"q": fields.get("q", ""), "source": source, "target": target, "format": "text"}
        )
        if answer is None or answer[0] != 200:
            return answer
        try:
            text = json.loads(answer[1])["translatedText"]
        except ValueError:
            return answer
        body = {"responseData": {"translatedText": text, "match": 1}, "matches": []}
        return 200, json.dumps(body, ensure_ascii=False).encode()

    def respond_google(self, fields: dict[str, str]) -> tuple[int, bytes] | None:
        """Google's mobile page (translate.google.com/m), which GoogleTranslator scrapes."""
        answer = self.respond(
            {
                "q": fields.get("q", ""),
                "target": fields.get("tl", "en"),
                "source": fields.get("sl", "auto"),
                "format": "html",
            }
        )
        if answer is None or answer[0] != 200:
            return answer
        try:
            text = json.loads(answer[1])["translatedText"]
        except ValueError:  # the malformed switch: a page without the result
            return 200, b"<html><body><div>Nothing here</div></body></html>"
        page = f'<html><body><div class="result-container">{html.escape(text)}</div></body></html>'
        return 200, page.encode()


def _handler_for(fake: FakeLibreTranslate) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server offers

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def _reply(self, status: int, body: bytes, trickle: float = 0.0) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not trickle:
                self.wfile.write(body)
                return
            for index in range(len(body)):
                if fake._released.is_set():
                    return
                try:
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                time.sleep(trickle)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path.rstrip("/") == "/get":
                fields = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                answer = fake.respond_mymemory(fields)
                if answer is None:
                    self.close_connection = True
                    return
                self._reply(*answer)
            elif parts.path.rstrip("/") == "/m":
                fields = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                answer = fake.respond_google(fields)
                if answer is None:
                    self.close_connection = True
                    return
                self._reply(*answer)
            elif parts.path.rstrip("/") == "/languages":
                languages = [
                    {"code": c, "name": c, "targets": [t for t in LANGUAGES if t != c]}
                    for c in LANGUAGES
                ]
                self._reply(200, json.dumps(languages).encode())
            else:
                self._reply(404, b'{"error": "not found"}')

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if parts.path.rstrip("/") != "/translate":
                self._reply(404, b'{"error": "not found"}')
                return
            fields = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if raw:
                if "json" in (self.headers.get("Content-Type") or ""):
                    fields.update(json.loads(raw))
                else:
                    body = parse_qs(raw.decode(), keep_blank_values=True)
                    fields.update({k: v[0] for k, v in body.items()})
            answer = fake.respond(fields)
            if answer is None:
                self.close_connection = True
                return
            self._reply(*answer, trickle=fake.trickle)

    return Handler


def closed_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@contextmanager
def running(**switches: object) -> Iterator[FakeLibreTranslate]:
    server = FakeLibreTranslate(**switches).start()  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_libre():
    """A factory: ``fake_libre(**switches)`` starts a server, stopped after the test."""
    servers: list[FakeLibreTranslate] = []

    def start(**switches: object) -> FakeLibreTranslate:
        server = FakeLibreTranslate(**switches).start()  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
