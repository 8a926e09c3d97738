"""Feed refresh: store.feeds.refresh against a plain feedparser/urllib loop, same run.

200 feeds (10 entries each) are served from 50 loopback hosts (127.0.0.2 ...
127.0.0.51, four feeds a host, as outlets publish several feeds each), from a
process of their own (real feeds come from other machines: in this process the
servers' threads would take the interpreter lock from the refresh measured; with
--servers-in-process they do, as before 2026-12-05); every request is answered
after 100 ms, a typical latency to a news site. Each feed has
an ETag and answers If-None-Match with 304. Measured, medians over --repeats:

- first refresh: ``refresh()`` on a fresh store (fetch, parse, find what is new,
  import every entry through the import's write path: language, outlets, FTS),
  against the baseline of ``urllib.request.urlopen`` + ``feedparser.parse`` per
  feed, one after another (what a first script does; it stores nothing);
- second refresh: ``refresh(--all)`` on the same store, nothing changed: every
  request conditional, every answer 304, nothing imported; against one round of
  the same 200 conditional requests sent by plain urllib from a thread pool of the
  same size and the same per-host limit (the network's own cost of a 304 round);
- memory: the peak of Python allocations (tracemalloc) during a first refresh of
  50, 200 and 400 feeds, to show it is flat in the number of feeds.

Entries are built from the feeds alone (--no-fetch-links) in the ratios, as the
baseline does not fetch linked pages either; --with-links adds a run that does.

Targets (issue 11): first refresh >= 8x faster than the loop; the all-304 second
refresh < 2x one round of 304s; memory flat in the number of feeds.

Real feeds (--feeds-from DIR, e.g. ../shared/corpus/feeds): every feed file under DIR
(110 real RSS/RDF feeds in the corpus, Russian and Bulgarian ones in five legacy
encodings, Hungarian blogs) served as it is, as application/xml with no charset, two
a host, with the same latency: the first refresh and the all-304 one against the same
baselines, so the ratio is measured on feeds nobody wrote for this benchmark too.

Run: python benchmarks/refresh.py [--repeats 3] [--latency 0.1] [--with-links] [--workers N]
     [--feeds-from DIR] (needs feedparser: pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from article_triage.store.db import open_db  # noqa: E402
from article_triage.store.feeds import RefreshRequest, add_feed, refresh  # noqa: E402
from article_triage.store.ingest.model import ImportOptions  # noqa: E402

FEEDS, HOSTS, ENTRIES = 200, 50, 10
WORDS = (
    "Kazakhstan suspends arms exports for a year, the government said on Thursday, "
    "after a meeting of the commission on military and technical cooperation."
)


class FeedSite:
    """One loopback host serving its feeds; every answer waits *latency* seconds.

    ``version`` 1 serves ENTRIES entries a feed; each ``publish()`` adds one entry at
    the top of every feed and changes its ETag, as a day's news does.
    """

    def __init__(
        self,
        address: str,
        latency: float,
        feeds: int,
        first_feed: int,
        files: list[Path] | None = None,
    ) -> None:
        self.not_modified = 0
        self.version = 1
        self.numbers = range(first_feed, first_feed + feeds)
        self.bodies: dict[str, bytes] = {}
        # Real feed files are served as they are, in their own encodings.
        self.files = files
        self.content_type = (
            "application/xml" if files is not None else "application/rss+xml; charset=utf-8"
        )
        self.publish(reset=True)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                time.sleep(latency)
                body = site.bodies.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = site.etag(self.path)
                if self.headers.get("If-None-Match") == etag:
                    site.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", site.content_type)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((address, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 64
        port = self.httpd.server_address[1]
        self.urls = [f"http://{address}:{port}/feed{n}.xml" for n in self.numbers]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def etag(self, path: str) -> str:
        return f'"{path}-{self.version}"'

    def publish(self, reset: bool = False) -> None:
        self.version = 1 if reset else self.version + 1
        if self.files is not None:
            self.bodies = {
                f"/feed{n}.xml": f.read_bytes()
                for n, f in zip(self.numbers, self.files, strict=True)
            }
            return
        self.bodies = {f"/feed{n}.xml": _feed(n, ENTRIES + self.version - 1) for n in self.numbers}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


_SYLLABLES = ("ka", "ro", "vel", "min", "tor", "az", "bek", "lun", "dra", "sen", "ol", "gri")
_NAMES = sorted({(a + b + c).capitalize() for a in _SYLLABLES for b in _SYLLABLES for c in "ni"})
_VERBS = ("met", "criticised", "visited", "signed a deal with", "denied reports about", "praised")
_TOPICS = (
    "grain exports",
    "the pipeline",
    "border talks",
    "a new tariff",
    "the election",
    "flooding",
)


def _story(rng: random.Random) -> tuple[str, str]:
    """A title and three sentences with their own names and numbers: each entry its own event."""
    who, whom, where = rng.sample(_NAMES, 3)
    title = f"{who} {rng.choice(_VERBS)} {whom} in {where}"
    sentences = [
        f"{who} {rng.choice(_VERBS)} {whom} in {where} on {rng.choice(_TOPICS)}.",
        f"Officials in {rng.choice(_NAMES)} said {rng.randint(2, 9000)} people were affected.",
        f"{WORDS.split(',')[0].replace('Kazakhstan', rng.choice(_NAMES))}, the ministry said.",
    ]
    return title, " ".join(sentences)


def _feed(n: int, entries: int) -> bytes:
    today = date.today().strftime("%a, %d %b %Y")
    items = []
    for e in reversed(range(entries)):  # newest first, as feeds list them
        title, text = _story(random.Random(n * 10_000 + e))
        items.append(
            f"<item><title>{title}</title><guid>urn:feed{n}:story{e}</guid>"
            f"<link>http://127.0.0.1:9/feed{n}/story{e}.html</link>"
            f"<pubDate>{today} 0{e % 10}:00:00 GMT</pubDate>"
            f"<description>{text}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>http://example.invalid/{n}</link>{''.join(items)}"
        "</channel></rss>"
    ).encode()


SERVERS_APART = True
"""Serve the sites from a process of their own (--servers-in-process: from this one)."""


class RemoteSite:
    """A FeedSite living in the servers' process, asked through a pipe (same interface)."""

    def __init__(self, servers: SiteServers, index: int, urls: list[str]) -> None:
        self._servers, self._index, self.urls = servers, index, urls

    def etag(self, path: str) -> str:
        return self._servers.call(self._index, "etag", path)

    def publish(self, reset: bool = False) -> None:
        self._servers.call(self._index, "publish", reset)

    @property
    def not_modified(self) -> int:
        return self._servers.call(self._index, "not_modified")

    @property
    def bodies(self) -> dict[str, bytes]:
        return self._servers.call(self._index, "bodies")

    def close(self) -> None:
        self._servers.close()


