"""The write path in batches gives the store that one article at a time gives.

A refresh stores the entries of many feeds through one write_results call per batch,
whose story assigner keeps what the batch's assignments share. The store after a
refresh must equal the store after importing the same entries one at a time, in the
same order: articles and languages, outlets (publishers, citations, suggested flags),
story signatures, key counts, stories and their members.
"""

from __future__ import annotations

import copy
import json
import random

import loopback_server
import pytest

from article_triage.store.db import open_db
from article_triage.store.feeds import RefreshRequest, add_feed, refresh
from article_triage.store.feeds.refresh import _read_entry
from article_triage.store.ingest.feeds import parse_feed
from article_triage.store.ingest.language import DEFAULT_LANGUAGES
from article_triage.store.ingest.model import ImportOptions
from article_triage.store.ingest.pipeline import write_results
from article_triage.store.ingest.read import WorkerSettings
from article_triage.store.outlets import load_registry

loopback = loopback_server.loopback

# Events told by several feeds in several languages, with the outlets they cite, and
# same-topic traps (the same people, other cities and numbers).
EVENTS = [
    "Tokayev met Xi in Astana on 12 May and signed 14 agreements on grain exports, "
    "according to RIA Novosti.",
    "Токаев встретился с Си Цзиньпином в Астане 12 мая и подписал 14 соглашений, "
    "сообщает РИА Новости.",
    "Laut Reuters hat Tokajew am 12. Mai in Astana 14 Abkommen mit Xi unterzeichnet.",
    "Tokayev met Putin in Moscow on 3 June to discuss the pipeline, TASS reported.",
    "Токаєв зустрівся з Путіним у Москві 3 червня, повідомляє ТАСС, щодо трубопроводу.",
    "A drone strike on Kharkiv killed 7 people on 20 June, the regional governor said.",
    "Внаслідок удару дрона по Харкову 20 червня загинули 7 людей, повідомили в ОДА.",
    "A drone strike on Odesa killed 3 people on 20 June, the regional governor said.",
    "Flooding in Atyrau forced 1,500 people from their homes on 2 April.",
    "Паводок в Атырау вынудил 1 500 человек покинуть дома 2 апреля, сообщает Интерфакс.",
]
FEEDS = 6
ENTRIES = 8
LINKS = ("https://www.rt.com/news/{}/", "https://www.reuters.com/world/{}/", None)


def feed_body(n: int) -> str:
    rng = random.Random(n)
    items = []
    for e in range(ENTRIES):
        text = rng.choice(EVENTS)
        link = (rng.choice(LINKS) or f"https://news{n}.example.org/{{}}/").format(f"{n}-{e}")
        items.append(
            f"<item><title>Report {n}.{e}</title><guid>urn:{n}:{e}</guid><link>{link}</link>"
            f"<pubDate>Tue, 0{1 + e % 3} Dec 2026 08:00:00 GMT</pubDate>"
            f"<description>{text} Item {n}-{e}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title>{''.join(items)}</channel></rss>"
    )


