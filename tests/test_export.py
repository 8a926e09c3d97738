"""Export: the record, its filters, its JSON Schema, spreadsheet-safe CSV, streaming, the audit log."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import article_triage.store.export as export_module
from article_triage.store.articles import ArticleFilter, insert_article
from article_triage.store.boundary import clean_text
from article_triage.store.db import open_db
from article_triage.store.export import (
    FORMULA_PREFIXES,
    SCHEMA_VERSION,
    export_audit,
    export_records,
    load_schema,
    machine_tags,
    neutralise_cell,
    restore_cell,
    write_export,
)
from article_triage.store.translations import save_translation
from article_triage.store.triage import apply_changes, undo
from article_triage.tui.cli import cli

VALIDATOR = jsonschema.Draft202012Validator(load_schema())


@pytest.fixture
def seeded(db):
    """Three articles: one graded by two analysts who disagree, one by one analyst, one untriaged."""
    uk = insert_article(
        db,
        ['=HYPERLINK("http://evil") перший абзац', "Другий абзац з «РИА Новости»"],
        url="https://example.ua/news/1",
        source="https://example.ua/news/1",
        title="-Новина про мораторій",
        sitename="Example UA",
        language="uk",
        published="2024-03-05",
    )
    de = insert_article(
        db,
        ["Laut RIA Novosti hat Kasachstan den Export gestoppt."],
        url="https://de.rt.com/a",
        title="Exportstopp",
        language="de",
        published="2024-04-20",
    )
    en = insert_article(
        db,
        ["An untriaged English article."],
        url="https://e.com/x",
        title="Untouched",
        language="en",
    )
    db["outlets"].insert_all(
        [
            {"key": "ria", "name": "RIA Novosti", "country": "RU", "category": "state-controlled"},
            {"key": "rt", "name": "RT DE", "country": "RU", "category": "state-controlled"},
        ]
    )
    db["citations"].insert_all(
        [
            {"article_id": de, "outlet_key": "rt", "role": "publisher"},
            {"article_id": de, "outlet_key": "ria", "role": "attributed", "paragraph_index": 0},
            {"article_id": uk, "outlet_key": "ria", "role": "attributed", "paragraph_index": 1},
            {"article_id": uk, "outlet_key": "ria", "role": "mention", "paragraph_index": 0},
        ]
    )
    db["suggested_flags"].insert_all(
        [
            {
                "article_id": de,
                "flag": "state-media-sourcing",
                "reason": "cites RIA Novosti: state-controlled, RU",
                "outlet_key": "ria",
            },
            {
                "article_id": de,
                "flag": "state-media-sourcing",
                "reason": "published by RT DE: state-controlled, RU",
                "outlet_key": "rt",
            },
        ]
    )
    apply_changes(
        db,
        [uk],
        "olena",
        {
            "status": "done",
            "stance": "critical",
            "reliability": "B",
            "credibility": "2",
            "flags": ["single-source", "anonymous-source"],
            "notes": "@mention +1 =2",
        },
    )
    apply_changes(
        db, [uk], "ivan", {"status": "escalated", "stance": "neutral", "reliability": "C"}
    )
    apply_changes(
        db,
        [de],
        "olena",
        {
            "status": "done",
            "reliability": "E",
            "credibility": "5",
            "flags": ["state-media-sourcing"],
        },
    )
    save_translation(db, uk, "en", "sample", ["=HYPERLINK first paragraph", None])
    return {"uk": uk, "de": de, "en": en}


def _keys(records):
    return [(r["id"], r["analyst"]) for r in records]


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def record_from_csv(row: dict[str, str]) -> dict:
    """A CSV row coerced back into the record's types (lists from "; ", objects from columns)."""
    r = {k: restore_cell(v) for k, v in row.items()}

    def opt(v: str):
        return v if v != "" else None

    def listed(v: str) -> list[str]:
        return v.split("; ") if v else []

    record = {
        "schema_version": r["schema_version"],
        "id": int(r["id"]),
        "url": opt(r["url"]),
        "source": opt(r["source"]),
        "title": opt(r["title"]),
        "sitename": opt(r["sitename"]),
        "language": r["language"],
        "published": opt(r["published"]),
        "added_at": r["added_at"],
        "text_sha256": r["text_sha256"],
        "status": r["status"],
        "stance": opt(r["stance"]),
        "reliability": opt(r["reliability"]),
        "credibility": opt(r["credibility"]),
        "grade": opt(r["grade"]),
        "machine_tags": listed(r["machine_tags"]),
        "flags": listed(r["flags"]),
        "suggested_flags": listed(r["suggested_flags"]),
        "suggested_flag_reasons": [
            dict(zip(("flag", "reason"), item.split(": ", 1), strict=True))
            for item in listed(r["suggested_flag_reasons"])
        ],
        "notes": r["notes"],
        "analyst": opt(r["analyst"]),
        "triaged_at": opt(r["triaged_at"]),
        "adjudicated": bool(int(r["adjudicated"])),
        "outlet": (
            {
                "name": r["outlet"],
                "category": opt(r["outlet_category"]),
                "country": opt(r["outlet_country"]),
            }
            if r["outlet"]
            else None
        ),
        "cited_outlets": [{"name": n} for n in listed(r["cited_outlets"])],
        "story_id": int(r["story_id"]) if r["story_id"] else None,
    }
    if "text" in r:
        record["text"] = r["text"]
    if "translation" in r:
        record["translation_lang"] = opt(r["translation_lang"])
        record["translation"] = (
            [p or None for p in r["translation"].split("\n\n")] if r["translation"] else None
        )
    return record


