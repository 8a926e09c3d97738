"""An outside tester's attacks on the feeds boundary that tests/test_attack_opml.py and
tests/test_fetch_door.py leave open: hostile xmlUrl values and titles through
import -> list -> export -> re-import, and hostile pages behind `triage feeds add`.
See RELIABILITY.md (hostile-feeds rows)."""

from __future__ import annotations

import gzip

import loopback_server
import pytest
from click.testing import CliRunner

from article_triage.store.feeds.discover import MAX_ADVERTISED, find_feed_at
from article_triage.store.ingest.model import IngestError
from article_triage.tui.cli import cli

loopback = loopback_server.loopback

HOSTILE_URLS = [
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:application/rss+xml;base64,PHJzcz4=",
    "ftp://example.org/feed.xml",
    "feeds/relative.xml",
    "/absolute/path.xml",
    "http://",
]
HOSTILE_TITLES = [
    "closes [/] markup",
    "[bold]loud[/bold]",
    "\u202eevil\u202c bidi",
    "\x9b31mC1 CSI\x85 and DEL\x7f",
]


def _opml(outlines: list[tuple[str, str]]) -> bytes:
    from xml.sax.saxutils import quoteattr

    body = "".join(
        f"<outline type='rss' text={quoteattr(title)} xmlUrl={quoteattr(url)}/>"
        for title, url in outlines
    )
    # NUL and C0 are not allowed in XML 1.0 even as references: write them as references
    # the way a careless exporter does, then expect the file to be refused whole or the
    # characters to be dropped.
    return f'<?xml version="1.0"?><opml version="2.0"><body>{body}</body></opml>'.encode()


def test_the_store_door_refuses_a_feed_url_no_feed_can_live_at(db):
    from article_triage.store.feeds import FeedUrlRefused, add_feed, list_feeds

    for url in [*HOSTILE_URLS, "https://example.org/" + "a" * 10_000, "http://a.org/x y"]:
        with pytest.raises(FeedUrlRefused):
            add_feed(db, url, name="hostile")
    assert list(list_feeds(db)) == []


def test_a_50_mb_subscription_list_is_refused_without_being_read_whole(tmp_path, db_path):
    import tracemalloc

    big = tmp_path / "big.opml"
    outline = b'<outline type="rss" text="f" xmlUrl="https://example.org/feed.xml"/>\n'
    with big.open("wb") as out:
        out.write(b'<?xml version="1.0"?><opml version="2.0"><body>')
        out.write(outline * (50 * 1024 * 1024 // len(outline)))
        out.write(b"</body></opml>")
    tracemalloc.start()
    try:
        result = _run(db_path, "feeds", "import", str(big))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"triage: {big}: over the 10 MB size limit for a subscription list"
    ]
    # At most the limit and one byte are read (was: all 50 MB, then refused).
    assert peak < 20 * 1024 * 1024


def _run(db_path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


def test_hostile_xml_urls_fail_one_line_each_and_the_good_ones_subscribe(tmp_path, db_path):
    good = [("good one", "https://example.org/one.xml"), ("good two", "http://example.net/2")]
    long_url = "https://example.org/" + "a" * 10_000
    spaced = "https://example.org/with space\tand\x85\x9bcontrols.xml"
    outlines = [("bad", url) for url in HOSTILE_URLS] + good + [("long", long_url)]
    opml = tmp_path / "hostile.opml"
    opml.write_bytes(_opml([*outlines, ("spaced", spaced)]))

    result = _run(db_path, "feeds", "import", str(opml))

    assert result.exit_code == 1, result.output
    failures = [line for line in result.output.splitlines() if line.startswith("  failed:")]
    assert len(failures) == len(HOSTILE_URLS) + 2
    assert sum("not an http(s) URL" in line for line in failures) == len(HOSTILE_URLS)
    assert any("longer than 8192 characters" in line for line in failures)
    assert any("contains spaces or control characters" in line for line in failures)
    assert all(len(line) < 400 for line in failures)
    assert "2 subscribed, 0 already subscribed, 9 failed" in result.output
    assert "Traceback" not in result.output
    listed = _run(db_path, "feeds", "list", "--json")
    assert listed.exit_code == 0
    import json

    urls = {feed["url"] for feed in json.loads(listed.stdout)}
    assert urls == {url for _, url in good}


def test_hostile_titles_print_as_text_and_survive_export_and_reimport(tmp_path, db_path):
    outlines = [(title, f"https://example.org/{n}.xml") for n, title in enumerate(HOSTILE_TITLES)]
    opml = tmp_path / "titles.opml"
    opml.write_bytes(_opml(outlines))
    # ESC and NUL cannot stand in XML 1.0, raw or as references: the file is refused whole.
    raw = tmp_path / "raw-esc.opml"
    raw.write_bytes(_opml([("\x1b[31mred\x1b[0m", "https://example.org/esc.xml")]))
    referenced = tmp_path / "ref-nul.opml"
    referenced.write_bytes(
        _opml([("nul", "https://example.org/nul.xml")]).replace(b'text="nul"', b'text="n&#0;"')
    )
    for refused_file in (raw, referenced):
        refused = _run(db_path, "feeds", "import", str(refused_file))
        assert refused.exit_code == 1
        assert len(refused.output.strip().splitlines()) == 1
        assert "Traceback" not in refused.output

    assert _run(db_path, "feeds", "import", str(opml)).exit_code == 0
    listed = _run(db_path, "feeds", "list")
    assert listed.exit_code == 0, listed.output
    assert "\u202e" not in listed.output and "<U+202E>" in listed.output
    assert not any(ch in listed.output for ch in "\x1b\x9b\x85\x7f")
    assert "closes [/] markup" in listed.output and "[bold]loud[/bold]" in listed.output

    first = tmp_path / "first.opml"
    second = tmp_path / "second.opml"
    assert _run(db_path, "feeds", "export", "-o", str(first)).exit_code == 0
    from lxml import etree

    etree.fromstring(first.read_bytes())  # valid XML, or this raises
    other_db = tmp_path / "other.db"
    assert _run(other_db, "feeds", "import", str(first)).exit_code == 0
    assert _run(other_db, "feeds", "export", "-o", str(second)).exit_code == 0

    def without_date(data: bytes) -> bytes:
        return b"\n".join(line for line in data.splitlines() if b"dateCreated" not in line)

    assert without_date(second.read_bytes()) == without_date(first.read_bytes())
    assert not any(ch in first.read_text("utf-8") for ch in "\x9b\x85\x7f")


RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Real feed</title>'
    "<link>https://example.org/</link></channel></rss>"
)


def _find(url: str, max_bytes: int = 10 * 1024 * 1024, timeout: float = 5.0):
    return find_feed_at(url, timeout=timeout, max_bytes=max_bytes, allow_private_addresses=True)


def test_a_page_advertising_a_thousand_feeds_tries_only_the_first(loopback):
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/feed{n}.xml">'
        for n in range(1_000)
    )
    loopback.add("/page.html", f"<html><head>{links}</head><body>x</body></html>")
    for n in range(3):
        loopback.add(f"/feed{n}.xml", RSS, content_type="application/rss+xml")

    found = _find(loopback.url("/page.html"))

    assert found.url == loopback.url("/feed0.xml")
    fetched = [path for path in loopback.hits if path.startswith("/feed")]
    assert fetched == ["/feed0.xml"]
    assert MAX_ADVERTISED <= 1_000


