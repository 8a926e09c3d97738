"""What the app's tests share: a seeded store, the app, settling workers, reading the
screen and the store back, and running the app as a real process in a pty."""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from rich.console import Console
from textual.worker import WorkerCancelled, WorkerState

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.settings import Settings
from article_triage.store.translations import save_translation
from article_triage.store.triage import get_decision
from article_triage.tui.app import TriageApp

REPO = Path(__file__).resolve().parents[1]

SIZE = (140, 40)

UK = [
    "Казахстан призупинив експорт зброї на рік, повідомляє уряд.",
    "Як нагадує Радіо Свобода, рішення ухвалили в четвер.",
]
DE = [
    'Laut einem Bericht der Nachrichtenagentur "RIA Nowosti" versucht Kiew Rüstungsgüter zu kaufen.',
    "Das Verteidigungsministerium Kasachstans bestreitet dies.",
]
HOSTILE_TITLE = "Breaking [/] news [bold]x"
HOSTILE = ["Markup [bold]x and [/] stay text.", "Escape here: \x1b[31mred\x1b[0m done."]
HEBREW = ["שלום עולם, זו פסקה בעברית.", "مرحبا بالعالم، هذه فقرة عربية."]


def seed_store(path: Path) -> dict[str, int]:
    """Four articles: Ukrainian (translated), German RT DE (cites RIA), hostile text, RTL."""
    db = open_db(path)
    ids = {
        "uk": insert_article(
            db,
            UK,
            title="Казахстан призупинив експорт зброї",
            language="uk",
            url="https://www.radiosvoboda.org/a/kazakhstan-arms.html",
            hostname="www.radiosvoboda.org",
            published="2024-03-14",
        ),
        "de": insert_article(
            db,
            DE,
            title="Medienbericht: Ukraine versucht Rüstungsgüter über Kasachstan einzukaufen",
            language="de",
            url="https://de.rt.com/international/kasachstan",
            hostname="de.rt.com",
            published="2024-03",
        ),
        "hostile": insert_article(db, ["placeholder one", "placeholder two"], language="en"),
        "rtl": insert_article(db, HEBREW, title="שלום", language="he"),
    }
    # Written past insert_article's cleaning on purpose: the reader must clean again.
    db.execute(
        "UPDATE articles SET title = ?, text = ? WHERE id = ?",
        [HOSTILE_TITLE + "\x1b[2J", "\n\n".join(HOSTILE), ids["hostile"]],
    )
    save_translation(
        db,
        ids["uk"],
        "en",
        "google",
        [
            "Kazakhstan has suspended arms exports for a year, the government says.",
            "As Radio Svoboda recalls, the decision was taken on Thursday.",
        ],
        source_lang="uk",
    )
    save_translation(
        db,
        ids["de"],
        "en",
        "deepl",
        [
            'According to a report by the "RIA Novosti" news agency, Kyiv is trying to buy arms.',
            None,
        ],
        source_lang="de",
    )
    db["outlets"].insert_all(
        [
            {"key": "rt", "name": "RT", "country": "RU", "category": "state-controlled"},
            {"key": "ria", "name": "RIA Novosti", "country": "RU", "category": "state-controlled"},
        ]
    )
    start = DE[0].index("RIA Nowosti")
    db["citations"].insert_all(
        [
            {"article_id": ids["de"], "outlet_key": "rt", "role": "publisher"},
            {
                "article_id": ids["de"],
                "outlet_key": "ria",
                "role": "attributed",
                "paragraph_index": 0,
                "start": start,
                "end": start + len("RIA Nowosti"),
                "matched_text": "RIA Nowosti",
                "cue": "laut",
            },
        ]
    )
    db["suggested_flags"].insert(
        {
            "article_id": ids["de"],
            "flag": "state-media-sourcing",
            "reason": "cites RIA Novosti: state-controlled, RU",
            "outlet_key": "ria",
        }
    )
    db.close()
    return ids


