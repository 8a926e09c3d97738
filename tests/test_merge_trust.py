"""A merged file is untrusted input: each test is one way a colleague's file (or someone
posing as one) tried to write what it should not. See RELIABILITY.md section 2."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from app_support import write_jsonl
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import article_triage.store.exchange as exchange
from article_triage.store.articles import insert_article
from article_triage.store.exchange import CLOCK_SKEW, MergeError, merge_file, read_records
from article_triage.store.export import load_schema
from article_triage.store.identity import skeleton
from article_triage.store.schema_check import SchemaError, compile_schema
from article_triage.store.text import text_sha256
from article_triage.store.triage import get_decision
from article_triage.tui.cli import cli

TEXT = "Der Export wurde gestoppt, meldet die Agentur.\n\nEin zweiter Absatz."
PAST = "2024-03-05T10:00:00Z"


def record(**fields):
    """A record as `triage export --with-text` writes one (the fields a merge reads)."""
    base = {
        "schema_version": "1.0",
        "url": "https://example.org/a",
        "title": "Export",
        "language": "de",
        "text": TEXT,
        "analyst": "olena",
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


def write_array(path, records):
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1), "utf-8")
    return path


def article_id(db, url="https://example.org/a"):
    return db.execute("SELECT id FROM articles WHERE url = ?", [url]).fetchone()[0]


def analysts(db):
    return sorted(r[0] for r in db.execute("SELECT DISTINCT analyst FROM decisions"))


def positions(report):
    return [e.split(": ")[1] for e in report.errors]


# --- the schema ---------------------------------------------------------------------------


def test_records_that_break_the_export_schema_are_reported_by_position_and_the_rest_merged(
    db, tmp_path
):
    bad = [
        {"reliability": "G"},  # not an Admiralty letter
        {"credibility": 2},  # a number, the schema says a string
        {"flags": "state-media-sourcing"},  # a string, not a list
        {"id": "7"},  # the article id is an integer
        {"text_sha256": "not-a-hash"},
        {"adjudicated": "false"},  # a string is not a boolean
        {"triaged_at": "yesterday"},
        {"triaged_at": "2024-03-05T10:00:00"},  # no zone: whose ten o'clock?
        {"added_at": "2999-01-01T00:00:00Z"},
        {"analyst": ["olena"]},
    ]
    records = [record(url=f"https://example.org/{i}", **fields) for i, fields in enumerate(bad)]
    records.insert(3, record(url="https://example.org/good", text="A good record.\n\nIndeed."))
    report = merge_file(db, write_jsonl(tmp_path / "f.jsonl", records), "lead")
    assert report.records == 11 and report.decisions_added == 1
    assert positions(report) == [f"line {n}" for n in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11)]
    assert 'reliability: "G" is not one of "A", "B"' in report.errors[0]
    assert 'credibility: 2 is not one of "1", "2"' in report.errors[1]
    assert "flags: must be array, not string" in report.errors[2]
    assert "triaged_at" in report.errors[6] and "ISO-8601" in report.errors[6]
    assert "in the future" in report.errors[8]
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert get_decision(db, article_id(db, "https://example.org/good"), "olena").status == "done"


def test_the_cli_exits_1_when_any_record_was_not_merged(db_path, tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [record(), record(url="x", reliability="Z")])
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "--analyst", "lead", "merge", str(path)]
    )
    assert result.exit_code == 1
    assert 'line 2: reliability: "Z" is not one of' in result.stderr
    assert "1 records not merged" in result.stdout


@settings(max_examples=150, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["B", "2", "", "x"]),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.just("name"), inner),
        max_leaves=5,
    ),
    name=st.sampled_from(
        [
            "id",
            "reliability",
            "credibility",
            "flags",
            "grade",
            "outlet",
            "cited_outlets",
            "adjudicated",
            "text_sha256",
            "published",
            "translation",
            "machine_tags",
            "suggested_flag_reasons",
        ]
    ),
)
def test_the_schema_check_agrees_with_jsonschema(value, name):
    """The merge's own compiled check says yes exactly where the jsonschema package does."""
    schema = load_schema()
    ours = compile_schema(schema)
    full = {
        "schema_version": "1.0", "id": 1, "url": None, "source": None, "title": None,
        "sitename": None, "language": "de", "published": None, "added_at": PAST,
        "text_sha256": "0" * 64, "status": "done", "stance": None, "reliability": None,
        "credibility": None, "grade": None, "machine_tags": [], "flags": [],
        "suggested_flags": [], "notes": "", "analyst": None, "triaged_at": None,
        "outlet": None, "cited_outlets": [],
    }  # fmt: skip
    candidate = {**full, name: value}
    expected = jsonschema.Draft202012Validator(schema).is_valid(candidate)
    assert (ours(candidate, "") is None) == expected


