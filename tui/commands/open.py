"""``triage open [SOURCES]...`` (also plain ``triage``): import SOURCES if given, then open the app."""

from __future__ import annotations

import sys

import click

from article_triage.tui.cli import EXIT_SOME_FAILED, fail, print_summary


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
    from article_triage.store.ingest import ImportOptions
    from article_triage.store.jobs import ImportRequest, JobProgress, run_import, summarise
    from article_triage.store.outlets import RegistryError
    from article_triage.store.settings import ConfigError

    try:
        options = ImportOptions.from_config(obj.config)
    except ConfigError as exc:
        fail(str(exc), 2)

    def progress(p: JobProgress) -> None:
        click.echo(f"\rimporting {p.done}/{p.total or '?'}…", err=True, nl=False)

    try:
        report = run_import(obj.open_db(), ImportRequest(tuple(sources), options), progress)
    except RegistryError as exc:  # the user's outlet registry file is broken
        fail(str(exc), 2)
    click.echo("\r", err=True, nl=False)
    print_summary(summarise(report))
    return report.failed
