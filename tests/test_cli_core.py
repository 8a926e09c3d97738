"""The click shell and its core commands: `triage search`, `triage stats`, `--help`."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest
from click.testing import CliRunner

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.store.settings import ConfigError, load_settings
from article_triage.store.translations import save_translation
from article_triage.store.triage import apply_changes
from article_triage.tui.cli import COMMANDS, EXIT_USAGE, cli
from tests.conftest import REPO

HEAVY_MODULES = ("trafilatura", "lingua", "deep_translator", "textual")


@pytest.fixture
def seeded(db_path):
    db = open_db(db_path)
    ids = [
        insert_article(
            db,
            ["Зерновий коридор працює.", "Порти Одеси відкриті."],
            title="Зерно",
            language="uk",
            published="2024-03-01",
        ),
        insert_article(
            db,
            ["Grain prices rose as the corridor reopened.", "Grain traders were relieved."],
            title="Grain prices",
            language="en",
        ),
        insert_article(db, ["Wetterbericht für Berlin."], title="Wetter", language="de"),
    ]
    save_translation(db, ids[0], "en", "sample", ["The grain corridor works.", "Odesa ports open."])
    db["outlets"].insert({"key": "rferl", "name": "Radio Svoboda", "country": "US"})
    db["citations"].insert({"article_id": ids[0], "outlet_key": "rferl", "role": "publisher"})
    apply_changes(db, ids[:2], "tester", {"status": "done", "reliability": "B", "credibility": "2"})
    apply_changes(db, [ids[2]], "olena", {"status": "skipped"})
    db.close()
    return ids


def run(db_path, *args, **kwargs):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args], **kwargs)


# --- search ----------------------------------------------------------------------------


def test_search_prints_hits_best_first_with_snippets(db_path, seeded):
    result = run(db_path, "search", "grain")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[0] == str(seeded[1])  # "grain" three times beats once
    assert "[en] Grain prices" in lines[0]
    assert "«Grain»" in lines[1]
    assert any(line.split()[0] == str(seeded[0]) for line in lines[::2])  # via its translation
    assert "Wetter" not in result.stdout


def test_search_json_lines(db_path, seeded):
    result = run(db_path, "search", "--json", "grain", "corridor")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["id"] for r in records} == set(seeded[:2])
    assert set(records[0]) == {"id", "title", "language", "snippet"}
    assert any(r["title"] == "Зерно" for r in records)  # not \\u-escaped


def test_search_limit_and_no_matches(db_path, seeded):
    assert len(run(db_path, "search", "-n", "1", "grain").stdout.splitlines()) == 2
    result = run(db_path, "search", "nothing-like-this")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no matches" in result.stderr
    assert run(db_path, "search", "--json", "zzz").stdout == ""


@pytest.mark.parametrize("query", ['"unbalanced', "C++", "foo-bar", "NEAR(", "*", "[/]", "\x1b[2J"])
def test_search_hostile_queries_never_fail(db_path, seeded, query):
    result = run(db_path, "search", query)
    assert result.exit_code == 0, result.output
    assert result.exception is None


def test_search_needs_a_query(db_path, seeded):
    result = run(db_path, "search")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.output


def test_db_from_environment(db_path, seeded, monkeypatch):
    monkeypatch.setenv("TRIAGE_DB", str(db_path))
    result = CliRunner().invoke(cli, ["search", "Wetter"])
    assert result.exit_code == 0
    assert result.stdout.split()[0] == str(seeded[2])


# --- stats -----------------------------------------------------------------------------


def test_stats_text_for_the_current_analyst(db_path, seeded):
    result = run(db_path, "stats")  # TRIAGE_ANALYST=tester from conftest
    assert result.exit_code == 0, result.output
    text = result.stdout
    for section in ("total:", "status:", "language:", "outlet:", "grade:"):
        assert section in text
    assert _line(text, "done") == 2
    assert _line(text, "new") == 1
    assert _line(text, "B2") == 2
    assert _line(text, "Radio Svoboda") == 1


def _line(text: str, key: str) -> int:
    for line in text.splitlines():
        if line.strip().startswith(key + " "):
            return int(line.split()[-1].replace(",", ""))
    raise AssertionError(f"no line for {key!r} in:\n{text}")


def test_stats_json(db_path, seeded):
    result = run(db_path, "stats", "--json")
    assert result.exit_code == 0
    counts = json.loads(result.stdout)
    assert counts["total"] == {"articles": 3}
    assert counts["status"] == {"done": 2, "new": 1}
    assert counts["language"] == {"uk": 1, "en": 1, "de": 1}
    assert counts["grade"] == {"B2": 2, "(ungraded)": 1}
    assert counts["outlet"] == {"(unknown)": 2, "Radio Svoboda": 1}


def test_stats_json_for_another_analyst(db_path, seeded):
    result = run(db_path, "--analyst", "olena", "stats", "--json")
    counts = json.loads(result.stdout)
    assert counts["status"] == {"new": 2, "skipped": 1}


def test_stats_on_a_new_store_creates_it(tmp_path):
    # (in a folder that exists: a --db in a missing folder is an error, see test_store_open)
    db_path = tmp_path / "new.db"
    result = run(db_path, "stats", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total"] == {"articles": 0}
    assert db_path.exists()


# --- the shell itself --------------------------------------------------------------------


def test_unknown_command_is_a_usage_error(db_path):
    result = run(db_path, "frobnicate")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.output


def test_broken_config_is_one_line_usage_error(db_path, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("analyst = [unterminated", encoding="utf-8")
    result = run(db_path, "--config", str(config), "stats")
    assert result.exit_code == EXIT_USAGE
    assert "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_core_commands_are_registered_lazily():
    assert COMMANDS["search"] == "article_triage.tui.commands.search:search"
    assert COMMANDS["stats"] == "article_triage.tui.commands.stats:stats"
    assert cli.get_command(None, "search").name == "search"
    assert cli.get_command(None, "no-such-command") is None


_HELP_PROBE = """
import sys
from article_triage.tui.cli import main
try:
    main(["--help"])
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
print("HEAVY", ",".join(heavy))
sys.exit(code)
"""


def test_help_imports_no_heavy_module():
    out = subprocess.run(
        [sys.executable, "-c", _HELP_PROBE, *HEAVY_MODULES],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "Commands:" in out.stdout
    for name in ("search", "stats"):
        assert f"  {name} " in out.stdout
    assert out.stdout.splitlines()[-1] == "HEAVY "


def test_subcommand_help_imports_no_heavy_module():
    probe = _HELP_PROBE.replace('main(["--help"])', 'main(["search", "--help"])')
    out = subprocess.run(
        [sys.executable, "-c", probe, *HEAVY_MODULES],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "--json" in out.stdout
    assert out.stdout.splitlines()[-1] == "HEAVY "


def test_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "article_triage.tui.cli", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert version("article-triage") in out.stdout


# --- config ------------------------------------------------------------------------------


def test_analyst_precedence(tmp_path, monkeypatch):
    config_path = tmp_path / "config.toml"
    config_path.write_text('analyst = "from-config"\n', encoding="utf-8")
    config = load_settings(config_path)
    assert config.analyst("from-flag") == "from-flag"
    assert config.analyst() == "tester"  # TRIAGE_ANALYST from conftest
    monkeypatch.delenv("TRIAGE_ANALYST")
    assert config.analyst() == "from-config"
    assert load_settings(tmp_path / "missing.toml").analyst()  # the login name, or "analyst"


def test_analyst_from_config_reaches_the_commands(db_path, seeded, tmp_path, monkeypatch):
    monkeypatch.delenv("TRIAGE_ANALYST")
    config_path = tmp_path / "config.toml"
    config_path.write_text('analyst = "olena"\n', encoding="utf-8")
    result = run(db_path, "--config", str(config_path), "stats", "--json")
    assert json.loads(result.stdout)["status"] == {"new": 2, "skipped": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"analyst = [unterminated", "not valid TOML"),
        (b"\xff\xfe analyst", "not UTF-8"),
        (b"taxonomy = 3", "[taxonomy] must be a table"),
        (b'[taxonomy]\nflags = [{ label = "x" }]', "[taxonomy] flags must be a list of tables"),
    ],
)
def test_config_errors_are_config_errors_with_the_path(tmp_path, content, message):
    config_path = tmp_path / "config.toml"
    config_path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_settings(config_path).taxonomy  # noqa: B018 - reading it is the check
    assert message in str(info.value)
    assert str(config_path) in str(info.value)
    assert "\n" not in str(info.value)


def test_unreadable_config_path(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(tmp_path)  # a directory


def test_correct_command_stores_an_analyst_translation(db_path):
    from click.testing import CliRunner

    from article_triage.store.articles import insert_article
    from article_triage.store.db import open_db
    from article_triage.store.translations import get_translation, save_translation
    from article_triage.tui.cli import cli

    db = open_db(db_path)
    article_id = insert_article(db, ["Перший.", "Другий."], language="uk")
    save_translation(db, article_id, "en", "google", ["First.", "Secnod."])
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(db_path), "correct", str(article_id), "2", "Second."])
    assert result.exit_code == 0, result.output
    second = get_translation(db, article_id, "en")[1]
    assert (second.text, second.provider) == ("Second.", "analyst")
    bad = runner.invoke(cli, ["--db", str(db_path), "correct", str(article_id), "3", "x"])
    assert bad.exit_code == 2 and "has 2 paragraphs" in bad.output
    from_stdin = runner.invoke(
        cli, ["--db", str(db_path), "correct", str(article_id), "1"], input="First!\n"
    )
    assert from_stdin.exit_code == 0
    assert get_translation(db, article_id, "en")[0].text == "First!"


# --- the process's end (tui.cli.run) -----------------------------------------------------

_RUN_PROBE = """
import atexit, pathlib, sys

