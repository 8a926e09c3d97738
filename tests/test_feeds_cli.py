"""``triage feeds`` and ``triage refresh`` from the shell: OPML round-trips, health, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import fake_libretranslate
import loopback_server
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.db import open_db
from article_triage.store.feeds import add_feed, get_feed, list_feeds
from article_triage.store.feeds.opml import OpmlError, read_opml, write_opml
from article_triage.tui.cli import COMMANDS, cli
from tests.test_feeds_refresh import item, rss

loopback = loopback_server.loopback
OPML = Path(__file__).parent / "data" / "opml"


def run(db_path, *args, **kwargs):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args], **kwargs)


def feeds_in(db_path) -> list:
    db = open_db(db_path)
    try:
        return list_feeds(db)
    finally:
        db.close()


def test_commands_are_registered():
    assert "feeds" in COMMANDS and "refresh" in COMMANDS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "newsboat.opml",
            {
                "https://www.pravda.com.ua/rss/": ("Українська правда", ()),
                "https://meduza.io/rss/all": ("Meduza", ()),
            },
        ),
        (
            "miniflux.opml",
            {
                "https://www.radiosvoboda.org/api/zrqiteuuir": ("Радіо Свобода", ("Ukraine",)),
                "https://de.rt.com/feeds/news/": ("RT DE", ("State media",)),
                "https://tass.ru/rss/v2.xml": ("TASS", ("State media",)),
            },
        ),
        (
            "feedly.opml",
            {
                "https://tengrinews.kz/news.rss": ("Tengrinews", ("Kazakhstan", "Wires")),
                "https://www.reutersagency.com/feed/?best-topics=world": (
                    "Reuters World",
                    ("Wires",),
                ),
            },
        ),
    ],
)
def test_opml_exports_of_other_readers_import_and_round_trip(db_path, tmp_path, name, expected):
    result = run(db_path, "feeds", "import", str(OPML / name))
    assert result.exit_code == 0, result.output
    got = {f.url: (f.name, f.tags) for f in feeds_in(db_path)}
    assert got == expected
    # our export, imported into an empty store, gives the same subscriptions
    exported = run(db_path, "feeds", "export")
    assert exported.exit_code == 0
    assert exported.stdout_bytes.startswith(b"<?xml")
    assert b'<opml version="2.0">' in exported.stdout_bytes
    copy = tmp_path / "copy.opml"
    copy.write_bytes(exported.stdout_bytes)
    other = tmp_path / "other.db"
    assert run(other, "feeds", "import", str(copy)).exit_code == 0
    assert {f.url: (f.name, f.tags) for f in feeds_in(other)} == expected
    # importing the same file again changes nothing
    assert run(db_path, "feeds", "import", str(OPML / name)).exit_code == 0
    assert {f.url: (f.name, f.tags) for f in feeds_in(db_path)} == expected


def test_tags_are_written_as_categories(db):
    add_feed(db, "https://a.example/feed", name="A", tags=["ukraine", "wires"])
    add_feed(db, "https://b.example/feed")
    data = write_opml(list_feeds(db))
    assert b'category="ukraine,wires"' in data
    feeds = read_opml(data)
    assert [(f.url, f.tags) for f in feeds] == [
        ("https://a.example/feed", ("ukraine", "wires")),
        ("https://b.example/feed", ()),
    ]


def test_hostile_opml_is_refused_in_one_line(tmp_path, db_path):
    bomb = tmp_path / "bomb.opml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "xxxxxxxxxx">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<opml version="2.0"><body><outline title="&b;" xmlUrl="https://x.example/&b;"/></body></opml>'
    )
    result = run(db_path, "feeds", "import", str(bomb))
    assert result.exit_code == 1 and "declares XML entities" in result.output
    assert feeds_in(db_path) == []
    not_opml = tmp_path / "page.opml"
    not_opml.write_text("<html><body>hi</body></html>")
    result = run(db_path, "feeds", "import", str(not_opml))
    assert result.exit_code == 1
    assert "not an OPML file" in result.output
    with pytest.raises(OpmlError):
        read_opml(b"\x00\x01 not xml")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(min_size=1, max_size=30),
    tags=st.lists(st.text(min_size=1, max_size=12), max_size=3),
)
def test_any_name_and_tags_survive_an_export_round_trip(tmp_path, name, tags):
    db = open_db(":memory:")
    feed, _ = add_feed(db, "https://x.example/feed", name=name, tags=tags)
    stored = get_feed(db, feed.id)
    back = read_opml(write_opml([stored]))
    assert [(f.name or None, f.tags) for f in back] == [(stored.name, stored.tags)]
    db.close()


def test_feeds_add_finds_the_feed_a_site_advertises_and_lists_it(db_path, loopback):
    feed_url = loopback.add("/news/rss.xml", rss(item(1)), content_type="application/rss+xml")
    site = loopback.add(
        "/",
        '<html><head><title>Home</title><link rel="alternate" type="application/rss+xml"'
        ' title="News" href="/news/rss.xml"></head><body><p>Hello</p></body></html>',
    )
    result = run(db_path, "feeds", "add", site, "--tag", "test", "--allow-private-addresses")
    assert result.exit_code == 0, result.output
    assert "advertised by" in result.output
    (feed,) = feeds_in(db_path)
    assert (feed.url, feed.name, feed.tags) == (feed_url, "Loopback news", ("test",))
    # a URL that is neither fails in one line, exit code 1; SSRF rule as for add
    loopback.add("/plain.html", "<html><body><p>No feeds here</p></body></html>")
    result = run(db_path, "feeds", "add", loopback.url("/plain.html"), "--allow-private-addresses")
    assert result.exit_code == 1
    assert "neither a feed nor a page that advertises one" in result.output
    result = run(db_path, "feeds", "add", feed_url)
    assert result.exit_code == 1 and "private or loopback" in result.output


def test_refresh_summary_json_and_list_show_errors_and_their_count(db_path, loopback):
    good = loopback.add("/good.xml", rss(item(1), item(2)))
    bad = loopback.add("/bad.xml", "oops", status=500)
    db = open_db(db_path)
    add_feed(db, good, name="Good")
    add_feed(db, bad, name="Broken")
    db.close()
    args = ["refresh", "--allow-private-addresses", "--no-fetch-links", "--all"]
    result = run(db_path, *args)
    assert result.exit_code == 1
    assert "Good: 2 new" in result.output and "Broken: failed: HTTP 500" in result.output
    result = run(db_path, *args, "--json")
    payload = json.loads(result.stdout)
    assert payload["articles_new"] == 0 and payload["feeds_failed"] == 1
    assert {f["name"]: f["status"] for f in payload["feeds"]} == {
        "Good": "unchanged",
        "Broken": "failed",
    }
    listing = run(db_path, "feeds", "list")
    assert "failing ×2" in listing.output and "last error: HTTP 500" in listing.output
    assert "2 errors in a row" in listing.output
    listed = json.loads(run(db_path, "feeds", "list", "--json").stdout)
    assert [f["error_count"] for f in listed] == [0, 2]


def test_pause_resume_remove_by_number_or_url(db_path, loopback):
    url = loopback.add("/a.xml", rss(item(1)))
    db = open_db(db_path)
    feed, _ = add_feed(db, url, name="A")
    db.close()
    assert run(db_path, "feeds", "pause", str(feed.id), "--reason", "too noisy").exit_code == 0
    result = run(db_path, "refresh", "--allow-private-addresses", "--no-fetch-links")
    assert "no feed is due" in result.output
    listing = run(db_path, "feeds", "list").output
    assert "(paused)" in listing and "too noisy" in listing
    assert run(db_path, "feeds", "resume", url).exit_code == 0
    result = run(db_path, "refresh", "--allow-private-addresses", "--no-fetch-links")
    assert "A: 1 new" in result.output
    assert run(db_path, "feeds", "remove", "99").exit_code == 1
    unknown = run(db_path, "refresh", "--feed", "99")
    assert unknown.exit_code == 1 and "no feed 99" in unknown.output
    assert run(db_path, "feeds", "remove", str(feed.id)).exit_code == 0
    assert feeds_in(db_path) == []
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1  # articles stay
    db.close()


fake_libre = fake_libretranslate.fake_libre  # the translation server fixture


def test_refresh_translate_translates_what_came_in_and_list_names_the_outlet(
    db_path, tmp_path, loopback, fake_libre
):
    server = fake_libre()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[translation]\nprovider = "libre"\nurl = "{server.url}"\n'
        "[feeds]\nallow_private_addresses = true\n"
    )
    ukrainian = "Казахстан призупинив експорт зброї на рік, повідомляє уряд у четвер увечері."
    url = loopback.add("/uk.xml", rss(item(1, text=ukrainian)))
    db = open_db(db_path)
    add_feed(db, url, site_url="https://de.rt.com/")
    db.close()
    args = ["--config", str(config), "refresh", "--translate", "--no-fetch-links"]
    result = run(db_path, *args)
    assert result.exit_code == 0, result.output
    assert "1 translated into en" in result.output
    db = open_db(db_path)
    (translated,) = db.execute("SELECT text FROM translations WHERE target_lang = 'en'").fetchone()
    db.close()
    assert translated.startswith("[en] ")
    # nothing new the second time: nothing sent
    server.reset_counts()
    again = run(db_path, *args, "--all")
    assert "nothing new to translate" in again.output and server.requests == 0
    # the registry knows the site the feed belongs to
    assert "outlet: RT" in run(db_path, "--config", str(config), "feeds", "list").output


HOSTILE_NAME = "\u202ess\u200bap \u2066[/]"
"""A bidi override, a zero-width space and an isolate around markup: a feed's name is
who the analyst follows, shown as an identity (outlet and analyst names are too)."""


def test_a_feeds_name_and_tags_show_their_invisible_characters_not_obey_them(db_path):
    db = open_db(db_path)
    feed, _ = add_feed(db, "https://example.org/feed.xml", name=HOSTILE_NAME, tags=["\u202etag"])
    db.close()
    listed = run(db_path, "feeds", "list")
    assert listed.exit_code == 0, listed.output
    assert "<U+202E>ss<U+200B>ap <U+2066>[/]" in listed.output
    assert "[<U+202E>tag]" in listed.output
    paused = run(db_path, "feeds", "pause", str(feed.id))
    assert "<U+202E>ss<U+200B>ap" in paused.output
    for result in (listed, paused):
        assert not {"\u202e", "\u200b", "\u2066"} & set(result.output)


def test_a_refresh_summary_names_a_failing_feed_as_an_identity():
    from article_triage.store.feeds.refresh import FAILED, FeedOutcome, RefreshReport
    from article_triage.store.jobs import summarise

    outcome = FeedOutcome(1, "https://example.org/feed.xml", HOSTILE_NAME, FAILED, reason="503")
    outcome.entry_errors.append("entry 2: no text")
    summary = summarise(RefreshReport(feeds=[outcome], due=1))
    assert summary.details[0].startswith("<U+202E>ss<U+200B>ap <U+2066>[/]: ")
    assert summary.details[1].startswith("<U+202E>ss<U+200B>ap")


def test_a_page_advertising_thousands_of_feeds_keeps_the_first_hundred_in_order():
    from article_triage.store.feeds.discover import MAX_ADVERTISED, advertised_feeds

    feed = '<link rel="alternate" type="application/rss+xml" href="/f{}.xml">'
    links = feed.format(1) + "".join(feed.format(n) for n in range(30_000)) + feed.format(2)
    found = advertised_feeds(f"<html><head>{links}</head></html>", "https://example.org/x/")
    assert len(found) == MAX_ADVERTISED == 100
    assert found[:3] == [f"https://example.org/f{n}.xml" for n in (1, 0, 2)]
    assert len(set(found)) == len(found)


def test_a_feeds_outlet_from_the_users_registry_is_shown_as_an_identity(db_path):
    added = run(db_path, "outlets", "add", "evil", "--name", "\u202eEvil News", "--domain",
                "evil.example")  # fmt: skip
    assert added.exit_code == 0, added.output
    db = open_db(db_path)
    add_feed(db, "https://evil.example/feed.xml", name="Evil")
    db.close()
    listed = run(db_path, "feeds", "list")
    assert "outlet: <U+202E>Evil News" in listed.output, listed.output
    assert "\u202e" not in listed.output
