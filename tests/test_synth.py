"""benchmarks/synth.py builds a store that the rest of the code reads like a real one."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys

import pytest

from article_triage.store.articles import (
    ArticleFilter,
    article_paragraphs,
    count_articles,
    get_article,
    insert_article,
    iter_article_ids,
    page_articles,
    position_of,
    search,
    stats,
)
from article_triage.store.db import open_db
from article_triage.store.text import normalise_paragraph, text_sha256, word_count
from article_triage.store.translations import get_translation
from article_triage.store.triage import can_undo, get_decision, set_field, undo
from tests.conftest import REPO

SYNTH = REPO / "benchmarks" / "synth.py"
N = 200


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "synth.db"
    out = subprocess.run(
        [sys.executable, str(SYNTH), "--db", str(path), "--articles", str(N), "--seed", "7"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert f"articles {N:>10,}".split() == _line(out.stdout, "articles").split()
    db = open_db(path)
    yield db, out.stdout
    db.close()


def _line(stdout: str, key: str) -> str:
    for line in stdout.splitlines():
        if line.split()[:-1] == key.split():
            return line.strip()
    raise AssertionError(f"no {key!r} line in {stdout!r}")


def _count(db, sql: str) -> int:
    return db.execute(sql).fetchone()[0]


def test_reports_time_and_counts(synth_db):
    db, stdout = synth_db
    assert stdout.startswith("built ") and " s CPU)" in stdout.splitlines()[0]
    for table in ("translations", "decisions", "events", "citations", "suggested_flags"):
        reported = int(_line(stdout, table).split()[-1].replace(",", ""))
        assert reported == _count(db, f"SELECT count(*) FROM {table}") > 0


def test_articles_look_like_insert_article_wrote_them(synth_db):
    db, _ = synth_db
    assert _count(db, "SELECT count(*) FROM articles") == N
    languages = {r[0] for r in db.execute("SELECT DISTINCT language FROM articles")}
    assert languages == {"uk", "ru", "kk", "de", "en", "zh"}
    for article_id in iter_article_ids(db):
        article = get_article(db, article_id)
        paragraphs = article_paragraphs(article)
        assert paragraphs == [normalise_paragraph(p) for p in paragraphs]
        assert article["paragraph_count"] == len(paragraphs) >= 3
        assert article["word_count"] == word_count(paragraphs)
        assert article["text_sha256"] == text_sha256(paragraphs)
        assert article["added_at"].endswith("Z")
        assert article["hostname"] and article["url"].startswith(f"https://{article['hostname']}/")
    published = [r[0] for r in db.execute("SELECT published FROM articles")]
    assert {len(p) for p in published if p} <= {4, 7, 10}


def test_proportions_of_translated_graded_and_two_analysts(synth_db):
    db, _ = synth_db
    translated = _count(db, "SELECT count(*) FROM articles WHERE translation_text IS NOT NULL")
    assert 0.25 * N < translated < 0.55 * N
    assert _count(db, "SELECT count(DISTINCT provider) FROM translations") == 1
    assert (
        _count(
            db,
            "SELECT count(*) FROM articles WHERE language = 'en' AND translation_text IS NOT NULL",
        )
        == 0
    )
    graded = _count(
        db, "SELECT count(DISTINCT article_id) FROM decisions WHERE reliability IS NOT NULL"
    )
    assert 0.15 * N < graded < 0.45 * N
    both = _count(
        db,
        "SELECT count(*) FROM (SELECT article_id FROM decisions WHERE status != 'new' "
        "GROUP BY article_id HAVING count(*) = 2)",
    )
    assert both > 0
    assert count_articles(db, ArticleFilter(disagreement=True)) > 0
    assert count_articles(db, ArticleFilter(disagreement=True)) < both  # mostly agree
    flagged = _count(db, "SELECT count(*) FROM decisions WHERE flags != '[]'")
    assert flagged > 0


def test_translations_are_aligned(synth_db):
    db, _ = synth_db
    for (article_id,) in db.execute(
        "SELECT id FROM articles WHERE translation_text IS NOT NULL LIMIT 20"
    ).fetchall():
        aligned = get_translation(db, article_id, "en")
        assert aligned and all(p is not None and p.provider == "synthetic" for p in aligned)


def test_citations_point_at_the_outlet_name(synth_db):
    db, _ = synth_db
    rows = db.execute(
        "SELECT c.article_id, c.paragraph_index, c.start, c.end, c.matched_text FROM citations c "
        "WHERE role = 'attributed'"
    ).fetchall()
    assert rows
    for article_id, index, start, end, matched in rows:
        paragraph = article_paragraphs(get_article(db, article_id))[index]
        assert paragraph[start:end] == matched
    keys = {r[0] for r in db.execute("SELECT DISTINCT outlet_key FROM citations")}
    outlets = {r[0] for r in db.execute("SELECT key FROM outlets")}
    assert {"ria-novosti", "rt", "rferl"} <= outlets
    assert keys <= outlets
    assert count_articles(db, ArticleFilter(outlet="ria-novosti")) > 0
    assert count_articles(db, ArticleFilter(outlet="RIA Novosti")) == count_articles(
        db, ArticleFilter(outlet="ria-novosti")
    )
    reasons = [r[0] for r in db.execute("SELECT reason FROM suggested_flags")]
    assert any(r.startswith("cites RIA Novosti: state-controlled, RU") for r in reasons)


def test_search_and_paging_work_on_the_result(synth_db):
    db, _ = synth_db
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")
    hits = search(db, "government", limit=5)
    assert hits and all("«" in h.snippet for h in hits)
    # an English query finds non-English articles through their translations
    langs = {get_article(db, h.id)["language"] for h in search(db, "government", limit=200)}
    assert langs - {"en"}
    assert search(db, "уряд") or search(db, "правительство")

    flt = ArticleFilter(analyst="olena", status="new", language="uk")
    total = count_articles(db, flt)
    pages = [r.id for offset in range(0, total, 7) for r in page_articles(db, flt, offset, 7)]
    assert pages == list(iter_article_ids(db, flt)) and len(pages) == total > 0
    assert position_of(db, flt, pages[-1]) == total - 1
    counts = stats(db, "olena")
    assert sum(n for _, n in counts["status"]) == N
    assert sum(n for _, n in counts["outlet"]) == N


def _writable_copy(db, tmp_path):
    """A copy of the shared store, for tests that write (the others count rows)."""
    path = tmp_path / "copy.db"
    target = sqlite3.connect(path)
    db.conn.backup(target)
    target.close()
    return open_db(path)


def test_fts_triggers_are_back_after_the_build(synth_db, tmp_path):
    db = _writable_copy(synth_db[0], tmp_path)
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"articles_ai", "articles_ad", "articles_au"} <= triggers
    article_id = insert_article(db, ["Quokka sightings rise in Odesa."], language="en")
    assert [h.id for h in search(db, "quokka")] == [article_id]


def test_undo_history_is_usable(synth_db, tmp_path):
    db = _writable_copy(synth_db[0], tmp_path)
    assert can_undo(db, "olena")[0]
    article_id = next(iter_article_ids(db, ArticleFilter(analyst="olena", status="new")))
    set_field(db, article_id, "olena", "stance", "mixed")
    undo(db, "olena")
    assert get_decision(db, article_id, "olena").stance is None


def test_same_seed_same_store_and_refuses_a_filled_store(tmp_path):
    outputs = []
    for name, extra in (("a.db", ["--baseline", "10", "--repeats", "1"]), ("b.db", [])):
        run = subprocess.run(
            [sys.executable, str(SYNTH), "--db", str(tmp_path / name), "--articles", "30", *extra],
            check=True,
            capture_output=True,
            text=True,
        )
        assert ("articles/s, ratio " in run.stdout) == bool(extra)
        db = open_db(tmp_path / name)
        outputs.append(db.execute("SELECT text_sha256, title, published FROM articles").fetchall())
        db.close()
    assert outputs[0] == outputs[1]
    again = subprocess.run(
        [sys.executable, str(SYNTH), "--db", str(tmp_path / "a.db"), "--articles", "5"],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2
    assert again.stderr.strip().startswith("synth: ") and "Traceback" not in again.stderr


def _load_synth():
    spec = importlib.util.spec_from_file_location("synth", SYNTH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["synth"] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_bulk_path_writes_what_the_store_api_writes_one_by_one(tmp_path):
    synth = _load_synth()
    bulk_counts = synth.build_store(tmp_path / "bulk.db", 60, seed=3)
    slow_counts = synth.build_store(tmp_path / "slow.db", 60, seed=3, bulk=False)
    assert bulk_counts == slow_counts
    queries = [
        "SELECT id, source, url, title, sitename, hostname, published, language, text, "
        "paragraph_count, word_count, translation_text, text_sha256 FROM articles ORDER BY id",
        "SELECT article_id, analyst, status, stance, reliability, credibility, flags, notes "
        "FROM decisions ORDER BY 1, 2",
        "SELECT article_id, target_lang, paragraph_index, text, source_lang, provider "
        "FROM translations ORDER BY 1, 2, 3",
        "SELECT * FROM citations ORDER BY id",
        "SELECT * FROM suggested_flags ORDER BY 1, 2, 3",
        "SELECT article_id, field, old, new FROM events ORDER BY article_id, analyst, field",
        "SELECT rowid, title, text, translation_text FROM articles_fts ORDER BY rowid",
    ]
    bulk, slow = open_db(tmp_path / "bulk.db"), open_db(tmp_path / "slow.db")
    for sql in queries:
        assert bulk.execute(sql).fetchall() == slow.execute(sql).fetchall(), sql
    assert [h.id for h in search(bulk, "government")] == [h.id for h in search(slow, "government")]
