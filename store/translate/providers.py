"""deep-translator's clients, made safe to run unattended: timeouts, language codes, errors.

deep-translator calls ``requests.get``/``requests.post`` with no timeout, so a
provider that accepts the connection and never answers blocks forever. Running a
call in a thread with a deadline would give control back but leave the thread
blocked on its socket for good, and patching ``requests`` itself would change
every other library in the process. Instead each provider module's own
``requests`` name is pointed at :class:`_RequestsWithTimeout`, which passes a
timeout (set per thread by :func:`call_provider`) to a per-thread session. The
socket then really gives up, the thread is free again, and code that uses
deep-translator outside this module is unchanged (no timeout is set there).

deep-translator reports HTTP failures as exceptions that drop the status code
(and LibreTranslator's 403 puts the API key in its message), so the wrapper also
records the last status code per thread; errors are classified from that and
from the exception type, and messages are written here, never copied from it.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from typing import Any

from article_triage.store.translate.codes import UnsupportedLanguage, provider_code
from article_triage.store.translate.packing import utf8_size
from article_triage.store.translate.settings import ProviderSettings, display_url, key_env_var

# The longest request each provider accepts (strictly under), in characters of text;
# for MyMemory in UTF-8 bytes, as its API documents ("max 500 bytes"). Google: the
# check in deep-translator. LibreTranslator and DeepL put the text in the URL's query
# string, so stay well below common request-line limits.
REQUEST_LIMITS = {"google": 5000, "mymemory": 500, "libre": 2000, "deepl": 4000, "microsoft": 5000}
LIMITS_IN_BYTES = {"mymemory"}

# A placeholder for LibreTranslate servers that need no key: deep-translator refuses
# to build a LibreTranslator without one, and such servers ignore it.
LIBRE_PLACEHOLDER_KEY = "none"


class ProviderError(Exception):
    """One failed call. ``kind`` says what to do about it; the message never holds a key."""

    RETRY = "retry"  # 429, 5xx: try again after a pause
    TIMEOUT = "timeout"  # no answer in time: one more try
    CONNECT = "connect"  # cannot connect: one more try, then the provider is down
    AUTH = "auth"  # key missing or rejected: stop the run
    BAD_ANSWER = "bad-answer"  # malformed or empty answer: this text fails
    UNSUPPORTED = "unsupported"  # language pair not offered: this article fails

    def __init__(self, kind: str, message: str, status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status

    @property
    def fatal(self) -> bool:
        """Whether the whole run should stop: nothing else would get through either."""
        return self.kind in (self.TIMEOUT, self.CONNECT, self.AUTH) or (
            self.kind == self.RETRY and self.status == 429
        )


class _RequestsWithTimeout:
    """Stands in for the ``requests`` module inside deep_translator's provider modules."""

    def __init__(self) -> None:
        import requests

        self._requests = requests
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._requests, name)

    def configure(self, timeout: float | None) -> None:
        """Timeout for requests made from this thread (None: deep-translator's own behaviour)."""
        self._local.timeout = timeout
        self._local.status = None
        self._local.error = None

    @property
    def last_status(self) -> int | None:
        return getattr(self._local, "status", None)

    @property
    def last_error(self) -> BaseException | None:
        """The transport error of this thread's last request; MicrosoftTranslator swallows it."""
        return getattr(self._local, "error", None)

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        timeout = getattr(self._local, "timeout", None)
        if timeout is None:
            return getattr(self._requests, method)(url, **kwargs)
        session = getattr(self._local, "session", None)
        if session is None:
            # One session per thread: keep-alive saves a TCP (and TLS) handshake per request.
            session = self._local.session = self._requests.Session()
        kwargs.setdefault("timeout", timeout)
        # requests' timeout bounds each wait for a byte, not the answer: a server sending
        # a byte a second would hold a request as many seconds as its answer has bytes.
        # The body is read here against one deadline for the whole request instead.
        deadline = time.monotonic() + timeout
        kwargs["stream"] = True
        try:
            response = session.request(method.upper(), url, **kwargs)
            self._local.status = response.status_code
            response._content = _read_within(response, deadline, self._requests)
        except self._requests.exceptions.RequestException as exc:
            self._local.error = exc
            raise
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._send("get", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self._send("post", url, **kwargs)


def _read_within(response: Any, deadline: float, requests: Any) -> bytes:
    """The whole body of a streamed *response*, or ReadTimeout once *deadline* passes."""
    import urllib3

    raw = response.raw
    # read1 (urllib3 2) returns what has arrived; read(n) waits for n bytes.
    read1 = getattr(raw, "read1", None) or (lambda _n, decode_content: raw.read(1, decode_content))
    chunks = []
    try:
        while True:
            if time.monotonic() >= deadline:
                raise requests.exceptions.ReadTimeout("the answer did not end in time")
            chunk = read1(65536, decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError as exc:
        response.close()
        raise requests.exceptions.ReadTimeout(str(exc)) from None
    except urllib3.exceptions.HTTPError as exc:
        response.close()
        raise requests.exceptions.ConnectionError(str(exc)) from None
    except BaseException:
        response.close()  # the rest may still be on its way: never reuse this connection
        raise
    response._content_consumed = True
    raw.release_conn()
    return b"".join(chunks)


_PROVIDER_MODULES = {
    "google": "deep_translator.google",
    "deepl": "deep_translator.deepl",
    "microsoft": "deep_translator.microsoft",
    "libre": "deep_translator.libre",
    "mymemory": "deep_translator.mymemory",
}
_install_lock = threading.Lock()
_http: _RequestsWithTimeout | None = None


def _http_wrapper() -> _RequestsWithTimeout:
    global _http
    with _install_lock:
        if _http is None:
            wrapper = _RequestsWithTimeout()
            for module_name in _PROVIDER_MODULES.values():
                importlib.import_module(module_name).requests = wrapper
            _http = wrapper
        return _http


# --- building clients and calling them ---------------------------------------------------


def _base_url(url: str) -> str:
    # LibreTranslator appends "translate" to the base URL as given.
    return url if url.endswith("/") else url + "/"


def _make_client(settings: ProviderSettings, source: str, target: str) -> Any:
    name = settings.name
    if name == "google":
        from deep_translator import GoogleTranslator

        return GoogleTranslator(source=source, target=target)
    if name == "mymemory":
        from deep_translator import MyMemoryTranslator

        return MyMemoryTranslator(source=source, target=target)
    if name == "deepl":
        from deep_translator import DeeplTranslator

        key = settings.api_key or ""
        # Free-plan DeepL keys end in ":fx" and must use the free endpoint.
        return DeeplTranslator(
            source=source, target=target, api_key=key, use_free_api=key.endswith(":fx")
        )
    if name == "microsoft":
        from deep_translator import MicrosoftTranslator

        client = MicrosoftTranslator(
            source="auto", target="en", api_key=settings.api_key, region=settings.region
        )
    elif name == "libre":
        from deep_translator import LibreTranslator

        client = LibreTranslator(
            source="en",
            target="en",
            api_key=settings.api_key or LIBRE_PLACEHOLDER_KEY,
            custom_url=_base_url(settings.url or ""),
        )
    else:
        raise ProviderError(ProviderError.AUTH, f"unknown translation provider {name!r}")
    # Past deep-translator's language table (Libre's lacks uk and kk; Microsoft's is
    # fetched at run time): the setters take the provider's code as it is.
    client.source = source
    client.target = target
    return client


class ProviderClient:
    """Calls one provider for one language pair, from any thread; one client per thread."""

    def __init__(self, settings: ProviderSettings, source: str, target: str):
        self.settings = settings
        self.source = source
        self.target = target
        self.limit = REQUEST_LIMITS[settings.name]
        self.size: Callable[[str], int] = utf8_size if settings.name in LIMITS_IN_BYTES else len
        self._local = threading.local()

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = _make_client(self.settings, self.source, self.target)
        return client

    def translate(self, text: str) -> str:
        """One HTTP call (no retry here); raises ProviderError."""
        http = _http_wrapper()
        http.configure(self.settings.timeout)
        try:
            answer = self._client().translate(text)
        except ProviderError:
            raise
        except Exception as exc:
            raise classify(http.last_error or exc, http.last_status, self.settings) from None
        if not isinstance(answer, str) or not answer.strip():
            raise ProviderError(ProviderError.BAD_ANSWER, f"{self.settings.name} returned no text")
        return answer


def where(settings: ProviderSettings) -> str:
    """The provider for messages: its name and, for a self-hosted one, the URL (no credentials)."""
    return f"{settings.name} at {display_url(settings.url)}" if settings.url else settings.name


def classify(exc: BaseException, status: int | None, settings: ProviderSettings) -> ProviderError:
    """Turn whatever deep-translator or requests raised into a ProviderError with our message."""
    import requests
    from deep_translator import exceptions as dt

    name = where(settings)
    if isinstance(exc, requests.exceptions.Timeout):
        return ProviderError(
            ProviderError.TIMEOUT, f"{name} did not answer within {settings.timeout:g} s"
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        return ProviderError(ProviderError.CONNECT, f"cannot reach {name}")
    if isinstance(exc, dt.ApiKeyException):
        return ProviderError(
            ProviderError.AUTH,
            f"{settings.name} needs an API key: set {key_env_var(settings.name)}",
        )
    if isinstance(exc, dt.AuthorizationException) or status in (401, 402, 403):
        return ProviderError(ProviderError.AUTH, f"{name} rejected the API key", status)
    if isinstance(exc, dt.TooManyRequests) or status == 429:
        return ProviderError(ProviderError.RETRY, f"{name} is rate-limiting requests", 429)
    if status is not None and status >= 500:
        return ProviderError(
            ProviderError.RETRY, f"{name} answered with server error {status}", status
        )
    if isinstance(exc, dt.LanguageNotSupportedException | UnsupportedLanguage):
        return ProviderError(
            ProviderError.UNSUPPORTED, f"{settings.name} does not offer this language pair"
        )
    if status is not None and not 200 <= status < 300:
        return ProviderError(
            ProviderError.BAD_ANSWER, f"{name} answered with HTTP {status}", status
        )
    if isinstance(exc, ValueError | KeyError | TypeError | AttributeError | dt.TranslationNotFound):
        return ProviderError(
            ProviderError.BAD_ANSWER, f"{name} sent an answer that is not a translation"
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return ProviderError(ProviderError.CONNECT, f"cannot reach {name} ({type(exc).__name__})")
    return ProviderError(ProviderError.BAD_ANSWER, f"{name} failed ({type(exc).__name__})")


def client_factory(settings: ProviderSettings) -> Callable[[str, str], ProviderClient]:
    """A function giving the client for a (source, target) pair of ISO codes, mapped per provider."""
    clients: dict[tuple[str, str], ProviderClient] = {}
    lock = threading.Lock()

    def get(source: str, target: str) -> ProviderClient:
        pair = (provider_code(settings.name, source), provider_code(settings.name, target))
        with lock:
            if pair not in clients:
                clients[pair] = ProviderClient(settings, *pair)
            return clients[pair]

    return get