def test_a_schema_keyword_the_check_does_not_know_is_refused_not_skipped():
    schema = load_schema()
    schema["properties"]["notes"] = {"type": "string", "maxLength": 10}
    with pytest.raises(SchemaError, match="maxLength"):
        compile_schema(schema)


# --- times ---------------------------------------------------------------------------------


@pytest.fixture
def bobs_decision(db, tmp_path):
    """bob's decision, taken in from his earlier export (so a newer one may fast-forward)."""
    path = write_jsonl(tmp_path / "day1.jsonl", [record(analyst="bob", stance="neutral")])
    merge_file(db, path, "lead")
    return article_id(db)


def test_a_record_dated_9999_cannot_replace_a_decision(db, tmp_path, bobs_decision):
    forged = record(analyst="bob", stance="supportive", triaged_at="9999-12-31T23:59:59Z")
    report = merge_file(db, write_jsonl(tmp_path / "forged.jsonl", [forged]), "lead")
    assert report.decisions_updated == 0 and report.changes == []
    assert "triaged_at: '9999-12-31T23:59:59Z' is in the future" in report.errors[0]
    assert get_decision(db, bobs_decision, "bob").stance == "neutral"


def test_a_time_within_the_clock_skew_is_taken(db, tmp_path):
    ahead = datetime.now(UTC) + CLOCK_SKEW - timedelta(seconds=30)
    stamp = ahead.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    report = merge_file(db, write_jsonl(tmp_path / "f.jsonl", [record(triaged_at=stamp)]), "lead")
    assert report.errors == [] and report.decisions_added == 1
    # Stored in the store's one format, so "newer" compares right against local times.
    assert get_decision(db, article_id(db), "olena").triaged_at == stamp.replace("+00:00", "Z")


def test_an_update_is_taken_only_when_strictly_newer_and_is_listed_as_a_change(
    db, db_path, tmp_path, bobs_decision
):
    same_time = record(analyst="bob", stance="mixed")  # as old as the one here
    older = record(analyst="bob", stance="mixed", triaged_at="2020-01-01T00:00:00Z")
    report = merge_file(db, write_jsonl(tmp_path / "old.jsonl", [same_time, older]), "lead")
    assert report.decisions_updated == 0 and report.changes == []
    assert [c.resolution for c in report.conflicts] == ["kept ours", "kept ours"]
    assert get_decision(db, bobs_decision, "bob").stance == "neutral"

    # An offset other than Z still compares as a time: 12:00+01:00 is 11:00Z, newer.
    newer = record(analyst="bob", stance="mixed", triaged_at="2024-03-05T12:00:00+01:00")
    report = merge_file(db, write_jsonl(tmp_path / "new.jsonl", [newer]), "lead")
    assert report.decisions_updated == 1 and report.conflicts == []
    assert [(c.analyst, c.field, c.old, c.new) for c in report.changes] == [
        ("bob", "stance", "neutral", "mixed")
    ]
    decision = get_decision(db, bobs_decision, "bob")
    assert (decision.stance, decision.triaged_at) == ("mixed", "2024-03-05T11:00:00Z")
    newest = record(analyst="bob", stance="unclear", triaged_at="2024-03-06T00:00:00Z")
    path = write_jsonl(tmp_path / "newest.jsonl", [newest])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "merge", str(path)])
    assert result.exit_code == 0, result.output
    assert "changed: article 1 (Export) bob stance: 'mixed' -> 'unclear'" in result.stdout


# --- names -----------------------------------------------------------------------------------


def test_a_record_in_the_merging_analysts_own_name_is_reported_and_skipped(db, tmp_path):
    path = write_jsonl(
        tmp_path / "f.jsonl", [record(analyst="lead", stance="supportive"), record(analyst="olena")]
    )
    report = merge_file(db, path, "lead")
    assert analysts(db) == ["olena"]
    assert positions(report) == ["line 1"] and "your own name ('lead')" in report.errors[0]
    # The CLI's merging analyst is --analyst.
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "cli.db"), "--analyst", "olena", "merge", str(path)]
    )
    assert result.exit_code == 1 and "line 2: a decision in your own name" in result.stderr


LOOKALIKES = ["bоb", "Bob", "ｂｏｂ", "b\u200bob", "\u202ebob", "ΒΟΒ"]