def test_a_redirect_loop_is_one_clear_failure(loopback):
    loopback.add("/a", redirect_to=loopback.url("/b"))
    loopback.add("/b", redirect_to=loopback.url("/a"))
    with pytest.raises(IngestError, match="redirects"):
        _find(loopback.url("/a"))
    assert sum(loopback.hits.values()) <= 8


def test_a_gzip_bomb_page_is_refused_with_flat_memory(loopback):
    import tracemalloc

    # 1,024 gzip members of 1 MB of zeros each: 1 GB unpacked, about 1 MB on the wire.
    bomb = gzip.compress(b"\x00" * (1024 * 1024), compresslevel=9) * 1024
    loopback.add("/page.html", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match="decompresses to more than"):
            _find(loopback.url("/page.html"), max_bytes=4 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


def test_a_page_past_the_size_limit_is_cut_off_not_read_whole(loopback):
    import tracemalloc

    loopback.add("/big.html", b"<html>" + b"x" * (40 * 1024 * 1024))
    tracemalloc.start()
    try:
        with pytest.raises(IngestError, match="size limit"):
            _find(loopback.url("/big.html"), max_bytes=2 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_a_server_stalling_mid_body_fails_at_the_deadline_in_one_message(loopback):
    loopback.add("/slow.xml", RSS, content_type="application/rss+xml", trickle=0.2)
    with pytest.raises(IngestError) as failed:
        _find(loopback.url("/slow.xml"), timeout=1.0)
    assert "\n" not in str(failed.value)


@pytest.mark.parametrize("claimed", [len(RSS) + 500, len(RSS) // 2])
def test_a_lying_content_length_fails_instead_of_subscribing_to_half_a_feed(loopback, claimed):
    """Longer than the body: the read ends short of the announced length. Shorter: the
    client stops at the announced length, and the feed is cut before its root closes."""
    loopback.add("/feed.xml", RSS, content_type="application/rss+xml", claimed_length=claimed)
    with pytest.raises(IngestError) as failed:
        _find(loopback.url("/feed.xml"), timeout=2.0)
    assert "\n" not in str(failed.value)


async def test_the_feeds_screen_shows_opml_titles_as_text(tmp_path, db_path):
    """The titles above, imported from OPML as an analyst would, in the app's feeds screen:
    no markup error, each name shown as its shown_identity, the store unchanged."""
    from app_support import SIZE, make_app, seed_store, settle

    from article_triage.store.boundary import shown_identity
    from article_triage.store.db import open_db
    from article_triage.store.feeds import list_feeds
    from article_triage.tui.screens.feeds import FeedsScreen

    seed_store(db_path)
    outlines = [(title, f"https://example.org/{n}.xml") for n, title in enumerate(HOSTILE_TITLES)]
    opml = tmp_path / "titles.opml"
    opml.write_bytes(_opml(outlines))
    assert _run(db_path, "feeds", "import", str(opml)).exit_code == 0
    db = open_db(db_path)
    stored = {feed.title for feed in list_feeds(db)}
    db.close()
    app = make_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("L")
        await settle(app, pilot)
        assert isinstance(app.screen, FeedsScreen)
        table = app.screen.query_one("DataTable")
        shown = {str(table.get_row_at(row)[0]) for row in range(table.row_count)}
    assert shown == {shown_identity(title) for title in stored}
    assert "closes [/] markup" in shown and "[bold]loud[/bold]" in shown
    db = open_db(db_path)
    assert {feed.title for feed in list_feeds(db)} == stored
    db.close()