def _export(db, fmt: str, flt: ArticleFilter | None = None, **options) -> str:
    out = io.StringIO(newline="")
    write_export(db, out, fmt, flt or ArticleFilter(), **options)
    return out.getvalue()


# --- the record ---------------------------------------------------------------------------------


def test_one_record_per_decision_and_untriaged_articles_once(db, seeded):
    records = list(export_records(db, ArticleFilter()))
    assert _keys(records) == [
        (seeded["uk"], "ivan"),
        (seeded["uk"], "olena"),
        (seeded["de"], "olena"),
        (seeded["en"], None),
    ]
    untouched = records[-1]
    assert untouched["status"] == "new"
    assert untouched["grade"] is None
    assert untouched["machine_tags"] == []
    assert untouched["flags"] == [] and untouched["triaged_at"] is None


def test_analyst_option_gives_their_decisions_plus_what_they_have_not_triaged(db, seeded):
    records = list(export_records(db, ArticleFilter(analyst="ivan")))
    assert _keys(records) == [(seeded["uk"], "ivan"), (seeded["de"], None), (seeded["en"], None)]
    assert [r["status"] for r in records] == ["escalated", "new", "new"]


def test_record_carries_grade_outlets_suggestions_and_provenance(db, seeded):
    (record,) = export_records(db, ArticleFilter(ids=(seeded["de"],)))
    assert record["schema_version"] == SCHEMA_VERSION
    assert record["grade"] == "E5"
    assert record["machine_tags"] == [
        'admiralty-scale:source-reliability="e"',
        'admiralty-scale:information-credibility="5"',
    ]
    assert record["outlet"] == {
        "key": "rt",
        "name": "RT DE",
        "category": "state-controlled",
        "country": "RU",
    }
    assert [o["name"] for o in record["cited_outlets"]] == ["RIA Novosti"]
    assert record["suggested_flags"] == ["state-media-sourcing"]
    assert {r["outlet"] for r in record["suggested_flag_reasons"]} == {"ria", "rt"}
    assert record["url"] == "https://de.rt.com/a"
    assert len(record["text_sha256"]) == 64
    assert "text" not in record and "translation" not in record


def test_cited_outlets_are_attributions_only_and_listed_once(db, seeded):
    (olena,) = export_records(db, ArticleFilter(analyst="olena", ids=(seeded["uk"],)))
    assert olena["outlet"] is None
    assert olena["cited_outlets"] == [
        {"key": "ria", "name": "RIA Novosti", "category": "state-controlled", "country": "RU"}
    ]


def test_machine_tags_follow_the_misp_admiralty_scale():
    assert machine_tags("B", "2") == [
        'admiralty-scale:source-reliability="b"',
        'admiralty-scale:information-credibility="2"',
    ]
    assert machine_tags(None, "6") == ['admiralty-scale:information-credibility="6"']
    assert machine_tags(None, None) == []


def test_text_and_translation_aligned_by_paragraph(db, seeded):
    records = list(
        export_records(db, ArticleFilter(analyst="olena"), with_text=True, with_translation=True)
    )
    by_id = {r["id"]: r for r in records}
    uk = by_id[seeded["uk"]]
    assert uk["text"].split("\n\n")[1] == "Другий абзац з «РИА Новости»"
    assert uk["translation_lang"] == "en"
    assert uk["translation"] == ["=HYPERLINK first paragraph", None]
    assert by_id[seeded["de"]]["translation"] is None