@pytest.mark.parametrize("name", LOOKALIKES)
def test_the_skeleton_joins_look_alikes(name):
    assert name != "bob" and skeleton(name) == skeleton("bob")


@pytest.mark.parametrize("name", ["rob", "bobby", "bób", "olena", "олена"])
def test_the_skeleton_keeps_different_names_apart(name):
    assert skeleton(name) != skeleton("bob")


def test_look_alike_names_are_reported_not_taken_as_new_people(db, tmp_path, bobs_decision):
    records = [record(analyst=name, stance="supportive") for name in LOOKALIKES]
    records.append(record(analyst="lеad"))  # Cyrillic е: the merging analyst's look-alike
    path = write_jsonl(tmp_path / "f.jsonl", records)
    report = merge_file(db, path, "lead")
    assert analysts(db) == ["bob"]
    assert get_decision(db, bobs_decision, "bob").stance == "neutral"
    assert len(report.errors) == 7
    assert "U+043E CYRILLIC SMALL LETTER O" in report.errors[0]
    assert "looks like 'bob'" in report.errors[0] and "looks like 'lead'" in report.errors[6]

    accepted = merge_file(db, path, "lead", accept_lookalikes=True)
    assert accepted.errors == [] and accepted.decisions_added == 7
    assert len(analysts(db)) == 8


def test_two_look_alikes_new_to_the_store_are_not_both_taken(db, tmp_path):
    path = write_jsonl(tmp_path / "f.jsonl", [record(analyst="taras"), record(analyst="tarаs")])
    report = merge_file(db, path, "lead")
    assert analysts(db) == ["taras"] and positions(report) == ["line 2"]


def test_names_and_notes_pass_the_door_in(db, tmp_path):
    hostile = record(
        analyst="eve\x1b]52;c;cHduZWQ=\x07\nforged row",
        notes="see \x1b[2Jthis\x9b and\r\nthat",
    )
    report = merge_file(db, write_jsonl(tmp_path / "f.jsonl", [hostile]), "lead")
    assert report.errors == []
    (name,) = analysts(db)
    assert name == "eve]52;c;cHduZWQ= forged row"
    # The door drops the control characters (ESC, CSI); what they introduced is text.
    assert get_decision(db, article_id(db), name).notes == "see [2Jthis and\nthat"


# --- adjudication ---------------------------------------------------------------------------


def adjudicated(db, url):
    return get_decision(db, article_id(db, url), "olena").adjudicated


def test_adjudicated_is_taken_only_as_json_true_and_only_when_asked(db, tmp_path):
    as_text = write_jsonl(tmp_path / "text.jsonl", [record(adjudicated="false")])
    report = merge_file(db, as_text, "lead", accept_adjudications=True)
    assert "adjudicated: must be boolean, not string" in report.errors[0]
    assert db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0

    unasked, asked = (record(url=f"https://e.org/{n}", text=n, adjudicated=True) for n in "ab")
    report = merge_file(db, write_jsonl(tmp_path / "a.jsonl", [unasked]), "lead")
    assert report.decisions_added == 1 and adjudicated(db, unasked["url"]) is False
    path = write_jsonl(tmp_path / "b.jsonl", [asked])
    merge_file(db, path, "lead", accept_adjudications=True)
    assert adjudicated(db, asked["url"]) is True
    # A file's false never unsettles a ruling, not even a newer file's.
    later = {**asked, "adjudicated": False, "stance": "mixed", "triaged_at": "2024-04-01T00:00:00Z"}
    merge_file(db, write_jsonl(tmp_path / "c.jsonl", [later]), "lead", accept_adjudications=True)
    decision = get_decision(db, article_id(db, asked["url"]), "olena")
    assert (decision.stance, decision.adjudicated) == ("mixed", True)


# --- lone surrogates and broken files ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
@pytest.mark.parametrize("escape", ["\\ud800", "\\udc00", "\\ud800\\u0041"])
def test_a_lone_surrogate_is_one_bad_record_not_a_rollback(db, tmp_path, fmt, escape):
    good = [record(url=f"https://example.org/{i}", text=f"Text {i}.") for i in range(3)]
    lines = [json.dumps(r) for r in good]
    lines[1] = lines[1].replace('"notes": ""', f'"notes": "x{escape}y"')
    path = tmp_path / f"f.{fmt}"
    path.write_text("\n".join(lines) if fmt == "jsonl" else "[" + ",\n".join(lines) + "]")
    report = merge_file(db, path, "lead")
    assert report.decisions_added == 2 and len(report.errors) == 1
    assert report.errors[0].split(": ")[1] == ("line 2" if fmt == "jsonl" else "record 2")
    assert "notes holds a lone surrogate" in report.errors[0]


