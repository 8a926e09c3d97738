"""``triage stories``: events told by several articles, in several languages."""

from __future__ import annotations

import json
import sys

import click

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.param_types import count, row_id


@click.group()
def stories() -> None:
    """Stories: the articles that report the same event, across languages.

    Articles join stories when they are imported and again when their translation
    arrives; merges and splits are kept when stories are rebuilt.
    """


@stories.command("list")
@click.option(
    "--min-size",
    type=count(1),
    default=2,
    show_default=True,
    help="Only stories of this many articles.",
)
@click.option(
    "--limit",
    type=count(1),
    default=50,
    show_default=True,
    help="At most this many (latest first).",
)
@click.option("--offset", type=count(), default=0, help="Skip this many first (paging).")
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
@click.pass_obj
def list_command(obj, min_size: int, limit: int, offset: int, as_json: bool) -> None:
    """Stories with their size, languages, outlets, first and last day."""
    from article_triage.store.stories import count_stories, list_stories, unassigned_count

    db = obj.open_db()
    rows = list_stories(db, min_size=min_size, limit=limit, offset=offset)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "total": count_stories(db, min_size=min_size),
                    "stories": [s.as_dict() for s in rows],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for s in rows:
        outlets = ", ".join(shown_identity(o) for o in s.outlets) or "-"
        click.echo(
            f"{s.id:>6}  {s.size:>4} articles  {s.first_day or '?'} .. {s.last_day or '?'}  "
            f"[{shown_line(' '.join(s.languages))}]  {outlets}"
        )
    total = count_stories(db, min_size=min_size)
    click.echo(f"{total} stories of {min_size}+ articles", err=True)
    missing = unassigned_count(db)
    if missing:
        click.echo(
            f"{missing} article(s) are in no story yet: run `triage stories rebuild`", err=True
        )


@stories.command("show")
@click.argument("story_id", type=row_id())
@click.option("--json", "as_json", is_flag=True, help="Print the story as JSON.")
@click.pass_obj
def show_command(obj, story_id: int, as_json: bool) -> None:
    """One story: its articles side by side, independent sources and echo chains."""
    from article_triage.store.stories import story_detail

    detail = story_detail(obj.open_db(), story_id, obj.analyst)
    if detail is None:
        fail(f"no story {story_id}", EXIT_USAGE)
    assert detail is not None
    corroboration = detail.corroboration
    if as_json:
        click.echo(
            json.dumps(
                {
                    **detail.summary.as_dict(),
                    "independent_sources": corroboration.independent_count,
                    "sources": [
                        {
                            "key": s.key,
                            "name": s.name,
                            "own_articles": [a.id for a in s.originals],
                            "echoed_by": [a.id for a in s.echoes],
                        }
                        for s in corroboration.sources
                    ],
                    "articles": [
                        {
                            "id": a.id,
                            "title": a.title,
                            "language": a.language,
                            "published": a.published,
                            "outlet": a.outlet,
                            "outlet_category": a.outlet_category,
                            "stance": a.stance,
                            "grade": a.grade or None,
                            "cites": list(a.cites),
                            "score": a.score,
                            "placed_by": a.placed_by,
                        }
                        for a in detail.articles
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(shown_line(detail.line()))
    click.echo(f"independent sources: {corroboration.independent_count}")
    for a in detail.articles:
        category = f" ({shown_line(a.outlet_category)})" if a.outlet_category else ""
        cites = f"  cites {', '.join(a.cites)}" if a.cites else ""
        click.echo(
            f"{a.id:>7}  {shown_line(a.language):<3} {shown_line(a.published or '?'):<10}  "
            f"{shown_identity(a.outlet or '-')}{category}  {a.stance or '-'} {a.grade or '--'}"
            f"{shown_line(cites)}"
        )
        click.echo(f"         {shown_line(a.title)}")


@stories.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def rebuild_command(obj, as_json: bool) -> None:
    """Recompute every story (analysts' merges and splits are replayed)."""
    from article_triage.store.stories import rebuild_stories

    db = obj.open_db()
    with click.progressbar(length=1, label="stories", file=sys.stderr) as bar:

        def progress(phase: str, done: int, total: int) -> None:
            bar.label = phase
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        report = rebuild_stories(db, progress)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "articles": report.articles,
                    "stories": report.stories,
                    "multi_article_stories": report.multi_article_stories,
                    "decisions_replayed": report.decisions_replayed,
                    "seconds": round(report.seconds, 2),
                }
            )
        )
        return
    click.echo(
        f"{report.articles} articles in {report.stories} stories "
        f"({report.multi_article_stories} of several articles); "
        f"{report.decisions_replayed} merge/split decision(s) replayed in {report.seconds:.1f} s"
    )


@stories.command("merge")
@click.argument("keep", type=row_id())
@click.argument("other", type=row_id())
@click.pass_obj
def merge_command(obj, keep: int, other: int) -> None:
    """Merge story OTHER into story KEEP (kept across rebuilds; in the audit log)."""
    from article_triage.store.stories import StoryError, merge_stories

    try:
        merge_stories(obj.open_db(), keep, other, obj.analyst)
    except StoryError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"story {other} merged into story {keep}")


@stories.command("split")
@click.argument("article_id", type=row_id())
@click.pass_obj
def split_command(obj, article_id: int) -> None:
    """Take ARTICLE out of its story into a story of its own (kept across rebuilds)."""
    from article_triage.store.stories import StoryError, split_article

    try:
        story_id = split_article(obj.open_db(), article_id, obj.analyst)
    except StoryError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"article {article_id} is now story {story_id}")
