"""``triage translate``: machine-translate stored articles, with progress, resumably.

It runs the translate job (store.jobs.run_translate) and prints its summary. Ctrl-C
or SIGTERM asks for a stop: articles already translated are saved as they finish, so
the next run carries on where this one stopped (a second Ctrl-C stops at once; what
is saved stays saved).
"""

from __future__ import annotations

import click

from article_triage.store.articles import ArticleFilter
from article_triage.store.boundary import shown_json
from article_triage.store.jobs import TranslateRequest, run_translate, summarise
from article_triage.store.settings import ConfigError
from article_triage.store.translate import PROVIDERS, settings_from_config
from article_triage.store.translate.providers import where as provider_address
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.jobs import finish, run_job
from article_triage.tui.commands.param_types import parallel, row_id, seconds
from article_triage.tui.commands.views import view_option, where_clause, where_option


@click.command()
@click.option("--to", "target", help="Target language (ISO 639-1)  [default: from config, else en]")
@click.option(
    "--provider",
    type=click.Choice(PROVIDERS, case_sensitive=False),
    help="Translation provider  [default: from config, else google]",
)
@click.option("--url", help="Base URL of a self-hosted LibreTranslate (provider libre).")
@click.option("--id", "ids", type=row_id(), multiple=True, help="Only this article (repeatable).")
@click.option("--language", help="Only articles in this language.")
@click.option("--status", help="Only articles with this triage status (your decisions).")
@click.option("--query", help="Only articles matching this full-text query.")
@click.option(
    "--all/--missing",
    "everything",
    default=False,
    help="Re-translate every selected article, or only those lacking a translation  [default: --missing]",
)
@click.option(
    "--timeout", type=seconds(), help="Seconds per request  [default: from config, else 15]"
)
@click.option("--concurrency", type=parallel(), help="Requests in flight at once  [default: 4]")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@where_option
@view_option
@click.pass_obj
def translate(
    obj,
    target: str | None,
    provider: str | None,
    url: str | None,
    ids: tuple[int, ...],
    language: str | None,
    status: str | None,
    query: str | None,
    everything: bool,
    timeout: float | None,
    concurrency: int | None,
    as_json: bool,
    where: str | None,
    view: str | None,
) -> None:
    """Translate stored articles paragraph by paragraph (resumable; keys from
    TRIAGE_<PROVIDER>_KEY or the config's [translation] table)."""
    try:
        settings = settings_from_config(
            obj.config,
            name=provider.lower() if provider else None,
            target=target,
            url=url,
            timeout=timeout,
            concurrency=concurrency,
        )
        settings.validate()
    except (ConfigError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    db = obj.open_db()
    flt = ArticleFilter(
        analyst=obj.analyst,
        where=where_clause(obj, db, where, view),
        status=status,
        language=language,
        query=query,
        ids=ids or None,
    )
    request = TranslateRequest(
        settings, filter=flt, retranslate=everything, config_path=obj.config.path
    )
    label = f"translating into {settings.target} via {provider_address(settings)}"
    report = run_job(run_translate, db, request, label)
    if as_json:
        click.echo(shown_json(report.as_dict()))
    finish(summarise(report), quiet=as_json)
