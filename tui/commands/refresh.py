"""``triage refresh``: fetch the feeds that are due and import what is new.

Ctrl-C (or SIGTERM) asks for a stop: requests on the wire finish, feeds whose new
entries are all in are saved, and the next run fetches the others again.
"""

from __future__ import annotations

import json
import sys
import threading

import click

from article_triage.store.boundary import shown_line
from article_triage.tui.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, fail
from article_triage.tui.commands.jobs import stop_requests
from article_triage.tui.commands.network_options import network_options
from article_triage.tui.commands.param_types import row_id


@click.command()
@click.option("--tag", help="Only feeds with this tag.")
@click.option(
    "--feed",
    "feed_ids",
    type=row_id(),
    multiple=True,
    help="Only this feed (repeatable; fetched even if paused).",
)
@click.option("--all", "everything", is_flag=True, help="Fetch every feed now, due or not.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option(
    "--translate",
    "then_translate",
    is_flag=True,
    help="Then translate the new articles with the configured provider.",
)
@network_options
@click.option(
    "--no-fetch-links",
    is_flag=True,
    help="Build entries from the feed alone instead of fetching the pages they link to.",
)
@click.pass_obj
def refresh(
    obj,
    tag: str | None,
    feed_ids: tuple[int, ...],
    everything: bool,
    as_json: bool,
    then_translate: bool,
    allow_private_addresses: bool,
    timeout: float,
    no_fetch_links: bool,
) -> None:
    """Fetch the due feeds (concurrently, politely) and import their new entries.

    Exit code 1 when a feed or an entry failed; the others are imported all the same.
    """
    from article_triage.store.feeds import RefreshProgress, RefreshRequest
    from article_triage.store.feeds import refresh as run_refresh
    from article_triage.store.ingest.model import ImportOptions
    from article_triage.store.outlets import RegistryError
    from article_triage.store.settings import ConfigError

    try:
        options = ImportOptions.from_config(
            obj.config,
            allow_private_addresses=allow_private_addresses,
            timeout=timeout,
            fetch_feed_links=not no_fetch_links,
        )
        request = RefreshRequest.from_config(
            obj.config,
            tag=tag,
            feed_ids=feed_ids or None,
            ignore_schedule=everything,
            options=options,
        )
        translation = _translation_settings(obj.config) if then_translate else None
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    db = obj.open_db()
    unknown = _unknown_feeds(db, feed_ids)
    if unknown:
        fail(f"no feed {', '.join(map(str, unknown))} (see `triage feeds list`)")
    stop = threading.Event()
    interactive = sys.stderr.isatty() and not as_json
    bar = None
    try:
        with stop_requests(stop):
            if interactive:
                bar = click.progressbar(
                    length=1, label="refreshing", file=sys.stderr, show_pos=True
                )
                bar.__enter__()

            def show(step: RefreshProgress) -> None:
                if bar is not None:
                    bar.length = max(step.total, 1)
                    bar.update(1)

            report = run_refresh(db, request, show, stop)
    except RegistryError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    translated = _translate(db, report.article_ids, translation) if translation else None
    if as_json:
        payload = {
            "feeds": [o.as_dict() for o in report.feeds],
            **report.counts(),
            "stopped": report.stopped,
        }
        if translated is not None:
            payload["translation"] = translated
        click.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _summary(report)
        if translated is not None:
            click.echo(f"translation: {translated['message']}", err=True)
    if report.stopped:
        click.echo("triage: stopped; what was imported is saved, run again to resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    # An entry that failed is an input that failed, as for `add`.
    sys.exit(EXIT_SOME_FAILED if report.failed or report.failed_entries else EXIT_OK)


def _unknown_feeds(db, feed_ids: tuple[int, ...]) -> list[int]:
    from article_triage.store.feeds import FeedNotFound, get_feed

    unknown = []
    for feed_id in feed_ids:
        try:
            get_feed(db, feed_id)
        except FeedNotFound:
            unknown.append(feed_id)
    return unknown


def _translation_settings(config):
    from article_triage.store.translate import settings_from_config

    settings = settings_from_config(config)
    try:
        settings.validate()
    except ValueError as exc:
        from article_triage.store.settings import ConfigError

        raise ConfigError(f"--translate: {exc}") from exc
    return settings


def _translate(db, article_ids: list[int], settings) -> dict[str, object]:
    from article_triage.store.translate import ProviderUnreachable, translate_articles

    if not article_ids:
        return {"translated": 0, "failed": 0, "message": "nothing new to translate"}
    try:
        report = translate_articles(db, article_ids, settings)
    except ProviderUnreachable as exc:
        return {
            "translated": 0,
            "failed": len(article_ids),
            "message": f"{exc}; run `triage translate` later",
        }
    return {
        "translated": report.translated,
        "failed": len(report.failed),
        "message": f"{report.translated} translated into {settings.target}, {len(report.failed)} failed",
    }


def _summary(report) -> None:
    if not report.due:
        click.echo(
            "no feed is due (`--all` fetches every feed now, except those whose server "
            "asked to wait: see `triage feeds list`)",
            err=True,
        )
        return
    for outcome in report.feeds:
        title = shown_line(outcome.title)
        if outcome.status == "new":
            line = f"{outcome.new} new"
        elif outcome.status == "unchanged":
            line = "unchanged" + (" (304)" if outcome.http_status == 304 else "")
        else:
            line = f"{outcome.status}: {shown_line(outcome.reason or '')}"
        extra = []
        if outcome.duplicates:
            extra.append(f"{outcome.duplicates} already in the store")
        if outcome.failed_entries:
            extra.append(f"{outcome.failed_entries} entries failed")
        if outcome.reason and outcome.status in ("new", "unchanged"):
            extra.append(shown_line(outcome.reason))
        click.echo(
            f"  {outcome.feed_id:>4} {title}: {line}" + (f" ({'; '.join(extra)})" if extra else ""),
            err=True,
        )
        for error in outcome.entry_errors:
            click.echo(f"       {shown_line(error)}", err=True)
    counts = report.counts()
    click.echo(
        f"{_plural(counts['articles_new'], 'new article')} from {_plural(counts['feeds_new'], 'feed')}; "
        f"{counts['feeds_unchanged']} unchanged, {counts['feeds_failed'] + counts['feeds_gone']} failed",
        err=True,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"
