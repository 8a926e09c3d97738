"""Which store a command opens: only the one the user named, as far as it allows.

A mistyped --db is an error, not a new empty store; a store written by a newer
version is refused; a read-only store is read, never written.
"""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from article_triage.store.db import open_db, user_data_db_path
from article_triage.tui.cli import EXIT_USAGE
from tests.test_cli_core import run, seeded  # noqa: F401 (a fixture)


def _one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("triage: ")
    return lines[0]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_db_in_a_missing_folder_is_an_error_and_only_the_default_is_created(
    tmp_path, monkeypatch
):
    typo = tmp_path / "analsyt-stores" / "triage.db"
    for args in (["stats"], ["search", "grain"], ["add", str(tmp_path)]):
        result = run(typo, *args)
        assert result.exit_code == EXIT_USAGE, result.output
        assert "does not exist" in _one_error_line(result)
    assert not typo.parent.exists()

    monkeypatch.delenv("TRIAGE_DB")  # the default location: made on first use
    from click.testing import CliRunner

    from article_triage.tui.cli import cli

    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 0, result.output
    assert user_data_db_path().is_file()


@pytest.mark.parametrize("newer", ["user_version", "migration"])
def test_a_store_from_a_newer_version_is_refused_untouched(db_path, seeded, newer):  # noqa: F811
    db = open_db(db_path)
    if newer == "user_version":
        db.execute("PRAGMA user_version = 9999")
    else:
        db["_sqlite_migrations"].insert(
            {
                "migration_set": "article-triage",
                "name": "m999_from_the_future",
                "applied_at": "2031-01-01",
            }
        )
    db.close()
    before = _digest(db_path)
    for args in (["stats"], ["search", "grain"], ["export", "-o", "-"]):
        result = run(db_path, *args)
        assert result.exit_code == EXIT_USAGE, result.output
        assert "newer article-triage" in _one_error_line(result)
    assert _digest(db_path) == before


def test_a_read_only_store_is_read_and_never_written(db_path, seeded, tmp_path):  # noqa: F811
    os.chmod(db_path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # chmod 444
    before = _digest(db_path)
    try:
        result = run(db_path, "search", "grain")
        assert result.exit_code == 0, result.output
        assert "Grain prices" in result.output
        result = run(db_path, "stats")
        assert result.exit_code == 0, result.output
        result = run(db_path, "export", "--format", "csv", "-o", "-")
        assert result.exit_code == 0, result.output
        assert "Grain prices" in result.output

        note = tmp_path / "note.txt"
        note.write_text("A note\n\nThat would be written into the store.", encoding="utf-8")
        for args in (["add", str(note)], []):  # import; the app
            result = run(db_path, *args)
            assert result.exit_code == EXIT_USAGE, result.output
            assert "read-only" in _one_error_line(result)
        assert _digest(db_path) == before
    finally:
        os.chmod(db_path, stat.S_IRUSR | stat.S_IWUSR)


def test_pages_fetched_before_the_upgrade_keep_their_canonical_only_as_a_claim(db_path):
    from article_triage.store.articles import insert_article

    db = open_db(db_path)
    fetched = insert_article(
        db,
        ["Served from loopback, claiming Reuters."],
        url="https://www.reuters.com/world/x",
        final_url="http://127.0.0.1:8000/x.html",
        hostname="www.reuters.com",
    )
    same_site = insert_article(
        db,
        ["Fetched from Reuters itself."],
        url="https://www.reuters.com/world/y",
        final_url="https://reuters.com/y",
    )
    # The store as the version before m104 left it.
    db.execute("ALTER TABLE articles DROP COLUMN canonical_claim")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm104_ingest_canonical_claim'")
    db.close()

    db = open_db(db_path)
    rows = {
        row[0]: row[1:]
        for row in db.execute("SELECT id, url, hostname, canonical_claim FROM articles")
    }
    assert rows[fetched] == (
        "http://127.0.0.1:8000/x.html",
        "127.0.0.1",
        "https://www.reuters.com/world/x",
    )
    assert rows[same_site] == ("https://www.reuters.com/world/y", None, None)
    db.close()
