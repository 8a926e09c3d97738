"""``triage add SOURCES...``: import files, folders, gzip, URLs, feeds and ``-`` (stdin)."""

from __future__ import annotations

import sys

import click

from article_triage.store.boundary import shown_json
from article_triage.tui.cli import EXIT_OK, EXIT_SOME_FAILED, fail, print_summary
from article_triage.tui.commands.network_options import network_options
from article_triage.tui.commands.param_types import megabytes, parallel


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON report (one object per input) to stdout."
)
@network_options
@click.option(
    "--max-size",
    "max_size_mb",
    type=megabytes(),
    default=20.0,
    show_default=True,
    help="Largest input in MB (files, downloads, gzip contents).",
)
@click.option(
    "--workers",
    type=parallel(),
    default=None,
    help="Processes for extraction [default: one per core].",
)
@click.option(
    "--no-fetch-links",
    is_flag=True,
    help="Build feed entries from the feed alone instead of fetching the pages they link to.",
)
@click.pass_obj
def add(
    obj,
    sources: tuple[str, ...],
    as_json: bool,
    allow_private_addresses: bool,
    timeout: float,
    max_size_mb: float,
    workers: int | None,
    no_fetch_links: bool,
) -> None:
    """Import SOURCES: HTML files (also .gz), .txt/.md, folders, URLs, RSS/Atom feeds, - for stdin.

    Bad inputs are reported one line each and the rest is imported; the exit code
    is 1 when any input failed.
    """
    from article_triage.store.ingest import ImportOptions
    from article_triage.store.jobs import ImportRequest, run_import, summarise
    from article_triage.store.outlets import RegistryError
    from article_triage.store.settings import ConfigError

    try:
        options = ImportOptions.from_config(
            obj.config,
            allow_private_addresses=allow_private_addresses,
            timeout=timeout,
            max_bytes=int(max_size_mb * 1024 * 1024),
            workers=workers,
            fetch_feed_links=not no_fetch_links,
        )
    except ConfigError as exc:
        fail(str(exc), 2)
    try:
        db = obj.open_db()
    except Exception as exc:
        fail(f"cannot open the store {obj.db_path}: {exc}")

    reporter = _JsonReporter() if as_json else _BarReporter(sys.stderr.isatty())
    try:
        report = run_import(
            db, ImportRequest(tuple(sources), options), on_outcome=reporter.progress
        )
    except RegistryError as exc:  # the user's outlet registry file is broken
        fail(str(exc), 2)
    finally:
        reporter.close()
    if as_json:
        reporter.finish(report.counts())
    print_summary(summarise(report))
    sys.exit(EXIT_SOME_FAILED if report.failed else EXIT_OK)


class _BarReporter:
    """A click progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, interactive: bool):
        self.bar = None
        if interactive:
            self.bar = click.progressbar(
                iter(()), label="Importing", file=sys.stderr, show_pos=True, width=30
            )
            self.bar.__enter__()

    def progress(self, outcome, total: int | None) -> None:
        if self.bar is None:
            return
        if total is not None and self.bar.length != total:
            self.bar.length = total
        if outcome.completes_input:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


class _JsonReporter:
    """Writes the report as it goes, so a 100,000-file run never holds it in memory."""

    def __init__(self) -> None:
        self.first = True
        click.echo('{"inputs": [', nl=False)

    def progress(self, outcome, total: int | None) -> None:
        click.echo(
            ("\n" if self.first else ",\n") + shown_json(outcome.as_dict()),
            nl=False,
        )
        self.first = False

    def close(self) -> None:
        pass

    def finish(self, counts: dict[str, int]) -> None:
        click.echo("\n],")
        click.echo(shown_json(counts)[1:])
