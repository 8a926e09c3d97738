"""Imports stay inside what the user named: folder walks, feed entries, URL provenance.

(Issue 9, section 3. Fetching itself, the one door to the network, is tested in
tests/test_fetch_door.py.)
"""

from __future__ import annotations

import io
import json
import os

import loopback_server

from article_triage.store.articles import ArticleFilter
from article_triage.store.export import write_export
from article_triage.store.ingest.sources import LINK_LEAVES_FOLDER, count_inputs
from article_triage.store.reader import load_article_view
from tests.test_ingest_files import PAGE, article, run_import

loopback = loopback_server.loopback
resolver = loopback_server.resolver

BODY = "Title {0}\n\nBody of note {0}, written for the folder walk tests."


def _note(path, name: str) -> None:
    path.write_text(BODY.format(name), encoding="utf-8")


# --- folders ------------------------------------------------------------------------------


def test_links_that_leave_the_folder_are_reported_and_not_read(db, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    _note(outside / "secret.txt", "secret")
    (outside / "nested").mkdir()
    _note(outside / "nested" / "deep.txt", "deep")
    named = tmp_path / "named"
    named.mkdir()
    _note(named / "a.txt", "a")
    (named / "sub").mkdir()
    _note(named / "sub" / "b.txt", "b")
    (named / "leak.txt").symlink_to(outside / "secret.txt")  # a file out
    (named / "escape").symlink_to(outside)  # a folder out
    (named / "up.txt").symlink_to("../outside/secret.txt")  # relative, still out
    (named / "inside.txt").symlink_to(named / "sub" / "b.txt")  # a file in: fine
    (named / "again").symlink_to(named / "sub")  # a folder in: walked at its place

    report, outcomes = run_import(db, [named])

    failures = {os.path.basename(o.source): o.reason for o in outcomes if o.status == "failed"}
    assert failures == {
        "leak.txt": LINK_LEAVES_FOLDER,
        "escape": LINK_LEAVES_FOLDER,
        "up.txt": LINK_LEAVES_FOLDER,
    }
    texts = " ".join(article(db, o.article_id)["text"] for o in outcomes if o.article_id)
    assert "note secret" not in texts and "note deep" not in texts
    assert "note a" in texts and "note b" in texts
    # the link inside reads the same bytes as its target: a duplicate, not a failure
    assert report.imported == 2 and report.duplicates == 1
    assert count_inputs([str(named)]) == len(outcomes)


def test_a_folder_1500_levels_deep_imports_without_recursion_error(db, tmp_path):
    depth = 1500
    folders = [tmp_path / "deep"]
    folders[0].mkdir()
    for _ in range(depth - 1):  # os.makedirs is itself recursive
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    _note(folders[-1] / "bottom.txt", "bottom")
    try:
        report, outcomes = run_import(db, [folders[0]])
        assert report.imported == 1, outcomes
        assert count_inputs([str(folders[0])]) == 1
    finally:  # shutil.rmtree (and so pytest's cleanup) recurses on Python 3.11
        (folders[-1] / "bottom.txt").unlink()
        for folder in reversed(folders):
            folder.rmdir()


# --- feeds ----------------------------------------------------------------------------------


def test_one_bad_json_feed_entry_fails_alone(db, tmp_path):
    items = [
        {"id": "1", "title": "Good one", "content_text": "The first entry reads well."},
        {"id": "2", "title": "Integer date", "content_text": "Dated.", "date_published": 20240517},
        {"id": "3", "title": "List url", "content_text": "Linked.", "url": ["https://a.example/"]},
        {"id": "4", "title": "Good two", "content_text": "The last entry reads well too."},
    ]
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}),
        encoding="utf-8",
    )
    report, outcomes = run_import(db, [feed])
    assert [o.status for o in outcomes] == ["imported", "failed", "failed", "imported"]
    assert "date_published is a JSON number" in outcomes[1].reason
    assert "url is a JSON array" in outcomes[2].reason
    assert [o.completes_input for o in outcomes] == [False, False, False, True]
    assert report.imported == 2 and report.failed == 2


