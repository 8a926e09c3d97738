"""URLs and feeds, fetched from a server on 127.0.0.1 that the test starts."""

from __future__ import annotations

import gzip

import loopback_server

from article_triage.store.articles import get_capture
from tests.test_ingest_files import PAGE, article, run_import

loopback = loopback_server.loopback  # the fixture, served on 127.0.0.1

RUSSIAN_PAGE = (
    "<html><head><title>Новости</title></head><body><article><h1>Газовый кризис</h1>"
    "<p>Надежды на разрешение в пятницу кризиса с транзитом российского газа в Европу через "
    "территорию Украины пока не оправдались, сообщили в компании поздно вечером.</p>"
    "<p>Их появлению способствовала информация о согласии украинской стороны на создание "
    "международной мониторинговой экспертной комиссии с участием представителей компании.</p>"
    "</article></body></html>"
)


def _rss(server, items: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>Loopback news</title><link>{server.url('/')}</link>{items}</channel></rss>"
    ).encode(encoding)


def test_url_is_fetched_with_status_final_url_and_fetch_time(db, loopback):
    loopback.add("/article.html", PAGE)
    loopback.add("/old-link", redirect_to=loopback.url("/article.html"), status=301)
    report, outcomes = run_import(db, [loopback.url("/old-link")], allow_private_addresses=True)
    assert report.imported == 1, outcomes
    row = article(db, outcomes[0].article_id)
    assert row["source"] == loopback.url("/old-link")
    assert row["final_url"] == loopback.url("/article.html")
    assert row["http_status"] == 200
    assert row["fetch_ms"] is not None and row["fetch_ms"] >= 0
    assert row["fetched_at"].endswith("Z")
    assert row["content_type"].startswith("text/html")
    # the page names a canonical URL on another site: a claim, not where it came from
    assert row["url"] == loopback.url("/article.html")
    assert row["canonical_claim"] == "https://news.example.com/world/grain-corridor-talks"
    assert get_capture(db, row["id"]) == PAGE.encode("utf-8")


def test_http_charset_header_decodes_an_undeclared_page(db, loopback):
    loopback.add(
        "/ru.html", RUSSIAN_PAGE.encode("cp1251"), content_type="text/html; charset=windows-1251"
    )
    _, outcomes = run_import(db, [loopback.url("/ru.html")], allow_private_addresses=True)
    row = article(db, outcomes[0].article_id)
    assert "транзитом российского газа" in row["text"]
    assert row["encoding"] == "cp1251" and row["language"] == "ru"


def test_ssrf_protection_blocks_loopback_by_default(db, loopback):
    loopback.add("/article.html", PAGE)
    report, _ = run_import(db, [loopback.url("/article.html")])
    assert report.failed == 1
    assert "private or loopback" in report.failures[0].reason
    assert loopback.hits["/article.html"] == 0


def test_http_errors_and_oversized_downloads_fail_with_a_reason(db, loopback):
    loopback.add("/gone.html", "gone", status=410)
    loopback.add("/huge.html", "<p>" + "x" * 300_000 + "</p>")
    report, _ = run_import(
        db,
        [loopback.url("/missing.html"), loopback.url("/gone.html"), loopback.url("/huge.html")],
        allow_private_addresses=True,
        max_bytes=100_000,
    )
    reasons = [f.reason for f in report.failures]
    assert reasons[0] == "HTTP 404" and reasons[1] == "HTTP 410"
    assert "size limit" in reasons[2]


def test_gzip_url_and_plain_text_url(db, loopback):
    loopback.add("/page.html.gz", gzip.compress(PAGE.encode()), content_type="application/gzip")
    loopback.add(
        "/note.txt", "Plain title\n\nA plain text note served over HTTP.", content_type="text/plain"
    )
    report, outcomes = run_import(
        db, [loopback.url("/page.html.gz"), loopback.url("/note.txt")], allow_private_addresses=True
    )
    assert report.imported == 2, outcomes
    assert article(db, outcomes[1].article_id)["title"] == "Plain title"


