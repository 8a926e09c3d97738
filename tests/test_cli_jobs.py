"""The CLI runs the store jobs (store.jobs) and says what happened through the one
summariser: `triage translate`, `triage export` and `triage detect`, with Ctrl-C as
the stop flag and the exit code from the summary."""

from __future__ import annotations

import importlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import fake_libretranslate
from click.testing import CliRunner
from conftest import REPO
from fake_libretranslate import closed_url

from article_triage.store.articles import insert_article
from article_triage.store.jobs import (
    DetectRequest,
    ExportRequest,
    TranslateRequest,
    run_detect,
    run_export,
    run_translate,
    summarise,
)
from article_triage.store.jobs.summary import summary_classes
from article_triage.store.translate import ProviderSettings
from article_triage.store.triage import apply_changes
from article_triage.tui.cli import EXIT_INTERRUPTED, cli, summary_exit_code

fake_libre = fake_libretranslate.fake_libre


def _run(db_path, *args: str):
    result = CliRunner().invoke(cli, ["--db", str(db_path), *args])
    assert "Traceback" not in result.output
    return result


def _untranslated(db, count: int) -> list[int]:
    return [insert_article(db, [f"Абзац {i}."], language="uk") for i in range(count)]


# --- translate ------------------------------------------------------------------------------


def test_translate_where_every_article_fails_says_failed_n_and_exits_1(db, db_path, fake_libre):
    _untranslated(db, 2)
    server = fake_libre(unsupported=("uk",))
    result = _run(db_path, "translate", "--provider", "libre", "--url", server.url)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    # Nothing was translated: an error, said as the summariser says it, then the reasons.
    assert lines[0] == "triage: Into en: translated 0, failed 2"
    assert len(lines) == 3 and all(line.startswith("  article ") for line in lines[1:])
    assert db["translations"].count == 0


def test_the_summary_counts_what_a_dead_provider_never_reached(db):
    _untranslated(db, 3)
    settings = ProviderSettings(name="libre", url=closed_url(), timeout=1.0, max_retries=0)
    job = run_translate(db, TranslateRequest(settings))
    summary = summarise(job)
    assert (job.selected, job.not_reached, job.failed) == (3, 3, 3)
    assert summary.text.startswith("Into en: translated 0, failed 3; stopped: cannot reach libre")
    assert summary.severity == "error" and summary_exit_code(summary) == 1
    assert job.as_dict()["not_reached"] == 3


def test_ctrl_c_stops_translate_cleanly_and_keeps_what_is_done(db, db_path, fake_libre):
    server = fake_libre(latency=0.1)
    for i in range(30):  # one request per article: about three seconds at concurrency 1
        insert_article(db, [" ".join(f"слово{i}x{k}" for k in range(150))], language="uk")

    def press_ctrl_c() -> None:
        # Once the run is under way (its signal handler is in place by then).
        deadline = time.monotonic() + 20
        while server.requests < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    result = _run(
        db_path, "translate", "--provider", "libre", "--url", server.url, "--concurrency", "1"
    )
    presser.join()
    assert result.exit_code == EXIT_INTERRUPTED, result.output
    summary = result.stderr.splitlines()[0]
    assert summary.startswith("Into en: translated ")
    assert summary.endswith("(stopped; what was translated is saved, run again to resume)")
    saved = db.execute("SELECT count(DISTINCT article_id) FROM translations").fetchone()[0]
    assert 0 < saved < 30
    assert f"translated {saved}," in summary

    finish = _run(db_path, "translate", "--provider", "libre", "--url", server.url)
    assert finish.exit_code == 0, finish.output
    assert finish.stderr.startswith(f"Into en: translated {30 - saved}, failed 0")


def test_translate_all_is_the_jobs_retranslate(db, db_path, fake_libre):
    server = fake_libre()
    _untranslated(db, 2)
    assert _run(db_path, "translate", "--provider", "libre", "--url", server.url).exit_code == 0
    settings = ProviderSettings(name="libre", url=server.url)
    assert run_translate(db, TranslateRequest(settings)).selected == 0
    again = run_translate(db, TranslateRequest(settings, retranslate=True))
    assert (again.selected, again.report.from_cache) == (2, 2)
    assert summarise(again).text == "Into en: translated 0, 2 from cache, failed 0"


# --- export ---------------------------------------------------------------------------------


def test_export_to_a_stream_and_stopped_there(db, tmp_path):
    insert_article(db, ["Один абзац."], language="uk")
    out = io.StringIO(newline="")
    report = run_export(db, ExportRequest(None, "jsonl", stream=out))
    assert report.records == 1 and json.loads(out.getvalue())["language"] == "uk"
    assert summarise(report).text == "Exported 1 record to standard output"

    stop = threading.Event()
    stop.set()
    stopped = run_export(db, ExportRequest(None, "jsonl", stream=io.StringIO()), stop=stop)
    summary = summarise(stopped)
    assert stopped.interrupted
    assert summary.text == "Export to standard output stopped after 1 record"
    assert summary_exit_code(summary) == EXIT_INTERRUPTED


def test_export_progress_counts_records_against_their_total(db, tmp_path):
    article = insert_article(db, ["Один абзац."], language="uk")
    insert_article(db, ["Другий абзац."], language="uk")
    apply_changes(db, [article], "olena", {"status": "done"})
    apply_changes(db, [article], "ivan", {"status": "skipped"})
    seen = []
    report = run_export(db, ExportRequest(tmp_path / "out.csv"), seen.append)
    assert report.records == 3  # two analysts' records of one article, one of the other
    assert (seen[-1].done, seen[-1].total, seen[-1].unit) == (3, 3, "records")


# --- detect ---------------------------------------------------------------------------------


def test_detect_prints_the_summariser_line_and_json_report(db, db_path):
    insert_article(
        db,
        ["Laut RIA Nowosti hat die Regierung entschieden."],
        language="de",
        url="https://de.rt.com/a",
    )
    result = _run(db_path, "detect")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Outlet detection rerun over 1 article: 1 with a known")
    as_json = json.loads(_run(db_path, "detect", "--json").stdout)
    assert (as_json["articles"], as_json["publisher"], as_json["interrupted"]) == (1, 1, False)


def test_detect_stops_between_batches(db):
    insert_article(db, ["Laut RIA Nowosti."], language="de")
    stop = threading.Event()
    stop.set()
    report = run_detect(db, DetectRequest(), stop=stop)
    assert report.interrupted and report.articles == 0
    summary = summarise(report)
    assert summary.stopped and summary.text.endswith("(stopped; run again to finish)")


# --- one job loads one job's code -----------------------------------------------------------


def test_every_summary_is_registered_under_a_real_report_class():
    for name in summary_classes():
        module, _, cls = name.rpartition(".")
        found = getattr(importlib.import_module(module), cls)
        assert f"{found.__module__}.{found.__qualname__}" == name


def test_an_export_from_the_shell_loads_no_other_jobs_code():
    # What `triage export` imports: the ingest (numpy), feeds and merge code stay unloaded.
    probe = (
        "import sys\n"
        "import article_triage.tui.commands.export\n"
        "from article_triage.store.jobs import summarise\n"
        "print(sorted(m for m in sys.modules if m.startswith(('article_triage.store.ingest',"
        " 'article_triage.store.feeds', 'article_triage.store.exchange'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
