"""The app as a real process in a pseudo-terminal: what it shows as saved survives kill -9."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("controlling_terminal", [True, False], ids=["sighup", "no-sighup"])
def test_the_app_ends_when_its_terminal_goes_away(db_path, tmp_path, controlling_terminal):
    """Closing the terminal hangs it up: the app must end, not stay behind holding the store.

    A killed test run once left an app behind whose pty had vanished; with no controlling
    terminal it got no SIGHUP, and Textual's input thread span on the dead pty at ~45% of a
    core for over half an hour, skewing every benchmark on the machine. Without a SIGHUP
    (no controlling terminal, or nohup) the app itself notices the terminal is gone.
    """
    seed_store(db_path)
    proc, master = spawn_app_in_pty(db_path, tmp_path, controlling_terminal)
    seen = bytearray()
    try:
        read_until(master, b"Kazakhstan has suspended", seen)
        os.close(master)
        master = -1
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if master >= 0:
            os.close(master)
    assert proc.returncode is not None
