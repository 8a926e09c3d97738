"""Export: triage results as CSV, JSON or JSONL records, and the audit log.

One record per (article, analyst decision); an article nobody has decided yet
appears once with status "new" and analyst null. The record is described by the
JSON Schema in ``store/schemas/export-record.schema.json`` (its version is
:data:`SCHEMA_VERSION`). Everything streams: rows are read by keyset in batches and
written as they come, a JSON array included, so memory does not grow with the store.

CSV is meant to be opened in a spreadsheet: a cell that would start a formula is
neutralised with a leading apostrophe (the JSON keeps the original value), and lists
are flattened with "; ".
"""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from article_triage.store.articles import ArticleFilter
from article_triage.store.translations import get_translation
from article_triage.store.triage import EVENT_COLUMNS

SCHEMA_VERSION = "1.1"
SCHEMA_RESOURCE = "schemas/export-record.schema.json"
FORMATS = ("csv", "json", "jsonl")
BATCH_SIZE = 1000
"""Rows read per keyset query; the most the export holds in memory at once."""
PROGRESS_EVERY = 500
LIST_SEPARATOR = "; "

# Spreadsheets evaluate a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# ...and some skip leading blanks first, so " =1+1" and NBSP then "=" are formulas too.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
_BLANKS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + (
    "\u180e\u200b\u200c\u200d\u2060\ufeff"  # zero-width: blank to the eye
)
# An apostrophe is escaped too, so that unescaping is exact: a value that itself
# began with one gets a second.
_NEUTRALISER = "'"

MISP_RELIABILITY = 'admiralty-scale:source-reliability="{}"'
MISP_CREDIBILITY = 'admiralty-scale:information-credibility="{}"'

# The article's story (store.stories); ids are renumbered by `triage stories rebuild`.
_STORY_ID = "(SELECT story_id FROM story_members WHERE article_id = a.id)"
_OUTLET_JSON = "json_object('key', c.outlet_key, 'name', coalesce(o.name, c.outlet_key), 'category', o.category, 'country', o.country)"
RECORD_SELECT = f"""
    a.id, a.url, a.source, a.title, a.sitename, a.language, a.published, a.added_at, a.text_sha256,
    coalesce(d.status, 'new'), d.stance, d.reliability, d.credibility, coalesce(d.flags, '[]'),
    coalesce(d.notes, ''), d.analyst, d.triaged_at, coalesce(d.adjudicated, 0),
    (SELECT {_OUTLET_JSON} FROM citations c LEFT JOIN outlets o ON o.key = c.outlet_key
        WHERE c.article_id = a.id AND c.role = 'publisher' ORDER BY c.id LIMIT 1),
    (SELECT json_group_array(json(x)) FROM (SELECT DISTINCT {_OUTLET_JSON} AS x
        FROM citations c LEFT JOIN outlets o ON o.key = c.outlet_key
        WHERE c.article_id = a.id AND c.role = 'attributed' ORDER BY c.outlet_key, 1)),
    (SELECT json_group_array(json_array(flag, reason, outlet_key)) FROM
        (SELECT flag, reason, outlet_key FROM suggested_flags WHERE article_id = a.id ORDER BY flag, reason)),
    {_STORY_ID}
"""

CSV_COLUMNS = [
    "schema_version",
    "id",
    "url",
    "source",
    "title",
    "sitename",
    "language",
    "published",
    "added_at",
    "text_sha256",
    "status",
    "stance",
    "reliability",
    "credibility",
    "grade",
    "machine_tags",
    "flags",
    "suggested_flags",
    "suggested_flag_reasons",
    "notes",
    "analyst",
    "triaged_at",
    "adjudicated",
    "outlet",
    "outlet_category",
    "outlet_country",
    "cited_outlets",
    "story_id",
]
CSV_TEXT_COLUMNS = ["text"]
CSV_TRANSLATION_COLUMNS = ["translation_lang", "translation"]

_SQL_FORMULA_PREFIXES = "'=', '+', '-', '@', char(9), char(13), ''''"


_SQL_BLANKS = f"char({', '.join(str(ord(c)) for c in _BLANKS)})"


def _safe(expr: str) -> str:
    """SQL for *expr* as a spreadsheet-safe cell: :func:`neutralise_cell` done by SQLite.

    ltrim copies the value, so it runs only for the rare cell that starts blank.
    """
    return (
        f"CASE WHEN substr({expr}, 1, 1) IN ({_SQL_FORMULA_PREFIXES}) "
        f"OR (instr({_SQL_BLANKS}, substr({expr}, 1, 1)) > 0 "
        f"AND substr(ltrim({expr}, {_SQL_BLANKS}), 1, 1) IN ('=', '+', '-', '@')) "
        f"THEN char(39) || {expr} ELSE {expr} END"
    )


