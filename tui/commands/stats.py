"""``triage stats``: counts by status, language, outlet and grade."""

from __future__ import annotations

import click

from article_triage.store.articles import stats as store_stats
from article_triage.store.boundary import shown_identity, shown_json, shown_line


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
def stats(obj, as_json: bool) -> None:
    """Counts by status, language, publisher outlet and grade (your decisions)."""
    counts = store_stats(obj.open_db(), analyst=obj.analyst)
    if as_json:
        click.echo(shown_json({k: dict(v) for k, v in counts.items()}, indent=2))
        return
    for section, rows in counts.items():
        # Outlet names come from registry files and imported lists: shown, never obeyed.
        shown = shown_identity if section == "outlet" else shown_line
        click.echo(f"{section}:")
        for key, n in rows:
            click.echo(f"  {shown(key) or '-':<28} {n:>8,}")
