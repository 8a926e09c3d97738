"""``triage translate`` from the shell: selection, progress, summary, exit codes, resuming."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import fake_libretranslate
import pytest
from click.testing import CliRunner
from conftest import REPO
from fake_libretranslate import closed_url

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.translations import get_translation
from article_triage.tui.cli import cli

fake_libre = fake_libretranslate.fake_libre  # the server fixture factory


@pytest.fixture
def store(db_path):
    db = open_db(db_path)
    ids = {
        "uk": insert_article(db, ["Перший абзац.", "Другий абзац."], language="uk"),
        "kk": insert_article(db, ["Қазақша мәтін."], language="kk"),
        "en": insert_article(db, ["Already English."], language="en"),
    }
    db.close()
    return ids


def run(db_path, *args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "translate", *args], env=env)
    assert "Traceback" not in result.output
    return result


def test_translates_what_lacks_a_translation_and_summarises(db_path, store, fake_libre):
    server = fake_libre()
    result = run(db_path, "--provider", "libre", "--url", server.url)
    assert result.exit_code == 0, result.output
    assert "Into en: translated 2, failed 0" in result.stderr
    db = open_db(db_path)
    assert [p.text for p in get_translation(db, store["uk"], "en")] == [
        "[en] Перший абзац.",
        "[en] Другий абзац.",
    ]
    assert get_translation(db, store["en"], "en") == [None]

    again = run(db_path, "--provider", "libre", "--url", server.url)
    assert again.exit_code == 0
    assert "Nothing to translate into en." in again.stderr


def test_all_retranslates_from_the_cache_and_reports_json(db_path, store, fake_libre):
    server = fake_libre()
    run(db_path, "--provider", "libre", "--url", server.url)
    server.reset_counts()
    result = run(db_path, "--provider", "libre", "--url", server.url, "--all", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["translated"], report["from_cache"], report["skipped"]) == (0, 2, 1)
    assert report["requests_sent"] == server.requests == 0
    assert report["error"] is None


def test_selection_by_id_and_language(db_path, store, fake_libre):
    server = fake_libre()
    result = run(db_path, "--provider", "libre", "--url", server.url, "--language", "kk")
    assert "translated 1," in result.stderr
    assert [f["source"] for f in server.fields] == ["kk"]
    result = run(db_path, "--provider", "libre", "--url", server.url, "--id", str(store["uk"]))
    assert "translated 1," in result.stderr
    assert [f["source"] for f in server.fields] == ["kk", "uk"]


def test_provider_and_url_come_from_the_config_file(db_path, store, fake_libre):
    server = fake_libre()
    config = db_path.parent / "config.toml"
    config.write_text(f'[translation]\nprovider = "libre"\nurl = "{server.url}"\ntarget = "de"\n')
    result = CliRunner().invoke(cli, ["--db", str(db_path), "--config", str(config), "translate"])
    assert result.exit_code == 0, result.output
    db = open_db(db_path)
    assert get_translation(db, store["en"], "de")[0].text == "[de] Already English."


def test_an_unreachable_provider_is_one_clear_line_and_exit_1(db_path, store):
    result = run(db_path, "--provider", "libre", "--url", closed_url(), "--timeout", "1")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("triage:")]
    assert len(errors) == 1
    assert errors[0].startswith("triage: Into en: translated 0, failed 2; stopped: ")
    assert "stopped: cannot reach libre at http://127.0.0.1:" in errors[0]
    assert open_db(db_path)["translations"].count == 0


def test_a_rejected_key_from_the_environment_is_never_printed(db_path, store, fake_libre):
    server = fake_libre(api_key="right-key")
    env = {"TRIAGE_LIBRE_KEY": "wrong-key-5150"}
    result = run(db_path, "--provider", "libre", "--url", server.url, env=env)
    assert result.exit_code == 1
    assert "rejected the API key" in result.stderr
    assert "wrong-key-5150" not in result.output
    ok = run(
        db_path, "--provider", "libre", "--url", server.url, env={"TRIAGE_LIBRE_KEY": "right-key"}
    )
    assert ok.exit_code == 0
    assert {f["api_key"] for f in server.fields} == {"wrong-key-5150", "right-key"}


def test_articles_that_fail_are_listed_with_reasons_and_exit_1(db_path, store, fake_libre):
    # The Ukrainian pack of two lines, then each of its halves: three garbled answers.
    server = fake_libre(malformed=3)
    result = run(db_path, "--provider", "libre", "--url", server.url, "--concurrency", "1")
    assert result.exit_code == 1
    assert "failed 1" in result.stderr
    assert "not a translation" in result.stderr
    assert run(db_path, "--provider", "libre", "--url", server.url).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "libre"], "needs the URL"),
        (["--provider", "deepl"], "TRIAGE_DEEPL_KEY"),
        (["--provider", "babelfish"], "babelfish"),
        (["--to", "xx"], "google does not translate 'xx'"),
    ],
)
def test_unusable_settings_are_usage_errors(db_path, store, args, message):
    result = run(db_path, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_sigterm_stops_cleanly_and_a_rerun_finishes_without_resending(db_path, fake_libre):
    server = fake_libre(latency=0.1)
    db = open_db(db_path)
    # One request per article: 40 requests, 2 at a time, take about two seconds.
    for i in range(40):
        insert_article(db, [" ".join(f"слово{i}x{k}" for k in range(150))], language="uk")
    command = [sys.executable, "-m", "article_triage.tui.cli", "--db", str(db_path), "translate"]
    command += ["--provider", "libre", "--url", server.url, "--concurrency", "2"]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        while db.execute("SELECT count(*) FROM translations").fetchone()[0] == 0:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "stopped; what was translated is saved" in stderr
    assert "Traceback" not in stderr
    saved = db.execute("SELECT count(*) FROM translations").fetchone()[0]
    assert 0 < saved < 40

    finish = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert finish.returncode == 0, finish.stderr
    assert db.execute("SELECT count(*) FROM translations").fetchone()[0] == 40
    assert max(server.lines_seen.values()) == 1
