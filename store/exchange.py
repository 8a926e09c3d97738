"""Exchange: taking another analyst's JSON/JSONL export into this store.

Articles are matched by text hash, then by URL; an article this store lacks is added
from the record's text (exports made with --with-text carry it). Decisions stay per
analyst. A decision that differs from the one stored here is a conflict: it is
listed and, unless the caller asks for the incoming value, left as it is. The one
exception is a fast-forward: when the stored decision came from an earlier merge and
nobody changed it here since, a newer incoming version replaces it (and is counted).
Everything a merge writes is one event group (action 'merge') in one transaction, so
merging the same file twice changes nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import sqlite_utils

from article_triage.store.articles import DuplicateArticle, find_duplicate, insert_article
from article_triage.store.db import write_transaction
from article_triage.store.taxonomy import Taxonomy
from article_triage.store.text import split_paragraphs
from article_triage.store.translations import AlignmentError, save_translation
from article_triage.store.triage import get_decision, new_group_id, record_changes, record_event

MERGED_FIELDS = ("status", "stance", "reliability", "credibility", "flags", "notes", "adjudicated")
SUPPORTED_MAJOR = "1"
MERGE_PROVIDER = "merged"
"""Provider recorded for translations that arrive with a merged article."""
_CHUNK = 1 << 16
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_ARTICLE_FIELDS = ("url", "source", "title", "sitename", "language", "published")


class MergeError(Exception):
    """The file cannot be merged at all; the message says why, in one line."""


@dataclass(frozen=True)
class MergeConflict:
    article_id: int
    title: str
    analyst: str
    field: str
    ours: Any
    theirs: Any
    resolution: str
    """'kept ours' or 'took theirs'."""


@dataclass
class MergeReport:
    path: str
    records: int = 0
    added_articles: int = 0
    matched: int = 0
    """Records whose article was already in this store."""
    decisions_added: int = 0
    decisions_updated: int = 0
    """Fast-forwards of earlier merges, and conflicts resolved as 'theirs'."""
    unchanged: int = 0
    """Decisions already stored exactly as in the file."""
    conflicts: list[MergeConflict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per record that could not be merged."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "records": self.records,
            "added_articles": self.added_articles,
            "matched": self.matched,
            "decisions_added": self.decisions_added,
            "decisions_updated": self.decisions_updated,
            "unchanged": self.unchanged,
            "conflicts": [c.__dict__ for c in self.conflicts],
            "errors": self.errors,
        }


class _BadRecord(ValueError):
    pass


def read_records(path: str | os.PathLike[str]) -> Iterator[tuple[str, Any]]:
    """(where, record) for each record of a JSON array or JSONL file; raises MergeError."""
    try:
        with Path(path).open(encoding="utf-8-sig") as fh:
            yield from _records_in(fh, path)
    except OSError as exc:
        raise MergeError(f"{path}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise MergeError(f"{path}: not UTF-8 text") from exc


def _records_in(fh: TextIO, path: str | os.PathLike[str]) -> Iterator[tuple[str, Any]]:
    head = fh.read(_CHUNK)
    while head.isspace() and (more := fh.read(_CHUNK)):
        head += more
    if head.lstrip().startswith("["):
        yield from _array_elements(fh, head, path)
        return
    fh.seek(0)
    seen_json = False
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if not seen_json:
                # The first line already is not JSON: a CSV export or some other file,
                # one clear error rather than one per line.
                raise MergeError(
                    f"{path}: not a JSON or JSONL export (use triage export --format json|jsonl)"
                ) from exc
            yield f"line {number}", _BadRecord(f"not JSON ({exc.msg})")
            continue
        seen_json = True
        yield f"line {number}", record


def _array_elements(
    fh: TextIO, buffer: str, path: str | os.PathLike[str]
) -> Iterator[tuple[str, Any]]:
    """The elements of a top-level JSON array, decoded one by one as the file is read.

    The json module has no incremental reader, and a whole export with text can be
    larger than memory; this holds one chunk and the record being decoded.
    """
    pos = _WHITESPACE.match(buffer).end() + 1  # past "["
    number = 0
    expect_value = True
    at_end = False
    while True:
        pos = _WHITESPACE.match(buffer, pos).end()
        need_more = pos >= len(buffer)
        if not need_more and expect_value and buffer[pos] != "]":
            try:
                value, pos = _DECODER.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                if at_end:
                    raise MergeError(
                        f"{path}: not a valid JSON export ({exc.msg} in record {number + 1})"
                    ) from exc
                need_more = True
            else:
                number += 1
                expect_value = False
                yield f"record {number}", value
                continue
        if need_more:
            if at_end:
                raise MergeError(f"{path}: not a valid JSON export (the array is not closed)")
            more = fh.read(_CHUNK)
            at_end = not more
            buffer, pos = buffer[pos:] + more, 0
            continue
        if buffer[pos] == "]" and (number == 0 or not expect_value):
            return
        if expect_value or buffer[pos] != ",":
            raise MergeError(f"{path}: not a valid JSON export (after record {number})")
        pos += 1
        expect_value = True


def merge_file(
    db: sqlite_utils.Database,
    path: str | os.PathLike[str],
    merging_analyst: str,
    *,
    take_theirs: bool = False,
    taxonomy: Taxonomy | None = None,
) -> MergeReport:
    """Merge an export file into the store; see the module docstring for the rules.

    *merging_analyst* is recorded in the event log as the one who merged the file.
    With *take_theirs* conflicting fields take the incoming value (still listed).
    """
    taxonomy = taxonomy or Taxonomy()
    report = MergeReport(str(path))
    with write_transaction(db):
        group_id = new_group_id(db)
        for where, record in read_records(path):
            report.records += 1
            try:
                if isinstance(record, _BadRecord):
                    raise record
                _merge_record(db, record, report, group_id, take_theirs, taxonomy)
            except _BadRecord as exc:
                report.errors.append(f"{path}: {where}: {exc}")
        if report.added_articles or report.decisions_added or report.decisions_updated:
            record_event(
                db,
                group_id=group_id,
                analyst=merging_analyst,
                action="merge",
                field_name="file",
                value={
                    "path": str(path),
                    "added_articles": report.added_articles,
                    "decisions_added": report.decisions_added,
                    "decisions_updated": report.decisions_updated,
                    "conflicts": len(report.conflicts),
                },
            )
    return report


def _merge_record(
    db: sqlite_utils.Database,
    record: Any,
    report: MergeReport,
    group_id: int,
    take_theirs: bool,
    taxonomy: Taxonomy,
) -> None:
    if not isinstance(record, dict):
        raise _BadRecord("not a JSON object")
    version = str(record.get("schema_version", ""))
    if version.split(".")[0] != SUPPORTED_MAJOR:
        raise _BadRecord(f"schema_version {version or '(missing)'} is not 1.x")
    article_id = _match_article(db, record)
    added = False
    if article_id is None:
        article_id, added = _add_article(db, record)
    if added:
        report.added_articles += 1
    else:
        report.matched += 1
    analyst = record.get("analyst")
    if analyst is None:
        return
    if not isinstance(analyst, str) or not analyst.strip():
        raise _BadRecord("analyst must be a name or null")
    theirs = _incoming_decision(record, taxonomy)
    _merge_decision(db, article_id, analyst, theirs, record, report, group_id, take_theirs)


def _match_article(db: sqlite_utils.Database, record: dict[str, Any]) -> int | None:
    digest = record.get("text_sha256")
    if isinstance(digest, str) and digest:
        row = db.execute("SELECT id FROM articles WHERE text_sha256 = ?", [digest]).fetchone()
        if row:
            return row[0]
    url = record.get("url")
    if isinstance(url, str) and url:
        return find_duplicate(db, url=url)
    return None


def _add_article(db: sqlite_utils.Database, record: dict[str, Any]) -> tuple[int, bool]:
    """(article id, True if stored now); the same text already here is (its id, False)."""
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _BadRecord(
            "article not in this store and the record has no text (export with --with-text)"
        )
    paragraphs = split_paragraphs(text)
    metadata = {k: record[k] for k in _ARTICLE_FIELDS if isinstance(record.get(k), str)}
    try:
        article_id = insert_article(db, paragraphs, **metadata)
    except DuplicateArticle as exc:  # same text under another hash spelling: already here
        return exc.article_id, False
    except ValueError as exc:
        raise _BadRecord(str(exc)) from exc
    translation, lang = record.get("translation"), record.get("translation_lang")
    if isinstance(translation, list) and isinstance(lang, str) and lang:
        # A translation that does not line up with the text is worse than none.
        with suppress(AlignmentError):
            save_translation(
                db,
                article_id,
                lang,
                MERGE_PROVIDER,
                [p if isinstance(p, str) else None for p in translation],
            )
    return article_id, True


def _incoming_decision(record: dict[str, Any], taxonomy: Taxonomy) -> dict[str, Any]:
    decision = {
        "status": record.get("status") or "new",
        "stance": record.get("stance"),
        "reliability": record.get("reliability"),
        "credibility": record.get("credibility"),
        "flags": record.get("flags") or [],
        "notes": record.get("notes") or "",
        "adjudicated": bool(record.get("adjudicated", False)),
    }
    for name, value in decision.items():
        try:
            taxonomy.validate(name, value)
        except ValueError as exc:
            raise _BadRecord(str(exc)) from exc
    return decision


def _same(name: str, ours: Any, theirs: Any) -> bool:
    # Flag order is how they were pressed, not a judgement.
    if name == "flags":
        return sorted(ours) == sorted(theirs)
    return ours == theirs


def _merge_decision(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    theirs: dict[str, Any],
    record: dict[str, Any],
    report: MergeReport,
    group_id: int,
    take_theirs: bool,
) -> None:
    current = get_decision(db, article_id, analyst)
    ours = {name: current.value(name) for name in MERGED_FIELDS}
    triaged_at = record.get("triaged_at") if isinstance(record.get("triaged_at"), str) else None
    differing = {n: v for n, v in theirs.items() if not _same(n, ours[n], v)}
    if not differing:
        report.unchanged += 1
        return
    untouched = current.triaged_at is None
    if untouched or _fast_forward(db, article_id, analyst, current.triaged_at, triaged_at):
        record_changes(
            db,
            article_id,
            analyst,
            differing,
            group_id=group_id,
            action="merge",
            triaged_at=triaged_at,
        )
        if untouched:
            report.decisions_added += 1
        else:
            report.decisions_updated += 1
        return
    title = db.execute("SELECT coalesce(title, '') FROM articles WHERE id = ?", [article_id])
    title_text = title.fetchone()[0]
    for name, value in differing.items():
        report.conflicts.append(
            MergeConflict(
                article_id,
                title_text,
                analyst,
                name,
                ours[name],
                value,
                "took theirs" if take_theirs else "kept ours",
            )
        )
    if take_theirs:
        record_changes(
            db,
            article_id,
            analyst,
            differing,
            group_id=group_id,
            action="merge",
            triaged_at=triaged_at,
        )
        report.decisions_updated += 1


def _fast_forward(
    db: sqlite_utils.Database,
    article_id: int,
    analyst: str,
    ours_at: str | None,
    theirs_at: str | None,
) -> bool:
    """The stored decision came from a merge, nobody changed it here since, and the
    incoming one is newer: taking it overwrites nothing anyone did in this store."""
    if not ours_at or not theirs_at or theirs_at <= ours_at:
        return False
    last = db.execute(
        "SELECT action FROM events WHERE article_id = ? AND analyst = ? AND field IS NOT NULL "
        "ORDER BY id DESC LIMIT 1",
        [article_id, analyst],
    ).fetchone()
    return last is not None and last[0] == "merge"