async def settle(app: TriageApp, pilot) -> None:
    """Let workers finish and the messages they post be handled (a few rounds: one leads to another)."""
    await pilot.pause()
    for _ in range(10):
        # A worker replaced by a newer one of its group (exclusive) ends cancelled: the
        # newer one is waited for in the next round.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            return


async def first_article_shown(app: TriageApp, pilot) -> None:
    """Wait for the first article on screen, not for every worker: a test that holds
    reads at a gate holds the reads ahead of the neighbours too (settle would wait them out)."""
    for _ in range(3000):
        if app.triage is not None and app.triage.view is not None:
            return
        await pilot.pause(0.01)
    raise AssertionError("no article was shown")


def rendered_text(renderable, width: int = SIZE[0]) -> str:
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def screen_text(app: TriageApp) -> str:
    """The reader's text as the terminal shows it."""
    return app.triage.reader.visible_text()


def notifications(app: TriageApp) -> list[str]:
    # The session's message log (m in the app), not Textual's private toast list.
    return [m.text for m in app.message_log]


def make_app(db_path: Path, config: Settings | None = None) -> TriageApp:
    return TriageApp(db_path, "tester", config or Settings())


def decision(db_path: Path, article_id: int):
    db = open_db(db_path)
    try:
        return get_decision(db, article_id, "tester")
    finally:
        db.close()


def events(db_path: Path) -> list[tuple]:
    db = open_db(db_path)
    try:
        return db.execute(
            "SELECT group_id, analyst, action, article_id, field, new FROM events ORDER BY id"
        ).fetchall()
    finally:
        db.close()


def read_until(master: int, needle: bytes, seen: bytearray, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} never shown; last output {bytes(seen[-300:])!r}")
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            seen += os.read(master, 65536)


def spawn_app_in_pty(
    db_path: Path, tmp_path: Path, controlling_terminal: bool = True
) -> tuple[subprocess.Popen, int]:
    """`triage open` on *db_path* in a 140x40 pseudo-terminal: (the process, the pty master).

    Without *controlling_terminal* the pty is only the app's stdin and stdout, as under a
    harness that does not hand it the terminal: closing it sends no SIGHUP.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    env = {
        **os.environ,
        "TRIAGE_DB": str(db_path),
        "TRIAGE_CONFIG": str(tmp_path / "none.toml"),
        "TRIAGE_ANALYST": "tester",
        "TERM": "xterm-256color",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "article_triage.tui.cli", "open"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        start_new_session=True,
        # The pty is the app's controlling terminal, as a real terminal's is: closing the
        # master (or a killed test run closing it) hangs it up and SIGHUP ends the app.
        preexec_fn=_take_the_terminal if controlling_terminal else None,
    )
    os.close(slave)
    return proc, master


def _take_the_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """*records* as a JSON-lines file, as `triage export --format jsonl` writes one."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def kept_agreement_units(db) -> tuple[list, list]:
    """The agreement units and the non-empty profile counts the store keeps."""
    units = db.execute("SELECT * FROM agreement_units ORDER BY article_id").fetchall()
    profiles = db.execute(
        "SELECT field, profile, units, settled FROM agreement_profiles WHERE units != 0 "
        "ORDER BY field, profile"
    ).fetchall()
    return units, profiles


def type_in_one_write(db_path: Path, tmp_path: Path, burst: bytes) -> None:
    """Open the app in a pty, wait for the first article, write *burst* at once (it ends
    in q), and wait for the app to end."""
    proc, master = spawn_app_in_pty(db_path, tmp_path)
    seen = bytearray()
    try:
        read_until(master, b"Kazakhstan has suspended", seen)
        os.write(master, burst)  # ONE write: the app reads these keys together
        deadline = time.monotonic() + 30
        # Drain the screen so the app never blocks on output; an app still open at the
        # deadline kept a dialog open that the burst had closed (q never came through).
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                read_until(master, b"\x00never", seen, timeout=0.5)
            except AssertionError:
                pass
            except OSError:  # the app closed the terminal: it is ending
                break
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
