"""store.db: pragmas, migrations, concurrency between connections, FTS triggers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlite_utils import Migrations

from article_triage.store.articles import insert_article, search
from article_triage.store.db import (
    BUSY_TIMEOUT_MS,
    FTS_COLUMNS,
    default_db_path,
    ensure_fts_triggers,
    execute_script,
    migrations,
    open_db,
    utcnow,
    write_transaction,
)
from article_triage.store.triage import apply_changes, get_decision
from tests.conftest import REPO


def _schema(db) -> list[tuple[str, str]]:
    return db.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
    ).fetchall()


def _fts_triggers(db) -> set[str]:
    return {
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'articles'"
        )
    }


def test_pragmas_wal_foreign_keys_busy_timeout(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_foreign_keys_are_enforced_and_cascade(db):
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO decisions (article_id, analyst) VALUES (?, ?)", [999_999, "tester"])
    article_id = insert_article(db, ["Some text to keep."], raw=b"<p>Some text</p>")
    apply_changes(db, [article_id], "tester", {"status": "done"})
    db.execute("DELETE FROM articles WHERE id = ?", [article_id])
    assert db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == 0


def test_migrations_are_idempotent_on_reopen(db_path):
    first = open_db(db_path)
    insert_article(first, ["Kept across reopen."])
    schema = _schema(first)
    applied = [m.name for m in migrations.applied(first)]
    first.close()

    for _ in range(2):
        again = open_db(db_path)
        assert _schema(again) == schema
        assert [m.name for m in migrations.applied(again)] == applied
        assert migrations.pending(again) == []
        assert again.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        again.close()
    assert applied, "the initial migration is recorded"


def test_every_registered_migration_is_applied(db):
    registered = [m.name for m in migrations._migrations]
    assert [m.name for m in migrations.applied(db)] == registered


def test_open_without_migrate_leaves_file_empty(db_path):
    bare = open_db(db_path, migrate=False)
    assert bare.table_names() == []
    bare.close()


def test_default_db_path_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"
    monkeypatch.delenv("TRIAGE_DB")
    assert default_db_path().name == "triage.db"


def test_utcnow_format():
    stamp = utcnow()
    assert stamp.endswith("Z") and len(stamp) == len("2024-01-01T00:00:00Z")


def test_write_transaction_rolls_back_on_error(db):
    with pytest.raises(RuntimeError), write_transaction(db):
        insert_article(db, ["Never committed."])
        raise RuntimeError("boom")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    assert not db.conn.in_transaction


def test_write_transaction_nested_joins_outer(db):
    with write_transaction(db):
        insert_article(db, ["Outer one."])
        with write_transaction(db):
            insert_article(db, ["Inner one."])
        assert db.conn.in_transaction
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 2


_WRITER = """
import sys
from article_triage.store.db import open_db
from article_triage.store.articles import insert_article
from article_triage.store.triage import apply_changes
db = open_db(sys.argv[1])
tag = sys.argv[2]
for i in range(int(sys.argv[3])):
    article_id = insert_article(db, [f"Writer {tag} paragraph {i}.", f"Second paragraph {i}."])
    apply_changes(db, [article_id], tag, {"status": "done", "stance": "neutral"})
print("ok")
"""


def _run_writers(db_path, count, per_writer):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db_path), f"w{n}", str(per_writer)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    return [(*p.communicate(timeout=120), p.returncode) for p in procs]


_OPENER = """
import os, sys, time
from article_triage.store.db import open_db
barrier, count = sys.argv[2], int(sys.argv[3])
open(os.path.join(barrier, str(os.getpid())), "w").close()
while len(os.listdir(barrier)) < count:  # start together, once every process is loaded
    time.sleep(0.002)