class SiteServers:
    """The loopback sites, served from a process of their own.

    Real feeds are served by other machines. In this process the servers' threads
    would take the interpreter lock from the refresh being measured (its writer and
    its pool threads) on every request, a cost no real refresh pays; the plain loop,
    waiting on latency, hardly feels it. They still share the machine's two cores.
    """

    def __init__(self, make_sites: Callable[[], list[FeedSite]]) -> None:
        import multiprocessing

        # fork: the sites are built in the child from this process's code, and no
        # thread of this process exists yet to be copied half-way.
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_sites, args=(child, make_sites), daemon=True)
        self._process.start()
        self.sites = [RemoteSite(self, i, urls) for i, urls in enumerate(self._conn.recv())]

    def call(self, index: int, what: str, *args: object):
        self._conn.send((index, what, args))
        return self._conn.recv()

    def close(self) -> None:
        if self._process.is_alive():
            self._conn.send(None)
            self._process.join(timeout=10)


def _serve_sites(conn, make_sites: Callable[[], list[FeedSite]]) -> None:
    sites = make_sites()
    conn.send([site.urls for site in sites])
    while (asked := conn.recv()) is not None:
        index, what, args = asked
        value = getattr(sites[index], what)
        conn.send(value(*args) if callable(value) else value)
    for site in sites:
        site.close()


