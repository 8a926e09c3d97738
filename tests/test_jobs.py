"""Jobs (store.jobs): one function per long task, one summariser for CLI and app."""

from __future__ import annotations

import json
import threading

import fake_libretranslate
import loopback_server
from click.testing import CliRunner

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.ingest import ImportOptions
from article_triage.store.ingest.model import ImportOutcome, ImportReport
from article_triage.store.jobs import (
    ExportRequest,
    ImportRequest,
    MergeRequest,
    TranslateRequest,
    run_export,
    run_import,
    run_merge,
    run_translate,
    summarise,
)
from article_triage.store.translate import ProviderSettings
from article_triage.tui.cli import cli

fake_libre = fake_libretranslate.fake_libre
loopback = loopback_server.loopback


def _inputs(tmp_path, samples):
    good = tmp_path / "good.txt"
    good.write_text("A title\n\nOne paragraph of text about the ministry.", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    return [str(good), str(empty)]


def test_the_cli_prints_the_summary_the_job_gives(tmp_path, samples):
    sources = _inputs(tmp_path, samples)
    db = open_db(tmp_path / "a.db")
    report = run_import(db, ImportRequest(tuple(sources), ImportOptions(workers=1)))
    db.close()
    summary = summarise(report)
    assert summary.severity == "warning"  # one stored, one failed
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "b.db"), "add", "--workers", "1", *sources]
    )
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert summary.text in lines
    assert all(f"  {detail}" in lines for detail in summary.details)
    assert summary.details and summary.details[0] in summary.one_line()


def test_severity_comes_from_the_counts_not_the_words():
    failure = ImportOutcome("x.txt", "failed", reason="empty")
    assert summarise(ImportReport(imported=2)).severity == "information"
    assert summarise(ImportReport(imported=1, failed=1, failures=[failure])).severity == "warning"
    assert summarise(ImportReport(failed=1, failures=[failure])).severity == "error"
    text, severity = summarise(ImportReport(duplicates=3))
    assert severity == "information" and "3 duplicates skipped" in text


def test_a_stopped_import_keeps_what_it_read(db, samples):
    stop = threading.Event()
    stop.set()
    seen = []
    report = run_import(
        db, ImportRequest((str(samples),), ImportOptions(workers=1)), seen.append, stop
    )
    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert report.interrupted
    assert 0 < stored < len(list(samples.glob("*.txt")))
    assert seen[0].unit == "inputs"
    assert "(stopped)" in summarise(report).text


def test_export_job_writes_whole_or_not_at_all(db, tmp_path):
    insert_article(db, ["Один абзац."], language="uk")
    path = tmp_path / "out.jsonl"
    report = run_export(db, ExportRequest(path, "jsonl"))
    assert report.records == 1 and len(path.read_text(encoding="utf-8").splitlines()) == 1
    assert summarise(report).severity == "information"
    stop = threading.Event()
    stop.set()
    other = tmp_path / "stopped.jsonl"
    stopped = run_export(db, ExportRequest(other, "jsonl"), stop=stop)
    assert stopped.interrupted and not other.exists()
    assert summarise(stopped).severity == "warning"


def test_translate_job_selects_what_lacks_a_translation(db, fake_libre):
    server = fake_libre()
    insert_article(db, ["Сили ППО збили дві ракети."], language="uk")
    settings = ProviderSettings(name="libre", url=server.url, timeout=2.0, backoff=0.01)
    progress = []
    job = run_translate(db, TranslateRequest(settings), progress.append)
    assert (job.selected, job.report.translated) == (1, 1)
    assert progress and progress[-1].done == 1
    assert summarise(job).text == "Into en: translated 1, failed 0"
    again = run_translate(db, TranslateRequest(settings))
    assert summarise(again).text == "Nothing to translate into en."


def test_merge_job_reports_through_the_summariser(db, tmp_path):
    record = {
        "schema_version": "1.1",
        "id": 1,
        "url": "https://example.org/a",
        "title": "A",
        "language": "en",
        "status": "done",
        "stance": "neutral",
        "flags": [],
        "analyst": "olena",
        "triaged_at": "2024-01-01T00:00:00Z",
        "text": "A paragraph that the other analyst read.",
    }
    path = tmp_path / "theirs.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = run_merge(db, MergeRequest(path, "me"))
    summary = summarise(report)
    assert report.added_articles == 1
    assert "1 articles added" in summary.text and summary.severity == "information"


def test_translate_job_says_how_to_work_offline_when_nothing_answers(db, tmp_path):
    insert_article(db, ["Сили ППО збили дві ракети."], language="uk")
    settings = ProviderSettings(
        name="libre", url=fake_libretranslate.closed_url(), timeout=2.0, max_retries=0
    )
    config = tmp_path / "config.toml"
    job = run_translate(db, TranslateRequest(settings, config_path=config))
    summary = summarise(job)
    assert job.unreachable and job.hint and str(config) in job.hint
    assert summary.severity == "error"
    assert "; stopped: " in summary.text and summary.text.endswith(job.hint)


def test_refresh_job_counts_feeds_and_says_what_they_brought(db, loopback):
    from article_triage.store.feeds import add_feed
    from article_triage.store.jobs import run_refresh
    from tests.test_feeds_refresh import item, request, rss

    add_feed(db, loopback.add("/feed.xml", rss(item(1), item(2))), name="Loopback")
    progress = []
    report = run_refresh(db, request(), progress.append)
    assert [p.unit for p in progress] == ["feeds", "feeds"]
    assert (progress[-1].done, progress[-1].total) == (1, 1)
    assert progress[-1].detail == "2 new articles"
    summary = summarise(report)
    assert summary.text == "Feeds: 2 new articles from 1 feed, 0 unchanged, 0 failed"
    assert summary.severity == "information"
    again = run_refresh(db, request(ignore_schedule=False))
    assert summarise(again).text == "Feeds: none is due"