open_db(sys.argv[1]).close()
print("ok")
"""


def test_processes_creating_a_new_store_at_once_apply_the_schema_once(tmp_path):
    for attempt in range(2):
        db_path = tmp_path / f"race{attempt}.db"
        barrier = tmp_path / f"barrier{attempt}"
        barrier.mkdir()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPENER, str(db_path), str(barrier), "3"],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        for proc in procs:
            _out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
        db = open_db(db_path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]
        db.close()


def test_a_migration_that_transforms_articles_keeps_dependent_rows(db_path, monkeypatch):
    db = open_db(db_path)
    article_id = insert_article(db, ["Dependent rows survive."], raw=b"raw")
    apply_changes(db, [article_id], "tester", {"status": "done"})
    db.close()

    def m999_test_transform(database):
        database["articles"].transform(types={"fetch_ms": float})
        ensure_fts_triggers(database)

    extra = Migrations._Migration("m999_test_transform", m999_test_transform)
    monkeypatch.setattr(migrations, "_migrations", [*migrations._migrations, extra])
    db = open_db(db_path)
    assert migrations.pending(db) == []
    assert get_decision(db, article_id, "tester").status == "done"
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == 1
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert [h.id for h in search(db, "dependent")] == [article_id]


def test_processes_writing_concurrently_never_see_database_is_locked(db_path):
    # The file does not exist yet: the processes also race to create the schema.
    results = _run_writers(db_path, count=3, per_writer=25)
    for out, err, code in results:
        assert code == 0, err
        assert out.strip() == "ok"
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 75
    assert db.execute("SELECT count(DISTINCT analyst) FROM decisions").fetchone()[0] == 3
    assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]


def test_threads_writing_concurrently_never_see_database_is_locked(db_path):
    open_db(db_path).close()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(tag: str) -> None:
        try:
            db = open_db(db_path)  # one connection per thread
            start.wait()
            for i in range(40):
                article_id = insert_article(db, [f"Thread {tag} text {i}."])
                # read-then-write on a row the other thread may also be touching
                apply_changes(db, [1, article_id], tag, {"status": "done"})
                apply_changes(db, [1], tag, {"notes": f"{tag} {i}"})
            db.close()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 80
    assert get_decision(db, 1, "a").notes == "a 39"
    assert get_decision(db, 1, "b").notes == "b 39"


def test_second_process_writes_while_a_connection_reads(db_path):
    db = open_db(db_path)
    insert_article(db, ["Before the reader started."])
    db.execute("BEGIN")  # a read transaction that stays open, as a long page read would
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1

    _out, err, code = _run_writers(db_path, count=1, per_writer=3)[0]
    assert code == 0, err

    # The reader still sees its snapshot, then the new rows once it ends.
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    db.execute("COMMIT")
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 4


def test_writer_waits_for_another_writers_lock_instead_of_failing(db_path):
    holder = open_db(db_path)
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock until COMMIT
    done = threading.Event()
    failure: list[BaseException] = []

    def waiting_writer() -> None:
        try:
            other = open_db(db_path)
            insert_article(other, ["Written after the lock is released."])
            other.close()
        except BaseException as exc:
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=waiting_writer)
    thread.start()
    time.sleep(0.3)  # let it block on the lock (not a timing assertion)
    assert not done.is_set()
    holder.execute("COMMIT")
    thread.join(timeout=30)
    assert failure == []
    assert holder.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_fts_keeps_working_after_transform_and_ensure_fts_triggers(db):
    first = insert_article(db, ["Kharkiv power station repaired."], title="Before")
    triggers_before = _fts_triggers(db)
    assert triggers_before, "enable_fts created triggers"

    apply_changes(db, [first], "tester", {"status": "done"})
    db["articles"].transform(types={"fetch_ms": float})
    ensure_fts_triggers(db)
    assert _fts_triggers(db) == triggers_before
    assert get_decision(db, first, "tester").status == "done"  # no cascade on the swap

    second = insert_article(db, ["Odesa port reopened."], title="After")
    db.execute("UPDATE articles SET title = 'Renamed zaporizhzhia' WHERE id = ?", [first])
    assert [h.id for h in search(db, "Odesa")] == [second]
    assert [h.id for h in search(db, "zaporizhzhia")] == [first]
    assert search(db, "Before") == []  # the old title left the index with the update
    db.execute("DELETE FROM articles WHERE id = ?", [second])
    assert search(db, "Odesa") == []
    # the index and the table agree row for row
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES('integrity-check')")  # raises if not


def test_fts_indexes_the_agreed_columns(db):
    assert db["articles"].detect_fts() == "articles_fts"
    columns = [c.name for c in db["articles_fts"].columns]
    assert columns == FTS_COLUMNS


def test_a_failed_commit_leaves_no_open_transaction(db_path):
    """After COMMIT fails (disk full, I/O error) the next write must reach the file."""
    import sqlite3

    from article_triage.store.db import open_db, write_transaction

    db = open_db(db_path)
    db.execute("CREATE TABLE t (x INTEGER)")
    # A deferred foreign key violated at COMMIT makes COMMIT itself fail.
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE child (pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), write_transaction(db):
        db.execute("INSERT INTO child VALUES (42)")
    assert not db.conn.in_transaction
    with write_transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
    other = open_db(db_path)
    assert other.execute("SELECT count(*) FROM t").fetchone()[0] == 1


# --- scripts inside a transaction, and no plugins -----------------------------------------

_SCRIPT = """
CREATE TABLE notes_a (id INTEGER PRIMARY KEY, body TEXT DEFAULT 'a; b');  -- a comment; with one
CREATE TABLE notes_log (note_id INTEGER, what TEXT);
/* a block comment; and a semicolon */
CREATE TRIGGER notes_a_logged AFTER INSERT ON notes_a BEGIN
    INSERT INTO notes_log VALUES (new.id, 'added; once');
    INSERT INTO notes_log VALUES (new.id, 'twice');
END;
INSERT INTO notes_a (body) VALUES ('x;y')
"""


def _schema_and_rows(conn: sqlite3.Connection) -> tuple[list, list, list]:
    return (
        conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall(),
        conn.execute("SELECT * FROM notes_a").fetchall(),
        conn.execute("SELECT * FROM notes_log ORDER BY what").fetchall(),
    )


def test_a_script_runs_statement_by_statement_as_sqlite_would_run_it(db, tmp_path):
    with write_transaction(db):
        execute_script(db, _SCRIPT)
    reference = sqlite3.connect(tmp_path / "reference.db")
    reference.executescript(_SCRIPT)
    ours = _schema_and_rows(db.conn)
    assert [row for row in ours[0] if row[1].startswith("notes")] == _schema_and_rows(reference)[0]
    assert ours[1:] == _schema_and_rows(reference)[1:]
    assert ours[1] == [(1, "x;y")] and len(ours[2]) == 2


def test_a_script_stays_inside_the_transaction_it_runs_in(db):
    with pytest.raises(RuntimeError), write_transaction(db):
        execute_script(db, _SCRIPT)
        raise RuntimeError("roll back")
    assert "notes_a" not in db.table_names()


def test_opening_a_store_runs_no_sqlite_utils_plugin(db_path, monkeypatch):
    import sqlite_utils.db

    called = []
    monkeypatch.setattr(sqlite_utils.db, "ensure_plugins_loaded", lambda: called.append("loaded"))
    open_db(db_path).close()
    assert called == []
