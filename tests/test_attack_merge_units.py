"""An outside tester's attacks on the agreement units through `triage merge` run as a real
process: hostile files, a merge killed mid-batch, a merge blocked by another writer. After
each, the kept units (store.agreement_units) equal a rebuild from the decisions and
`triage agreement --json` says what the rebuild says. See RELIABILITY.md section 2."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from app_support import kept_agreement_units, write_jsonl
from click.testing import CliRunner

from article_triage.store.agreement import agreement
from article_triage.store.agreement_units import rebuild_units
from article_triage.store.db import open_db, write_transaction
from article_triage.store.exchange import merge_file
from article_triage.tui.cli import cli

PAST = "2024-03-05T10:00:00Z"


def record(n: int, **fields):
    base = {
        "schema_version": "1.0",
        "url": f"https://example.org/a{n}",
        "title": f"Article {n}",
        "language": "de",
        "text": f"Bericht Nummer {n} über den Export.\n\nZweiter Absatz {n}.",
        "analyst": None,
        "status": "done",
        "stance": "critical",
        "reliability": "B",
        "credibility": "2",
        "flags": [],
        "notes": "",
        "triaged_at": PAST,
        "adjudicated": False,
    }
    return {**base, **fields}


def triage(db_path, *args, analyst="lead", timeout=120):
    env = {**os.environ, "TRIAGE_DB": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "article_triage.tui.cli", "--analyst", analyst, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_units_match_a_rebuild(db_path):
    """Kept units == rebuilt units, and `triage agreement --json` == agreement after rebuild."""
    cli_report = CliRunner().invoke(cli, ["--db", str(db_path), "agreement", "--json"])
    assert cli_report.exit_code == 0, cli_report.output
    db = open_db(db_path)
    try:
        kept = kept_agreement_units(db)
        with write_transaction(db):
            rebuild_units(db)
        assert kept_agreement_units(db) == kept
        assert json.loads(cli_report.stdout) == json.loads(
            json.dumps(agreement(db).as_dict(), ensure_ascii=False)
        )
    finally:
        db.close()
    return kept


@pytest.fixture
def store(tmp_path):
    """A store with 40 articles (merged without decisions) and 3 analysts' decisions."""
    path = tmp_path / "s.db"
    seed = [record(n) for n in range(40)]
    decided = [
        record(n, analyst=who, stance=stance, triaged_at=PAST)
        for n in range(40)
        for who, stance in (("ann", "critical"), ("bob", "neutral" if n % 3 else "critical"))
    ]
    db = open_db(path)  # seeded in this process: the attacks below are the processes
    report = merge_file(db, write_jsonl(tmp_path / "seed.jsonl", seed + decided), "lead")
    db.close()
    assert not report.errors
    return path


