"""``triage stats``: counts by status, language, outlet and grade."""

from __future__ import annotations

import click

from article_triage.store.articles import stats as store_stats
from article_triage.store.boundary import shown_identity, shown_json, shown_line
from article_triage.tui.commands.views import view_option, where_clause, where_option


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@where_option
@view_option
@click.pass_obj
def stats(obj, as_json: bool, where: str | None, view: str | None) -> None:
    """Counts by status, language, publisher outlet and grade (your decisions)."""
    db = obj.open_db()
    clause = where_clause(obj, db, where, view)
    counts = store_stats(db, analyst=obj.analyst, where=clause)
    if as_json:
        click.echo(shown_json({k: dict(v) for k, v in counts.items()}, indent=2))
        return
    for section, rows in counts.items():
        # Outlet names come from registry files and imported lists: shown, never obeyed.
        shown = shown_identity if section == "outlet" else shown_line
        click.echo(f"{section}:")
        for key, n in rows:
            click.echo(f"  {shown(key) or '-':<28} {n:>8,}")
