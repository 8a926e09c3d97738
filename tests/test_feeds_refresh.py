"""The refresh job against feeds served on 127.0.0.1: a polite reader that imports only what is new."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import loopback_server
import pytest

from article_triage.store.db import open_db
from article_triage.store.feeds import (
    RefreshRequest,
    ScheduleSettings,
    add_feed,
    get_feed,
    refresh,
)
from article_triage.store.feeds.request import user_agent
from article_triage.store.feeds.schedule import parse_time
from article_triage.store.feeds.subscriptions import due_feed_ids, update_state
from article_triage.store.ingest.model import ImportOptions

loopback = loopback_server.loopback

LAST_MODIFIED = "Wed, 02 Dec 2026 08:00:00 GMT"


def item(n: int, text: str | None = None, link: str | None = None) -> str:
    body = text or (
        f"Article number {n} reports on the talks over grain shipments through the Black Sea "
        f"ports, with officials quoted at length about the convoy schedule, item {n}."
    )
    return (
        f"<item><title>Story {n}</title><guid>urn:story:{n}</guid>"
        f"<link>{link or f'https://news.example.com/story/{n}'}</link>"
        f"<pubDate>Tue, 01 Dec 2026 0{n % 10}:00:00 GMT</pubDate>"
        f"<description><![CDATA[<p>{body}</p>]]></description></item>"
    )


def rss(*items: str, title: str = "Loopback news") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example.com/</link>{''.join(items)}"
        "</channel></rss>"
    )


def request(**overrides) -> RefreshRequest:
    options = ImportOptions(
        allow_private_addresses=True, fetch_feed_links=False, timeout=5, workers=1
    )
    values = {"options": options, "ignore_schedule": True}
    values.update(overrides)
    return RefreshRequest(**values)


def articles(db) -> list[dict]:
    return list(db.query("SELECT id, title, feed_url, url, text FROM articles ORDER BY id"))


def test_a_first_refresh_imports_and_a_second_sends_validators_and_imports_nothing(db, loopback):
    url = loopback.add(
        "/feed.xml",
        rss(item(1), item(2), item(3, link="https://www.rt.com/news/1-grain-talks/")),
        content_type="application/rss+xml",
        etag='"v1"',
        last_modified=LAST_MODIFIED,
    )
    feed, _ = add_feed(db, url, tags=["black-sea"])
    report = refresh(db, request())
    outcome = report.feeds[0]
    assert (outcome.status, outcome.new, outcome.http_status) == ("new", 3, 200)
    rows = articles(db)
    assert [r["title"] for r in rows] == ["Story 1", "Story 2", "Story 3"]
    assert {r["feed_url"] for r in rows} == {url}
    # through the import's write path: the publisher of the RT entry was detected
    publisher = db.execute(
        "SELECT outlet_key FROM citations WHERE article_id = ? AND role = 'publisher'",
        [rows[2]["id"]],
    ).fetchone()
    assert publisher is not None and "rt" in publisher[0]
    stored = get_feed(db, feed.id)
    assert (stored.etag, stored.last_modified) == ('"v1"', LAST_MODIFIED)
    assert stored.items_seen == 3 and stored.name == "Loopback news"

    second = refresh(db, request())
    assert (second.feeds[0].status, second.feeds[0].http_status) == ("unchanged", 304)
    assert len(articles(db)) == 3
    first_headers, second_headers = (headers for _, headers in loopback.requests)
    assert "If-None-Match" not in first_headers
    assert second_headers["If-None-Match"] == '"v1"'
    assert second_headers["If-Modified-Since"] == LAST_MODIFIED
    for headers in (first_headers, second_headers):
        assert headers["User-Agent"] == user_agent()
        assert "article-triage/0." in headers["User-Agent"]
        assert "application/rss+xml" in headers["Accept"]
        assert "application/atom+xml" in headers["Accept"]
        assert "gzip" in headers["Accept-Encoding"]


def test_an_edited_or_reordered_feed_imports_only_the_new_entry(db, loopback):
    url = loopback.add("/feed.xml", rss(item(1), item(2)), etag='"a"')
    add_feed(db, url)
    assert refresh(db, request()).feeds[0].new == 2
    edited = item(1, text="The same story, edited by the newsroom after publication: a new quote.")
    loopback.add("/feed.xml", rss(item(3), item(2), edited), etag='"b"')
    outcome = refresh(db, request()).feeds[0]
    assert (outcome.status, outcome.new) == ("new", 1)
    assert [r["title"] for r in articles(db)] == ["Story 1", "Story 2", "Story 3"]
    loopback.add("/feed.xml", rss(item(2), item(3)), etag='"c"')
    assert refresh(db, request()).feeds[0].status == "unchanged"


def test_entries_sharing_a_link_are_told_apart_by_guid_and_without_one_by_link(db, loopback):
    home = "https://news.example.com/"
    same_link = [item(n, link=home) for n in (1, 2)]
    no_guid = item(3).replace("<guid>urn:story:3</guid>", "")
    url = loopback.add("/feed.xml", rss(*same_link, no_guid), etag='"1"')
    add_feed(db, url)
    assert refresh(db, request()).feeds[0].new == 3
    edited = item(3, text="Rewritten by the editors, same link and no guid, so the same entry.")
    loopback.add("/feed.xml", rss(*same_link, edited.replace("<guid>urn:story:3</guid>", "")))
    assert refresh(db, request()).feeds[0].new == 0


def test_every_nth_request_is_unconditional(db, loopback):
    url = loopback.add("/feed.xml", rss(item(1)), etag='"same"', last_modified=LAST_MODIFIED)
    add_feed(db, url)
    sched = ScheduleSettings(unconditional_every=2)
    for _ in range(5):
        refresh(db, request(schedule=sched))
    sent = ["If-None-Match" in headers for _, headers in loopback.requests]
    # no validators yet; then two conditional requests, then one without, and again
    assert sent == [False, True, True, False, True]
    assert len(articles(db)) == 1


def test_gzip_feed_is_read(db, loopback):
    url = loopback.add("/feed.xml", rss(item(1), item(2)), gzip=True)
    add_feed(db, url)
    assert refresh(db, request()).feeds[0].new == 2


def test_permanent_redirect_rewrites_the_url_and_a_temporary_one_keeps_it(db, loopback):
    moved = loopback.add("/new-home.xml", rss(item(1)))
    loopback.add("/old.xml", redirect_to=moved, status=301)
    loopback.add("/old308.xml", redirect_to=loopback.url("/new308.xml"), status=308)
    loopback.add("/new308.xml", rss(item(2)))
    loopback.add("/temp.xml", redirect_to=loopback.url("/elsewhere.xml"), status=302)
    loopback.add("/temp307.xml", redirect_to=loopback.url("/elsewhere.xml"), status=307)
    loopback.add("/elsewhere.xml", rss(item(3), item(4)))
    ids = [
        add_feed(db, loopback.url(path))[0].id
        for path in ("/old.xml", "/old308.xml", "/temp.xml", "/temp307.xml")
    ]
    report = refresh(db, request())
    assert all(outcome.status in ("new", "unchanged") for outcome in report.feeds)
    urls = [get_feed(db, feed_id).url for feed_id in ids]
    assert urls == [
        moved,
        loopback.url("/new308.xml"),
        loopback.url("/temp.xml"),
        loopback.url("/temp307.xml"),
    ]
    assert "moved permanently" in next(o for o in report.feeds if o.feed_id == ids[0]).reason


def test_410_pauses_the_feed_and_says_so(db, loopback):
    url = loopback.add("/gone.xml", "gone", status=410)
    feed, _ = add_feed(db, url)
    outcome = refresh(db, request()).feeds[0]
    assert outcome.status == "gone" and "410" in outcome.reason
    stored = get_feed(db, feed.id)
    assert stored.paused and "410" in stored.paused_reason and "removed" in stored.last_error
    assert due_feed_ids(db, "9999-01-01T00:00:00Z", ignore_schedule=True) == []


def _seconds_until(value: str, since: datetime) -> float:
    return (parse_time(value) - since).total_seconds()


def test_429_and_503_honour_retry_after_in_seconds_and_as_a_date(db, loopback):
    a = add_feed(
        db, loopback.add("/busy.xml", "slow down", status=429, headers={"Retry-After": "7200"})
    )[0]
    when = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0)
    b = add_feed(
        db,
        loopback.add(
            "/maint.xml",
            "maintenance",
            status=503,
            headers={"Retry-After": format_datetime(when, usegmt=True)},
        ),
    )[0]
    before = datetime.now(UTC).replace(microsecond=0)
    report = refresh(db, request())
    after = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    assert {o.status for o in report.feeds} == {"failed"}
    busy, maint = get_feed(db, a.id), get_feed(db, b.id)
    assert _seconds_until(busy.next_check, before) >= 7200
    assert _seconds_until(busy.next_check, after) <= 7200
    assert parse_time(maint.next_check) == when
    assert "HTTP 429" in busy.last_error and "2.0 h" in busy.last_error
    assert busy.error_count == 1
    assert loopback.hits["/busy.xml"] == 1  # no retries inside the refresh
    # the server's word holds even for --all (ignore_schedule) and a feed named by id
    assert refresh(db, request()).due == 0
    assert refresh(db, request(feed_ids=(a.id,))).due == 0
    assert loopback.hits["/busy.xml"] == 1


def test_server_errors_back_off_exponentially_capped_at_a_day(db, loopback):
    feed, _ = add_feed(db, loopback.add("/broken.xml", "oops", status=500))
    waits = []
    for _ in range(3):
        before = datetime.now(UTC).replace(microsecond=0)
        refresh(db, request())
        waits.append(round(_seconds_until(get_feed(db, feed.id).next_check, before), -2))
    assert waits == [600, 1200, 2400]
    stored = get_feed(db, feed.id)
    assert stored.error_count == 3 and stored.last_error == "HTTP 500"
    update_state(db, feed.id, error_count=30)
    before = datetime.now(UTC).replace(microsecond=0)
    refresh(db, request())
    assert round(_seconds_until(get_feed(db, feed.id).next_check, before), -2) == 86400
    # a success clears the count
    loopback.add("/broken.xml", rss(item(1)))
    refresh(db, request())
    stored = get_feed(db, feed.id)
    assert (stored.error_count, stored.last_error) == (0, None)


def test_bad_feeds_fail_alone_with_a_reason(db, loopback):
    # a comment after the root (caches add them) is not a truncation
    good_body = rss(item(1)) + "\n<!-- served from cache in 0.02 s -->\n"
    good = add_feed(db, loopback.add("/good.xml", good_body))[0]
    slow = add_feed(db, loopback.add("/slow.xml", rss(item(2)), delay=3))[0]
    truncated = add_feed(db, loopback.add("/cut.xml", rss(item(3), item(4))[:150]))[0]
    page = loopback.add(
        "/site.html",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/good.xml">'
        "</head><body><p>Welcome</p></body></html>",
    )
    html = add_feed(db, page)[0]
    bomb = add_feed(
        db,
        loopback.add(
            "/bomb.xml",
            '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
            + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
            )
            + "]>"
            + rss(item(5, text="&i; expanded?")).split("?>", 1)[1],
        ),
    )[0]
    report = refresh(
        db,
        request(
            options=ImportOptions(allow_private_addresses=True, fetch_feed_links=False, timeout=1)
        ),
    )
    by_id = {o.feed_id: o for o in report.feeds}
    assert by_id[good.id].status == "new"
    assert by_id[slow.id].status == "failed" and "timed out" in by_id[slow.id].reason
    assert by_id[html.id].reason == f"not a feed; the page advertises {loopback.url('/good.xml')}"
    assert by_id[truncated.id].status == "failed" and "truncated" in by_id[truncated.id].reason
    # no entity is expanded: a billion laughs stays a few bytes
    assert by_id[bomb.id].new == 1
    assert "&i; expanded?" in [r["text"] for r in articles(db)]
    assert max(len(r["text"]) for r in articles(db)) < 10_000
    assert get_feed(db, slow.id).error_count == 1
    # the cut-off transfer left nothing half-remembered: whole, both entries come in
    loopback.add("/cut.xml", rss(item(3), item(4)))
    outcome = refresh(db, request(feed_ids=(truncated.id,))).feeds[0]
    assert (outcome.status, outcome.new) == ("new", 2)


def test_a_feed_of_20000_entries_is_read_only_as_far_as_the_limit(db, loopback):
    entries = "".join(
        f"<item><title>T{n}</title><guid>g{n}</guid><description>Entry {n} text here.</description></item>"
        for n in range(20_000)
    )
    add_feed(db, loopback.add("/huge.xml", rss(entries)))
    outcome = refresh(db, request(max_entries=40)).feeds[0]
    assert outcome.new == 40
    assert "first 40 entries" in outcome.reason


def test_stop_leaves_the_rest_for_the_next_run(db, loopback):
    for n in range(4):
        add_feed(db, loopback.add(f"/f{n}.xml", rss(item(10 + n)), etag=f'"{n}"'))
    stop = threading.Event()
    first = refresh(db, request(concurrency=1), progress=lambda p: stop.set(), stop=stop)
    assert first.stopped and len(first.feeds) < 4
    second = refresh(db, request(ignore_schedule=False))
    assert len(first.feeds) + len(second.feeds) == 4
    assert len(articles(db)) == 4


def test_entries_linking_to_pages_are_fetched_as_add_does(db, loopback):
    from tests.test_ingest_files import PAGE

    page = loopback.add("/article.html", PAGE)
    add_feed(db, loopback.add("/feed.xml", rss(item(1, link=page))))
    options = ImportOptions(allow_private_addresses=True, fetch_feed_links=True, timeout=5)
    outcome = refresh(db, request(options=options)).feeds[0]
    assert outcome.new == 1
    row = db.execute("SELECT final_url, http_status, feed_url FROM articles").fetchone()
    assert row == (page, 200, loopback.url("/feed.xml"))
    # Its language was detected where the page was read, as the write path would have.
    assert db.execute("SELECT language FROM articles").fetchone()[0] == "en"


def test_the_schedule_decides_which_feeds_are_due(db, loopback):
    add_feed(db, loopback.add("/a.xml", rss(item(1))))
    assert refresh(db, request(ignore_schedule=False)).due == 1
    # checked just now: not due again until its interval has passed, unless --all
    assert refresh(db, request(ignore_schedule=False)).due == 0
    assert refresh(db, request(ignore_schedule=True)).due == 1


def test_refresh_works_from_another_thread_with_its_own_connection(db_path, loopback):
    db = open_db(db_path)
    add_feed(db, loopback.add("/a.xml", rss(item(1))))
    result = {}

    def worker():
        own = open_db(db_path)
        result["report"] = refresh(own, request())
        own.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert result["report"].feeds[0].new == 1


@pytest.mark.parametrize("per_host", [1, 2])
def test_the_dispatcher_runs_at_most_per_host_requests_to_one_host(per_host):
    from concurrent.futures import ThreadPoolExecutor

    from article_triage.store.feeds.refresh import _Dispatcher

    release = threading.Event()
    with ThreadPoolExecutor(8) as pool:
        dispatcher = _Dispatcher(pool, concurrency=8, per_host=per_host)
        try:
            for n in range(5):
                dispatcher.add("a.example", ("feed", n), release.wait)
            dispatcher.add("b.example", ("feed", "b"), release.wait)
            dispatcher.pump()
            running = sorted(host for host, _ in dispatcher.running.values())
            assert running == ["a.example"] * per_host + ["b.example"]
        finally:
            release.set()
        ended = []
        while not dispatcher.idle():  # each call that ends starts the next itself
            ended.extend(tag for tag, _ in dispatcher.ended(wait=True))
        assert len(ended) == 6


def test_schedule_rules_in_numbers():
    from article_triage.store.feeds.schedule import (
        adapted_interval,
        backoff_seconds,
        retry_after_seconds,
    )

    sched = ScheduleSettings(floor=1800, ceiling=86400)
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert [backoff_seconds(n, sched) for n in (1, 2, 3, 8, 9, 200)] == [
        600, 1200, 2400, 76800, 86400, 86400
    ]  # fmt: skip
    assert retry_after_seconds("120", now, sched) == 120
    assert retry_after_seconds("Fri, 04 Dec 2026 13:00:00 GMT", now, sched) == 3600
    assert retry_after_seconds("Fri, 04 Dec 2026 11:00:00 GMT", now, sched) == 0
    assert retry_after_seconds("99999999", now, sched) == 7 * 86400
    assert retry_after_seconds("soon", now, sched) is None
    # 14 dated entries this week: twice a day; one a week: the ceiling; busy: the floor
    days = [(now - timedelta(hours=12 * n)).date().isoformat() for n in range(14)]
    assert adapted_interval(3600, days, 0, now, sched) == 43200
    assert adapted_interval(3600, ["2026-12-01"], 0, now, sched) == 86400
    assert adapted_interval(3600, [now.date().isoformat()] * 500, 0, now, sched) == 1800
    # undated: halved after news, half as long again after none
    assert adapted_interval(7200, [None], 2, now, sched) == 3600
    assert adapted_interval(7200, [None], 0, now, sched) == 10800