def _serve(make_sites: Callable[[], list[FeedSite]]) -> list[FeedSite] | list[RemoteSite]:
    return SiteServers(make_sites).sites if SERVERS_APART else make_sites()


def start_sites(latency: float, feeds: int) -> list[FeedSite] | list[RemoteSite]:
    per_host = max(1, feeds // HOSTS)
    return _serve(
        lambda: [
            FeedSite(f"127.0.0.{2 + h}", latency, per_host, h * per_host)
            for h in range(min(HOSTS, feeds))
        ]
    )


def start_real_sites(latency: float, folder: Path) -> list[FeedSite] | list[RemoteSite]:
    """Every feed file under *folder*, two a loopback host."""
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix in {".xml", ".rss", ".rdf", ".atom"}
    )
    pairs = [files[i : i + 2] for i in range(0, len(files), 2)]
    return _serve(
        lambda: [
            FeedSite(f"127.0.0.{2 + h}", latency, len(pair), 2 * h, pair)
            for h, pair in enumerate(pairs)
        ]
    )


def real_feeds(folder: Path, latency: float, repeats: int) -> None:
    """First and all-304 refresh of real feed files against the same baselines."""
    import feedparser

    sites = start_real_sites(latency, folder)
    urls = [url for site in sites for url in site.urls]
    interleaved = [site.urls[i] for i in range(2) for site in sites if i < len(site.urls)]
    entries = sum(len(feedparser.parse(body).entries) for s in sites for body in s.bodies.values())
    req = request(links=False)
    loops, loop_cpus, firsts, first_cpus, seconds, rounds = [], [], [], [], [], []
    outcome = Counter()
    for _ in range(repeats):
        wall, cpu = baseline_loop(urls, entries)
        loops.append(wall)
        loop_cpus.append(cpu)
        where = Path(tempfile.mkdtemp(prefix="refresh-real-"))
        try:
            db = open_db(where / "real.db")
            subscribe(db, sites)
            started, cpu = time.perf_counter(), time.process_time()
            first = refresh(db, req)
            firsts.append(time.perf_counter() - started)
            first_cpus.append(time.process_time() - cpu)
            outcome = Counter(
                new=sum(o.new for o in first.feeds),
                duplicates=sum(o.duplicates for o in first.feeds),
                failed_feeds=sum(1 for o in first.feeds if o.status == "failed"),
                failed_entries=sum(o.failed_entries for o in first.feeds),
            )
            started = time.perf_counter()
            second = refresh(db, request(links=False))
            seconds.append(time.perf_counter() - started)
            assert sum(o.new for o in second.feeds) == 0
            db.close()
        finally:
            shutil.rmtree(where, ignore_errors=True)
        rounds.append(baseline_304_round(sites, interleaved, req.concurrency, req.per_host))
    for site in sites:
        site.close()
    loop, first, second, one_round = (
        statistics.median(x) for x in (loops, firsts, seconds, rounds)
    )
    print(
        f"real feeds: {len(urls)} files under {folder} ({entries} entries), "
        f"{len(sites)} hosts, median of {repeats}; baseline loop {loop:.2f} s "
        f"({statistics.median(loop_cpus):.2f} CPU s)"
    )
    print(
        f"  first refresh  {first:6.2f} s -> {loop / first:5.1f}x faster (target >= 8x); "
        f"{statistics.median(first_cpus):.2f} CPU s; {outcome['new']} imported, "
        f"{outcome['duplicates']} duplicates (the same feeds in other encodings), "
        f"{outcome['failed_feeds']} feeds and {outcome['failed_entries']} entries failed (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  all-304 refresh {second:5.2f} s vs one round of plain 304s {one_round:.2f} s "
        f"-> {second / one_round:.2f}x (target < 2x)"
    )


WORKERS: int | None = None
"""Worker processes that parse feeds and read entries; None: one a core, as `triage
refresh` has them (--workers 1: all in the refresh's own threads)."""