# --- filters (all through ArticleFilter) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ArticleFilter(status="done"), [("uk", "olena"), ("de", "olena")]),
        (ArticleFilter(status="escalated"), [("uk", "ivan")]),
        (ArticleFilter(status="new"), [("en", None)]),
        (ArticleFilter(language="de"), [("de", "olena")]),
        (ArticleFilter(outlet="rt"), [("de", "olena")]),
        (ArticleFilter(outlet="RIA Novosti"), [("uk", "ivan"), ("uk", "olena"), ("de", "olena")]),
        (ArticleFilter(flag="single-source"), [("uk", "olena")]),
        (ArticleFilter(grade="B2"), [("uk", "olena")]),
        (ArticleFilter(grade="C"), [("uk", "ivan")]),
        (ArticleFilter(published_from="2024-04"), [("de", "olena")]),
        (ArticleFilter(published_to="2024-03"), [("uk", "ivan"), ("uk", "olena")]),
        (ArticleFilter(query="Kasachstan"), [("de", "olena")]),
        (ArticleFilter(query="first paragraph"), [("uk", "ivan"), ("uk", "olena")]),
        (ArticleFilter(disagreement=True), [("uk", "ivan"), ("uk", "olena")]),
        (ArticleFilter(analyst="olena", status="done"), [("uk", "olena"), ("de", "olena")]),
    ],
)
def test_filters_select_decisions(db, seeded, flt, expected):
    names = {v: k for k, v in seeded.items()}
    assert [(names[i], a) for i, a in _keys(export_records(db, flt))] == expected


# --- the schema -----------------------------------------------------------------------------------


def test_schema_file_is_versioned_with_the_code():
    schema = load_schema()
    assert schema["$id"].endswith(SCHEMA_VERSION)
    assert schema["version"] == SCHEMA_VERSION
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("options", [{}, {"with_text": True, "with_translation": True}])
def test_every_format_validates_against_the_schema(db, seeded, options):
    as_json = json.loads(_export(db, "json", **options))
    as_jsonl = [json.loads(line) for line in _export(db, "jsonl", **options).splitlines()]
    as_csv = [record_from_csv(row) for row in _csv_rows(_export(db, "csv", **options))]
    assert len(as_json) == len(as_jsonl) == len(as_csv) == 4
    for record in [*as_json, *as_jsonl, *as_csv]:
        VALIDATOR.validate(record)
    assert as_json == as_jsonl
    # CSV cells come from SQL, records from Python: what survives CSV's flattening
    # (outlet keys, the cited outlets' details, the reasons' outlets do not) is the same.
    for flat, full in zip(as_csv, as_json, strict=True):
        for key, value in full.items():
            if key == "outlet":
                value = value and {k: v for k, v in value.items() if k != "key"}
            elif key == "cited_outlets":
                value = [{"name": o["name"]} for o in value]
            elif key == "suggested_flag_reasons":
                value = [{"flag": r["flag"], "reason": r["reason"]} for r in value]
            elif value == "" and key != "notes":
                value = None
            assert flat[key] == value, key


def test_a_record_that_breaks_the_schema_is_caught(db, seeded):
    record = next(export_records(db, ArticleFilter()))
    assert VALIDATOR.is_valid(record)
    for field, bad in [("reliability", "G"), ("grade", ""), ("flags", "single-source")]:
        assert not VALIDATOR.is_valid({**record, field: bad})
    assert not VALIDATOR.is_valid({k: v for k, v in record.items() if k != "text_sha256"})


def test_empty_json_export_is_an_empty_array(db):
    assert json.loads(_export(db, "json")) == []
    assert _export(db, "jsonl") == ""


# --- spreadsheet-safe CSV -----------------------------------------------------------------------


def test_csv_neutralises_formulas_and_json_keeps_the_original(db, seeded):
    rows = _csv_rows(_export(db, "csv", with_translation=True))
    olena = next(r for r in rows if r["analyst"] == "olena" and r["id"] == str(seeded["uk"]))
    assert olena["title"] == "'-Новина про мораторій"
    assert olena["notes"] == "'@mention +1 =2"
    assert olena["translation"].startswith("'=HYPERLINK")
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_PREFIXES)
    (record,) = export_records(db, ArticleFilter(analyst="olena", ids=(seeded["uk"],)))
    assert record["title"] == "-Новина про мораторій"
    assert record["notes"] == "@mention +1 =2"


