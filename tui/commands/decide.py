"""``triage decide --where QUERY FIELD=VALUE...``: one decision on every article a query
selects, from the shell: counted, confirmed, written as one undo step through
store.triage.bulk_apply (the app's D and S write the same way)."""

from __future__ import annotations

from typing import Any

import click

from article_triage.store.articles import ArticleFilter, count_articles
from article_triage.store.boundary import shown_line
from article_triage.store.taxonomy import Taxonomy, parse_grade
from article_triage.store.triage import bulk_apply
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.views import view_option, where_clause, where_option

SETTABLE = ("status", "stance", "grade", "reliability", "credibility", "flags")


def parse_assignments(assignments: tuple[str, ...], taxonomy: Taxonomy) -> dict[str, Any]:
    """FIELD=VALUE words as decision changes; ValueError says which one is wrong.
    An empty value clears the field (stance=); flags take a comma list (flags=a,b)."""
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        name, value = name.strip().lower(), value.strip()
        if not equals or name not in SETTABLE:
            raise ValueError(
                f"{assignment!r}: use FIELD=VALUE with FIELD one of {', '.join(SETTABLE)}"
            )
        if name == "grade":
            letter, digit = parse_grade(value)
            if not value or (letter, digit) == (None, None):
                raise ValueError(f"{assignment!r}: not an Admiralty grade (e.g. B2, B or 2)")
            changes.update(
                {k: v for k, v in (("reliability", letter), ("credibility", digit)) if v}
            )
        elif name == "flags":
            changes["flags"] = [f.strip() for f in value.split(",") if f.strip()]
            unknown = [f for f in changes["flags"] if f not in taxonomy.values("flags")]
            if unknown:
                raise ValueError(f"{assignment!r}: unknown flag {unknown[0]!r}")
        else:
            changes[name] = value.upper() if name == "reliability" else (value or None)
            taxonomy.validate(name, changes[name])
    return changes


@click.command()
@where_option
@view_option
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def decide(
    obj, where: str | None, view: str | None, assignments: tuple[str, ...], yes: bool
) -> None:
    """Set FIELD=VALUE on your decision for every article the query selects (one undo step).

    FIELD is status, stance, grade, reliability, credibility or flags (a comma list).
    """
    if where is None and view is None:
        fail(
            "decide needs --where QUERY or --view NAME (say --where '' for every article)",
            EXIT_USAGE,
        )
    taxonomy = obj.config.taxonomy
    try:
        changes = parse_assignments(assignments, taxonomy)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    db = obj.open_db()
    clause = where_clause(obj, db, where, view)
    flt = ArticleFilter(analyst=obj.analyst, where=clause)
    count = count_articles(db, flt)
    shown = ", ".join(
        f"{k}={','.join(v) if isinstance(v, list) else v or ''}" for k, v in changes.items()
    )
    described = clause.describe() if clause is not None else "all articles"
    click.echo(f"{count:,} articles: {shown_line(described)}", err=True)
    if not count:
        return
    if not yes and not click.confirm(f"set {shown_line(shown)} on {count:,} articles?", err=True):
        click.echo("nothing changed", err=True)
        return
    change = bulk_apply(db, flt, obj.analyst, changes, taxonomy)
    click.echo(
        f"changed {len(change.article_ids):,} of {count:,} articles (one step: `u` in the app undoes it)",
        err=True,
    )