def test_a_file_that_breaks_midway_keeps_what_came_before_and_says_so(db, tmp_path):
    good = [json.dumps(record(url=f"https://e.org/{i}", text=f"Text {i}.")) for i in range(3)]
    path = tmp_path / "cut.json"
    path.write_text("[" + ",".join(good) + ', {"schema_version": "1.0", "url": ')
    report = merge_file(db, path, "lead")
    assert report.decisions_added == 3
    assert "not a valid JSON export" in report.errors[0]
    assert "the 3 records before it were merged, none after it" in report.errors[0]
    # Broken before the first record: nothing was merged, the file is refused whole.
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    with pytest.raises(MergeError, match="not a valid JSON export"):
        merge_file(db, broken, "lead")


def test_the_c_parser_is_kept_from_files_it_would_misread(tmp_path):
    pytest.importorskip("ijson.backends.yajl2_c")
    plain = write_array(tmp_path / "plain.json", [record()])
    escaped = tmp_path / "escaped.json"
    escaped.write_text('[{"notes": "\\ud83d\\ude00"}]')
    long_line = tmp_path / "long.json"
    long_line.write_text('[{"text": "' + "x" * (exchange.C_PARSER_MAX_LINE + 1) + '"}]')

    def parser(path):
        with path.open("rb") as fh:
            return exchange._array_parser(fh, 0).__name__.rsplit(".", 1)[1]

    assert [parser(p) for p in (plain, escaped, long_line)] == ["yajl2_c", "python", "python"]
    assert [r for _, r in read_records(escaped)] == [{"notes": "😀"}]
    # yajl refuses integers past 64 bits: the Python parser reads the rest of the file.
    big = tmp_path / "big.json"
    big.write_text('[{"id": 1}, {"id": 18446744073709551616}, {"id": 3}]')
    assert [r["id"] for _, r in read_records(big)] == [1, 18446744073709551616, 3]


# --- the import's write path -----------------------------------------------------------------


def test_merged_articles_go_through_the_imports_write_path_with_its_hooks(db, tmp_path):
    # The exporter's source path, as it happens to exist here too, with a sidecar beside it.
    source = tmp_path / "page.html"
    sidecar = tmp_path / "page.html.translation.json"
    sidecar.write_text(
        json.dumps(
            {"target_lang": "en", "provider": "sidecar", "paragraphs": [
                {"original": "Mehr dazu später.", "translation": "Planted."}]}
        )
    )  # fmt: skip
    cited = record(
        url="https://de.rt.com/wirtschaft/1",
        text="Laut RIA Novosti wurde der Export gestoppt.\n\nMehr dazu später.",
        source=str(source),
    )
    merge_file(db, write_jsonl(tmp_path / "f.jsonl", [cited]), "lead")
    article = article_id(db, "https://de.rt.com/wirtschaft/1")
    roles = db.execute(
        "SELECT outlet_key, role FROM citations WHERE article_id = ? ORDER BY role", [article]
    ).fetchall()
    assert ("rt", "publisher") in roles and ("ria-novosti", "attributed") in roles
    flags = db.execute("SELECT flag FROM suggested_flags WHERE article_id = ?", [article])
    assert {f[0] for f in flags} == {"state-media-sourcing"}
    # The exporter's language and source stand; no file here is read because of them.
    row = db.execute("SELECT language, source FROM articles WHERE id = ?", [article]).fetchone()
    assert row == ("de", str(source))
    assert db.execute("SELECT count(*) FROM translations").fetchone()[0] == 0


# --- batches -------------------------------------------------------------------------------------


