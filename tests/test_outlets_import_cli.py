"""Importers (State Media Matrix CSV, v2fly lists) and the `triage outlets` / `triage detect` commands."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import SHARED

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.outlets import RegistryError, load_registry
from article_triage.store.outlets.importers import (
    import_domain_list,
    import_state_media_matrix,
    parse_domain_list,
)
from article_triage.tui.cli import cli

REFERENCE = SHARED / "reference"
V2FLY = REFERENCE / "v2fly-domain-list-community"


@pytest.fixture
def reference():
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    return REFERENCE


@pytest.fixture(scope="module")
def registry():
    return load_registry("/nonexistent/outlets.toml")


def test_state_media_matrix_import(reference, registry):
    result = import_state_media_matrix(reference / "State_Media_Matrix.csv", registry)
    assert result.new > 500
    by_name = {e["name"]: e for e in result.entries if "name" in e}
    bakhtar = by_name["Bakhtar News Agency"]
    assert bakhtar["category"] == "state-controlled" and bakhtar["country"] == "AF"
    assert bakhtar["domains"] == ("bakhtarnews.af",)
    assert by_name["Channel 4"]["category"] == "independent-public"  # ISM
    assert by_name["Radio Free Asia"]["category"] == "state-funded-independent"  # ISFM
    # A one-word name may be an ordinary word: strict.
    assert by_name["Hiwad"]["strict_aliases"] == ("Hiwad",)
    # Rows for sites the registry knows do not become duplicates of RT, TASS, Xinhua...
    assert not any(
        e.get("name") in ("RT International", "RT Deutsch", "News agency: Xinhua")
        for e in result.entries
    )
    assert result.known > 50


def test_state_media_matrix_import_rejects_other_csv(tmp_path, registry):
    other = tmp_path / "x.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not a State Media Matrix CSV"):
        import_state_media_matrix(other, registry)


def test_v2fly_format(tmp_path):
    (tmp_path / "child").write_text("child.example\n", encoding="utf-8")
    (tmp_path / "main.txt").write_text(
        "# comment line\n"
        "plain.example   # trailing comment\n"
        "domain:explicit.example\n"
        "full:exact.host.example\n"
        "ads.example @ads\n"
        "tagged.example @cn\n"
        "keyword:news\n"
        "regexp:^x$\n"
        "include:child\n"
        "include:missing\n"
        "include:main\n"
        "\n",
        encoding="utf-8",
    )
    problems: list[str] = []
    domains = parse_domain_list(tmp_path / "main.txt", problems=problems)
    assert domains == [
        "plain.example",
        "explicit.example",
        "full:exact.host.example",
        "tagged.example",
        "child.example",
    ]
    assert any("keyword" in p for p in problems) and any("missing" in p for p in problems)


def test_v2fly_reference_files(reference, registry):
    domains = parse_domain_list(V2FLY / "category-media-ru.txt")
    assert "rt.com" in domains and "ria.ru" in domains  # include:rt, include:rossiyasegodnya
    assert "eadaily.com" in domains
    assert "ad.cctv.com" not in parse_domain_list(V2FLY / "cctv.txt")  # @ads
    assert "full:aod-pod-uk-live.akamaized.net" in parse_domain_list(V2FLY / "bbc.txt")

    result = import_domain_list(
        V2FLY / "category-media-ru.txt", registry, "ru-media", name="Russian media"
    )
    (entry,) = result.entries
    # Domains of outlets the registry already has stay with them.
    assert "rt.com" not in entry["domains"] and "ria.ru" not in entry["domains"]
    assert "72.ru" in entry["domains"]


def _run(*args, input=None):
    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result


def test_cli_list_show_and_help(reference):
    result = _run("outlets", "list", "--category", "proxy")
    assert result.exit_code == 0
    assert "news-front" in result.output and "rt " not in result.output
    listed = json.loads(_run("outlets", "list", "svoboda", "--json").output)
    assert [o["key"] for o in listed] == ["rferl"]
    shown = _run("outlets", "show", "rt").output
    assert "RT: state-controlled, RU" in shown and "EU broadcast ban 2022-03-02" in shown
    assert _run("outlets", "show", "nope").exit_code == 2
    assert "outlets.toml" in _run("outlets", "--help").output


def test_cli_add_import_then_detect(tmp_path, reference):
    db = open_db()  # $TRIAGE_DB, as the CLI sees it
    article_id = insert_article(
        db,
        ["Як повідомляє Вечірній Кур'єр, рішення ухвалено."],
        url="https://news.kurier.example/a",
    )
    db.close()

    assert _run("outlets", "add", "kurier").exit_code == 2  # a new outlet needs a name
    result = _run(
        "outlets",
        "add",
        "kurier",
        "--name",
        "Вечірній Кур'єр",
        "--country",
        "ua",
        "--category",
        "captured-private",
        "--alias",
        "Вечірній Кур'єр",
        "--domain",
        "kurier.example",
        "--designation",
        "Test listing@2024-01-02",
    )
    assert result.exit_code == 0, result.output
    bad = _run("outlets", "add", "kurier", "--category", "evil")
    assert bad.exit_code == 2 and "unknown category" in bad.output

    result = _run("outlets", "import", str(V2FLY / "dw.txt"), "--outlet", "dw")
    assert result.exit_code == 0 and "run `triage detect`" in result.output

    result = _run("detect", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["articles"] == 1 and summary["publisher"] == 1 and summary["attributed"] == 1

    db = open_db()
    rows = db.execute(
        "SELECT role, outlet_key FROM citations WHERE article_id = ? ORDER BY role", [article_id]
    ).fetchall()
    assert rows == [("attributed", "kurier"), ("publisher", "kurier")]
    assert db["outlets"].get("kurier")["country"] == "UA"
    db.close()


def test_cli_smm_import_dry_run_writes_nothing(tmp_path, reference, monkeypatch):
    user = tmp_path / "mine.toml"
    config = tmp_path / "config.toml"
    config.write_text(f'[outlets]\nregistry = "{user}"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    result = _run("outlets", "import", str(REFERENCE / "State_Media_Matrix.csv"), "--dry-run")
    assert result.exit_code == 0 and "dry run" in result.output
    assert not user.exists()
    assert _run("outlets", "import", str(REFERENCE / "State_Media_Matrix.csv")).exit_code == 0
    assert user.exists() and "bakhtar-news-agency" in load_registry(user)


def test_cli_bad_user_registry_is_one_line(tmp_path, monkeypatch):
    user = tmp_path / "broken.toml"
    user.write_text("[[outlet]\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[outlets]\nregistry = "{user}"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    result = _run("detect")
    assert result.exit_code == 2
    assert "not valid TOML" in result.output and "Traceback" not in result.output