def store_contents(db) -> dict[str, list]:
    queries = {
        "articles": "SELECT id, source, feed_url, url, title, text, language, simhash,"
        " near_duplicate_of, text_sha256 FROM articles ORDER BY id",
        "captures": "SELECT article_id, size, raw FROM captures ORDER BY article_id",
        "citations": "SELECT article_id, outlet_key, role, paragraph_index, start, end,"
        " matched_text, cue FROM citations ORDER BY 1, 2, 3, 4, 5",
        "flags": "SELECT article_id, flag, reason, outlet_key FROM suggested_flags ORDER BY 1, 2, 4",
        "signatures": "SELECT article_id, first_day, last_day, keys, anchors, mass"
        " FROM story_signatures ORDER BY 1",
        "key_counts": "SELECT key, articles FROM story_key_counts ORDER BY 1",
        "keys": "SELECT key, day, article_id FROM story_keys ORDER BY 1, 2, 3",
        "stories": "SELECT id, size, first_day, last_day FROM stories ORDER BY 1",
        "members": "SELECT article_id, story_id, score, placed_by FROM story_members ORDER BY 1",
    }
    return {name: db.execute(sql).fetchall() for name, sql in queries.items()}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_refresh_stores_what_importing_its_entries_one_at_a_time_stores(
    tmp_path, loopback, workers
):
    """Also when worker processes parse the feeds and read the entries (workers=2)."""
    bodies = {loopback.add(f"/feed{n}.xml", feed_body(n)): feed_body(n) for n in range(FEEDS)}
    options = ImportOptions(
        allow_private_addresses=True, fetch_feed_links=False, timeout=5, workers=workers
    )
    refreshed = open_db(tmp_path / "refreshed.db")
    for url in bodies:
        add_feed(refreshed, url)
    report = refresh(refreshed, RefreshRequest(options=options, ignore_schedule=True))
    assert sum(o.new for o in report.feeds) == FEEDS * ENTRIES

    # The same entries, read as the refresh reads them, each stored alone, in the
    # order the refresh stored them (feeds answer in any order).
    settings = WorkerSettings(5, options.max_bytes, True, DEFAULT_LANGUAGES, False)
    read = {}
    for url, body in bodies.items():
        for entry in parse_feed(body, url).entries:
            read[(url, entry.link)] = _read_entry(entry, url, settings)
    order = refreshed.execute("SELECT feed_url, source FROM articles ORDER BY id").fetchall()
    registry = load_registry(None)
    alone = open_db(tmp_path / "alone.db")
    batched = open_db(tmp_path / "batched.db")
    for key in order:
        write_results(alone, [copy.deepcopy(read[key])], registry, DEFAULT_LANGUAGES)
    write_results(batched, [copy.deepcopy(read[key]) for key in order], registry, DEFAULT_LANGUAGES)

    expected = store_contents(alone)
    # What the comparison covers is there to compare.
    assert len({row[6] for row in expected["articles"]}) >= 3  # languages
    assert any(row[2] == "publisher" for row in expected["citations"])
    assert any(row[2] == "attributed" for row in expected["citations"])
    assert len(expected["stories"]) < len(expected["articles"])
    assert any(size > 1 for _id, size, _first, _last in expected["stories"])
    assert store_contents(refreshed) == expected
    assert store_contents(batched) == expected


def read_entries() -> list:
    """Every entry of the FEEDS feeds, read as a refresh's pool threads read them."""
    settings = WorkerSettings(5, 10**7, True, DEFAULT_LANGUAGES, False)
    return [
        _read_entry(entry, f"http://feeds.invalid/{n}", settings)
        for n in range(FEEDS)
        for entry in parse_feed(feed_body(n), f"http://feeds.invalid/{n}").entries
    ]


def test_a_batch_reads_what_its_assignments_share_once(tmp_path):
    """One write_results call over many articles asks the store for candidate signatures
    and story anchors far less often than the same articles stored one call each."""
    results = read_entries()
    registry = load_registry(None)

    def reads(batches: list[list]) -> int:
        db = open_db(tmp_path / f"{len(batches)}.db")
        statements: list[str] = []
        db.conn.set_trace_callback(statements.append)
        for batch in batches:
            write_results(db, copy.deepcopy(batch), registry, DEFAULT_LANGUAGES)
        db.conn.set_trace_callback(None)
        return sum(
            1
            for s in statements
            if "FROM story_signatures s JOIN story_members" in s or "s.anchors" in s
        )

    alone, batched = reads([[r] for r in results]), reads([results])
    assert alone > 20
    assert batched * 3 < alone


