"""Merging another analyst's export: matching, per-analyst decisions, conflicts, idempotence."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import article_triage.store.exchange as exchange
from article_triage.store.articles import ArticleFilter, insert_article
from article_triage.store.db import open_db
from article_triage.store.exchange import MergeError, merge_file, read_records
from article_triage.store.export import write_export
from article_triage.store.outlets import annotate_all
from article_triage.store.translations import get_translation, save_translation
from article_triage.store.triage import apply_changes, get_decision
from article_triage.tui.cli import cli


@pytest.fixture
def theirs(tmp_path):
    """Olena's store: two graded articles (one translated) and one she has not touched."""
    db = open_db(tmp_path / "olena.db")
    first = insert_article(
        db,
        ["Перший абзац про мораторій.", "Другий абзац."],
        url="https://example.ua/1",
        title="Мораторій",
        language="uk",
        published="2024-03-05",
    )
    second = insert_article(
        db,
        ["Laut RIA Novosti wurde der Export gestoppt."],
        url="https://de.rt.com/a",
        language="de",
    )
    insert_article(db, ["Nobody has read this one."], url="https://e.com/x", language="en")
    apply_changes(
        db,
        [first],
        "olena",
        {"status": "done", "stance": "critical", "reliability": "B", "credibility": "2"},
    )
    apply_changes(
        db, [second], "olena", {"status": "done", "flags": ["state-media-sourcing"], "notes": "RT"}
    )
    save_translation(db, first, "en", "sample", ["First paragraph on the moratorium.", None])
    annotate_all(db)  # as an import would have: publisher, citations, suggested flags
    yield db
    db.close()


def _export_file(db, path, fmt="jsonl", with_text=True):
    with path.open("w", encoding="utf-8", newline="") as out:
        write_export(db, out, fmt, ArticleFilter(), with_text=with_text, with_translation=with_text)
    return path


def _snapshot(db):
    return (
        db.execute("SELECT * FROM articles ORDER BY id").fetchall(),
        db.execute("SELECT * FROM decisions ORDER BY article_id, analyst").fetchall(),
        db.execute("SELECT * FROM events ORDER BY id").fetchall(),
        db.execute("SELECT * FROM translations ORDER BY 1, 2, 3").fetchall(),
    )


def test_merge_adds_missing_articles_with_text_and_keeps_decisions_per_analyst(
    db, theirs, tmp_path
):
    path = _export_file(theirs, tmp_path / "olena.jsonl")
    report = merge_file(db, path, "lead")
    assert report.errors == []
    assert report.records == 3
    assert report.added_articles == 3 and report.matched == 0
    assert report.decisions_added == 2 and report.conflicts == []
    first = db.execute("SELECT id FROM articles WHERE url = 'https://example.ua/1'").fetchone()[0]
    decision = get_decision(db, first, "olena")
    assert (decision.stance, decision.grade) == ("critical", "B2")
    # The decision keeps the time it was made, not the time of the merge.
    assert decision.triaged_at == get_decision(theirs, 1, "olena").triaged_at
    assert [p.text if p else None for p in get_translation(db, first, "en")] == [
        "First paragraph on the moratorium.",
        None,
    ]
    assert db.execute("SELECT count(*) FROM decisions WHERE analyst = 'lead'").fetchone()[0] == 0


def test_merge_is_logged_as_one_group_with_who_merged(db, theirs, tmp_path):
    path = _export_file(theirs, tmp_path / "olena.jsonl")
    merge_file(db, path, "lead")
    events = db.execute("SELECT group_id, analyst, action, field, new FROM events").fetchall()
    assert {e[0] for e in events} == {events[0][0]}
    assert {e[2] for e in events} == {"merge"}
    summary = [e for e in events if e[1] == "lead"]
    assert len(summary) == 1 and summary[0][3] == "file"
    assert json.loads(summary[0][4])["decisions_added"] == 2
    assert {e[1] for e in events if e[3] != "file"} == {"olena"}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_merging_the_same_file_twice_changes_nothing(db, theirs, tmp_path, fmt):
    path = _export_file(theirs, tmp_path / f"olena.{fmt}", fmt)
    merge_file(db, path, "lead")
    before = _snapshot(db)
    again = merge_file(db, path, "lead")
    assert _snapshot(db) == before
    assert again.added_articles == 0 and again.decisions_added == 0
    assert again.matched == 3 and again.unchanged == 2 and again.conflicts == []


