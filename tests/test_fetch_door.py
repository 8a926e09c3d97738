"""The one door to the network (store/ingest/fetch.py), tried against servers on 127.0.0.1.

Each test here failed on the trafilatura-based fetcher: it fell back to an unverified
connection on a bad certificate, bounded each socket read instead of the URL, and
connected to an address before checking it.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import time

import loopback_server
import pytest
from hypothesis import given
from hypothesis import strategies as st

from article_triage.store.ingest import fetch as fetch_module
from article_triage.store.ingest.fetch import BLOCKED
from tests.test_ingest_files import PAGE, run_import

loopback = loopback_server.loopback
resolver = loopback_server.resolver

# Loose: the deadline is 2 s; the old fetcher took 50 s (one byte every 0.5 s, 100 bytes).
WELL_BEFORE_THE_OLD_FETCHER = 10.0


def _certificate(tmp_path, name: str, san: str) -> tuple[str, str]:
    """A self-signed certificate and key (PEM) made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate (and no cryptography)")
    cert, key = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@pytest.fixture
def https_server(tmp_path):
    cert, key = _certificate(tmp_path, "pinned.test", "DNS:pinned.test,IP:127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = loopback_server.LoopbackServer(tls=context)
    server.certificate = cert
    yield server
    server.close()


# --- certificates -------------------------------------------------------------------------


def test_a_bad_certificate_fails_and_a_good_one_on_the_pinned_address_passes(
    db, https_server, resolver, monkeypatch
):
    https_server.add("/page.html", PAGE)
    url = https_server.url("/page.html")
    report, outcomes = run_import(db, [url], allow_private_addresses=True)
    assert report.failed == 1 and report.imported == 0
    assert outcomes[0].reason.startswith("certificate not trusted"), outcomes[0].reason
    assert https_server.hits["/page.html"] == 0  # nothing was sent over the bad connection

    # Trusted, and reached by a name that resolves (once) to the checked address: the
    # TLS server name and the Host header are the URL's, not the address's.
    monkeypatch.setenv("SSL_CERT_FILE", https_server.certificate)
    answers, asked = resolver
    answers["pinned.test"] = ["127.0.0.1"]
    named = f"https://pinned.test:{https_server.port}/page.html"
    report, outcomes = run_import(db, [named], allow_private_addresses=True)
    assert report.imported == 1, outcomes
    assert asked.count("pinned.test") == 1
    assert https_server.hosts == [f"pinned.test:{https_server.port}"]


def test_a_certificate_for_another_name_fails(db, https_server, resolver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", https_server.certificate)
    answers, _ = resolver
    answers["other.test"] = ["127.0.0.1"]
    https_server.add("/page.html", PAGE)
    report, outcomes = run_import(
        db, [f"https://other.test:{https_server.port}/page.html"], allow_private_addresses=True
    )
    assert report.failed == 1
    assert "certificate not trusted" in outcomes[0].reason
    assert "other.test" in outcomes[0].reason  # "Hostname mismatch ... 'other.test'"


# --- one deadline per URL -------------------------------------------------------------------


def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(db, loopback):
    loopback.add("/slow.html", b"x" * 100, trickle=0.5)
    started = time.monotonic()
    report, outcomes = run_import(
        db, [loopback.url("/slow.html")], allow_private_addresses=True, timeout=2
    )
    elapsed = time.monotonic() - started
    assert report.failed == 1
    assert outcomes[0].reason == "timed out after 2 s"
    assert elapsed < WELL_BEFORE_THE_OLD_FETCHER


def test_retry_after_past_the_deadline_is_not_waited_for(db, loopback):
    loopback.add("/busy.html", "busy", status=503, headers={"Retry-After": "60"})
    started = time.monotonic()
    report, outcomes = run_import(
        db, [loopback.url("/busy.html")], allow_private_addresses=True, timeout=2
    )
    assert report.failed == 1
    assert "HTTP 503" in outcomes[0].reason and "2 s timeout" in outcomes[0].reason
    assert loopback.hits["/busy.html"] == 1
    assert time.monotonic() - started < WELL_BEFORE_THE_OLD_FETCHER


def test_retries_within_the_deadline_still_happen(db, loopback):
    loopback.add("/busy.html", "busy", status=503, headers={"Retry-After": "0"})
    _report, outcomes = run_import(
        db, [loopback.url("/busy.html")], allow_private_addresses=True, timeout=5
    )
    assert outcomes[0].reason == "HTTP 503 (after retries)"
    assert loopback.hits["/busy.html"] == 1 + fetch_module.MAX_RETRIES


# --- check every address, then connect only to it --------------------------------------------


def _listener(address: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket()
    sock.bind((address, 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def _handshakes(listener: socket.socket) -> int:
    """Connections the kernel completed on *listener* (accepted here, then closed)."""
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_no_handshake_with_a_private_address_and_no_port_oracle(db):
    listener = _listener()
    try:
        port = listener.getsockname()[1]
        open_url = f"http://127.0.0.1:{port}/"
        closed_url = loopback_server.closed_port_url("/")
        named_url = f"http://localhost:{port}/"
        _report, outcomes = run_import(db, [open_url, closed_url, named_url])
        assert [o.reason for o in outcomes] == [BLOCKED, BLOCKED, BLOCKED]
        assert _handshakes(listener) == 0
    finally:
        listener.close()


def test_one_private_address_among_the_answers_blocks_the_host(db, resolver, monkeypatch):
    answers, _ = resolver
    listener = _listener("127.0.0.2")
    try:
        port = listener.getsockname()[1]
        # 127.0.0.2 stands in for a public address here (nothing leaves this machine).
        monkeypatch.setattr(
            fetch_module,
            "is_public_address",
            lambda text: text == "127.0.0.2",
            raising=False,
        )
        answers["mixed.test"] = ["127.0.0.2", "127.0.0.1"]
        answers["public.test"] = ["127.0.0.2"]
        _report, outcomes = run_import(
            db, [f"http://mixed.test:{port}/", f"http://public.test:{port}/"], timeout=1
        )
        assert outcomes[0].reason == BLOCKED
        assert outcomes[1].reason != BLOCKED  # checked, then connected to: no HTTP answer
        assert _handshakes(listener) == 1  # the public one only
    finally:
        listener.close()


def test_a_redirect_to_a_private_address_is_checked_too(db, loopback, monkeypatch):
    listener = _listener("127.0.0.2")
    try:
        monkeypatch.setattr(
            fetch_module, "is_public_address", lambda text: text == "127.0.0.1", raising=False
        )
        inside = f"http://127.0.0.2:{listener.getsockname()[1]}/admin"
        loopback.add("/jump", redirect_to=inside, status=302)
        _report, outcomes = run_import(db, [loopback.url("/jump")])
        assert outcomes[0].reason == BLOCKED
        assert loopback.hits["/jump"] == 1
        assert _handshakes(listener) == 0
    finally:
        listener.close()


def test_feed_entry_links_go_through_the_same_door(db, tmp_path):
    listener = _listener()
    try:
        inside = f"http://127.0.0.1:{listener.getsockname()[1]}/internal"
        items = (
            f"<item><title>Internal</title><link>{inside}</link>"
            "<description>The summary of an entry that links inside.</description></item>"
        )
        feed = tmp_path / "feed.xml"
        feed.write_text(f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>')
        report, _ = run_import(db, [feed], fetch_feed_links=True)
        # The entry is kept from the feed's own summary; its link was never connected to.
        assert report.imported == 1
        assert _handshakes(listener) == 0
        row = db.execute("SELECT extractor, final_url FROM articles").fetchone()
        assert row == ("article-triage.feed", None)
    finally:
        listener.close()


_INTERNAL_V4 = st.one_of(
    st.ip_addresses(v=4, network="127.0.0.0/8"),
    st.ip_addresses(v=4, network="10.0.0.0/8"),
    st.ip_addresses(v=4, network="172.16.0.0/12"),
    st.ip_addresses(v=4, network="192.168.0.0/16"),
    st.ip_addresses(v=4, network="169.254.0.0/16"),
    st.ip_addresses(v=4, network="100.64.0.0/10"),
    st.ip_addresses(v=4, network="0.0.0.0/8"),
)


@given(_INTERNAL_V4)
def test_an_internal_address_is_not_public_in_any_spelling(address):
    v4 = int(address)
    spellings = [
        str(address),
        str(ipaddress.IPv6Address((0xFFFF << 32) | v4)),  # IPv4-mapped ::ffff:a.b.c.d
        str(ipaddress.IPv6Address((0x64FF9B << 96) | v4)),  # NAT64 64:ff9b::a.b.c.d
        str(ipaddress.IPv6Address((0x2002 << 112) | (v4 << 80))),  # 6to4 2002:abcd:...
        "::1",
        "fe80::1%eth0",
    ]
    assert not any(fetch_module.is_public_address(s) for s in spellings)
    assert fetch_module.is_public_address("93.184.216.34")  # a public one, for contrast


PAGE_BODY = (
    "<html><head><title>Cut</title></head><body><article>"
    + "<p>A paragraph long enough to count as the article's own text, sentence by sentence.</p>"
    * 20
    + "</article></body></html>"
)


def test_a_page_cut_short_of_its_announced_length_fails_instead_of_being_stored_whole(db, loopback):
    # The server announces 5,000 bytes more than it sends, then closes the connection.
    loopback.add("/cut.html", PAGE_BODY, claimed_length=len(PAGE_BODY) + 5000)
    loopback.add("/whole.html", PAGE_BODY)
    _, outcomes = run_import(
        db, [loopback.url("/cut.html"), loopback.url("/whole.html")], allow_private_addresses=True
    )
    assert [o.status for o in outcomes] == ["failed", "imported"]
    assert outcomes[0].reason.startswith("cut short: the server sent 2 KB of the 7 KB")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
