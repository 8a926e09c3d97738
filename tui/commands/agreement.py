"""``triage agreement``: how far analysts agree, per field, and where they do not;
``triage adjudicate``: a lead analyst settles a disagreement."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

import click
from rich.cells import cell_len
from rich.text import Text

from article_triage.store.agreement import (
    FLAG_PREFIX,
    MAX_PAIRED_ANALYSTS,
    SCALAR_FIELDS,
    AgreementReport,
    FieldAgreement,
)
from article_triage.store.agreement import adjudicate as store_adjudicate
from article_triage.store.agreement import agreement as store_agreement
from article_triage.store.articles import ArticleFilter, count_articles
from article_triage.store.boundary import shown_identity, shown_json, shown_line
from article_triage.tui.cli import EXIT_USAGE, fail
from article_triage.tui.commands.param_types import count, row_id

# Below this many shared articles kappa and alpha only restate the one or two ratings
# (one item gives 0 or undefined by construction): say so instead of printing a figure.
MIN_ITEMS = 2
_TITLE_WIDTH = 50
DEFAULT_LIMIT = 50
# Up to this many analysts in a field the table lists every pair (45 rows); above it,
# the analysts who stand furthest from the others, then where the rest are.
PAIR_ROWS_UP_TO = 10
RATER_ROWS = 10
NAMED_ANALYSTS = 20


def _figure(value: float | None, items: int) -> str:
    if items < MIN_ITEMS:
        return "too few"
    return f"{value:.3f}" if value is not None else "n/a"


def _cell(text: str, width: int, right: bool = False) -> str:
    """*text* padded or cut to *width* terminal columns (wide CJK characters count two);
    a cut ends in an ellipsis."""
    if cell_len(text) > width:
        line = Text(text, no_wrap=True)
        line.truncate(width, overflow="ellipsis")
        text = line.plain
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


def _table(rows: list[list[str]], right: set[int], indent: str = "") -> None:
    """Rows printed in columns as wide as their widest cell (the last column is not padded)."""
    if not rows:
        return
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [_cell(c, w, i in right) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        cells[-1] = row[-1] if len(row) - 1 not in right else cells[-1]
        click.echo(indent + "  ".join(cells).rstrip())


def _rating(value: object) -> str:
    # A flag's rating is whether the analyst set it.
    if isinstance(value, bool):
        return "set" if value else "not set"
    return shown_line(value)


def _pair_rows(f: FieldAgreement, all_pairs: bool) -> list[list[str]]:
    """The rows under a field graded by more than two analysts: every pair when they are
    few (or --pairs), else each analyst against the others, those furthest apart first."""
    if f.pairs is not None and (all_pairs or len(f.analysts) <= PAIR_ROWS_UP_TO):
        return [
            [
                " / ".join(shown_identity(a) for a in p.analysts) + ":",
                f"kappa {_figure(p.kappa, p.items)}",
                f"on {p.items}",
            ]
            for p in f.pairs
        ]
    apart = sorted(f.raters, key=lambda r: (r.agreed, r.analyst))
    rows = [
        [
            shown_identity(r.analyst) + " against the others:",
            f"agrees {r.agreed:.0%}",
            f"kappa {_figure(r.kappa, r.items)}",
            f"on {r.items}",
        ]
        for r in apart[:RATER_ROWS]
    ]
    if len(apart) > RATER_ROWS:
        rows.append([f"and {len(apart) - RATER_ROWS} more analysts: --json", "", "", ""])
    return rows


def _print_report(
    report: AgreementReport, show_all_fields: bool, limit: int, all_pairs: bool
) -> None:
    # Analyst names and values may come from a merged file: one row each, whatever they hold.
    names = [shown_identity(a) for a in report.analysts[:NAMED_ANALYSTS]]
    if len(report.analysts) > NAMED_ANALYSTS:
        names.append(f"and {len(report.analysts) - NAMED_ANALYSTS} more")
    click.echo(f"analysts: {', '.join(names) or '(fewer than two on any article)'}")
    rows = [["field", "articles", "agreed", "kappa", "alpha"]]
    pair_rows: dict[str, list[list[str]]] = {}
    for f in report.fields:
        if not f.items and not show_all_fields:
            continue
        rows.append(
            [
                shown_line(f.field),
                str(f.items),
                str(f.agreed),
                _figure(f.kappa, f.items),
                _figure(f.alpha, f.items),
            ]
        )
        if len(f.analysts) > 2:
            pair_rows[shown_line(f.field)] = _pair_rows(f, all_pairs)
    widths = [max(cell_len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo(
            "  ".join(_cell(c, w, i > 0) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
        _table(pair_rows.get(row[0], []), right=set(), indent="    ")
    if report.settled:
        click.echo(f"\n{report.settled} disagreements already adjudicated")
    total = len(report.disagreements)
    if not total:
        return
    click.echo(f"\n{total} disagreements to adjudicate:")
    shown = list(islice(report.disagreements, limit))
    _table(
        [
            [
                str(d.article_id),
                shown_line(d.field),
                ", ".join(f"{shown_identity(a)}={_rating(v)}" for a, v in d.values.items()),
                _cell(shown_line(d.title), _TITLE_WIDTH).rstrip(),
            ]
            for d in shown
        ],
        right={0},
        indent="  ",
    )
    if total > len(shown):
        click.echo(
            f"  and {total - len(shown)} more: "
            f"triage export --where 'disagree:{_disagree_field(report)}' (their articles), "
            "triage agreement --json (all of them)"
        )


def _disagree_field(report: AgreementReport) -> str:
    """What the query language's ``disagree:`` calls the report's fields."""
    kinds = {"flags" if f.field.startswith(FLAG_PREFIX) else f.field for f in report.fields}
    return kinds.pop() if len(kinds) == 1 else "any"


def _print_json(report: AgreementReport) -> None:
    """``report.as_dict()`` as JSON, the disagreements written as they are read (a
    million-article store has over a hundred thousand), one line each."""
    head = shown_json({**report.summary(), "disagreements": []}, indent=2)
    click.echo(head.removesuffix("[]\n}") + "[", nl=False)
    lines: list[str] = []
    written = 0
    for written, d in enumerate(report.disagreements, start=1):
        lines.append(("\n    " if written == 1 else ",\n    ") + shown_json(d.__dict__))
        if len(lines) == _JSON_LINES_A_WRITE:
            click.echo("".join(lines), nl=False)
            lines = []
    end = "\n  ]" if written else "]"
    click.echo("".join(lines) + f'{end},\n  "settled": {report.settled}\n}}')


_JSON_LINES_A_WRITE = 1000


def _unknown_fields(db, asked: tuple[str, ...], flags: Sequence[str]) -> list[str]:
    """The --field names that are neither a field nor a flag of the taxonomy nor a flag
    some analyst has set (every flag name is a field to the store: all "not set")."""
    known = {*SCALAR_FIELDS, *flags}
    unknown = []
    for name in asked:
        flag = name.removeprefix(FLAG_PREFIX)
        if name in known or flag in flags:
            continue
        if name == flag and flag in SCALAR_FIELDS:
            continue
        if not count_articles(db, ArticleFilter(flag=flag)):
            unknown.append(name)
    return unknown


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "-n",
    "--limit",
    type=count(1),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="List at most this many disagreements (--json lists them all).",
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="stance, reliability, credibility or a flag name (repeatable).",
)
@click.option(
    "--pairs",
    "all_pairs",
    is_flag=True,
    help=f"Kappa for every pair of analysts, however many (by default pairs are listed "
    f"up to {PAIR_ROWS_UP_TO} analysts in a field, and computed up to {MAX_PAIRED_ANALYSTS}; "
    "the cost grows with the square of the analysts on an article).",
)
@click.pass_obj
def agreement(obj, as_json: bool, limit: int, fields: tuple[str, ...], all_pairs: bool) -> None:
    """Agreement between analysts: Cohen's kappa for two, Krippendorff's alpha (nominal)
    for more, per field, with each analyst's kappa against the others; then the
    disagreements to adjudicate (filter the app to them)."""
    db = obj.open_db()
    unknown = _unknown_fields(db, fields, obj.config.taxonomy.values("flags"))
    if unknown:
        known = ", ".join([*SCALAR_FIELDS, *obj.config.taxonomy.values("flags")])
        fail(
            f"unknown field {', '.join(map(repr, unknown))}: use one of {known}"
            f" (a flag also as {FLAG_PREFIX}NAME)",
            EXIT_USAGE,
        )
    report = store_agreement(
        db,
        fields or None,
        obj.config.taxonomy,
        max_paired_analysts=None if all_pairs else MAX_PAIRED_ANALYSTS,
    )
    if as_json:
        _print_json(report)
    else:
        _print_report(report, show_all_fields=bool(fields), limit=limit, all_pairs=all_pairs)


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
@click.argument("article_id", type=row_id())
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