def test_a_new_article_is_assigned_as_the_full_lookups_assign_it(tmp_path, monkeypatch):
    """The write path tells the story assigner the article is new, so it skips looking up
    a story and a signature the article cannot have yet; the store is the one those
    lookups give, also when the article reuses the id of a deleted one (SQLite hands
    the highest id out again)."""
    from article_triage.store.stories.cluster import StoryAssigner

    results = read_entries()
    registry = load_registry(None)
    half = len(results) // 2

    def stored(name: str) -> dict[str, list]:
        db = open_db(tmp_path / f"{name}.db")
        write_results(db, copy.deepcopy(results[:half]), registry, DEFAULT_LANGUAGES)
        last = db.execute("SELECT max(id) FROM articles").fetchone()[0]
        db.execute("DELETE FROM articles WHERE id = ?", [last])
        db.conn.commit()
        write_results(db, copy.deepcopy(results[half:]), registry, DEFAULT_LANGUAGES)
        assert db.execute("SELECT count(*) FROM articles WHERE id = ?", [last]).fetchone() == (1,)
        return store_contents(db)

    shortcut = stored("shortcut")
    full_assign = StoryAssigner.assign
    monkeypatch.setattr(
        StoryAssigner,
        "assign",
        lambda self, article_id, inserted=False: full_assign(self, article_id),
    )
    assert shortcut == stored("full")
    assert len(shortcut["members"]) == len(results) - 1


