"""The query language on the command line: --where and --view on export, stats, search
and translate; `triage decide`; `triage views`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.articles import ArticleFilter, insert_article, iter_article_ids
from article_triage.store.db import open_db
from article_triage.store.query import parse
from article_triage.store.translations import save_translation
from article_triage.store.triage import apply_changes, get_decision, undo
from article_triage.tui.cli import EXIT_USAGE, cli
from tests.test_query import _QUERIES


@pytest.fixture
def seeded(db_path):
    db = open_db(db_path)
    ids = [
        insert_article(db, ["Laut RIA Nowosti hat Kasachstan ..."], title="A", language="de"),
        insert_article(db, ["Kazakhstan signs a deal"], title="B", language="en"),
        insert_article(db, ["Казахстан підписав угоду"], title="C", language="uk"),
        insert_article(db, ["Ein anderer Text über Kasachstan"], title="D", language="de"),
    ]
    save_translation(db, ids[2], "en", "sample", ["Kazakhstan signed a deal"])
    apply_changes(db, [ids[0]], "tester", {"status": "done", "stance": "critical"})
    apply_changes(db, [ids[3]], "tester", {"status": "skipped", "reliability": "B"})
    db.close()
    return ids


def run(db_path, *args, **kwargs):
    return CliRunner().invoke(cli, ["--db", str(db_path), "--analyst", "tester", *args], **kwargs)


def _exported_ids(output: str) -> list[int]:
    return sorted({int(row["id"]) for row in csv.DictReader(io.StringIO(output))})


def test_export_where_selects_what_the_store_query_selects(db_path, seeded):
    query = "lang:de -status:done OR kazakh*"
    result = run(db_path, "export", "--format", "csv", "--analyst", "tester", "--where", query)
    assert result.exit_code == 0, result.output
    db = open_db(db_path)
    expected = list(iter_article_ids(db, ArticleFilter(analyst="tester", where=parse(query))))
    assert _exported_ids(result.output) == expected == [seeded[1], seeded[2], seeded[3]]


def test_old_options_still_narrow_together_with_where(db_path, seeded):
    result = run(db_path, "export", "--language", "de", "--where", "status:done")
    assert result.exit_code == 0, result.output
    assert _exported_ids(result.output) == [seeded[0]]


@pytest.mark.parametrize("command", ["export", "stats", "translate", "search kazakh*"])
def test_a_bad_query_is_one_line_saying_where_and_why_exit_2(db_path, seeded, command):
    result = run(db_path, *command.split(), "--where", "status:new lnag:de")
    assert result.exit_code == EXIT_USAGE
    assert result.output.strip() == (
        "triage: --where: at 12: unknown field 'lnag' (did you mean lang?)"
    )


def test_stats_where_counts_only_what_the_query_selects(db_path, seeded):
    result = run(db_path, "stats", "--json", "--where", "lang:de")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["total"] == {"articles": 2}
    assert counts["status"] == {"done": 1, "skipped": 1}
    assert counts["grade"] == {"(ungraded)": 1, "B": 1}


def test_search_where_narrows_the_hits(db_path, seeded):
    everywhere = run(db_path, "search", "--json", "kazakh*")
    assert {json.loads(line)["id"] for line in everywhere.output.splitlines()} == {
        seeded[1],
        seeded[2],
    }
    result = run(db_path, "search", "--json", "kazakh*", "--where", "lang:uk")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.output.splitlines()] == [seeded[2]]


def test_translate_where_selects_nothing_when_the_query_matches_nothing(db_path, seeded):
    result = run(db_path, "translate", "--provider", "libre", "--url", "http://127.0.0.1:9")
    assert "Nothing to translate" not in result.output
    result = run(
        db_path, "translate", "--provider", "libre", "--url", "http://127.0.0.1:9",
        "--where", "lang:fr",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Nothing to translate" in result.output


def test_decide_counts_asks_and_writes_one_undo_step(db_path, seeded):
    refused = run(db_path, "decide", "--where", "lang:de", "status=escalated", input="n\n")
    assert "2 articles: language is de" in refused.output
    db = open_db(db_path)
    assert get_decision(db, seeded[0], "tester").status == "done"

    result = run(db_path, "decide", "--yes", "--where", "lang:de", "status=escalated", "grade=C3")
    assert result.exit_code == 0, result.output
    for article_id in (seeded[0], seeded[3]):
        decision = get_decision(db, article_id, "tester")
        assert (decision.status, decision.grade) == ("escalated", "C3")
    assert get_decision(db, seeded[1], "tester").status == "new"

    undo(db, "tester")  # one step takes back both articles
    assert get_decision(db, seeded[0], "tester").status == "done"
    assert get_decision(db, seeded[3], "tester").grade == "B"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "lang:de", "colour=red"], "use FIELD=VALUE with FIELD one of"),
        (["--where", "lang:de", "stance=angry"], "'angry' is not a valid stance"),
        (["--where", "lang:de", "grade=Z9"], "not an Admiralty grade"),
        (["status=done"], "decide needs --where QUERY or --view NAME"),
        (["--where", "(lang:de", "status=done"], "--where: at 1: this '(' is not closed"),
    ],
)
def test_decide_refuses_what_it_cannot_do_in_one_line(db_path, seeded, args, message):
    result = run(db_path, "decide", "--yes", *args)
    assert result.exit_code == EXIT_USAGE
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    db = open_db(db_path)
    assert get_decision(db, seeded[1], "tester").status == "new"


def test_a_saved_view_is_listed_and_exports_what_its_query_selects(db_path, seeded):
    saved = run(db_path, "views", "save", "german-open", "lang:de", "-status:done")
    assert saved.exit_code == 0, saved.output
    listed = run(db_path, "views", "list")
    assert listed.output.startswith("german-open\tlang:de -status:done\t")
    result = run(db_path, "export", "--format", "csv", "--view", "german-open")
    assert _exported_ids(result.output) == [seeded[3]]


def test_views_refuse_a_bad_query_and_an_unknown_name(db_path, seeded):
    assert run(db_path, "views", "save", "x", "lnag:de").exit_code == EXIT_USAGE
    assert run(db_path, "views", "list").output.startswith("no saved views")
    result = run(db_path, "export", "--view", "nope")
    assert result.exit_code == EXIT_USAGE
    assert "no view named 'nope'" in result.output


def test_a_deleted_view_is_gone_and_the_others_stay(db_path, seeded):
    run(db_path, "views", "save", "german", "lang:de")
    run(db_path, "views", "save", "english", "lang:en")
    deleted = run(db_path, "views", "delete", "german")
    assert deleted.exit_code == 0, deleted.output
    assert run(db_path, "views", "list").output.startswith("english\tlang:en\t")
    gone = run(db_path, "export", "--view", "german")
    assert gone.exit_code == EXIT_USAGE and "no view named 'german'" in gone.output
    again = run(db_path, "views", "delete", "german")
    assert again.exit_code == EXIT_USAGE
    assert again.output.strip() == "triage: no view named 'german' (views: english)"


# --- any text as --where, through the whole command ------------------------------------------


@pytest.fixture(scope="module")
def where_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("where") / "triage.db"
    db = open_db(path)
    article = insert_article(db, ["Kazakh grain [/] text"], title="T", language="de")
    apply_changes(db, [article], "tester", {"status": "done", "stance": "critical"})
    db.close()
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_QUERIES, command=st.sampled_from(["export", "stats", "search"]))
def test_any_where_is_a_result_or_one_usage_line_never_a_crash(where_store, text, command):
    args = [command, "--where", text]
    if command == "export":
        args += ["-o", "-"]
    if command == "search":
        args = ["search", "grain", "--where", text]
    result = CliRunner().invoke(cli, ["--db", str(where_store), "--analyst", "tester", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, EXIT_USAGE), result.output
    if result.exit_code == EXIT_USAGE:
        assert result.output.count("\n") == 1 and result.output.startswith("triage: ")


def test_a_views_name_shows_its_invisible_characters_not_obeys_them(db_path, seeded):
    # A view's name is an identity, as in the app's palette: bidi and zero-width shown.
    name = "\u202egerman\u200b"
    saved = run(db_path, "views", "save", name, "lang:de")
    listed = run(db_path, "views", "list")
    deleted = run(db_path, "views", "delete", name)
    for result in (saved, listed, deleted):
        assert result.exit_code == 0, result.output
        assert "<U+202E>german<U+200B>" in result.output
        assert not {"\u202e", "\u200b"} & set(result.output)
