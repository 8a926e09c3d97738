"""``triage translate``: machine-translate stored articles, with progress, resumably.

Ctrl-C or SIGTERM asks for a stop: articles already translated are saved as they
finish, so the next run carries on where this one stopped (a second Ctrl-C
stops at once; what is saved stays saved).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from article_triage.store.articles import ArticleFilter, iter_article_ids
from article_triage.store.boundary import shown_json, shown_line
from article_triage.store.settings import ConfigError
from article_triage.store.translate import (
    PROVIDERS,
    ProviderUnreachable,
    TranslateProgress,
    TranslateReport,
    offline_hint,
    settings_from_config,
    translate_articles,
    untranslated_article_ids,
)
from article_triage.store.translate.providers import where as provider_address
from article_triage.tui.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, fail
from article_triage.tui.commands.views import view_option, where_clause, where_option

EXIT_INTERRUPTED = 130


@contextmanager
def _stop_requests(stop: threading.Event) -> Iterator[None]:
    """First SIGINT/SIGTERM sets *stop*; a second SIGINT interrupts as usual."""

    def ask_to_stop(signum, frame):
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, ask_to_stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@click.command()
@click.option("--to", "target", help="Target language (ISO 639-1)  [default: from config, else en]")
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS, case_sensitive=False),
    help="Translation provider  [default: from config, else google]",
)
@click.option("--url", help="Base URL of a self-hosted LibreTranslate (provider libre).")
@click.option("--id", "ids", type=int, multiple=True, help="Only this article (repeatable).")
@click.option("--language", help="Only articles in this language.")
@click.option("--status", help="Only articles with this triage status (your decisions).")
@click.option("--query", help="Only articles matching this full-text query.")
@click.option(
    "--all/--missing",
    "everything",
    default=False,
    help="Re-translate every selected article, or only those lacking a translation  [default: --missing]",
)
@click.option("--timeout", type=float, help="Seconds per request  [default: from config, else 15]")
@click.option("--concurrency", type=int, help="Requests in flight at once  [default: 4]")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@where_option
@view_option
@click.pass_obj
def translate(
    obj,
    target: str | None,
    provider: str | None,
    url: str | None,
    ids: tuple[int, ...],
    language: str | None,
    status: str | None,
    query: str | None,
    everything: bool,
    timeout: float | None,
    concurrency: int | None,
    as_json: bool,
    where: str | None,
    view: str | None,
) -> None:
    """Translate stored articles paragraph by paragraph (resumable; keys from
    TRIAGE_<PROVIDER>_KEY or the config's [translation] table)."""
    try:
        settings = settings_from_config(
            obj.config,
            name=provider.lower() if provider else None,
            target=target,
            url=url,
            timeout=timeout,
            concurrency=concurrency,
        )
        settings.validate()
    except (ConfigError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    db = obj.open_db()
    flt = ArticleFilter(
        analyst=obj.analyst,
        where=where_clause(obj, db, where, view),
        status=status,
        language=language,
        query=query,
        ids=ids or None,
    )
    selected = (
        list(iter_article_ids(db, flt))
        if everything
        else list(untranslated_article_ids(db, settings.target, flt))
    )
    if not selected:
        message = f"nothing to translate into {settings.target}"
        if as_json:
            click.echo(shown_json(_report_json(TranslateReport(), settings, None)))
        click.echo(f"triage: {message}", err=True)
        sys.exit(EXIT_OK)

    stop = threading.Event()
    error: str | None = None
    label = f"translating {len(selected)} articles into {settings.target} via {provider_address(settings)}"
    with (
        _stop_requests(stop),
        click.progressbar(length=len(selected), label=label, file=sys.stderr) as bar,
    ):
        shown = 0

        def show(p: TranslateProgress) -> None:
            nonlocal shown
            bar.update(p.done_articles - shown)
            shown = p.done_articles

        try:
            report = translate_articles(db, selected, settings, show, stop.is_set)
        except ProviderUnreachable as exc:
            report, error = exc.report, str(exc)
            if exc.offline:
                error += "; " + offline_hint(settings, obj.config.path)
        except KeyboardInterrupt:
            click.echo(
                f"\ntriage: interrupted after {shown} of {len(selected)} articles; "
                "what was translated is saved, run again to resume",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED)
    # A run the provider stopped leaves the rest of the selection untranslated: they
    # failed too, though no article of theirs was tried.
    not_reached = 0 if report.interrupted else len(selected) - _finished(report)
    if as_json:
        click.echo(shown_json(_report_json(report, settings, error, not_reached)))
    else:
        _print_summary(report, settings.target, not_reached, error)
    if error:
        fail(f"{error}; what was translated before is saved, run again to resume")
    if report.interrupted:
        click.echo("triage: stopped; what was translated is saved, run again to resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_SOME_FAILED if report.failed or not_reached else EXIT_OK)


def _finished(report: TranslateReport) -> int:
    """Articles the run got to the end of, translated, skipped or failed."""
    return report.translated + report.from_cache + report.skipped + len(report.failed)


def _print_summary(
    report: TranslateReport, target: str, not_reached: int = 0, error: str | None = None
) -> None:
    failed = len(report.failed) + not_reached
    click.echo(
        f"into {target}: translated {report.translated}, from cache {report.from_cache}, "
        f"skipped {report.skipped} (already in {target}), failed {failed}; "
        f"{report.requests_sent} requests, {report.lines_from_cache} lines from the cache",
        err=True,
    )
    for article_id, reason in report.failed:
        # A provider's error text is outside data.
        click.echo(f"  article {article_id}: {shown_line(reason)}", err=True)
    if not_reached:
        click.echo(
            f"  {not_reached} articles not translated: the provider stopped answering", err=True
        )


def _report_json(
    report: TranslateReport, settings, error: str | None, not_reached: int = 0
) -> dict:
    return {
        "provider": settings.name,
        "target": settings.target,
        "translated": report.translated,
        "from_cache": report.from_cache,
        "skipped": report.skipped,
        "failed": [{"id": i, "reason": r} for i, r in report.failed],
        "not_reached": not_reached,
        "requests_sent": report.requests_sent,
        "lines_from_cache": report.lines_from_cache,
        "interrupted": report.interrupted,
        "error": error,
    }
