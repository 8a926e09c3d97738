"""``triage outlets list|show|add|import`` and ``triage detect``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from article_triage.store.boundary import shown_identity, shown_json, shown_line
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.jobs import finish, run_job

_REGISTRY_HELP = (
    "Your own outlets live in a registry file that overrides the built-in one key by key "
    "(its name, country, category replace the built-in ones; its aliases, domains and "
    "designations are added to them): "
    'the path in the config\'s [outlets] registry = "...", else outlets.toml in the user '
    "config directory (platformdirs, e.g. ~/.config/article-triage/outlets.toml). It may be "
    "TOML ([[outlet]] tables, like the built-in store/outlets/data/outlets.toml) or CSV "
    "(columns key,name,country,category,aliases,domains,designations,...; lists joined by |). "
    "After a change, run `triage detect` to apply it to the stored articles."
)


def _user_path(obj) -> Path:
    from article_triage.store.outlets.registry import user_registry_path

    return user_registry_path(obj.config)


def _registry(obj):
    from article_triage.store.outlets import RegistryError, load_registry

    try:
        return load_registry(_user_path(obj))
    except RegistryError as exc:
        fail(str(exc), EXIT_USAGE)


@click.group(help="The outlet registry: publishers and cited sources.\n\n" + _REGISTRY_HELP)
def outlets() -> None:
    pass


@outlets.command("list")
@click.argument("query", required=False)
@click.option("--category", help="Only this category (e.g. state-controlled).")
@click.option("--country", help="Only this country (ISO code, e.g. RU).")
@click.option("--user", "user_only", is_flag=True, help="Only outlets from your registry file.")
@click.option("--json", "as_json", is_flag=True, help="Print the outlets as JSON.")
@click.pass_obj
def list_outlets(obj, query, category, country, user_only, as_json) -> None:
    """List outlets; QUERY matches key, name, alias or domain."""
    registry = _registry(obj)
    needle = (query or "").casefold()
    rows = []
    for outlet in sorted(registry, key=lambda o: o.key):
        if category and outlet.category != category:
            continue
        if country and (outlet.country or "").upper() != country.upper():
            continue
        if user_only and outlet.origin != "user":
            continue
        haystack = [outlet.key, outlet.name, *outlet.aliases, *outlet.domains]
        if needle and not any(needle in h.casefold() for h in haystack):
            continue
        rows.append(outlet)
    if as_json:
        click.echo(
            shown_json(
                [
                    {
                        **{
                            k: v
                            for k, v in o.row().items()
                            if k not in ("designations", "domains", "aliases")
                        },
                        "designations": json.loads(o.row()["designations"]),
                        "domains": list(o.domains),
                        "aliases": list(o.aliases),
                        "sources": list(o.sources),
                    }
                    for o in rows
                ],
                indent=2,
            )
        )
        return
    for o in rows:
        # Names, countries and designations may come from an imported list: shown, not obeyed.
        designations = shown_line("; ".join(d.label() for d in o.designations))
        click.echo(
            f"{o.key:<26} {shown_identity(o.name[:34]):<34} {shown_line(o.country) or '-':<3} "
            f"{shown_line(o.category) or '-':<25} {o.origin:<7} {designations}"
        )
    click.echo(f"{len(rows)} outlet(s); your registry file: {_user_path(obj)}", err=True)


@outlets.command("show")
@click.argument("key")
@click.pass_obj
def show_outlet(obj, key) -> None:
    """Everything the registry knows about one outlet, with sources.

    KEY is its key, name or an alias, in any case."""
    found = _registry(obj).find(key)
    if not found:
        fail(f"no outlet {key!r} (see `triage outlets list`)", EXIT_USAGE)
    if len(found) > 1:
        keys = ", ".join(o.key for o in found)
        fail(f"{key!r} names several outlets: {keys} (show one by its key)", EXIT_USAGE)
    outlet = found[0]
    click.echo(f"{shown_identity(outlet.name)} [{outlet.key}] ({outlet.origin})")
    click.echo(f"  {shown_line(outlet.describe())}")
    if outlet.parent:
        click.echo(f"  part of: {shown_line(outlet.parent)}")
    for d in outlet.designations:
        designation = " ".join(x for x in (d.name, d.date, d.source) if x)
        click.echo(f"  designation: {shown_line(designation)}")
    click.echo(f"  domains: {shown_line(', '.join(outlet.domains)) or '-'}")
    click.echo(f"  aliases: {', '.join(shown_identity(a) for a in outlet.aliases) or '-'}")
    for source in outlet.sources:
        click.echo(f"  source: {shown_line(source)}")


def _designation(text: str):
    from article_triage.store.outlets import Designation

    name, _, date = text.partition("@")
    if not name.strip():
        raise click.BadParameter(f"{text!r}: expected NAME or NAME@DATE")
    return Designation(name.strip(), date.strip() or None)


@outlets.command(
    "add",
    help="Add an outlet to your registry file, or extend one (lists are merged).\n\n"
    + _REGISTRY_HELP,
)
@click.argument("key")
@click.option("--name", help="Canonical name (required for a new outlet).")
@click.option("--country", help="ISO 3166-1 alpha-2 code, e.g. RU.")
@click.option(
    "--category",
    help="state-controlled, captured-public, captured-private, state-funded-independent, independent-public, non-state, proxy or government.",
)
@click.option(
    "--alias", "aliases", multiple=True, help="A name as it appears in text (repeatable)."
)
@click.option(
    "--strict-alias",
    "strict_aliases",
    multiple=True,
    help="An alias that is also an ordinary word: counts only quoted or beside a cue (repeatable).",
)
@click.option(
    "--domain", "domains", multiple=True, help="A domain; covers its subdomains (repeatable)."
)
@click.option(
    "--designation",
    "designations",
    multiple=True,
    help="NAME or NAME@DATE, e.g. 'EU broadcast ban@2022-03-02' (repeatable).",
)
@click.option("--source", "sources", multiple=True, help="Where the facts come from (repeatable).")
@click.pass_obj
def add_outlet(
    obj, key, name, country, category, aliases, strict_aliases, domains, designations, sources
) -> None:
    from article_triage.store.outlets import RegistryError
    from article_triage.store.outlets.registry import outlet_fields, upsert_user_entries

    registry = _registry(obj)
    if key not in registry and not name:
        fail(f"{key!r} is a new outlet: give it a --name", EXIT_USAGE)
    entry = {
        "key": key,
        "name": name,
        "country": country.upper() if country else None,
        "category": category,
        "aliases": list(dict.fromkeys([*aliases, *strict_aliases])) or None,
        "strict_aliases": list(strict_aliases) or None,
        "domains": list(domains) or None,
        "sources": list(sources) or None,
    }
    entry = {k: v for k, v in entry.items() if v}
    path = _user_path(obj)
    try:
        checked = outlet_fields(entry, "--options")
        if designations:
            checked["designations"] = tuple(_designation(d) for d in designations)
        added, _ = upsert_user_entries(path, [checked])
    except RegistryError as exc:
        fail(str(exc), EXIT_USAGE)
    verb = "added" if added else "updated"
    click.echo(
        f"{verb} {shown_line(key)} in {path}; run `triage detect` to apply it to stored articles"
    )


@outlets.command(
    "import",
    help="Import outlets from a State Media Matrix CSV or a v2fly domain list.\n\n"
    "State Media Matrix CSV (columns Country, Media company, Main assets, URL, Typology): "
    "each asset becomes an outlet; assets whose site is already known only add domains. "
    "v2fly list (one domain per line = domain and subdomains; full:host = that host only; "
    "include:NAME = the list NAME beside it; @attr tags; # comments): its domains go to --outlet.\n\n"
    + _REGISTRY_HELP,
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "smm", "v2fly"]),
    default="auto",
    show_default=True,
    help="smm = State Media Matrix CSV; v2fly = domain list. auto: .csv is smm, anything else v2fly.",
)
@click.option(
    "--outlet", "outlet_key", help="v2fly: the outlet the domains belong to (new or existing key)."
)
@click.option("--name", help="v2fly: name of a new outlet (default: the file name).")
@click.option("--category", help="v2fly: category of a new outlet.")
@click.option("--country", help="v2fly: country of a new outlet.")
@click.option(
    "--skip-attr",
    "skip_attrs",
    multiple=True,
    default=("ads",),
    show_default=True,
    help="v2fly: skip entries tagged @ATTR (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.pass_obj
def import_outlets(
    obj, path, fmt, outlet_key, name, category, country, skip_attrs, dry_run
) -> None:
    from article_triage.store.outlets import RegistryError
    from article_triage.store.outlets.importers import (
        import_domain_list,
        import_state_media_matrix,
        slug,
    )
    from article_triage.store.outlets.registry import upsert_user_entries

    registry = _registry(obj)
    if fmt == "auto":
        fmt = "smm" if path.suffix.lower() == ".csv" else "v2fly"
    try:
        if fmt == "smm":
            result = import_state_media_matrix(path, registry)
        else:
            key = outlet_key or slug(path.stem)
            if not key:
                fail("give the outlet the domains belong to with --outlet KEY", EXIT_USAGE)
            result = import_domain_list(
                path,
                registry,
                key,
                name=name,
                category=category,
                country=country,
                skip_attributes=tuple(skip_attrs),
            )
        for problem in result.skipped:
            click.echo(f"triage: {shown_line(problem)}", err=True)
        target = _user_path(obj)
        if not dry_run:
            upsert_user_entries(target, result.entries)
    except RegistryError as exc:
        fail(str(exc), EXIT_USAGE)
    domains = sum(len(e.get("domains", ())) for e in result.entries)
    where = "(dry run, nothing written)" if dry_run else f"into {target}"
    click.echo(
        f"imported {result.new} new outlet(s), added domains to {result.merged} known one(s), "
        f"{result.known} input(s) already in the registry, {domains} domain(s) {where}"
    )
    if not dry_run:
        click.echo("run `triage detect` to apply it to stored articles")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def detect(obj, as_json: bool) -> None:
    """Re-run publisher and citation detection over every stored article.

    Use after changing the outlet registry (`triage outlets add|import` or editing
    your registry file). Replaces each article's citations and suggested flags;
    your decisions (accepted or rejected suggestions) are kept.
    """
    from article_triage.store.jobs import DetectRequest, run_detect, summarise
    from article_triage.store.outlets import RegistryError

    db = obj.open_db()
    try:
        report = run_job(run_detect, db, DetectRequest(str(_user_path(obj))), "detecting")
    except RegistryError as exc:
        fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(shown_json(report.as_dict()))
    finish(summarise(report), quiet=as_json)