def test_feed_url_entries_fetch_their_pages_or_fall_back_to_the_summary(db, loopback):
    loopback.add("/a.html", PAGE)
    loopback.add("/b.html", RUSSIAN_PAGE)
    items = (
        f"<item><title>Grain talks</title><link>{loopback.url('/a.html')}</link>"
        "<pubDate>Fri, 17 May 2024 09:00:00 +0000</pubDate><description>short</description></item>"
        f"<item><title>Газ</title><link>{loopback.url('/b.html')}</link></item>"
        f"<item><title>Dead link</title><link>{loopback.url('/404.html')}</link>"
        "<description>&lt;p&gt;The summary is all we have of this one.&lt;/p&gt;</description>"
        "<pubDate>Sat, 18 May 2024 10:00:00 GMT</pubDate></item>"
    )
    loopback.add("/feed.xml", _rss(loopback, items), content_type="application/rss+xml")
    report, outcomes = run_import(
        db, [loopback.url("/feed.xml")], allow_private_addresses=True, fetch_feed_links=True
    )
    assert report.imported == 3, outcomes
    assert [o.source for o in outcomes] == [
        loopback.url("/feed.xml") + f"#entry-{i}" for i in (1, 2, 3)
    ]
    assert [o.completes_input for o in outcomes] == [False, False, True]
    first, second, third = (article(db, o.article_id) for o in outcomes)
    assert first["extractor"] == "trafilatura" and "Negotiators" in first["text"]
    assert first["feed_url"] == loopback.url("/feed.xml") and first["http_status"] == 200
    assert second["language"] == "ru"
    assert third["extractor"] == "article-triage.feed"
    assert third["text"] == "The summary is all we have of this one."
    assert third["published"] == "2024-05-18"


def test_feed_file_without_fetching_builds_entries_from_the_feed(db, tmp_path, loopback):
    items = (
        f"<item><title>Первая</title><link>{loopback.url('/x.html')}</link>"
        "<description>Текст первой записи в ленте.</description>"
        "<pubDate>Mon, 02 Jan 2006 10:00:00 +0300</pubDate></item>"
        "<item><title>Вторая</title><description>Текст второй записи.</description></item>"
    )
    feed = tmp_path / "feed.rss"
    feed.write_bytes(_rss(loopback, items, encoding="koi8-r"))
    report, outcomes = run_import(db, [feed], fetch_feed_links=False)
    assert report.imported == 2
    first = article(db, outcomes[0].article_id)
    assert (first["title"], first["published"], first["text"]) == (
        "Первая",
        "2006-01-02",
        "Текст первой записи в ленте.",
    )
    assert first["url"] == loopback.url("/x.html")
    assert loopback.hits["/x.html"] == 0


def test_atom_and_rdf_feeds_from_the_corpus(db, corpus):
    atom = corpus / "feeds/chardet/utf-8/anitabee.blogspot.com.xml"
    rdf = corpus / "feeds/chardet/utf-8/balatonblog.typepad.com.xml"
    report, outcomes = run_import(db, [atom, rdf])
    assert report.failed == 0 and report.imported >= 10
    rows = [article(db, o.article_id) for o in outcomes if o.article_id]
    # a Hungarian blog with a few posts written in English
    assert {r["language"] for r in rows} <= {"hu", "en"}
    assert sum(r["language"] == "hu" for r in rows) >= 10
    assert rows[0]["published"] == "2006-01-03"


def test_json_feed(db, corpus):
    report, outcomes = run_import(db, [corpus / "feeds/trafilatura/npr-technology-feed.json"])
    assert report.imported == 25
    assert article(db, outcomes[0].article_id)["published"] == "2021-10-29"


def test_two_workers_give_the_same_result_as_one(db, tmp_path, corpus):
    pages = sorted((corpus / "html/trafilatura").glob("*.html"))[:6]
    report, outcomes = run_import(db, pages, workers=2)
    assert report.imported + report.duplicates + report.near_duplicates == 6
    assert [o.source for o in outcomes] == [str(p) for p in pages]


def test_a_json_feed_nested_thousands_deep_fails_with_its_reason(db, tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    feed = tmp_path / "deep.json"
    feed.write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [' + deep + "]}",
        encoding="utf-8",
    )
    report, _ = run_import(db, [str(feed)])
    assert [f.reason for f in report.failures] == ["not a readable JSON feed (nested too deep)"]