def _safe_list(rows_sql: str, item: str) -> str:
    """A "; "-joined list from a subquery, made safe (only its first item can start it)."""
    return (
        f"(SELECT {_safe('g')} FROM (SELECT group_concat({item}, '{LIST_SEPARATOR}') AS g "
        f"FROM ({rows_sql})))"
    )


def _publisher(column: str) -> str:
    return (
        f"(SELECT {_safe(column)} FROM citations c LEFT JOIN outlets o ON o.key = c.outlet_key "
        "WHERE c.article_id = a.id AND c.role = 'publisher' ORDER BY c.id LIMIT 1)"
    )


def _tag(template: str, value_sql: str) -> str:
    prefix, suffix = template.split("{}")
    return f"coalesce('{LIST_SEPARATOR}{prefix}' || {value_sql} || '{suffix}', '')"


# CSV cells are made by SQLite, already flattened and neutralised, because per-cell
# Python work would cost more than the query itself on a large store. The record
# (JSON) path builds the same values in Python; the tests hold the two together.
_CSV_EXPRESSIONS = {
    "schema_version": f"'{SCHEMA_VERSION}'",
    "id": "a.id",
    **{
        c: _safe(f"a.{c}")
        for c in (
            "url",
            "source",
            "title",
            "sitename",
            "language",
            "published",
            "added_at",
            "text_sha256",
        )
    },
    "status": _safe("coalesce(d.status, 'new')"),
    **{c: _safe(f"d.{c}") for c in ("stance", "reliability", "credibility")},
    "grade": _safe("nullif(coalesce(d.reliability, '') || coalesce(d.credibility, ''), '')"),
    # Tags start with "admiralty-scale", never a formula; ltrim drops the first separator.
    "machine_tags": (
        f"nullif(ltrim({_tag(MISP_RELIABILITY, 'lower(d.reliability)')} || "
        f"{_tag(MISP_CREDIBILITY, 'd.credibility')}, '; '), '')"
    ),
    "flags": (
        "CASE WHEN d.flags IS NULL OR d.flags = '[]' THEN NULL ELSE "
        + _safe_list("SELECT value FROM json_each(d.flags)", "value")
        + " END"
    ),
    "suggested_flags": _safe_list(
        "SELECT DISTINCT flag FROM suggested_flags WHERE article_id = a.id ORDER BY flag", "flag"
    ),
    "suggested_flag_reasons": _safe_list(
        "SELECT flag, reason FROM suggested_flags WHERE article_id = a.id ORDER BY flag, reason",
        "flag || ': ' || reason",
    ),
    "notes": _safe("coalesce(d.notes, '')"),
    "analyst": _safe("d.analyst"),
    "triaged_at": _safe("d.triaged_at"),
    "adjudicated": "coalesce(d.adjudicated, 0)",
    "outlet": _publisher("coalesce(o.name, c.outlet_key)"),
    "outlet_category": _publisher("o.category"),
    "outlet_country": _publisher("o.country"),
    "cited_outlets": _safe_list(
        "SELECT DISTINCT c.outlet_key, coalesce(o.name, c.outlet_key) AS name FROM citations c "
        "LEFT JOIN outlets o ON o.key = c.outlet_key "
        "WHERE c.article_id = a.id AND c.role = 'attributed' ORDER BY c.outlet_key, name",
        "name",
    ),
    "story_id": _STORY_ID,
    "text": _safe("a.text"),
}

# The audit export is the event log as it stands.
AUDIT_COLUMNS = list(EVENT_COLUMNS)


