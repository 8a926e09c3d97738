"""An outside tester's attacks on the CLI jobs run as real processes: a LibreTranslate on
127.0.0.1 that hangs or trickles its answer, an export to a named pipe nobody reads.
Each must end by its deadline or on SIGTERM, say so, store nothing half-done, and a
re-run must finish the job. See RELIABILITY.md section 3."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import fake_libretranslate
import pytest

from article_triage.store.articles import insert_article

fake_libre = fake_libretranslate.fake_libre

PARAGRAPHS = ["Перший абзац: Київ, 10 березня.", "Другий абзац про експорт зброї."]


def triage(db_path, *args):
    proc = subprocess.Popen(
        [sys.executable, "-m", "article_triage.tui.cli", "--db", str(db_path), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _started.append(proc)
    return proc


_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_process_left():
    """A job that does not end fails its test; it must not outlive it."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def catches(proc, signum) -> bool:
    """Whether the process has installed its own handler for *signum* (Linux /proc)."""
    with open(f"/proc/{proc.pid}/status") as status:
        caught = next(line for line in status if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signum - 1)))


def translate(db_path, server, timeout):
    return triage(db_path, "translate", "--provider", "libre", "--url", server.url,
                  "--timeout", timeout)  # fmt: skip


def translated(db) -> int:
    return db.execute("SELECT count(*) FROM translations").fetchone()[0]


def test_a_server_trickling_its_answer_is_cut_off_by_the_timeout_and_a_rerun_finishes(
    db, db_path, fake_libre
):
    insert_article(db, PARAGRAPHS, language="uk")
    # One byte every half second: each wait for a byte is well inside the timeout, the
    # answer (some 80 bytes) is not; before, the run took 40 s per request and retry.
    proc = translate(db_path, fake_libre(trickle=0.5), 1)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert "did not answer within 1 s" in err and "Traceback" not in err
    assert translated(db) == 0
    proc = translate(db_path, fake_libre(), 5)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert translated(db) == len(PARAGRAPHS)


def test_sigterm_while_the_server_hangs_stops_the_translation_and_a_rerun_finishes(
    db, db_path, fake_libre
):
    insert_article(db, PARAGRAPHS, language="uk")
    server = fake_libre(hang=10**6)
    proc = translate(db_path, server, 2)
    while server.requests == 0 and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "stopped" in err and "Traceback" not in err
    assert translated(db) == 0
    proc = translate(db_path, fake_libre(), 5)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert translated(db) == len(PARAGRAPHS)


def test_an_export_to_a_pipe_nobody_reads_ends_on_sigterm_and_a_rerun_writes_it(
    db, db_path, tmp_path
):
    for n in range(3):
        insert_article(db, [f"Article {n} text."], title=f"Article {n}")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    proc = triage(db_path, "export", "--format", "jsonl", "-o", pipe)
    # SIGTERM once the job's stop handler is in (before that it would just kill it).
    while proc.poll() is None and not catches(proc, signal.SIGTERM):
        time.sleep(0.02)
    time.sleep(0.3)  # and it has reached the pipe
    proc.send_signal(signal.SIGTERM)
    # Before: open() waited for a reader in the kernel, retried after every signal.
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "Export stopped" in err and "Traceback" not in err
    assert not any(name.endswith(".part") for name in os.listdir(tmp_path))
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text("utf-8")))
    reader.start()
    proc = triage(db_path, "export", "--format", "jsonl", "-o", pipe)
    _out, err = proc.communicate(timeout=30)
    reader.join(10)
    assert proc.returncode == 0, err
    assert len(received[0].splitlines()) == 3
