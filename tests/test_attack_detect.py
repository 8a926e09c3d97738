"""Ctrl-C in the middle of `triage detect`, run as a real process.

Detection is rerun in batches, each committed whole, and the stop is checked between
them (store.outlets.annotate_all): a stopped run leaves every article either
re-annotated or untouched, and running again finishes the job. The in-process tests
call the job; this one sends the signal to the command. See RELIABILITY.md section 3.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from article_triage.store.db import open_db

ARTICLES = 10_000
TEXT = (
    "Laut RIA Nowosti meldete die Agentur am Morgen {n} neue Zahlen.\n\n"
    "According to TASS and Reuters, the talks in Astana continue ({n})."
)


def _store(path) -> None:
    db = open_db(path)
    # Straight into the table (FTS triggers fire): the write path's hooks would run the
    # very detection this test interrupts, and 10,000 articles through it take seconds.
    db.conn.execute("BEGIN")
    db.conn.executemany(
        "INSERT INTO articles (title, text, language, url, hostname, paragraph_count, "
        "word_count, text_sha256, added_at) VALUES (?, ?, 'de', ?, 'www.rt.com', 2, 20, ?, "
        "'2026-12-05T00:00:00Z')",
        [
            (f"Artikel {n}", TEXT.format(n=n), f"https://www.rt.com/news/{n}", f"{n:064x}")
            for n in range(ARTICLES)
        ],
    )
    db.conn.execute("COMMIT")
    db.close()


def _detect(path) -> subprocess.Popen:
    command = [sys.executable, "-m", "article_triage.tui.cli", "--db", str(path), "detect"]
    return subprocess.Popen(command, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _annotated(conn: sqlite3.Connection) -> tuple[int, int]:
    """(articles with a publisher, citations in all): each article gets a publisher and
    three attributions, or nothing at all."""
    publishers = conn.execute(
        "SELECT count(DISTINCT article_id) FROM citations WHERE role = 'publisher'"
    ).fetchone()[0]
    return publishers, conn.execute("SELECT count(*) FROM citations").fetchone()[0]


def test_ctrl_c_mid_detect_keeps_whole_batches_and_a_rerun_finishes(tmp_path):
    path = tmp_path / "s.db"
    _store(path)
    proc = _detect(path)
    watcher = sqlite3.connect(path, timeout=30)
    try:
        while proc.poll() is None and _annotated(watcher)[0] == 0:
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        publishers, citations = _annotated(watcher)
        integrity = watcher.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        watcher.close()
    if publishers == ARTICLES:
        pytest.skip("detection finished before Ctrl-C reached it")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "stopped" in err
    assert integrity == "ok"
    assert publishers > 0 and publishers % 200 == 0  # whole batches only
    assert citations == 4 * publishers  # each one whole: publisher and three attributions

    rerun = _detect(path)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    conn = sqlite3.connect(path)
    try:
        assert _annotated(conn) == (ARTICLES, 4 * ARTICLES)
    finally:
        conn.close()
