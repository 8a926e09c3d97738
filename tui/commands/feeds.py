"""``triage feeds``: follow outlets' feeds (add, list, remove, pause, resume, OPML import/export)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.tui.cli import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, fail
from article_triage.tui.commands.network_options import network_options


@click.group()
def feeds() -> None:
    """The feeds you follow; `triage refresh` fetches them."""


@feeds.command("add")
@click.argument("urls", nargs=-1, required=True)
@click.option("--tag", "tags", multiple=True, help="A tag for these feeds (repeatable).")
@click.option("--name", help="The name lists show [default: the feed's own title].")
@network_options
@click.pass_obj
def add_command(
    obj,
    urls: tuple[str, ...],
    tags: tuple[str, ...],
    name: str | None,
    allow_private_addresses: bool,
    timeout: float,
) -> None:
    """Subscribe to feed URLs, or to site URLs whose page advertises a feed
    (<link rel="alternate">). Each is fetched once to find the feed and its title."""
    from article_triage.store.feeds import FeedUrlRefused, add_feed
    from article_triage.store.feeds.discover import find_feed_at
    from article_triage.store.ingest.model import ImportOptions, IngestError

    if name and len(urls) > 1:
        fail("--name names one feed; give one URL with it", EXIT_USAGE)
    max_bytes = ImportOptions().max_bytes
    db = obj.open_db()
    failed = 0
    for url in urls:
        try:
            found = find_feed_at(
                url,
                timeout=timeout,
                max_bytes=max_bytes,
                allow_private_addresses=allow_private_addresses,
            )
        except IngestError as exc:
            failed += 1
            click.echo(f"  failed: {shown_line(url)}: {shown_line(exc)}", err=True)
            continue
        try:
            feed, created = add_feed(
                db, found.url, name=name or found.title, tags=tags, site_url=found.site_url
            )
        except FeedUrlRefused as exc:
            failed += 1
            click.echo(f"  failed: {shown_line(found.url[:200])}: {exc}", err=True)
            continue
        via = f" (advertised by {shown_line(found.via_page)})" if found.via_page else ""
        verb = "subscribed" if created else "already subscribed"
        click.echo(f"{verb}: {feed.id} {shown_identity(feed.title)} <{shown_line(feed.url)}>{via}")
    sys.exit(EXIT_SOME_FAILED if failed else EXIT_OK)


@feeds.command("list")
@click.option("--tag", help="Only feeds with this tag.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_obj
def list_command(obj, tag: str | None, as_json: bool) -> None:
    """Each feed's health: last success, items, errors in a row and the last one, next check."""
    from article_triage.store.feeds import list_feeds
    from article_triage.store.feeds.health import feed_health
    from article_triage.store.ingest.model import ImportOptions
    from article_triage.store.outlets import RegistryError, load_registry
    from article_triage.store.settings import ConfigError

    try:
        registry = load_registry(ImportOptions.from_config(obj.config).registry_path)
    except (ConfigError, RegistryError) as exc:
        fail(str(exc), EXIT_USAGE)
    db = obj.open_db()
    rows = [feed_health(feed, registry) for feed in list_feeds(db, tag=tag)]
    if as_json:
        click.echo(json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo(
            "no feeds yet: `triage feeds add URL` or `triage feeds import FILE.opml`", err=True
        )
        return
    for row in rows:
        click.echo(row.describe())


def _each(obj, ids: tuple[str, ...], action) -> None:
    from article_triage.store.feeds import FeedNotFound, find_feed

    db = obj.open_db()
    failed = 0
    for id_or_url in ids:
        try:
            feed = find_feed(db, id_or_url)
        except FeedNotFound as exc:
            failed += 1
            click.echo(f"triage: {shown_line(str(exc))}", err=True)
            continue
        action(db, feed)
    sys.exit(EXIT_SOME_FAILED if failed else EXIT_OK)


@feeds.command("remove")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def remove_command(obj, ids: tuple[str, ...]) -> None:
    """Unsubscribe (by number or URL); the articles they brought stay."""
    from article_triage.store.feeds import remove_feed

    def remove(db, feed) -> None:
        remove_feed(db, feed.id)
        click.echo(f"removed: {feed.id} {shown_identity(feed.title)}")

    _each(obj, ids, remove)


@feeds.command("pause")
@click.argument("ids", nargs=-1, required=True)
@click.option("--reason", help="Why; `feeds list` shows it.")
@click.pass_obj
def pause_command(obj, ids: tuple[str, ...], reason: str | None) -> None:
    """Stop fetching these feeds until resumed."""
    from article_triage.store.feeds import set_paused

    def pause(db, feed) -> None:
        set_paused(db, feed.id, True, reason or "paused by the analyst")
        click.echo(f"paused: {feed.id} {shown_identity(feed.title)}")

    _each(obj, ids, pause)


@feeds.command("resume")
@click.argument("ids", nargs=-1, required=True)
@click.pass_obj
def resume_command(obj, ids: tuple[str, ...]) -> None:
    """Fetch these feeds again, at the next refresh."""
    from article_triage.store.feeds import set_paused

    def resume(db, feed) -> None:
        set_paused(db, feed.id, False)
        click.echo(f"resumed: {feed.id} {shown_identity(feed.title)}")

    _each(obj, ids, resume)


@feeds.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tag", "tags", multiple=True, help="A tag for every feed in the file (repeatable).")
@click.pass_obj
def import_command(obj, file: Path, tags: tuple[str, ...]) -> None:
    """Subscribe to every feed an OPML file lists (newsboat, Miniflux, Feedly and others);
    folders and categories become tags. Nothing is fetched until `triage refresh`."""
    from article_triage.store.feeds import FeedUrlRefused, add_feed
    from article_triage.store.feeds.opml import OpmlError, read_opml_file

    try:
        listed = read_opml_file(file)
    except OpmlError as exc:
        fail(f"{shown_line(str(file))}: {exc}")
    except OSError as exc:
        fail(f"{shown_line(str(file))}: cannot be read ({exc.strerror})")
    db = obj.open_db()
    added = known = failed = 0
    for entry in listed:
        try:
            _, created = add_feed(
                db, entry.url, name=entry.name, tags=[*entry.tags, *tags], site_url=entry.site_url
            )
        except FeedUrlRefused as exc:
            failed += 1
            click.echo(f"  failed: {shown_line(entry.url[:200])}: {exc}", err=True)
            continue
        added += created
        known += not created
    click.echo(f"{added} subscribed, {known} already subscribed, {failed} failed", err=True)
    sys.exit(EXIT_SOME_FAILED if failed else EXIT_OK)


@feeds.command("export")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for stdout.")
@click.option("--tag", help="Only feeds with this tag.")
@click.pass_obj
def export_command(obj, output: str, tag: str | None) -> None:
    """Write the subscriptions as OPML 2.0 (tags as categories and folders)."""
    from article_triage.store.feeds import list_feeds
    from article_triage.store.feeds.opml import write_opml

    data = write_opml(list_feeds(obj.open_db(), tag=tag))
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        fail(f"{shown_line(output)}: cannot be written ({exc.strerror})")
