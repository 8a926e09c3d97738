"""The app as a real process in a pseudo-terminal: what it shows as saved survives kill -9."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from app_support import read_until, seed_store, spawn_app_in_pty

from article_triage.store.db import open_db
from article_triage.store.triage import get_decision

REPO = Path(__file__).resolve().parents[1]


def test_a_decision_shown_as_saved_survives_kill_9(db_path, tmp_path):
    ids = seed_store(db_path)
    proc, master = spawn_app_in_pty(db_path, tmp_path)
    seen = bytearray()
    try:
        read_until(master, b"Kazakhstan has suspended", seen)
        seen.clear()
        os.write(master, b"2")
        read_until(master, b"Critical", seen)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    db = open_db(db_path)
    assert get_decision(db, ids["uk"], "tester").stance == "critical"
    db.close()
