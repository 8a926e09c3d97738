"""``triage open [SOURCES]...`` (also plain ``triage``): import SOURCES if given, then open the app."""

from __future__ import annotations

import sys

import click

from article_triage.store.boundary import shown_line
from article_triage.tui.cli import EXIT_SOME_FAILED, fail


@click.command("open")
@click.argument("sources", nargs=-1)
@click.pass_obj
def open_command(obj, sources: tuple[str, ...]) -> None:
    """Open the triage app on the store, importing SOURCES (files, folders, URLs, feeds) first."""
    failed = 0
    if sources:
        failed = _import(obj, sources)
    else:
        obj.open_db().close()  # a missing folder, a newer or a read-only store: one line, here
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Textual reads keys from stdin and draws on stdout: both must be the terminal.
        fail(
            "the app needs a terminal; in scripts use `triage add`, `triage export`, `triage search`"
        )
    from article_triage.tui.app import TriageApp

    TriageApp(obj.db_path, obj.analyst, obj.config).run()
    if failed:
        sys.exit(EXIT_SOME_FAILED)


def _import(obj, sources: tuple[str, ...]) -> int:
    """Import with a one-line progress on stderr; return how many inputs failed."""
    from article_triage.store.ingest import ImportOptions, ImportOutcome, import_sources
    from article_triage.store.outlets import RegistryError
    from article_triage.store.settings import ConfigError

    try:
        options = ImportOptions.from_config(obj.config)
    except ConfigError as exc:
        fail(str(exc), 2)

    done = 0

    def progress(outcome: ImportOutcome, total: int) -> None:
        nonlocal done
        if outcome.completes_input:
            done += 1
        click.echo(f"\rimporting {done}/{total or '?'}…", err=True, nl=False)

    try:
        report = import_sources(obj.open_db(), sources, options, progress)
    except RegistryError as exc:  # the user's outlet registry file is broken
        fail(str(exc), 2)
    click.echo(
        f"\rimported {report.imported}, duplicates {report.duplicates + report.near_duplicates}, "
        f"failed {report.failed}",
        err=True,
    )
    for outcome in report.failures:
        click.echo(f"triage: {shown_line(outcome.source)}: {shown_line(outcome.reason)}", err=True)
    return report.failed
