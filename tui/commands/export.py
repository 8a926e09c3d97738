"""``triage export`` (decisions as CSV/JSON/JSONL) and ``triage audit`` (the event log)."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

import click

from article_triage.store.articles import ArticleFilter
from article_triage.store.export import FORMATS, export_audit, open_export_file
from article_triage.store.jobs import ExportRequest, run_export, summarise
from article_triage.store.query import date_range_is_empty
from article_triage.store.settings import normalise_language
from article_triage.store.taxonomy import is_grade
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.jobs import finish, run_job
from article_triage.tui.commands.param_types import row_id
from article_triage.tui.commands.views import view_option, where_clause, where_option

_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_TIME_RE = re.compile(r"[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?")
_DATE_WORDS = {"today": 0, "yesterday": 1}
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _format_for(fmt: str | None, output: str) -> str:
    if fmt:
        return fmt
    return _SUFFIX_FORMATS.get(Path(output).suffix.lower(), "csv") if output != "-" else "csv"


def parse_date_option(option: str, value: str | None, *, with_time: bool = False) -> str | None:
    """The one reading of a date option (export --from/--to, audit --since): YYYY, YYYY-MM,
    YYYY-MM-DD (a real date), "today" or "yesterday" (UTC, the store's clock), and with
    *with_time* a time after the day (THH:MM[:SS]). Returns the prefix the store compares
    against; anything else is one line and exit 2, so a typo never reads as "no events"."""
    if value is None:
        return None
    word = value.strip().casefold()
    if word in _DATE_WORDS:
        return (datetime.now(UTC).date() - timedelta(days=_DATE_WORDS[word])).isoformat()
    date_part, time_part = value[:10], value[10:]
    usage = "YYYY, YYYY-MM, YYYY-MM-DD" + ("[THH:MM]" if with_time else "") + ", today or yesterday"
    match = _DATE_RE.fullmatch(value if not with_time else date_part)
    if match is None or (time_part and not with_time):
        fail(f"{option} {value!r}: use {usage}", EXIT_USAGE)
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        date(year, month, day)
    except ValueError as exc:
        fail(f"{option} {value!r}: not a date ({exc})", EXIT_USAGE)
    if not time_part:
        return value
    clock = _TIME_RE.fullmatch(time_part)
    if clock is None or match.group(3) is None:
        fail(f"{option} {value!r}: use {usage}", EXIT_USAGE)
    hour, minute, second = (int(g) if g else 0 for g in clock.groups())
    if hour > 23 or minute > 59 or second > 59:
        fail(f"{option} {value!r}: not a time of day", EXIT_USAGE)
    return f"{date_part}T{time_part[1:].removesuffix('Z')}"


@contextmanager
def standard_output() -> Iterator[TextIO]:
    """Standard output as UTF-8 text for an export (untranslated newlines: csv writes
    its own CRLF); stdout itself stays open."""
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


@contextmanager
def open_output(output: str) -> Iterator[TextIO]:
    """Stdout for "-", else the file through store.export.open_export_file; one-line failure."""
    if output == "-":
        with standard_output() as stream:
            yield stream
        return
    try:
        with open_export_file(output) as fh:
            yield fh
    except OSError as exc:
        fail(f"{output}: cannot be written ({exc.strerror})", EXIT_USAGE)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file name, else csv."
)
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.option("--with-text", is_flag=True, help="Include the article text (needed for merging).")
@click.option(
    "--with-translation", is_flag=True, help="Include the translation, paragraph by paragraph."
)
@click.option(
    "--translation-lang",
    "target_lang",
    help="Language of the translation to include (default: config, en).",
)
@click.option("--bom", is_flag=True, help="Start CSV with a byte-order mark (for Excel).")
@click.option("--status", help="new, done, skipped or escalated.")
@click.option("--language", help="Article language, e.g. uk.")
@click.option("--outlet", help="Publisher or cited outlet (key or name).")
@click.option("--flag", help="Only decisions with this flag.")
@click.option("--grade", help="Admiralty grade, e.g. B2, or one half (B or 2).")
@click.option(
    "--from", "date_from", help="Published on or after (YYYY[-MM[-DD]], today, yesterday)."
)
@click.option("--to", "date_to", help="Published on or before (YYYY[-MM[-DD]], today, yesterday).")
@click.option("--query", help="Full-text query over title, text and translation.")
@click.option("--analyst", help="Only this analyst's decisions (and what they have not triaged).")
@click.option("--disagreements", is_flag=True, help="Only articles analysts disagree on.")
@click.option(
    "--story", type=row_id(), help="Only the articles of this story (triage stories list)."
)
@where_option
@view_option
@click.pass_obj
def export(
    obj,
    fmt: str | None,
    output: str,
    with_text: bool,
    with_translation: bool,
    target_lang: str | None,
    bom: bool,
    status: str | None,
    language: str | None,
    outlet: str | None,
    flag: str | None,
    grade: str | None,
    date_from: str | None,
    date_to: str | None,
    query: str | None,
    analyst: str | None,
    disagreements: bool,
    story: int | None,
    where: str | None,
    view: str | None,
) -> None:
    """Write decisions as CSV, JSON or JSONL: one record per article and analyst.

    Articles nobody has triaged appear once, with status "new". The record is
    described by store/schemas/export-record.schema.json.
    """
    fmt = _format_for(fmt, output)
    if status and status not in obj.config.taxonomy.values("statuses"):
        fail(f"unknown status {status!r}", EXIT_USAGE)
    if grade and not is_grade(grade):
        fail(f"not an Admiralty grade: {grade!r} (e.g. B2, B or 2)", EXIT_USAGE)
    date_from = parse_date_option("--from", date_from)
    date_to = parse_date_option("--to", date_to)
    # Nothing in the range says so, instead of writing an empty file.
    if date_from and date_to and date_range_is_empty(date_from, date_to):
        fail(f"--from {date_from} is after --to {date_to}: no date is in both", EXIT_USAGE)
    db = obj.open_db()
    flt = ArticleFilter(
        where=where_clause(obj, db, where, view),
        analyst=analyst,
        status=status,
        language=language,
        outlet=outlet,
        flag=flag,
        grade=grade,
        query=query,
        published_from=date_from,
        published_to=date_to,
        disagreement=disagreements,
        story=story,
    )
    target_lang = normalise_language(target_lang) if target_lang else obj.config.translation.target
    to_stdout = output == "-"
    try:
        with standard_output() if to_stdout else nullcontext() as stream:
            request = ExportRequest(
                None if to_stdout else Path(output),
                fmt,
                flt,
                with_text=with_text,
                with_translation=with_translation,
                bom=bom,
                target_lang=target_lang,
                stream=stream,
            )
            # A bar only where someone watches it and the records do not go to the screen.
            report = run_job(run_export, db, request, "exporting", show_progress=not to_stdout)
    except BrokenPipeError:
        # The reader (head, less) closed the pipe: what it wanted was written.
        sys.stderr.close()
        return
    except OSError as exc:
        fail(f"{output}: cannot be written ({exc.strerror})", EXIT_USAGE)
    # On standard output the records are the answer; the summary only when it went wrong.
    finish(summarise(report), quiet=to_stdout)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Default: from the file name, else csv."
)
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.option("--analyst", help="Only this analyst's events.")
@click.option(
    "--since",
    help="Only events on or after this date or UTC time (YYYY-MM-DD[THH:MM], today, yesterday).",
)
@click.pass_obj
def audit(obj, fmt: str | None, output: str, analyst: str | None, since: str | None) -> None:
    """Export the audit log: who changed what, when (every decision, undo, merge, adjudication)."""
    fmt = _format_for(fmt, output)
    since = parse_date_option("--since", since, with_time=True)
    db = obj.open_db()
    try:
        with open_output(output) as out:
            written = export_audit(db, out, fmt, analyst=analyst, since=since)
    except BrokenPipeError:
        sys.stderr.close()
        return
    if output != "-":
        click.echo(f"exported {written:,} events to {output}", err=True)
