"""An outside tester's attacks on `triage refresh` run as a real process against feeds on
127.0.0.1: a hostile entry inside a batch of good ones, and Ctrl-C in the middle of a
slow refresh. See RELIABILITY.md section 3."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import loopback_server
import pytest

from article_triage.store.db import open_db
from article_triage.store.feeds import add_feed

loopback = loopback_server.loopback


def item(n: int, *, guid: str | None = None, title: str | None = None, link: str | None = None,
         body: str | None = None) -> str:  # fmt: skip
    body = body or (
        f"Report number {n} on the grain convoy through the Black Sea, with the harbour "
        f"master quoted at length about the schedule of ship {n}."
    )
    return (
        f"<item><title>{title or f'Story {n}'}</title><guid>{guid or f'urn:story:{n}'}</guid>"
        f"<link>{link or f'https://news.example.com/story/{n}'}</link>"
        f"<description><![CDATA[<p>{body}</p>]]></description></item>"
    )


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Loopback news</title><link>https://news.example.com/</link>{''.join(items)}"
        "</channel></rss>"
    )


def triage(db_path, *args, **popen):
    env = {**os.environ, "TRIAGE_DB": str(db_path)}
    command = [sys.executable, "-m", "article_triage.tui.cli", *map(str, args)]
    return subprocess.Popen(command, env=env, text=True, **popen)


def run(db_path, *args):
    proc = triage(db_path, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


REFRESH = ("refresh", "--all", "--allow-private-addresses", "--no-fetch-links", "--timeout", "5")


def test_a_hostile_entry_fails_alone_with_its_reason_and_the_good_ones_land(loopback, tmp_path):
    hostile = [
        item(10, title="Bad \x1b]52;c;aGk=\x07 title \x1b[2J", body="Body \x1b[2J with \x9b C1."),
        # a lone surrogate: the feed parser cannot read this entry
        item(11, title="Lone &#xD800; here", body="Body &#xDC00; here."),
        item(12, title="T" * 5_000_000),
        item(13, link="javascript:alert(document.cookie)"),
        item(14, link="http://10.0.0.1/admin"),
        # the same guid twice in one feed: the first is the entry
        item(15, guid="urn:story:1", title="Not story 1", body="Another text under story 1."),
    ]
    good = [item(n) for n in range(1, 7)]
    first = loopback.add("/one.xml", rss(*good[:3], *hostile, *good[3:]),
                         content_type="application/rss+xml")  # fmt: skip
    # Another feed repeating two of the first's entries, and one of its own.
    second = loopback.add("/two.xml", rss(item(2), item(3), item(7)),
                          content_type="application/rss+xml")  # fmt: skip
    path = tmp_path / "s.db"
    db = open_db(path)
    add_feed(db, first)
    add_feed(db, second)
    db.close()

    code, out, err = run(path, *REFRESH)
    assert code == 1, err  # an entry failed: some input failed, the rest is done
    assert "Traceback" not in err
    assert "entry 5: unreadable (UnicodeDecodeError)" in err  # the surrogate, named, alone
    assert "\x1b" not in err and "\x9b" not in err
    db = open_db(path)
    rows = db.execute("SELECT title, url, source FROM articles ORDER BY id").fetchall()
    titles = [r[0] for r in rows]
    for n in range(1, 8):
        assert titles.count(f"Story {n}") == 1
    assert "Bad ]52;c;aGk= title [2J" in titles
    assert not any(t.startswith("Lone") for t in titles)
    long_title = next(t for t in titles if t.startswith("TTT"))
    assert len(long_title) == 1000 and long_title.endswith("…")
    by_title = {r[0]: r for r in rows}
    # a script URL is no address: not stored, not given to a browser or a spreadsheet
    assert by_title["Story 13"][1] is None
    assert not any("javascript" in str(v) for r in rows for v in r)
    assert by_title["Story 14"][1] == "http://10.0.0.1/admin"  # stored, never fetched
    assert "Not story 1" not in titles
    # The failed entry is not remembered: the next refresh tries it again, alone.
    assert db.execute("SELECT count(*) FROM feed_items WHERE key = 'guid:urn:story:11'"
                      ).fetchone()[0] == 0  # fmt: skip
    db.close()
    code, out, err = run(path, *REFRESH, "--json")
    report = json.loads(out)
    assert code == 1
    assert report["articles_new"] == 0
    one = next(f for f in report["feeds"] if f["url"] == first)
    assert one["failed_entries"] == 1
    assert one["entry_errors"] == ["entry 5: unreadable (UnicodeDecodeError)"]


def consistency(path) -> dict[str, int]:
    """Counts that must hold after any refresh, stopped or not."""
    db = sqlite3.connect(path)
    try:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "articles": one("SELECT count(*) FROM articles"),
            "distinct_urls": one("SELECT count(DISTINCT url) FROM articles"),
            "without_story": one(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM story_members m WHERE m.article_id = a.id)"
            ),
            "without_fts": one(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM articles_fts_docsize f WHERE f.id = a.id)"
            ),
            # every stored feed article is in its feed's memory, and the memory points
            # only at stored articles
            "unremembered": one(
                "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM feed_items i "
                "JOIN feeds f ON f.id = i.feed_id WHERE i.article_id = a.id AND f.url = a.feed_url)"
            ),
            "dangling": one("SELECT count(*) FROM feed_items WHERE article_id IS NULL"),
        }
    finally:
        db.close()


FEEDS, PER_FEED = 12, 3


def test_ctrl_c_mid_refresh_keeps_the_store_whole_and_a_rerun_imports_exactly_the_rest(
    loopback, tmp_path
):
    path = tmp_path / "s.db"
    db = open_db(path)
    for f in range(FEEDS):
        items = [item(f * 100 + n) for n in range(PER_FEED)]
        # Slow answers and two requests at a time to one host: about 2 s in all.
        add_feed(db, loopback.add(f"/feed{f}.xml", rss(*items), delay=0.3,
                                  content_type="application/rss+xml"))  # fmt: skip
    db.close()
    proc = triage(path, *REFRESH, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watcher = sqlite3.connect(path, timeout=30)
    try:
        while proc.poll() is None:
            if watcher.execute("SELECT count(*) FROM articles").fetchone()[0] > 0:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        watcher.close()
    first = consistency(path)
    if first["articles"] == FEEDS * PER_FEED:
        pytest.skip("the refresh finished before Ctrl-C reached it")
    assert proc.returncode == 130, err
    assert "stopped; what was imported is saved, run again to resume" in err
    assert "Traceback" not in err
    assert first["articles"] % PER_FEED == 0  # whole feeds only
    assert first == {**first, "without_story": 0, "without_fts": 0, "unremembered": 0,
                     "dangling": 0, "distinct_urls": first["articles"]}  # fmt: skip

    code, out, err = run(path, *REFRESH, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["articles_new"] == FEEDS * PER_FEED - first["articles"]
    assert sum(f["duplicates"] for f in report["feeds"]) == 0
    after = consistency(path)
    assert after == {**after, "articles": FEEDS * PER_FEED, "distinct_urls": FEEDS * PER_FEED,
                     "without_story": 0, "without_fts": 0, "unremembered": 0, "dangling": 0}  # fmt: skip
