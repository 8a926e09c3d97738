"""``triage agreement``: how far analysts agree, per field, and where they do not;
``triage adjudicate``: a lead analyst settles a disagreement."""

from __future__ import annotations

import click

from article_triage.store.agreement import AgreementReport
from article_triage.store.agreement import adjudicate as store_adjudicate
from article_triage.store.agreement import agreement as store_agreement
from article_triage.store.boundary import shown_identity, shown_json, shown_line
from article_triage.tui.cli import EXIT_USAGE, fail


def _figure(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "n/a"


def _rating(value: object) -> str:
    # A flag's rating is whether the analyst set it.
    if isinstance(value, bool):
        return "set" if value else "not set"
    return shown_line(value)


def _print_report(report: AgreementReport, show_all_fields: bool) -> None:
    # Analyst names and values may come from a merged file: one row each, whatever they hold.
    analysts = ", ".join(shown_identity(a) for a in report.analysts)
    click.echo(f"analysts: {analysts or '(fewer than two on any article)'}")
    click.echo(f"{'field':<32} {'articles':>8} {'agreed':>7} {'kappa':>7} {'alpha':>7}")
    for f in report.fields:
        if not f.items and not show_all_fields:
            continue
        click.echo(
            f"{shown_line(f.field):<32} {f.items:>8} {f.agreed:>7} "
            f"{_figure(f.kappa):>7} {_figure(f.alpha):>7}"
        )
        if len(f.analysts) > 2:
            for p in f.pairs:
                pair = " / ".join(shown_identity(a) for a in p.analysts)
                click.echo(f"    {pair}: kappa {_figure(p.kappa)} on {p.items}")
    if report.settled:
        click.echo(f"\n{report.settled} disagreements already adjudicated")
    if report.disagreements:
        click.echo(f"\n{len(report.disagreements)} disagreements to adjudicate:")
    for d in report.disagreements:
        values = ", ".join(f"{shown_identity(a)}={_rating(v)}" for a, v in d.values.items())
        title = shown_line(d.title[:50])
        click.echo(f"  {d.article_id:>6} {shown_line(d.field):<28} {values}   {title}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="stance, reliability, credibility or a flag name (repeatable).",
)
@click.pass_obj
def agreement(obj, as_json: bool, fields: tuple[str, ...]) -> None:
    """Agreement between analysts: Cohen's kappa for two, Krippendorff's alpha (nominal)
    for more, per field; then the disagreements to adjudicate (filter the app to them)."""
    report = store_agreement(obj.open_db(), fields or None, obj.config.taxonomy)
    if as_json:
        click.echo(shown_json(report.as_dict(), indent=2))
    else:
        _print_report(report, show_all_fields=bool(fields))


_LIST_FIELDS = {"flags"}


def _parse_assignment(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r}: use FIELD=VALUE, e.g. stance=critical")
    if name in _LIST_FIELDS:
        return name, [v.strip() for v in value.split(",") if v.strip()]
    if name == "notes":
        return name, value
    return name, value or None


@click.command()
@click.argument("article_id", type=int)
@click.argument("assignments", nargs=-1, required=True)
@click.pass_obj
def adjudicate(obj, article_id: int, assignments: tuple[str, ...]) -> None:
    """Settle a disagreement as lead analyst: FIELD=VALUE... (stance=critical reliability=B
    credibility=2 flags=single-source,anonymous-source notes=...; an empty value clears).

    The ruling is your decision on the article, marked adjudicated; the analysts'
    own decisions are kept, and the event log records it as 'adjudicate'.
    """
    try:
        changes = dict(_parse_assignment(a) for a in assignments)
    except click.BadParameter as exc:
        fail(exc.message, EXIT_USAGE)
    try:
        decision = store_adjudicate(
            obj.open_db(), article_id, obj.analyst, changes, obj.config.taxonomy
        )
    except KeyError:
        fail(f"no article {article_id}", EXIT_USAGE)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(
        f"article {article_id}: {shown_identity(decision.analyst)} ruled {decision.status}, "
        f"stance {decision.stance or '-'}, grade {decision.grade or '-'}, "
        f"flags {shown_line(', '.join(decision.flags)) or '-'}"
    )