def test_another_writer_gets_the_lock_while_a_big_merge_runs(db, db_path, tmp_path):
    """The merge commits in batches: `adjudicate` or an import in another connection
    waits for one batch, not for the file (the old merge held the lock to the end)."""
    paragraphs = ["One article that every record of the big file names."]
    target = insert_article(db, paragraphs, url="https://example.org/big")
    digest = text_sha256(paragraphs)
    records = [
        {"schema_version": "1.0", "text_sha256": digest, "analyst": f"analyst {i}",
         "status": "done", "stance": "neutral", "flags": [], "notes": "", "triaged_at": PAST}
        for i in range(30_000)
    ]  # fmt: skip
    path = write_array(tmp_path / "big.json", records)
    outcome = {}

    def run_merge():
        from article_triage.store.db import open_db

        own = open_db(db_path)  # one connection per thread
        try:
            outcome["report"] = merge_file(own, path, "lead")
        finally:
            own.close()

    merging = threading.Thread(target=run_merge)
    other = sqlite3.connect(db_path, isolation_level=None)
    merging.start()
    try:
        # Wait until the merge holds the write lock, then ask for it as `adjudicate` would.
        while merging.is_alive():
            other.execute("PRAGMA busy_timeout = 0")
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            except sqlite3.OperationalError:
                break
            time.sleep(0.001)  # leave the GIL to the merge
        assert merging.is_alive(), "the merge ended before it was seen holding the lock"
        other.execute("PRAGMA busy_timeout = 2000")
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE articles SET title = 'written meanwhile' WHERE id = ?", [target])
        other.execute("COMMIT")
    finally:
        merging.join()
        other.close()
    assert outcome["report"].decisions_added == 30_000
    assert db.execute("SELECT title FROM articles WHERE id = ?", [target]).fetchone()[0] == (
        "written meanwhile"
    )


def test_progress_is_reported_after_each_batch(db, tmp_path, monkeypatch):
    monkeypatch.setattr(exchange, "BATCH_RECORDS", 2)
    records = [record(url=f"https://e.org/{i}", text=f"Text {i}.") for i in range(5)]
    seen = []
    merge_file(
        db,
        write_jsonl(tmp_path / "f.jsonl", records),
        "lead",
        progress=lambda r: seen.append(r.records),
    )
    assert seen == [2, 4, 5]


# --- anything at all ------------------------------------------------------------------------

hostile_text = st.text(
    alphabet=st.characters(codec=None, categories=None, exclude_categories=()), max_size=12
)
field_values = {
    "analyst": st.none() | hostile_text | st.integers() | st.sampled_from(["bob", "bоb", "lead"]),
    "notes": hostile_text | st.none() | st.integers(),
    "status": st.sampled_from(["done", "new", "escalated", "DONE", ""]) | hostile_text,
    "stance": st.sampled_from(["critical", None, "angry"]) | st.booleans(),
    "reliability": st.sampled_from(["A", "F", "G", None, 1]),
    "flags": st.lists(hostile_text, max_size=3) | hostile_text,
    "triaged_at": st.sampled_from(
        [
            PAST,
            "2024-03-05T10:00:00+05:00",
            "9999-12-31T00:00:00Z",
            "2024-13-45T00:00:00Z",
            "",
            None,
        ]
    ),
    "adjudicated": st.sampled_from([True, False, "true", "false", 1, None]),
    "text": hostile_text | st.sampled_from([TEXT]),
    "url": st.sampled_from(["https://example.org/a", "https://u:p@example.org/b", "", None]),
    "translation": st.none() | st.lists(st.none() | hostile_text, max_size=3),
    "translation_lang": st.sampled_from(["en", None, ""]),
}
hostile_records = st.lists(
    st.fixed_dictionaries({"schema_version": st.sampled_from(["1.0", "1.1", "2.0"])}).flatmap(
        lambda base: st.fixed_dictionaries(
            {}, optional={name: strategy for name, strategy in field_values.items()}
        ).map(lambda extra, base=base: {**base, **extra})
    )
    | st.integers()
    | hostile_text,  # (not a list: a JSONL file starting with one reads as a JSON array)
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(records=hostile_records, fmt=st.sampled_from(["jsonl", "json"]))
def test_any_file_of_records_merges_or_reports_each_and_stores_nothing_raw(
    tmp_path_factory, records, fmt
):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / f"f.{fmt}"
    # ensure_ascii: a surrogate reaches the file as the \u escape a hostile writer would use.
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    else:
        path.write_text(json.dumps(records), "utf-8")
    from article_triage.store.db import open_db

    db = open_db(folder / "t.db")
    try:
        report = merge_file(db, path, "lead")
        assert report.records == len(records)
        assert report.added_articles + report.matched + len(report.errors) == report.records
        stored = db.execute("SELECT analyst, notes FROM decisions").fetchall()
        for analyst, notes in stored:
            assert analyst != "lead" and analyst == analyst.strip()
            for value in (analyst, notes):
                assert not any(
                    (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in value
                )
                value.encode("utf-8")  # no lone surrogate
        assert (
            db.execute("SELECT count(*) FROM articles WHERE url LIKE '%u:p@%'").fetchone()[0] == 0
        )
    finally:
        db.close()