def test_a_batch_counts_keys_once_and_not_those_of_an_article_rolled_back(tmp_path, monkeypatch):
    """A batch writes its key counts together at its end; an article whose savepoint is
    rolled back after its story was assigned leaves no count behind, and the counts
    of the articles before it stay. The store is the one without that article."""
    from article_triage.store.stories.cluster import StoryAssigner

    results = read_entries()
    registry = load_registry(None)
    failing = results[len(results) // 2].article.title
    real_assign = StoryAssigner.assign

    def assign_then_fail(self, article_id, inserted=False):
        story_id = real_assign(self, article_id, inserted)
        title = self.db.execute("SELECT title FROM articles WHERE id = ?", [article_id]).fetchone()
        if title[0] == failing:
            raise ValueError("refused after its story was assigned")
        return story_id

    batched = open_db(tmp_path / "batched.db")
    statements: list[str] = []
    batched.conn.set_trace_callback(statements.append)
    with monkeypatch.context() as patch:
        patch.setattr(StoryAssigner, "assign", assign_then_fail)
        outcomes = write_results(batched, copy.deepcopy(results), registry, DEFAULT_LANGUAGES)
    batched.conn.set_trace_callback(None)
    assert [o.status for o in outcomes].count("failed") == 1

    others = [r for r in results if r.article.title != failing]
    alone = open_db(tmp_path / "alone.db")
    for result in others:
        write_results(alone, [copy.deepcopy(result)], registry, DEFAULT_LANGUAGES)
    expected = store_contents(alone)
    assert store_contents(batched) == expected
    # One count statement per distinct key, not one per key of each article.
    counted = [s for s in statements if s.startswith("INSERT INTO story_key_counts")]
    per_article = sum(len(json.loads(row[3])) + 1 for row in expected["signatures"])
    assert len(counted) <= 2 * len(expected["key_counts"]) < per_article


def test_an_assigner_kept_from_batch_to_batch_stores_what_fresh_ones_store(tmp_path):
    """A run keeps one story assigner for all its batches (each its own transaction):
    the store equals one article at a time, and later batches read what earlier ones
    stored from memory instead of the store."""
    from article_triage.store.stories.cluster import StoryAssigner

    results = read_entries()
    registry = load_registry(None)
    batches = [results[i : i + 7] for i in range(0, len(results), 7)]
    alone = open_db(tmp_path / "alone.db")
    for result in results:
        write_results(alone, [copy.deepcopy(result)], registry, DEFAULT_LANGUAGES)
    kept_db = open_db(tmp_path / "kept.db")
    statements: list[str] = []
    kept_db.conn.set_trace_callback(statements.append)
    stories = StoryAssigner(kept_db)
    for batch in batches:
        write_results(kept_db, copy.deepcopy(batch), registry, DEFAULT_LANGUAGES, stories)
    kept_db.conn.set_trace_callback(None)
    assert store_contents(kept_db) == store_contents(alone)
    fresh_db = open_db(tmp_path / "fresh.db")
    fresh: list[str] = []
    fresh_db.conn.set_trace_callback(fresh.append)
    for batch in batches:
        write_results(fresh_db, copy.deepcopy(batch), registry, DEFAULT_LANGUAGES)

    def signature_reads(trace: list[str]) -> int:
        return sum(1 for s in trace if "FROM story_signatures s JOIN story_members" in s)

    assert signature_reads(statements) < signature_reads(fresh)


def test_a_kept_assigner_drops_what_it_kept_when_another_connection_wrote(tmp_path):
    """Between two batches an analyst splits an article out of its story in the app
    (another connection): the next batch must see the store as it is now, as a fresh
    assigner does, not the story the article was in."""
    from article_triage.store.stories import split_article
    from article_triage.store.stories.cluster import StoryAssigner

    results = read_entries()
    registry = load_registry(None)
    half = len(results) // 2

    def run(keep: bool) -> dict[str, list]:
        path = tmp_path / f"{'kept' if keep else 'fresh'}.db"
        db = open_db(path)
        stories = StoryAssigner(db) if keep else None
        write_results(db, copy.deepcopy(results[:half]), registry, DEFAULT_LANGUAGES, stories)
        other = open_db(path)
        (story, size), *_ = other.execute(
            "SELECT id, size FROM stories ORDER BY size DESC, id LIMIT 1"
        ).fetchall()
        assert size > 1
        moved = other.execute(
            "SELECT max(article_id) FROM story_members WHERE story_id = ?", [story]
        ).fetchone()[0]
        split_article(other, moved, "analyst")
        other.close()
        write_results(db, copy.deepcopy(results[half:]), registry, DEFAULT_LANGUAGES, stories)
        return store_contents(db)

    assert run(keep=True) == run(keep=False)


def test_a_kept_assigner_forgets_a_batch_that_was_rolled_back(tmp_path, monkeypatch):
    """Ctrl-C (or a full disk) in the middle of a batch rolls its transaction back: the
    next batch through the same assigner stores what it would have without it."""
    from article_triage.store.ingest import pipeline
    from article_triage.store.stories.cluster import StoryAssigner

    results = read_entries()
    registry = load_registry(None)
    half = len(results) // 2
    real_write = pipeline._write
    calls = []

    def interrupted(db, result, registry, stories):
        calls.append(result)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real_write(db, result, registry, stories)

    kept_db = open_db(tmp_path / "kept.db")
    stories = StoryAssigner(kept_db)
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "_write", interrupted)
        with pytest.raises(KeyboardInterrupt):
            write_results(kept_db, copy.deepcopy(results[:half]), registry, DEFAULT_LANGUAGES,
                          stories)  # fmt: skip
    assert kept_db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    write_results(kept_db, copy.deepcopy(results[half:]), registry, DEFAULT_LANGUAGES, stories)
    fresh_db = open_db(tmp_path / "fresh.db")
    write_results(fresh_db, copy.deepcopy(results[half:]), registry, DEFAULT_LANGUAGES)
    assert store_contents(kept_db) == store_contents(fresh_db)


def test_a_kept_assigner_starts_afresh_past_its_bound(tmp_path, monkeypatch):
    """What an assigner carries from batch to batch is bounded (a long run's memory must
    not grow with it), and starting afresh changes nothing in the store."""
    from article_triage.store.stories import cluster

    monkeypatch.setattr(cluster, "KEPT_SIGNATURES", 10)
    carried: list[int] = []
    real_begin = cluster.StoryAssigner.begin

    def begin(self):
        real_begin(self)
        carried.append(len(self._stored))

    monkeypatch.setattr(cluster.StoryAssigner, "begin", begin)
    results = read_entries()
    registry = load_registry(None)
    db = open_db(tmp_path / "kept.db")
    stories = cluster.StoryAssigner(db)
    for start in range(0, len(results), 6):
        batch = copy.deepcopy(results[start : start + 6])
        write_results(db, batch, registry, DEFAULT_LANGUAGES, stories)
    assert len(carried) == len(range(0, len(results), 6))
    assert any(carried) and max(carried) <= 10
    alone = open_db(tmp_path / "alone.db")
    for result in results:
        write_results(alone, [copy.deepcopy(result)], registry, DEFAULT_LANGUAGES)
    assert store_contents(db) == store_contents(alone)