def load_schema() -> dict[str, Any]:
    """The export record's JSON Schema, as shipped with the package."""
    text = (
        resources.files("article_triage.store")
        .joinpath(SCHEMA_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


# --- spreadsheet-safe cells ----------------------------------------------------------------


def neutralise_cell(value: str) -> str:
    """The value as a CSV cell no spreadsheet runs as a formula; :func:`restore_cell` undoes it."""
    if value and (
        value[0] in FORMULA_PREFIXES
        or value[0] == _NEUTRALISER
        or value.lstrip(_BLANKS)[:1] in FORMULA_TRIGGERS
    ):
        return _NEUTRALISER + value
    return value


def restore_cell(cell: str) -> str:
    """The original value of a cell written by :func:`neutralise_cell`."""
    return cell[1:] if cell.startswith(_NEUTRALISER) else cell


# --- records ---------------------------------------------------------------------------------


def machine_tags(reliability: str | None, credibility: str | None) -> list[str]:
    """The grade as MISP admiralty-scale machine tags, as threat-intelligence tools read it."""
    tags = []
    if reliability:
        tags.append(MISP_RELIABILITY.format(reliability.lower()))
    if credibility:
        tags.append(MISP_CREDIBILITY.format(credibility))
    return tags


def export_filter(flt: ArticleFilter) -> ArticleFilter:
    """*flt* as export reads it: every analyst's decisions unless it names one analyst."""
    return flt if flt.analyst else replace(flt, all_analysts=True)


def _outlet(value: str | None) -> dict[str, Any] | None:
    return json.loads(value) if value else None


def _record(row: tuple[Any, ...]) -> dict[str, Any]:
    (
        article_id,
        url,
        source,
        title,
        sitename,
        language,
        published,
        added_at,
        digest,
        status,
        stance,
        reliability,
        credibility,
        flags,
        notes,
        analyst,
        triaged_at,
        adjudicated,
        outlet,
        cited,
        suggestions,
        story_id,
    ) = row[:22]
    reasons = json.loads(suggestions) if suggestions != "[]" else []
    return {
        "schema_version": SCHEMA_VERSION,
        "id": article_id,
        "url": url,
        "source": source,
        "title": title,
        "sitename": sitename,
        "language": language,
        "published": published,
        "added_at": added_at,
        "text_sha256": digest,
        "status": status,
        "stance": stance,
        "reliability": reliability,
        "credibility": credibility,
        "grade": f"{reliability or ''}{credibility or ''}" or None,
        "machine_tags": machine_tags(reliability, credibility),
        "flags": json.loads(flags) if flags != "[]" else [],
        "suggested_flags": list(dict.fromkeys(r[0] for r in reasons)),
        "suggested_flag_reasons": [{"flag": f, "reason": r, "outlet": o} for f, r, o in reasons],
        "notes": notes,
        "analyst": analyst,
        "triaged_at": triaged_at,
        "adjudicated": bool(adjudicated),
        "outlet": _outlet(outlet),
        "cited_outlets": json.loads(cited) if cited != "[]" else [],
        "story_id": story_id,
    }


def csv_sql(flt: ArticleFilter, with_text: bool = False) -> tuple[str, list[Any]]:
    """The one SELECT whose rows are the export's CSV cells, in record order.

    For tools that read the store directly (``sqlite3 -csv -header``) and for the
    benchmark that compares the export against them.
    """
    joins, where, params = export_filter(flt).sql()
    return (
        f"SELECT {_csv_select(with_text)} FROM {joins} WHERE {where} "
        f"ORDER BY {flt.order.order_by()}, d.analyst",
        params,
    )


def _csv_columns(with_text: bool, with_translation: bool) -> list[str]:
    return (
        CSV_COLUMNS
        + (CSV_TEXT_COLUMNS if with_text else [])
        + (CSV_TRANSLATION_COLUMNS if with_translation else [])
    )


def _csv_select(with_text: bool) -> str:
    return ", ".join(
        f"{_CSV_EXPRESSIONS[c]} AS {c}" for c in _csv_columns(with_text, with_translation=False)
    )


def _batches(
    db: sqlite_utils.Database, flt: ArticleFilter, select: str
) -> Iterator[list[tuple[Any, ...]]]:
    """The filter's rows in its order (import order unless a ``sort:`` says otherwise),
    each article's by analyst, read by keyset BATCH_SIZE at a time.

    Each row ends with its key (article id, analyst or ''), which callers drop.
    Ordering on the bare d.analyst lets SQLite walk the decisions index instead of
    sorting each article's rows (NULL, an undecided article's only row, sorts first).
    The order's key is an index walked in order (store.articles.SortOrder), so a batch
    starts where the last one ended without sorting what came before.
    """
    joins, where, params = flt.sql()
    order = flt.order
    batch = BATCH_SIZE
    start, start_params = "1", []  # the first batch: from the top
    last_id, last_analyst = 0, ""
    while True:
        sql = (
            f"SELECT {select}, a.id, coalesce(d.analyst, '') FROM {joins} WHERE ({where}) "
            f"AND {start} AND NOT (a.id = ? AND coalesce(d.analyst, '') <= ?) "
            f"ORDER BY {order.order_by()}, d.analyst LIMIT ?"
        )
        rows = db.execute(sql, [*params, *start_params, last_id, last_analyst, batch]).fetchall()
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last_id, last_analyst = rows[-1][-2], rows[-1][-1]
        # From the last row's article on (its other analysts' rows included).
        key = order.key_of(db, last_id)  # read in the export's snapshot: still there
        assert key is not None
        start, start_params = order.compare(">=", key)


def _aligned_translation(
    db: sqlite_utils.Database, article_id: int, target_lang: str
) -> list[str | None] | None:
    aligned = get_translation(db, article_id, target_lang)
    if all(p is None for p in aligned):
        return None
    return [p.text if p is not None else None for p in aligned]


def export_records(
    db: sqlite_utils.Database,
    flt: ArticleFilter,
    with_text: bool = False,
    with_translation: bool = False,
    target_lang: str = "en",
) -> Iterator[dict[str, Any]]:
    """The export records for *flt*, one per (article, decision), lazily in the filter's
    order (import order unless its query says ``sort:``).

    Without ``flt.analyst`` every analyst's decision is a record; with it, that
    analyst's decisions plus the articles they have not decided (analyst null).
    ``translation`` is a list aligned with the text's paragraphs (null where a
    paragraph has no translation into *target_lang*), or null when there is none.
    """
    select = RECORD_SELECT + (", a.text" if with_text else "")
    for rows in _batches(db, export_filter(flt), select):
        for row in rows:
            record = _record(row)
            if with_text:
                record["text"] = row[22]
            if with_translation:
                translation = _aligned_translation(db, record["id"], target_lang)
                record["translation_lang"] = target_lang if translation else None
                record["translation"] = translation
            yield record


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_cell(value)
    return value


def write_export(
    db: sqlite_utils.Database,
    out: TextIO,
    fmt: str,
    flt: ArticleFilter,
    *,
    with_text: bool = False,
    with_translation: bool = False,
    bom: bool = False,
    progress: Callable[[int], None] | None = None,
    target_lang: str = "en",
) -> int:
    """Write the records for *flt* to *out* as csv, json or jsonl; return how many.

    *out* should be opened with ``newline=""`` for CSV (the csv module writes CRLF
    row ends itself). *bom* starts the output with a UTF-8 byte-order mark, which
    Excel needs to read a CSV file as UTF-8. *progress* is called with the number
    of records written so far, every few hundred records and at the end.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    if bom:
        out.write("\ufeff")
    with read_snapshot(db):
        if fmt != "csv":
            records = export_records(db, flt, with_text, with_translation, target_lang)
            return _write_json(out, records, fmt == "json", progress)
        return _write_csv_export(db, out, flt, with_text, with_translation, progress, target_lang)


@contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[None]:
    """Read everything inside from one snapshot of the store.

    The export reads in many batches; in WAL mode one read transaction makes them
    see the same store, so a decision made during a long export is either wholly in
    it or not, and the rows add up. Writers are not blocked.
    """
    if db.conn.in_transaction:
        yield
        return
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")  # nothing was written: this only ends the snapshot


def _write_csv_export(
    db: sqlite_utils.Database,
    out: TextIO,
    flt: ArticleFilter,
    with_text: bool,
    with_translation: bool,
    progress: Callable[[int], None] | None,
    target_lang: str,
) -> int:
    writer = csv.writer(out)
    writer.writerow(_csv_columns(with_text, with_translation))
    written = 0
    for rows in _batches(db, export_filter(flt), _csv_select(with_text)):
        if with_translation:
            writer.writerows(
                [*row[:-2], *_translation_cells(db, row[-2], target_lang)] for row in rows
            )
        else:
            writer.writerows(row[:-2] for row in rows)
        written += len(rows)
        if progress:
            progress(written)
    if progress and not written:
        progress(0)
    return written


def _translation_cells(db: sqlite_utils.Database, article_id: int, target_lang: str) -> list[str]:
    translation = _aligned_translation(db, article_id, target_lang)
    if translation is None:
        return ["", ""]
    # Missing paragraphs stay as empty ones, so the cell splits on blank lines into
    # exactly the text's paragraphs.
    return [
        neutralise_cell(target_lang),
        neutralise_cell("\n\n".join(p or "" for p in translation)),
    ]


def _write_csv(out: TextIO, columns: list[str], rows: Iterable[list[Any]]) -> int:
    writer = csv.writer(out)
    writer.writerow(columns)
    written = 0
    for row in rows:
        writer.writerow(row)
        written += 1
    return written


def _write_json(
    out: TextIO,
    records: Iterable[dict[str, Any]],
    array: bool,
    progress: Callable[[int], None] | None,
) -> int:
    """JSONL, or a JSON array written element by element (never built whole)."""
    written = 0
    separator = "[\n" if array else ""
    for record in records:
        out.write(separator)
        out.write(json.dumps(record, ensure_ascii=False))
        if array:
            separator = ",\n"
        else:
            out.write("\n")
        written += 1
        if progress and written % PROGRESS_EVERY == 0:
            progress(written)
    if array:
        out.write("\n]\n" if written else "[]\n")
    if progress:
        progress(written)
    return written


# --- the audit log ---------------------------------------------------------------------------


def audit_events(
    db: sqlite_utils.Database,
    analyst: str | None = None,
    since: str | None = None,
    batch: int = BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """Events oldest first (who changed what, when), old and new values decoded from JSON.

    *since* is a date or timestamp prefix ('2024-03-01', '2024-03-01T12:00').
    """
    where, params = ["id > ?"], [0]
    if analyst:
        where.append("analyst = ?")
        params.append(analyst)
    if since:
        where.append("at >= ?")
        params.append(since)
    sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM events WHERE {' AND '.join(where)} ORDER BY id LIMIT ?"
    while True:
        rows = db.execute(sql, [*params, batch]).fetchall()
        for row in rows:
            event = dict(zip(AUDIT_COLUMNS, row, strict=True))
            for key in ("old", "new"):
                if event[key] is not None:
                    event[key] = json.loads(event[key])
            yield event
        if len(rows) < batch:
            return
        params[0] = rows[-1][0]


def export_audit(
    db: sqlite_utils.Database,
    out: TextIO,
    fmt: str,
    analyst: str | None = None,
    since: str | None = None,
) -> int:
    """Write the audit log as csv, json or jsonl; return the number of events.

    In CSV the old and new values stay JSON text (a list of flags, a quoted string).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown audit format {fmt!r} (use {', '.join(FORMATS)})")
    with read_snapshot(db):
        return _write_audit(out, fmt, audit_events(db, analyst, since))


def _write_audit(out: TextIO, fmt: str, events: Iterator[dict[str, Any]]) -> int:
    if fmt != "csv":
        return _write_json(out, events, fmt == "json", None)
    rows = (
        [
            _csv_value(
                json.dumps(e[c], ensure_ascii=False)
                if c in ("old", "new") and e[c] is not None
                else e[c]
            )
            for c in AUDIT_COLUMNS
        ]
        for e in events
    )
    return _write_csv(out, AUDIT_COLUMNS, rows)


def _open_pipe(path: Path, stop: threading.Event | None) -> TextIO:
    """A named pipe opened for writing once something reads it.

    A plain open() waits for a reader in the kernel, and Python retries it after each
    signal: Ctrl-C and SIGTERM could not end an export to a pipe nobody reads. So the
    pipe is opened without waiting, again every tenth of a second until a reader comes
    or *stop* is set.
    """
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            if stop is not None and stop.wait(0.1):
                raise InterruptedError(f"{path}: nothing read the pipe") from None
            if stop is None:
                time.sleep(0.1)
            continue
        os.set_blocking(fd, True)
        return open(fd, "w", encoding="utf-8", newline="")


@contextmanager
def open_export_file(
    path: str | os.PathLike[str], stop: threading.Event | None = None
) -> Iterator[TextIO]:
    """A UTF-8 text file for an export (untranslated newlines: csv writes its own CRLF).

    A new or regular file is written beside its final name and renamed when
    complete, so an interrupted export never leaves a half file that looks whole.
    Anything else (a device such as /dev/null, a pipe, a symlink) is written in
    place: renaming over it would replace the device or link with a plain file.
    Raises OSError when the file cannot be written, InterruptedError when *stop* is set
    while a named pipe waits for a reader.
    """
    target = Path(path)
    in_place = target.is_symlink() or (target.exists() and not target.is_file())
    written = target if in_place else target.with_name(target.name + ".part")
    if in_place and stat.S_ISFIFO(target.stat().st_mode):
        fh = _open_pipe(target, stop)
    else:
        fh = written.open("w", encoding="utf-8", newline="")
    if in_place:
        with fh:
            yield fh
        return
    try:
        with fh:
            yield fh
        os.replace(written, target)
    finally:
        written.unlink(missing_ok=True)