def test_one_bad_rss_item_fails_alone(db, tmp_path, monkeypatch):
    from article_triage.store.ingest import feeds

    real = feeds.html_to_paragraphs

    def breaks_on_poison(fragment: str) -> list[str]:
        if "poison" in fragment:
            raise RecursionError("maximum recursion depth exceeded")  # as deep markup would
        return real(fragment)

    monkeypatch.setattr(feeds, "html_to_paragraphs", breaks_on_poison)
    items = "".join(
        f"<item><title>Item {n}</title><description>{text}</description></item>"
        for n, text in enumerate(["First is fine.", "poison", "Third is fine."], start=1)
    )
    feed = tmp_path / "feed.xml"
    feed.write_text(f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>')
    report, outcomes = run_import(db, [feed])
    assert [o.status for o in outcomes] == ["imported", "failed", "imported"]
    assert report.imported == 2


# --- where a URL came from ------------------------------------------------------------------

CLAIMING_PAGE = PAGE.replace(
    "https://news.example.com/world/grain-corridor-talks",
    "https://www.reuters.com/world/grain-corridor-talks",
)


def _publisher(db, article_id: int) -> str | None:
    row = db.execute(
        "SELECT outlet_key FROM citations WHERE article_id = ? AND role = 'publisher'",
        [article_id],
    ).fetchone()
    return row[0] if row else None


def test_the_publisher_is_the_host_fetched_and_a_canonical_elsewhere_is_a_claim(
    db, tmp_path, loopback, resolver
):
    # Served from 127.0.0.1, claiming to be Reuters: not Reuters.
    loopback.add("/claim.html", CLAIMING_PAGE)
    _, outcomes = run_import(db, [loopback.url("/claim.html")], allow_private_addresses=True)
    fetched = article(db, outcomes[0].article_id)
    assert _publisher(db, fetched["id"]) is None
    assert fetched["url"] == loopback.url("/claim.html") and fetched["hostname"] == "127.0.0.1"
    assert fetched["canonical_claim"] == "https://www.reuters.com/world/grain-corridor-talks"
    view = load_article_view(db, fetched["id"], "tester")
    assert view.publisher is None
    assert view.sources[0] == "claims to be reuters.com (fetched from 127.0.0.1)"

    # The same bytes as a local file: the canonical link is the best evidence there is.
    saved = tmp_path / "saved.html"
    saved.write_text(CLAIMING_PAGE.replace("Negotiators", "Delegates"), encoding="utf-8")
    _, outcomes = run_import(db, [saved])
    local = article(db, outcomes[0].article_id)
    assert _publisher(db, local["id"]) == "reuters" and local["canonical_claim"] is None

    # Fetched from the site its canonical names (a subdomain of it): the canonical is its URL.
    answers, _ = resolver
    answers["reuters.com"] = ["127.0.0.1"]
    loopback.add("/world.html", CLAIMING_PAGE.replace("Negotiators", "Officials"))
    url = f"http://reuters.com:{loopback.port}/world.html"
    _, outcomes = run_import(db, [url], allow_private_addresses=True)
    same_site = article(db, outcomes[0].article_id)
    assert same_site["url"] == "https://www.reuters.com/world/grain-corridor-talks"
    assert same_site["canonical_claim"] is None
    assert _publisher(db, same_site["id"]) == "reuters"


def test_no_user_password_reaches_the_store_an_export_or_a_report(db, tmp_path, loopback):
    secret = "hunter2-secret"
    loopback.add("/page.html", PAGE)
    url = loopback.url("/page.html").replace("://", f"://analyst:{secret}@")
    saved = tmp_path / "saved.html"
    saved.write_text(
        PAGE.replace("https://news.", f"https://editor:{secret}@news.").replace("Friday", "Monday"),
        encoding="utf-8",
    )
    items = (
        f"<item><title>Entry</title><link>https://reader:{secret}@feeds.example.org/1</link>"
        "<description>An entry whose link carries a password.</description></item>"
    )
    feed = tmp_path / "feed.xml"
    feed.write_text(f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>')
    report, outcomes = run_import(db, [url, saved, feed], allow_private_addresses=True)
    assert report.failed == 0, outcomes
    # A link that cannot be fetched is named in the failure line without its password.
    bare = tmp_path / "bare.xml"
    bare.write_text(
        '<rss version="2.0"><channel><title>T</title>'
        f"<item><link>http://reader:{secret}@127.0.0.1:9/x</link></item></channel></rss>"
    )
    _, failed = run_import(db, [bare], fetch_feed_links=True)
    assert failed[0].status == "failed" and "entry link http://127.0.0.1:9/x" in failed[0].reason
    assert secret not in failed[0].reason
    stored = db.execute("SELECT * FROM articles").fetchall()
    assert stored and secret not in repr(stored)
    assert all(secret not in o.source for o in outcomes)
    out = io.StringIO()
    write_export(db, out, "jsonl", ArticleFilter())
    assert secret not in out.getvalue()
    assert article(db, outcomes[0].article_id)["source"] == loopback.url("/page.html")
