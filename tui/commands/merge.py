"""``triage merge FILE...``: take other analysts' JSON/JSONL exports into this store."""

from __future__ import annotations

from pathlib import Path

import click

from article_triage.store.boundary import shown_identity, shown_json, shown_line
from article_triage.store.exchange import MergeError, MergeReport, merge_file
from article_triage.tui.cli import EXIT_SOME_FAILED


def _value(value: object) -> str:
    return shown_json(value) if not isinstance(value, str) else shown_line(repr(value))


def _print_report(report: MergeReport) -> None:
    click.echo(
        f"{shown_line(report.path)}: {report.records} records, {report.added_articles} articles added, "
        f"{report.matched} matched; decisions: {report.decisions_added} added, "
        f"{report.decisions_updated} updated, {report.unchanged} unchanged, "
        f"{len(report.conflicts)} conflicting fields"
    )
    for c in report.conflicts:
        click.echo(
            f"  conflict: article {c.article_id} ({shown_line(c.title[:50])}) "
            f"{shown_identity(c.analyst)} {shown_line(c.field)}: "
            f"here {_value(c.ours)}, file {_value(c.theirs)} -> {c.resolution}"
        )
    for error in report.errors:
        click.echo(f"triage: {shown_line(error)}", err=True)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--theirs",
    "take_theirs",
    is_flag=True,
    help="On a conflict take the file's value (conflicts are still listed).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per file.")
@click.pass_obj
def merge(obj, files: tuple[Path, ...], take_theirs: bool, as_json: bool) -> None:
    """Merge exports made with `triage export --format json|jsonl --with-text`.

    Articles are matched by text hash or URL (missing ones are added from the
    file's text); decisions are kept per analyst; a decision that differs from
    the one here is listed as a conflict and kept as it is here unless --theirs.
    Merging the same file again changes nothing.
    """
    db = obj.open_db()
    failed = False
    for path in files:
        try:
            report = merge_file(
                db, path, obj.analyst, take_theirs=take_theirs, taxonomy=obj.config.taxonomy
            )
        except MergeError as exc:
            click.echo(f"triage: {shown_line(exc)}", err=True)
            failed = True
            continue
        failed = failed or bool(report.errors)
        if as_json:
            click.echo(shown_json(report.as_dict()))
        else:
            _print_report(report)
    if failed:
        raise SystemExit(EXIT_SOME_FAILED)
