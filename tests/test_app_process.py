"""The app as a real process in a pseudo-terminal: what it shows as saved survives kill -9."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from test_app_flows import seed_store

from article_triage.store.db import open_db
from article_triage.store.triage import get_decision

REPO = Path(__file__).resolve().parents[1]


def read_until(master: int, needle: bytes, seen: bytearray, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} never shown; last output {bytes(seen[-300:])!r}")
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            seen += os.read(master, 65536)


def test_a_decision_shown_as_saved_survives_kill_9(db_path, tmp_path):
    ids = seed_store(db_path)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {
        **os.environ,
        "TRIAGE_DB": str(db_path),
        "TRIAGE_CONFIG": str(tmp_path / "none.toml"),
        "TRIAGE_ANALYST": "tester",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "article_triage.tui.cli", "open"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        start_new_session=True,
    )
    os.close(slave)
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
