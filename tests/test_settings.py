"""Settings: the config file is read once, by store/settings.py, into a frozen typed tree."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import fake_libretranslate
import pytest
from click.testing import CliRunner

from article_triage.store.articles import insert_article
from article_triage.store.reader import load_article_view
from article_triage.store.settings import ConfigError, load_settings, settings_from_table
from article_triage.store.translate import settings_from_config, translate_articles
from article_triage.tui.app import TriageApp
from article_triage.tui.cli import cli

fake_libre = fake_libretranslate.fake_libre

ROOT = Path(__file__).resolve().parents[1]


def test_an_uppercase_target_stores_translations_the_app_then_finds(
    db, db_path, tmp_path, fake_libre
):
    server = fake_libre()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[translation]\nprovider = "libre"\ntarget = "EN"\nurl = "{server.url}"\nbackoff = 0.01\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    article = insert_article(db, ["Сили ППО збили дві ракети над столицею."], language="uk")
    report = translate_articles(db, [article], settings_from_config(settings))
    assert report.translated == 1
    stored = db.execute("SELECT DISTINCT target_lang FROM translations").fetchall()
    assert stored == [("en",)]
    # The app looks translations up in the target it was given: the same one.
    app = TriageApp(db_path, "tester", settings)
    view = load_article_view(db, article, "tester", app.target_lang)
    assert [p.text for p in view.translation if p] == [
        "[en] Сили ППО збили дві ракети над столицею."
    ]


def test_export_uses_the_normalised_target(db, db_path, tmp_path):
    article = insert_article(db, ["Слово."], language="uk")
    db.execute(
        "INSERT INTO translations (article_id, paragraph_index, source_lang, target_lang, provider, text, translated_at) "
        "VALUES (?, 0, 'uk', 'en', 'test', 'Word.', '2024-01-01')",
        [article],
    )
    db.conn.commit()
    config = tmp_path / "config.toml"
    config.write_text('[translation]\ntarget = "EN"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db_path),
            "--config",
            str(config),
            "export",
            "--format",
            "jsonl",
            "--with-translation",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Word." in result.stdout


def test_unknown_keys_warn_one_line_each(tmp_path, db_path):
    settings = settings_from_table(
        {"theem": "x", "translation": {"targte": "de", "deepl_key": "k"}, "ingest": {"langs": []}},
        tmp_path / "c.toml",
    )
    assert len(settings.warnings) == 3
    assert all("\n" not in w and str(tmp_path / "c.toml") in w for w in settings.warnings)
    assert any("'theem'" in w for w in settings.warnings)
    assert any("'targte' in [translation]" in w for w in settings.warnings)
    config = tmp_path / "config.toml"
    config.write_text('colour = "blue"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "--config", str(config), "stats"])
    assert result.exit_code == 0
    assert "unknown setting 'colour'" in result.stderr


def test_settings_are_frozen_and_typed():
    settings = settings_from_table(
        {"translation": {"target": "zh-tw", "timeout": 5}, "ingest": {"languages": ["UK", "de"]}}
    )
    assert settings.translation.target == "zh-TW"
    assert settings.translation.timeout == 5.0
    assert settings.ingest.languages == ("uk", "de")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.theme = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.keys["next"] = "j"  # type: ignore[index]
    with pytest.raises(ConfigError, match="floor_minutes"):
        settings_from_table({"feeds": {"floor_minutes": 0}})


def _names_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.add(node.name.rsplit(".", 1)[-1])
        elif isinstance(node, ast.Constant) and node.value in ("TRIAGE_CONFIG", "config.toml"):
            names.add(node.value)
    return names


def test_nothing_but_the_settings_module_finds_or_reads_the_config_file():
    finding = {"default_config_path", "CONFIG_ENV", "TRIAGE_CONFIG", "config.toml", "load_config"}
    offenders = []
    for path in sorted(
        [*ROOT.joinpath("store").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]
    ):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "store/settings.py":
            continue
        names = _names_in(path)
        found = names & finding
        # The CLI loads the settings once (--config/$TRIAGE_CONFIG); nothing else may.
        if "load_settings" in names and relative != "tui/cli.py":
            found.add("load_settings")
        if relative == "tui/cli.py":
            found -= {"TRIAGE_CONFIG"}  # the --config option's envvar
        offenders += [f"{relative}: {name}" for name in sorted(found)]
    assert offenders == []


def _imports(path: Path) -> set[str]:
    """Every article_triage module *path* imports, at top level, in functions or for typing."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m.startswith("article_triage.")}


@pytest.mark.parametrize(
    "package, modules",
    [
        ("outlets", ("domains", "matcher", "registry")),
        ("translate", ("providers", "settings", "codes")),
    ],
)
def test_no_import_cycle_inside(package, modules):
    prefix = f"article_triage.store.{package}."
    graph = {
        name: {m.removeprefix(prefix) for m in _imports(ROOT / "store" / package / f"{name}.py")}
        & set(modules)
        for name in modules
    }

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
            for nxt in graph[start]
        )

    assert [name for name in modules if reaches(name, name)] == []