def request(*, links: bool) -> RefreshRequest:
    options = ImportOptions(
        allow_private_addresses=True, fetch_feed_links=links, timeout=20, workers=WORKERS
    )
    return RefreshRequest(options=options, ignore_schedule=True)


def subscribe(db, sites: list[FeedSite]) -> None:
    for site in sites:
        for url in site.urls:
            add_feed(db, url)


def baseline_loop(urls: list[str], expected: int | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of the plain loop; *expected* entries in all (default ENTRIES a feed)."""
    import feedparser

    started, cpu = time.perf_counter(), time.process_time()
    entries = 0
    for url in urls:
        with urllib.request.urlopen(url, timeout=20) as response:
            entries += len(feedparser.parse(response.read()).entries)
    assert entries == (len(urls) * ENTRIES if expected is None else expected), entries
    return time.perf_counter() - started, time.process_time() - cpu


def baseline_304_round(
    sites: list[FeedSite], urls: list[str], concurrency: int, per_host: int
) -> float:
    """The same conditional requests, from a pool of the same size and per-host limit."""
    etags = {url: site.etag("/" + url.split("/", 3)[3]) for site in sites for url in site.urls}
    slots = {url.split("/")[2]: threading.Semaphore(per_host) for url in urls}

    def ask(url: str) -> int:
        request = urllib.request.Request(url, headers={"If-None-Match": etags[url]})
        with slots[url.split("/")[2]]:
            try:
                urllib.request.urlopen(request, timeout=20)
            except urllib.error.HTTPError as exc:
                return exc.code
        return 200

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        codes = list(pool.map(ask, urls))
    assert set(codes) == {304}, Counter(codes)
    return time.perf_counter() - started


class WriteClock:
    """Time spent in the import's write path (language, insert, outlets, stories, FTS)."""

    def __init__(self) -> None:
        from article_triage.store.ingest import pipeline

        self.seconds = 0.0
        self._module = pipeline
        self._real = pipeline.write_results

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self._real(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        pipeline.write_results = timed

    def close(self) -> None:
        self._module.write_results = self._real


def one_day(sites: list[FeedSite], links: bool, interleaved: list[str], req) -> dict[str, float]:
    """First refresh, an all-304 refresh, one round of plain 304s, then a day's news."""
    for site in sites:
        site.publish(reset=True)
    folder = Path(tempfile.mkdtemp(prefix="refresh-bench-"))
    clock = WriteClock()
    try:
        db = open_db(folder / "bench.db")
        subscribe(db, sites)
        started, cpu = time.perf_counter(), time.process_time()
        first = refresh(db, request(links=links))
        figures = {
            "first": time.perf_counter() - started,
            "first_cpu": time.process_time() - cpu,  # the servers' threads included
            "first_write": clock.seconds,
        }
        assert sum(o.new for o in first.feeds) == len(first.feeds) * ENTRIES
        before_304 = sum(site.not_modified for site in sites)
        started = time.perf_counter()
        second = refresh(db, request(links=links))
        figures["second"] = time.perf_counter() - started
        assert all(o.http_status == 304 for o in second.feeds)
        assert sum(o.new for o in second.feeds) == 0
        assert sum(site.not_modified for site in sites) - before_304 == len(second.feeds)
        figures["round"] = baseline_304_round(sites, interleaved, req.concurrency, req.per_host)
        for site in sites:
            site.publish()
        clock.seconds = 0.0
        started = time.perf_counter()
        daily = refresh(db, request(links=links))
        figures["daily"] = time.perf_counter() - started
        figures["daily_write"] = clock.seconds
        assert sum(o.new for o in daily.feeds) == len(daily.feeds)
        db.close()
        return figures
    finally:
        clock.close()
        shutil.rmtree(folder, ignore_errors=True)


def peak_memory(latency: float, feeds: int) -> float:
    sites = start_sites(latency, feeds)
    folder = Path(tempfile.mkdtemp(prefix="refresh-mem-"))
    try:
        db = open_db(folder / "mem.db")
        subscribe(db, sites)
        tracemalloc.start()
        refresh(db, request(links=False))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.close()
        return peak / 1024 / 1024
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for site in sites:
            site.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--with-links", action="store_true")
    parser.add_argument(
        "--feeds-from", type=Path, metavar="DIR", help="also refresh the real feed files under DIR"
    )
    parser.add_argument(
        "--real-only", action="store_true", help="with --feeds-from: only the real feeds"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="worker processes for parsing (default: one a core; 1: none, threads only)",
    )
    parser.add_argument(
        "--servers-in-process",
        action="store_true",
        help="serve the loopback sites from this process's threads (as before 2026-12-05)",
    )
    args = parser.parse_args()
    global WORKERS, SERVERS_APART
    WORKERS = args.workers
    SERVERS_APART = not args.servers_in_process
    try:
        import feedparser  # noqa: F401
    except ImportError:
        sys.exit("benchmarks/refresh.py needs feedparser: pip install -e '.[bench]'")
    if args.feeds_from:
        real_feeds(args.feeds_from, args.latency, args.repeats)
        if args.real_only:
            return

    sites = start_sites(args.latency, FEEDS)
    urls = [url for site in sites for url in site.urls]
    # Hosts taken in turn, as refresh's dispatcher does: no pool thread waits on a busy host.
    interleaved = [site.urls[i] for i in range(len(sites[0].urls)) for site in sites]
    req = request(links=False)
    one_day(sites[:1], False, sites[0].urls, req)  # warm-up: lingua, the registry, imports
    loops, loop_cpus, days = [], [], []
    for _ in range(args.repeats):
        for site in sites:
            site.publish(reset=True)
        wall, cpu = baseline_loop(urls)
        loops.append(wall)
        loop_cpus.append(cpu)
        days.append(one_day(sites, False, interleaved, req))
    loop, loop_cpu = statistics.median(loops), statistics.median(loop_cpus)
    fig = {key: statistics.median(day[key] for day in days) for key in days[0]}
    n = FEEDS * ENTRIES
    print(
        f"{FEEDS} feeds x {ENTRIES} entries on {HOSTS} hosts, "
        f"{args.latency * 1000:.0f} ms a request, median of {args.repeats}; "
        f"baseline feedparser/urllib loop {loop:.2f} s ({loop_cpu:.2f} CPU s)"
    )
    print(
        f"first refresh ({n} imported)   {fig['first']:6.2f} s -> {loop / fig['first']:5.1f}x faster"
        f" (target >= 8x); of which the import write path {fig['first_write']:.2f} s"
        f" ({fig['first_write'] / n * 1000:.1f} ms an article); the rest"
        f" {fig['first'] - fig['first_write']:.2f} s -> {loop / (fig['first'] - fig['first_write']):.1f}x;"
        f" {fig['first_cpu']:.2f} CPU s in this process, worker processes not counted"
        f" (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"daily refresh ({FEEDS} new, 1 a feed) {fig['daily']:6.2f} s -> {loop / fig['daily']:5.1f}x faster;"
        f" of which writing {fig['daily_write']:.2f} s"
    )
    print(
        f"all-304 refresh               {fig['second']:6.2f} s vs one round of plain 304s "
        f"{fig['round']:.2f} s -> {fig['second'] / fig['round']:.2f}x (target < 2x)"
    )
    if args.with_links:
        linked = statistics.median(
            one_day(sites, True, interleaved, req)["first"] for _ in range(args.repeats)
        )
        print(f"first refresh fetching linked pages (port 9: refused at once): {linked:.2f} s")
    for site in sites:
        site.close()
    # The refresh holds a bounded number of feeds and one batch of articles at a time:
    # beyond that bound its peak should stop growing with the feed count.
    small, large, double = (peak_memory(args.latency, n) for n in (50, FEEDS, 2 * FEEDS))
    print(
        f"peak Python memory of a first refresh: 50 feeds {small:.1f} MiB, "
        f"{FEEDS} feeds {large:.1f} MiB -> {large / small:.2f}x, "
        f"{2 * FEEDS} feeds {double:.1f} MiB -> {double / large:.2f}x of {FEEDS}"
    )


if __name__ == "__main__":
    main()