def test_articles_match_by_hash_or_url(db, theirs, tmp_path):
    same_text = insert_article(
        db, ["Перший абзац про мораторій.", "Другий абзац."], url="https://mirror/1"
    )
    same_url = insert_article(
        db, ["A different extraction of the RT page."], url="https://de.rt.com/a"
    )
    path = _export_file(theirs, tmp_path / "olena.jsonl", with_text=False)
    report = merge_file(db, path, "lead")
    assert report.matched == 2 and report.added_articles == 0
    assert get_decision(db, same_text, "olena").stance == "critical"
    assert get_decision(db, same_url, "olena").flags == ("state-media-sourcing",)
    # The untouched article is not here and the file has no text to add it from.
    assert len(report.errors) == 1 and "no text" in report.errors[0]


def test_conflicts_are_listed_and_nothing_is_overwritten(db, theirs, tmp_path):
    path = _export_file(theirs, tmp_path / "olena.jsonl")
    merge_file(db, path, "lead")
    first = db.execute("SELECT id FROM articles WHERE url = 'https://example.ua/1'").fetchone()[0]
    # Someone changes olena's decision here; then her (older) export comes in again.
    apply_changes(db, [first], "olena", {"stance": "neutral", "credibility": "3"})
    before = _snapshot(db)
    report = merge_file(db, path, "lead")
    assert _snapshot(db) == before
    assert [
        (c.article_id, c.analyst, c.field, c.ours, c.theirs, c.resolution) for c in report.conflicts
    ] == [
        (first, "olena", "stance", "neutral", "critical", "kept ours"),
        (first, "olena", "credibility", "3", "2", "kept ours"),
    ]
    assert report.conflicts[0].title == "Мораторій"

    # --theirs takes a file's decision only when it is strictly newer than the one here.
    refused = merge_file(db, path, "lead", take_theirs=True)
    assert _snapshot(db) == before
    assert [c.resolution for c in refused.conflicts] == ["kept ours: file not newer"] * 2

    db.execute("UPDATE decisions SET triaged_at = '2000-01-01T00:00:00Z' WHERE analyst = 'olena'")
    taken = merge_file(db, path, "lead", take_theirs=True)
    assert [c.resolution for c in taken.conflicts] == ["took theirs", "took theirs"]
    assert taken.decisions_updated == 1
    assert [(c.field, c.old, c.new) for c in taken.changes] == [
        ("stance", "neutral", "critical"),
        ("credibility", "3", "2"),
    ]
    decision = get_decision(db, first, "olena")
    assert (decision.stance, decision.credibility) == ("critical", "2")


def test_a_newer_export_fast_forwards_a_decision_only_merges_wrote(db, theirs, tmp_path):
    merge_file(db, _export_file(theirs, tmp_path / "day1.jsonl"), "lead")
    apply_changes(theirs, [1], "olena", {"stance": "mixed"})
    # triaged_at has one-second resolution: make the first merge's copy visibly older.
    db.execute("UPDATE decisions SET triaged_at = '2000-01-01T00:00:00Z'")
    report = merge_file(db, _export_file(theirs, tmp_path / "day2.jsonl"), "lead")
    assert report.conflicts == [] and report.decisions_updated == 1
    assert [(c.analyst, c.field, c.old, c.new) for c in report.changes] == [
        ("olena", "stance", "critical", "mixed")
    ]
    first = db.execute("SELECT id FROM articles WHERE url = 'https://example.ua/1'").fetchone()[0]
    assert get_decision(db, first, "olena").stance == "mixed"


def test_bad_records_are_reported_one_line_each_and_the_rest_merged(db, tmp_path):
    good = {
        "schema_version": "1.0",
        "text_sha256": "0" * 64,
        "url": "https://e.com/ok",
        "text": "Some text.",
        "analyst": "olena",
        "status": "done",
        "stance": "critical",
    }
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(good),
        json.dumps({**good, "url": "https://e.com/2", "text": "Other.", "stance": "angry"}),
        json.dumps({**good, "schema_version": "2.0"}),
        "{not json",
        json.dumps(["a", "list"]),
    ]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    report = merge_file(db, path, "lead")
    assert report.decisions_added == 1
    assert [e.split(": ", 2)[1] for e in report.errors] == ["line 2", "line 3", "line 4", "line 5"]
    assert "'angry' is not a valid stance" in report.errors[0]