def test_hostile_records_in_one_file_keep_the_units_equal_to_a_rebuild(store, tmp_path):
    hostile = [
        # the same article and analyst twice with conflicting times, newer last and first
        record(1, analyst="cy", stance="neutral", triaged_at="2024-03-05T10:00:00Z"),
        record(1, analyst="cy", stance="mixed", triaged_at="2024-03-06T10:00:00Z"),
        record(2, analyst="cy", stance="mixed", triaged_at="2024-03-06T10:00:00+05:00"),
        record(2, analyst="cy", stance="neutral", triaged_at="2024-03-05T10:00:00Z"),
        # the same time, two values
        record(3, analyst="cy", stance="mixed", triaged_at=PAST),
        record(3, analyst="cy", stance="unclear", triaged_at=PAST),
        # an article that does not exist here and has no text; one that does not exist, with
        record(900, analyst="cy", text=None),
        record(901, analyst="cy", stance="neutral"),
        record(901, analyst="dan", stance="critical"),
        # look-alikes of bob and an adjudication (refused without the option)
        record(4, analyst="bоb", stance="unclear"),
        record(4, analyst="Bob", stance="unclear"),
        record(5, analyst="dan", stance="neutral", adjudicated=True),
        # a bad record in the middle: a grade letter that does not exist
        record(6, analyst="dan", reliability="G"),
        # status back to new: the article stops being a unit for dan
        record(7, analyst="dan", stance="neutral"),
        record(7, analyst="dan", status="new", triaged_at="2024-03-07T10:00:00Z"),
    ]
    result = triage(store, "merge", write_jsonl(tmp_path / "hostile.jsonl", hostile))
    assert result.returncode == 1, result.stderr
    assert "line 7" in result.stderr and "line 13" in result.stderr
    assert_units_match_a_rebuild(store)
    db = open_db(store)
    cy = dict(db.execute("SELECT a.url, d.stance FROM decisions d JOIN articles a "
                         "ON a.id = d.article_id WHERE d.analyst = 'cy'").fetchall())  # fmt: skip
    db.close()
    # the newer of two records wins whatever their order in the file
    assert cy["https://example.org/a1"] == "mixed"
    assert cy["https://example.org/a2"] == "mixed"
    # and with --accept-adjudications and --accept-lookalikes the units follow again
    result = triage(store, "merge", "--accept-adjudications", "--accept-lookalikes",
                    tmp_path / "hostile.jsonl")  # fmt: skip
    assert_units_match_a_rebuild(store)


def test_many_analysts_on_one_article(store, tmp_path):
    many = [
        record(n % 2, analyst=f"analyst{i:04d}", stance=("critical", "neutral")[i % 2])
        for i in range(60)
        for n in (0, 1)
    ]
    result = triage(store, "merge", write_jsonl(tmp_path / "many.jsonl", many))
    assert result.returncode == 0, result.stderr
    kept = assert_units_match_a_rebuild(store)
    assert any(len(json.loads(u[3])) == 62 for u in kept[0])


def test_a_merge_killed_mid_batch_leaves_units_equal_to_a_rebuild_and_a_rerun_finishes(
    store, tmp_path, monkeypatch
):
    big = [
        record(n, analyst=f"m{i:03d}", stance=("critical", "neutral", "mixed")[(n + i) % 3])
        for i in range(60)
        for n in range(40)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", big)
    env = {**os.environ, "TRIAGE_DB": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "article_triage.tui.cli", "--analyst", "lead", "merge", path],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    watcher = sqlite3.connect(store, timeout=30)
    try:
        # Kill it once at least one batch has committed and before the last one has.
        while True:
            merged = watcher.execute(
                "SELECT count(*) FROM decisions WHERE analyst LIKE 'm%'"
            ).fetchone()[0]
            if merged > 0 or proc.poll() is not None:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        watcher.close()
    if merged >= len(big):
        pytest.skip("the merge finished before it could be killed")
    assert_units_match_a_rebuild(store)
    result = triage(store, "merge", path)
    assert result.returncode == 0, result.stderr
    kept = assert_units_match_a_rebuild(store)
    db = open_db(store)
    assert db.execute("SELECT count(*) FROM decisions WHERE analyst LIKE 'm%'").fetchone()[
        0
    ] == len(big)
    db.close()
    assert len(kept[0]) == 40


def test_a_merge_waits_for_another_writer_holding_the_lock(store, tmp_path):
    path = write_jsonl(
        tmp_path / "late.jsonl",
        [record(n, analyst="cy", stance="mixed") for n in range(40)],
    )
    holder = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    # Another writer holds the lock while the merge starts, and lets go a moment later
    # (well inside busy_timeout): the merge waits for it and then merges everything.
    threading.Timer(1.0, lambda: holder.execute("ROLLBACK")).start()
    try:
        result = triage(store, "merge", path, timeout=60)
    finally:
        holder.close()
    assert result.returncode == 0, result.stderr
    kept = assert_units_match_a_rebuild(store)
    assert all("mixed" in u[3] for u in kept[0])
