"""What daily users trip on at the command line: dates, fields, limits, outlet names,
the agreement table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import fake_libretranslate
import pytest
from click.testing import CliRunner
from fake_libretranslate import closed_url
from rich.cells import cell_len

from article_triage.store.articles import insert_article
from article_triage.store.triage import apply_changes
from article_triage.tui.cli import cli

fake_libre = fake_libretranslate.fake_libre  # the server fixture factory


def _run(db_path, *args):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


@pytest.fixture
def two_analysts(db):
    long_title = "Очень длинный заголовок статьи " * 4 + "конец"
    wide_title = "東京で大規模な抗議デモが行われ、数千人が参加した" * 2
    ids = [
        insert_article(db, ["one"], title=long_title),
        insert_article(db, ["two"], title=wide_title),
        insert_article(db, ["three"], title="Short"),
    ]
    for analyst, stances in (
        ("olena", ["critical", "neutral", "mixed"]),
        ("ivan", ["supportive", "critical", "mixed"]),
    ):
        for article_id, stance in zip(ids, stances, strict=True):
            apply_changes(db, [article_id], analyst, {"status": "done", "stance": stance})
    return ids


@pytest.mark.parametrize(
    "since", ["2026-13-45", "2026-02-30", "last week", "2026-01-01T25:00", "03/12/2026"]
)
def test_audit_since_rejects_what_is_not_a_date(db, db_path, two_analysts, since):
    result = _run(db_path, "audit", "--since", since)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--since" in result.stderr


def test_audit_since_yesterday_and_today_read_as_dates(db, db_path, two_analysts):
    # Every event was written a moment ago, so "yesterday" and "today" both include all.
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    for word in ("yesterday", "today", "Yesterday"):
        result = _run(db_path, "audit", "--since", word, "--format", "jsonl")
        assert result.exit_code == 0, result.stderr
        assert len(result.stdout.splitlines()) == events
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    assert _run(db_path, "audit", "--since", tomorrow, "--format", "jsonl").stdout == ""
    at_minute = _run(db_path, "audit", "--since", "2000-01-01T00:00", "--format", "jsonl")
    assert len(at_minute.stdout.splitlines()) == events


def test_export_from_uses_the_same_date_reading(db_path, two_analysts):
    bad = _run(db_path, "export", "--from", "2026-13-45")
    assert bad.exit_code == 2 and "--from" in bad.stderr
    assert _run(db_path, "export", "--to", "today").exit_code == 0


@pytest.mark.parametrize(
    ("start", "end", "empty"),
    [
        ("2024-05-01", "2024-01-01", True),  # swapped
        ("2024-06", "2024-05-31", True),
        ("today", "yesterday", True),
        ("2024-05-10", "2024-05", False),  # the rest of May
        ("2024-05", "2024-05-10", False),
        ("2024", "2024", False),
    ],
)
def test_export_from_after_to_is_a_usage_error_not_an_empty_file(
    db_path, two_analysts, tmp_path, start, end, empty
):
    out = tmp_path / "out.csv"
    result = _run(db_path, "export", "--from", start, "--to", end, "-o", str(out))
    if empty:
        assert result.exit_code == 2
        assert "is after --to" in result.stderr and not out.exists()
    else:
        assert result.exit_code == 0, result.stderr


def test_agreement_unknown_field_is_a_usage_error(db_path, two_analysts):
    result = _run(db_path, "agreement", "--field", "bogus")
    assert result.exit_code == 2
    assert (
        "bogus" in result.stderr and "stance" in result.stderr and "single-source" in result.stderr
    )
    assert _run(db_path, "agreement", "--field", "single-source").exit_code == 0
    assert _run(db_path, "agreement", "--field", "flag:single-source").exit_code == 0


def test_agreement_table_is_aligned_and_cuts_titles_with_an_ellipsis(db_path, two_analysts):
    result = _run(db_path, "agreement", "--field", "stance")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    table = [line for line in lines if line.startswith(("field", "stance"))]
    assert len({cell_len(line) for line in table}) == 1  # right-aligned figures end together
    rows = [line for line in lines if line.startswith("  ") and "=" in line]
    assert len(rows) == 2
    # The title column starts at the same display column on every row.
    starts = {cell_len(line[: line.index("=")]) for line in rows}
    assert len(starts) == 1
    assert all(line.endswith("…") for line in rows)
    assert all(cell_len(line.rsplit("  ", 1)[-1].strip()) <= 50 for line in rows)


def test_kappa_over_too_few_items_says_so(db, db_path):
    article = insert_article(db, ["one"], title="Only one")
    for analyst, stance in (("olena", "critical"), ("ivan", "neutral")):
        apply_changes(db, [article], analyst, {"status": "done", "stance": stance})
    result = _run(db_path, "agreement", "--field", "stance")
    stance = next(line for line in result.stdout.splitlines() if line.startswith("stance"))
    assert "too few" in stance and "0.000" not in stance
    # The JSON keeps the figure for whoever wants it.
    data = json.loads(_run(db_path, "agreement", "--json").stdout)
    assert next(f for f in data["fields"] if f["field"] == "stance")["items"] == 1


@pytest.mark.parametrize("limit", ["-5", "0"])
def test_search_limit_must_be_positive(db, db_path, limit):
    for i in range(3):
        insert_article(db, [f"protest {i}"], title=f"Protest {i}")
    result = _run(db_path, "search", "protest", "--limit", limit)
    assert result.exit_code == 2 and "--limit" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "name", ["RIA Novosti", "ria novosti", "ＲＩＡ Ｎｏｖｏｓｔｉ", "РИА Новости", "ria-novosti"]
)
def test_outlets_show_finds_a_name_or_alias_that_list_shows(name):
    result = CliRunner().invoke(cli, ["outlets", "show", name])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("RIA Novosti [ria-novosti]")


def test_outlets_show_unknown_name_is_a_usage_error():
    result = CliRunner().invoke(cli, ["outlets", "show", "No Such Outlet"])
    assert result.exit_code == 2 and "no outlet" in result.stderr


# --- triage translate: what failed, and how to translate offline ----------------------------


def _untranslated(db, count: int) -> list[int]:
    return [insert_article(db, [f"Абзац {i}."], language="uk") for i in range(count)]


def test_translate_counts_every_article_a_dead_provider_left_untranslated(db, db_path):
    _untranslated(db, 3)
    url = closed_url()
    result = _run(db_path, "translate", "--provider", "libre", "--url", url, "--timeout", "1")
    assert result.exit_code == 1
    assert "failed 3;" in result.stderr and "failed 0" not in result.stderr
    error = next(line for line in result.stderr.splitlines() if line.startswith("triage:"))
    assert "LibreTranslate" in error and '[translation] url = "..."' in error
    as_json = _run(db_path, "translate", "--provider", "libre", "--url", url, "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["not_reached"] == 3
    assert db["translations"].count == 0


def test_translate_that_succeeds_reports_no_failures(db, db_path, fake_libre):
    _untranslated(db, 2)
    server = fake_libre()
    result = _run(db_path, "translate", "--provider", "libre", "--url", server.url, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["translated"], report["failed"], report["not_reached"]) == (2, [], 0)
