"""``triage search QUERY``: full-text search from the shell."""

from __future__ import annotations

import click

from article_triage.store.articles import ArticleFilter
from article_triage.store.articles import search as search_articles
from article_triage.store.boundary import shown_json, shown_line
from article_triage.tui.commands.param_types import count
from article_triage.tui.commands.views import view_option, where_clause, where_option


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option(
    "-n",
    "--limit",
    type=count(1),
    default=20,
    show_default=True,
    help="At most this many results.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@where_option
@view_option
@click.pass_obj
def search(
    obj, query: tuple[str, ...], limit: int, as_json: bool, where: str | None, view: str | None
) -> None:
    """Search titles, text and translations (words are ANDed; "quoted phrases"; prefix*);
    --where narrows to what a query selects (e.g. --where 'lang:de -status:done')."""
    db = obj.open_db()
    clause = where_clause(obj, db, where, view)
    within = ArticleFilter(analyst=obj.analyst, where=clause) if clause is not None else None
    hits = search_articles(db, " ".join(query), limit=limit, within=within)
    for hit in hits:
        if as_json:
            click.echo(shown_json(hit.__dict__))
        else:
            snippet = shown_line(" ".join(hit.snippet.split()))
            click.echo(
                f"{hit.id:>6}  [{shown_line(hit.language)}] {shown_line(hit.title)}\n"
                f"        {snippet}"
            )
    if not hits and not as_json:
        click.echo("no matches", err=True)
