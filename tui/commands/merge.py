"""``triage merge FILE...``: take other analysts' JSON/JSONL exports into this store."""

from __future__ import annotations

from pathlib import Path

import click

from article_triage.store.boundary import shown_identity, shown_json, shown_line
from article_triage.store.exchange import MergeError, MergeReport
from article_triage.store.jobs import MergeRequest, run_merge, summarise
from article_triage.tui.cli import EXIT_SOME_FAILED, EXIT_USAGE, fail


def _value(value: object) -> str:
    return shown_json(value) if not isinstance(value, str) else shown_line(repr(value))


def _print_report(report: MergeReport) -> None:
    click.echo(summarise(report).text)
    for c in report.changes:
        click.echo(
            f"  changed: article {c.article_id} ({shown_line(c.title[:50])}) "
            f"{shown_identity(c.analyst)} {c.field}: {_value(c.old)} -> {_value(c.new)}"
        )
    for c in report.conflicts:
        click.echo(
            f"  conflict: article {c.article_id} ({shown_line(c.title[:50])}) "
            f"{shown_identity(c.analyst)} {c.field}: here {_value(c.ours)}, "
            f"file {_value(c.theirs)} -> {c.resolution}"
        )
    for error in report.errors:
        click.echo(f"triage: {shown_identity(error)}", err=True)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--theirs",
    "take_theirs",
    is_flag=True,
    help="On a conflict take the file's value when it is newer (conflicts are still listed).",
)
@click.option(
    "--accept-adjudications",
    is_flag=True,
    help="Take `adjudicated: true` from the file (otherwise a file never settles a disagreement).",
)
@click.option(
    "--accept-lookalikes",
    is_flag=True,
    help="Take analyst names that look like known ones (bоb, Bob) as different people.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per file.")
@click.pass_obj
def merge(
    obj,
    files: tuple[Path, ...],
    take_theirs: bool,
    accept_adjudications: bool,
    accept_lookalikes: bool,
    as_json: bool,
) -> None:
    """Merge exports made with `triage export --format json|jsonl --with-text`.

    Articles are matched by text hash or URL (missing ones are added from the
    file's text, with outlet detection as at import); decisions are kept per
    analyst; a decision that differs from the one here is listed as a conflict
    and kept as it is here unless the file's is newer and --theirs is given.
    Records that break the export schema, carry a time in the future, are in
    your own name (--analyst) or in a look-alike of a known name are listed and
    skipped; the exit code is then 1. Merging the same file again changes nothing.
    """
    from article_triage.store.ingest import ImportOptions
    from article_triage.store.outlets import RegistryError, load_registry
    from article_triage.store.settings import ConfigError

    try:
        registry = load_registry(ImportOptions.from_config(obj.config).registry_path)
    except (ConfigError, RegistryError) as exc:
        fail(str(exc), EXIT_USAGE)
    db = obj.open_db()
    failed = False
    for path in files:
        try:
            request = MergeRequest(
                path,
                obj.analyst,
                take_theirs=take_theirs,
                accept_adjudications=accept_adjudications,
                accept_lookalikes=accept_lookalikes,
                taxonomy=obj.config.taxonomy,
                registry=registry,
            )
            report = run_merge(db, request)
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
