"""``triage views``: save and list named queries; and the ``--where``/``--view`` options
every filtering command shares, read into one clause of the query language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.query import And, Clause, QueryError, parse
from article_triage.store.query_views import (
    UnknownView,
    delete_view,
    list_views,
    save_view,
    view_query,
)
from article_triage.tui.cli import EXIT_USAGE, fail

WHERE_HELP = "A query, e.g. 'lang:de status:new grade:<=C2 \"RIA Nowosti\"' (see README)."


def where_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--where", "where", metavar="QUERY", help=WHERE_HELP)(function)


def view_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--view", "view", metavar="NAME", help="A saved view's query.")(function)


def where_clause(obj, db, where: str | None, view: str | None = None) -> Clause | None:
    """The clause *where* and the view *view* say together (ANDed), or None for neither.
    A bad query or an unknown view is one line on stderr and exit 2."""
    texts: list[tuple[str, str]] = []
    if view:
        try:
            texts.append((f"view {view}", view_query(db, view)))
        except UnknownView as exc:
            fail(str(exc), EXIT_USAGE)
    if where is not None:
        texts.append(("--where", where))
    if not texts:
        return None
    clauses = []
    for label, text in texts:
        try:
            clauses.append(parse(text, obj.config.taxonomy))
        except QueryError as exc:
            fail(f"{label}: {exc}", EXIT_USAGE)
    if len(clauses) == 1:
        return clauses[0]
    return And(tuple(clauses))


@click.group()
def views() -> None:
    """Named queries: save, list and delete them; use one with `triage export --view NAME`."""


# A query may start with '-' (-status:done): it is an argument, not an option.
@views.command("save", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("query", nargs=-1, required=True)
@click.pass_obj
def save(obj, name: str, query: tuple[str, ...]) -> None:
    """Save QUERY as NAME (replacing a view of that name)."""
    db = obj.open_db()
    try:
        view = save_view(db, name, " ".join(query), obj.analyst, obj.config.taxonomy)
    except QueryError as exc:
        fail(f"query: {exc}", EXIT_USAGE)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    described = parse(view.query, obj.config.taxonomy).describe()
    click.echo(f"saved view {shown_identity(view.name)}: {shown_line(described)}", err=True)


@views.command("list")
@click.pass_obj
def list_command(obj) -> None:
    """The saved views: name, query and what it shows."""
    found = list_views(obj.open_db())
    for view in found:
        try:
            described = parse(view.query, obj.config.taxonomy).describe()
        except QueryError as exc:  # the taxonomy changed since it was saved
            described = f"(no longer reads: {exc})"
        click.echo(
            f"{shown_identity(view.name)}\t{shown_line(view.query)}\t{shown_line(described)}"
        )
    if not found:
        click.echo("no saved views (triage views save NAME QUERY)", err=True)


@views.command("delete")
@click.argument("name")
@click.pass_obj
def delete(obj, name: str) -> None:
    """Forget the view NAME (the articles and decisions it selected are untouched)."""
    try:
        delete_view(obj.open_db(), name)
    except UnknownView as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"deleted view {shown_identity(name)}", err=True)