def test_unreadable_files_raise_one_clear_error(db, tmp_path):
    with pytest.raises(MergeError, match="cannot be read"):
        merge_file(db, tmp_path / "missing.json", "lead")
    spreadsheet = tmp_path / "export.csv"
    spreadsheet.write_text("schema_version,id\n1.0,1\n", encoding="utf-8")
    with pytest.raises(MergeError, match="not a JSON or JSONL export"):
        merge_file(db, spreadsheet, "lead")
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(MergeError, match="not a valid JSON export"):
        merge_file(db, broken, "lead")


def test_cli_merge_lists_conflicts_and_fails_on_bad_input(db, db_path, theirs, tmp_path):
    path = _export_file(theirs, tmp_path / "olena.json", "json")
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", str(db_path), "merge", str(path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["decisions_added"] == 2
    article = db.execute("SELECT id FROM articles WHERE url = 'https://example.ua/1'").fetchone()[0]
    apply_changes(db, [article], "olena", {"stance": "supportive"})
    second = runner.invoke(cli, ["--db", str(db_path), "merge", str(path)])
    assert second.exit_code == 0
    assert "conflict: article" in second.stdout and "stance" in second.stdout
    assert "kept ours" in second.stdout
    missing = runner.invoke(cli, ["--db", str(db_path), "merge", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 1
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr


def test_export_merge_round_trip_preserves_what_was_exported(db, theirs, tmp_path):
    merge_file(db, _export_file(theirs, tmp_path / "olena.jsonl"), "lead")

    def comparable(database):
        out = io.StringIO()
        write_export(database, out, "jsonl", ArticleFilter(), with_text=True)
        skip = {"id", "added_at", "story_id"}  # ids local to each store
        return sorted(
            json.dumps({k: v for k, v in json.loads(line).items() if k not in skip}, sort_keys=True)
            for line in out.getvalue().splitlines()
        )

    assert comparable(db) == comparable(theirs)


# --- reading JSON arrays record by record ------------------------------------------------------

records_strategy = st.lists(
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(st.text(), st.integers(), st.none(), st.lists(st.text())),
        max_size=4,
    ),
    max_size=6,
)


@settings(max_examples=60)
@given(records=records_strategy, indent=st.sampled_from([None, 0, 2]), chunk=st.integers(1, 40))
def test_json_arrays_are_read_record_by_record_across_chunk_boundaries(
    tmp_path_factory, records, indent, chunk
):
    path = tmp_path_factory.mktemp("arrays") / "export.json"
    path.write_text(json.dumps(records, indent=indent, ensure_ascii=False), encoding="utf-8")
    original = exchange._CHUNK
    exchange._CHUNK = chunk
    try:
        assert [r for _, r in read_records(path)] == records
    finally:
        exchange._CHUNK = original


@pytest.mark.parametrize("content", ["[", "[{}", "[{},]", "[{} {}]", "[{]", '[{"a": 1},\n{"b": '])
def test_broken_json_arrays_are_one_error(tmp_path, content):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MergeError, match="not a valid JSON export"):
        list(read_records(path))


def test_an_empty_array_has_no_records(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(" [ \n ] \n", encoding="utf-8")
    assert list(read_records(path)) == []


def test_merging_twice_a_record_without_hash_or_url_changes_nothing(db, tmp_path):
    """Matched by its text on the second merge: no article 'added', no second merge event."""
    record = {
        "schema_version": "1.0",
        "title": "Hand-made",
        "text": "A paragraph merged from a colleague's file.\n\nAnd a second one.",
        "analyst": "taras",
        "status": "done",
        "stance": "neutral",
        "flags": [],
        "notes": "",
    }
    path = tmp_path / "colleague.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    first = merge_file(db, path, "olena")
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    second = merge_file(db, path, "olena")
    assert (first.added_articles, second.added_articles, second.matched) == (1, 0, 1)
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == events
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