def test_csv_neutralises_values_from_every_table(db, seeded):
    db["outlets"].insert({"key": "evil", "name": "=HYPERLINK(1)", "category": "+x", "country": "-"})
    db["citations"].insert_all(
        [
            {"article_id": seeded["en"], "outlet_key": "evil", "role": "publisher"},
            {"article_id": seeded["en"], "outlet_key": "evil", "role": "attributed"},
        ]
    )
    db["suggested_flags"].insert({"article_id": seeded["en"], "flag": "@flag", "reason": "=r"})
    (row,) = _csv_rows(_export(db, "csv", ArticleFilter(ids=(seeded["en"],))))
    for column in ("outlet", "outlet_category", "outlet_country", "cited_outlets"):
        assert row[column].startswith("'"), column
    assert row["suggested_flags"] == "'@flag"
    assert row["suggested_flag_reasons"] == "'@flag: =r"


def test_csv_flattens_lists_with_semicolons(db, seeded):
    rows = _csv_rows(_export(db, "csv"))
    olena = next(r for r in rows if r["analyst"] == "olena" and r["id"] == str(seeded["uk"]))
    assert olena["flags"] == "single-source; anonymous-source"
    de = next(r for r in rows if r["id"] == str(seeded["de"]))
    assert de["outlet"] == "RT DE" and de["outlet_country"] == "RU"
    assert de["cited_outlets"] == "RIA Novosti"


def test_bom_only_when_asked(db, seeded):
    assert _export(db, "csv", bom=True).startswith("\ufeffschema_version,")
    assert _export(db, "csv").startswith("schema_version,")


@given(st.text())
def test_a_neutralised_cell_never_starts_a_formula_and_round_trips(value):
    cell = neutralise_cell(value)
    assert not cell.startswith(FORMULA_PREFIXES)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow([cell, "after"])
    (row,) = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert row == [cell, "after"]
    assert restore_cell(row[0]) == value


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    notes=st.text(
        # No lone surrogates: stored text is UTF-8, and the doors in (notes editor,
        # merge through store.boundary) never hand one on.
        alphabet=st.one_of(
            st.sampled_from("=+-@\t\r\n\"',;'\x00\x1b"),
            st.characters(exclude_categories=["Cs"]),
        ),
        max_size=30,
    )
)
def test_any_notes_survive_a_csv_export(db, notes):
    article = db.execute("SELECT id FROM articles LIMIT 1").fetchone()
    article_id = article[0] if article else insert_article(db, ["a paragraph"])
    apply_changes(db, [article_id], "tester", {"notes": notes})
    stored = clean_text(notes)  # the door in: what the store holds, the export keeps exactly
    text = _export(db, "csv", ArticleFilter(analyst="tester"))
    (row,) = _csv_rows(text)
    assert not row["notes"].startswith(FORMULA_PREFIXES)
    assert row["notes"] == neutralise_cell(stored)  # SQLite neutralises as Python does
    assert restore_cell(row["notes"]) == stored


# --- streaming ---------------------------------------------------------------------------------


@pytest.fixture
def many(db, monkeypatch):
    """23 articles with 0-2 decisions each, read 5 rows per query."""
    monkeypatch.setattr(export_module, "BATCH_SIZE", 5)
    ids = [insert_article(db, [f"article number {i}"]) for i in range(23)]
    for i, article_id in enumerate(ids):
        for analyst in ("ana", "bo")[: i % 3]:
            apply_changes(db, [article_id], analyst, {"status": "done"})
    queries: list[str] = []

    def trace(sql: str) -> None:
        if "ORDER BY a.id, d.analyst LIMIT" in sql:
            queries.append(sql)

    db.conn.set_trace_callback(trace)
    yield ids, queries
    db.conn.set_trace_callback(None)