class Teardown:
    def __del__(self):
        sys.stderr.write("module teardown ran\\n")

KEEP = Teardown()  # freed only by the interpreter's teardown of this module
MARK = pathlib.Path(sys.argv[1])
atexit.register(lambda: MARK.write_text("atexit ran"))
sys.argv = ["triage", *sys.argv[2:]]
from article_triage.tui.cli import run
run()
"""


def _run_probe(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _RUN_PROBE, str(tmp_path / "atexit.txt"), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_the_process_ends_without_teardown_after_atexit_and_with_everything_printed(
    tmp_path, db_path, seeded
):
    # Much more than a pipe's buffer, so that unflushed output would show.
    db = open_db(db_path)
    for n in range(400):
        insert_article(db, [f"Paragraph {n} of a long export, " * 20], title=f"Article {n}")
    db.close()
    out = _run_probe(tmp_path, "--db", str(db_path), "export", "--format", "json", "-o", "-")
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 403
    assert (tmp_path / "atexit.txt").read_text() == "atexit ran"
    assert "module teardown ran" not in out.stderr


def test_the_process_keeps_the_commands_exit_status(tmp_path, db_path):
    usage = _run_probe(tmp_path, "--db", str(db_path), "export", "--format", "xml")
    assert usage.returncode == EXIT_USAGE
    assert "'xml' is not one of" in usage.stderr
    version_out = _run_probe(tmp_path, "--version")
    assert version_out.returncode == 0 and version("article-triage") in version_out.stdout
