"""The outlet registry: the shipped data file, user overrides, bad files."""

from __future__ import annotations

import re

import pytest

from article_triage.store.outlets import CATEGORIES, RegistryError, builtin_outlets, load_registry
from article_triage.store.outlets.registry import SHARED_OUTLET_KEYS, user_registry_path
from article_triage.store.settings import settings_from_table


def test_builtin_registry_has_the_shared_vocabulary_and_enough_outlets():
    registry = load_registry()
    assert len(registry) >= 60
    missing = [k for k in SHARED_OUTLET_KEYS if k not in registry]
    assert missing == []


def test_every_builtin_outlet_is_complete_and_sourced():
    for outlet in builtin_outlets().values():
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", outlet.key)
        assert outlet.category in CATEGORIES, outlet.key
        assert outlet.country and re.fullmatch(r"[A-Z]{2}", outlet.country), outlet.key
        assert outlet.sources, f"{outlet.key} cites no source"
        assert outlet.aliases, outlet.key
        assert set(outlet.strict_aliases) <= set(outlet.aliases), outlet.key
        for designation in outlet.designations:
            assert re.fullmatch(r"\d{4}(-\d{2}){0,2}", designation.date or ""), outlet.key
            assert designation.source, f"{outlet.key}: {designation.name} has no source"


def test_no_domain_belongs_to_two_builtin_outlets():
    owners: dict[str, str] = {}
    for outlet in builtin_outlets().values():
        for domain in outlet.domains:
            assert owners.setdefault(domain, outlet.key) == outlet.key, domain


def test_the_facts_the_issue_names():
    registry = load_registry()
    rt = registry.get("rt")
    assert rt.describe() == "RT: state-controlled, RU"
    assert any(
        d.name == "EU broadcast ban" and d.label() == "EU broadcast ban 2022"
        for d in rt.designations
    )
    assert registry.get("ria-novosti").describe() == "RIA Novosti: state-controlled, RU"
    rferl = registry.get("rferl")
    assert rferl.category == "state-funded-independent"
    assert "state-funded but editorially independent" in rferl.describe()
    assert registry.get("kz-government").category == "government"
    assert {"primeminister.kz", "gov.kz", "akorda.kz"} <= set(registry.get("kz-government").domains)


def test_user_toml_overrides_fields_and_adds_outlets(tmp_path):
    user = tmp_path / "outlets.toml"
    user.write_text(
        """
[[outlet]]
key = "rt"
category = "proxy"
aliases = ["RT Balkan"]

[[outlet]]
key = "my-outlet"
name = "Мій Канал"
country = "UA"
category = "non-state"
aliases = ["Мій Канал"]
domains = ["mykanal.example"]
designations = [{ name = "test listing", date = "2024-01-01" }]
""",
        encoding="utf-8",
    )
    registry = load_registry(user)
    rt = registry.get("rt")
    assert rt.category == "proxy" and rt.origin == "user"
    assert "RT Balkan" in rt.aliases and "RT DE" in rt.aliases  # lists extend
    assert "rt.com" in rt.domains  # fields not given are kept
    mine = registry.get("my-outlet")
    assert mine.name == "Мій Канал" and mine.designations[0].date == "2024-01-01"
    assert registry.get("tass").origin == "builtin"


def test_user_csv_registry(tmp_path):
    user = tmp_path / "outlets.csv"
    user.write_text(
        "key,name,country,category,aliases,domains,designations\n"
        "local-paper,Local Paper,KZ,non-state,Local Paper|Жергілікті газет,local.example|paper.example,"
        "EU broadcast ban@2022-03-02\n",
        encoding="utf-8",
    )
    outlet = load_registry(user).get("local-paper")
    assert outlet.aliases == ("Local Paper", "Жергілікті газет")
    assert outlet.domains == ("local.example", "paper.example")
    assert outlet.designations[0].date == "2022-03-02"


def test_registry_reloads_when_the_user_file_changes(tmp_path):
    user = tmp_path / "outlets.toml"
    user.write_text('[[outlet]]\nkey = "one"\nname = "One"\n', encoding="utf-8")
    assert "one" in load_registry(user)
    user.write_text('[[outlet]]\nkey = "two"\nname = "Two Two"\n', encoding="utf-8")
    registry = load_registry(user)
    assert "two" in registry and "one" not in registry


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[outlet]]\nkey = 'Bad Key'\nname = 'x'\n", "key must be a lowercase slug"),
        ("[[outlet]]\nkey = 'x'\nname = 'x'\ncategory = 'evil'\n", "unknown category"),
        ("[[outlet]]\nkey = 'x'\nname = 'x'\ncolour = 'red'\n", "unknown field"),
        ("[[outlet]]\nkey = 'x'\nname = 'x'\nexclude_after = ['(']\n", "bad exclude pattern"),
        ("[[outlet]\n", "not valid TOML"),
    ],
)
def test_bad_user_file_is_one_clear_error(tmp_path, text, message):
    user = tmp_path / "outlets.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(RegistryError, match=message) as info:
        load_registry(user)
    assert "\n" not in str(info.value)
    assert str(user) in str(info.value)


def test_user_registry_path_comes_from_config_else_platformdirs(tmp_path, monkeypatch):
    assert user_registry_path(settings_from_table({})).name == "outlets.toml"
    assert "article-triage" in str(user_registry_path(settings_from_table({})))
    configured = settings_from_table({"outlets": {"registry": str(tmp_path / "mine.csv")}})
    assert user_registry_path(configured) == tmp_path / "mine.csv"


def test_load_registry_follows_the_config_file(tmp_path, monkeypatch):
    user = tmp_path / "mine.toml"
    user.write_text('[[outlet]]\nkey = "from-config"\nname = "From Config"\n', encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(f'[outlets]\nregistry = "{user}"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    # The config file is read once, by the settings loader; the registry takes its path.
    from article_triage.store.settings import load_settings

    assert "from-config" in load_registry(user_registry_path(load_settings()))


@pytest.mark.parametrize("suffix", [".toml", ".csv"])
def test_user_file_round_trip_merges_lists(tmp_path, suffix):
    from article_triage.store.outlets import Designation
    from article_triage.store.outlets.registry import upsert_user_entries

    user = tmp_path / f"outlets{suffix}"
    entry = {
        "key": "my-paper",
        "name": 'My "Paper"',
        "category": "non-state",
        "aliases": ("My Paper", "Моя газета"),
        "designations": (Designation("Test listing", "2024-01"),),
    }
    assert upsert_user_entries(user, [entry]) == (1, 0)
    assert upsert_user_entries(user, [{"key": "my-paper", "aliases": ("My Paper Daily",)}]) == (
        0,
        1,
    )
    outlet = load_registry(user).get("my-paper")
    assert outlet.name == 'My "Paper"'
    assert outlet.aliases == ("My Paper", "Моя газета", "My Paper Daily")
    assert outlet.designations == (Designation("Test listing", "2024-01"),)