def test_records_are_read_lazily_in_keyset_batches(db, many):
    ids, queries = many
    records = export_records(db, ArticleFilter())
    assert queries == []  # nothing is read until asked for
    first = [next(records) for _ in range(5)]
    assert len(queries) == 1
    rest = list(records)
    expected = [(i, a) for n, i in enumerate(ids) for a in ([None], ["ana"], ["ana", "bo"])[n % 3]]
    assert _keys(first + rest) == expected
    assert len(queries) == -(-len(expected) // 5) + (len(expected) % 5 == 0)


class _WatchingStream(io.StringIO):
    """Notes how many batches had been read when the first record was written."""

    def __init__(self, queries: list[str]):
        super().__init__(newline="")
        self.queries = queries
        self.batches_at_first_record: int | None = None

    def write(self, text: str) -> int:
        if self.batches_at_first_record is None and '"schema_version"' in text:
            self.batches_at_first_record = len(self.queries)
        return super().write(text)


def test_json_array_is_written_as_records_arrive(db, many):
    _, queries = many
    out = _WatchingStream(queries)
    progress: list[int] = []
    written = write_export(db, out, "json", ArticleFilter(), progress=progress.append)
    assert out.batches_at_first_record == 1
    assert len(queries) > 1
    assert len(json.loads(out.getvalue())) == written == progress[-1]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_reads_one_snapshot_while_others_write(db, db_path, many, fmt, monkeypatch):
    ids, _ = many
    monkeypatch.setattr(export_module, "PROGRESS_EVERY", 5)
    other = open_db(db_path)
    seen: list[int] = []

    def meanwhile(written: int) -> None:
        if not seen:  # after the first batch, another process grades and imports
            apply_changes(other, [ids[-1]], "zed", {"status": "done"})
            insert_article(other, ["imported during the export"])
        seen.append(written)

    before = len(list(export_records(db, ArticleFilter())))
    out = io.StringIO(newline="")
    written = write_export(db, out, fmt, ArticleFilter(), progress=meanwhile)
    other.close()
    assert len(seen) > 2  # the other writer came in mid-export
    assert written == before
    assert len(list(export_records(db, ArticleFilter()))) == before + 2


# --- the audit log -------------------------------------------------------------------------------


def test_audit_export_lists_who_changed_what(db, seeded):
    undo(db, "ivan")
    out = io.StringIO()
    written = export_audit(db, out, "jsonl", analyst="ivan")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert written == len(events) == 6
    assert {e["analyst"] for e in events} == {"ivan"}
    assert [e["action"] for e in events] == ["set"] * 3 + ["undo"] * 3
    assert events[0]["field"] == "status" and events[0]["new"] == "escalated"
    assert export_audit(db, io.StringIO(), "json", since="2999-01-01") == 0


def test_audit_csv_keeps_values_as_json_and_is_safe(db, seeded):
    out = io.StringIO(newline="")
    export_audit(db, out, "csv", analyst="olena")
    rows = _csv_rows(out.getvalue())
    notes = next(r for r in rows if r["field"] == "notes")
    assert json.loads(restore_cell(notes["new"])) == "@mention +1 =2"
    flags = next(r for r in rows if r["field"] == "flags" and r["article_id"] == str(seeded["uk"]))
    assert json.loads(flags["new"]) == ["single-source", "anonymous-source"]


# --- the command line ---------------------------------------------------------------------------


def _run(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)


def test_cli_exports_to_stdout(db, db_path, seeded):
    result = _run(db_path, "export", "--format", "jsonl", "-o", "-", "--status", "done")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["analyst"]) for r in records] == [
        (seeded["uk"], "olena"),
        (seeded["de"], "olena"),
    ]


def test_cli_writes_a_file_in_the_format_its_name_says(db, db_path, seeded, tmp_path):
    target = tmp_path / "out.json"
    result = _run(
        db_path, "export", "-o", str(target), "--with-text", "--analyst", "olena", "--from", "2024"
    )
    assert result.exit_code == 0, result.output
    records = json.loads(target.read_text(encoding="utf-8"))
    assert [r["id"] for r in records] == [seeded["uk"], seeded["de"]]
    assert all("text" in r for r in records)
    assert f"Exported 2 records to {target}" in result.stderr
    assert not (tmp_path / "out.json.part").exists()


def test_cli_writes_through_links_and_pipes_instead_of_replacing_them(
    db, db_path, seeded, tmp_path
):
    real = tmp_path / "real.jsonl"
    real.write_text("", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert _run(db_path, "export", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert len(real.read_text(encoding="utf-8").splitlines()) == 4

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = _run(db_path, "export", "--format", "jsonl", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert len(received[0].splitlines()) == 4


def test_cli_csv_with_bom_for_excel(db, db_path, seeded, tmp_path):
    target = tmp_path / "out.csv"
    assert _run(db_path, "export", "-o", str(target), "--bom", "--grade", "E5").exit_code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    (row,) = _csv_rows(raw.decode("utf-8-sig"))
    assert row["id"] == str(seeded["de"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "xml"),
        (["--status", "maybe"], "unknown status"),
        (["--grade", "Z9"], "not an Admiralty grade"),
        (["--from", "March"], "--from 'March'"),
        (["--to", "2024-3"], "--to '2024-3'"),
    ],
)
def test_cli_rejects_bad_options_in_one_line(db_path, args, message):
    result = _run(db_path, "export", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_audit(db, db_path, seeded, tmp_path):
    result = _run(db_path, "audit", "--analyst", "olena", "--format", "csv")
    assert result.exit_code == 0
    rows = _csv_rows(result.stdout)
    assert rows and {r["analyst"] for r in rows} == {"olena"}
    target = tmp_path / "audit.jsonl"
    assert _run(db_path, "audit", "-o", str(target), "--since", "2000-01-01").exit_code == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == db["events"].count
