"""``triage correct``: an analyst's own translation of one paragraph, kept over machine runs."""

from __future__ import annotations

import sys

import click

from article_triage.store.articles import get_article
from article_triage.store.translations import correct_paragraph
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.param_types import count, row_id


@click.command()
@click.argument("article_id", type=row_id())
@click.argument("paragraph", type=count(1))
@click.argument("text", required=False)
@click.option("--to", "target", default="en", show_default=True, help="Translation language.")
@click.pass_obj
def correct(obj, article_id: int, paragraph: int, text: str | None, target: str) -> None:
    """Replace the translation of PARAGRAPH (1 = first) of ARTICLE_ID with TEXT.

    TEXT omitted or "-" reads it from stdin. The correction is stored with the
    provider "analyst"; later `triage translate` runs keep it.
    """
    if text is None or text == "-":
        text = sys.stdin.read()
    text = text.strip()
    if not text:
        fail("the corrected text is empty", EXIT_USAGE)
    db = obj.open_db()
    article = get_article(db, article_id)
    if article is None:
        fail(f"no article {article_id}", EXIT_USAGE)
    if paragraph > article["paragraph_count"]:
        fail(
            f"article {article_id} has {article['paragraph_count']} paragraphs, not {paragraph}",
            EXIT_USAGE,
        )
    correct_paragraph(db, article_id, target, paragraph - 1, text, analyst=obj.analyst)
    click.echo(
        f"article {article_id}, paragraph {paragraph}: translation ({target}) corrected", err=True
    )
