"""Fixtures every test module may use. Each test gets its own store and config."""

from __future__ import annotations

from pathlib import Path

import pytest

from article_triage.store.db import open_db

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
SAMPLES = REPO / "sample_articles"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    """No test reads the developer's config or store, or the analyst's name."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TRIAGE_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("TRIAGE_DB", str(home / "triage.db"))
    monkeypatch.setenv("TRIAGE_ANALYST", "tester")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    for key in ("TRIAGE_DEEPL_KEY", "TRIAGE_MICROSOFT_KEY", "TRIAGE_LIBRE_KEY"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="module")
def stories_bench():
    """benchmarks/stories.py as a module: the labelled-set tests use its scoring."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "stories_benchmark", REPO / "benchmarks" / "stories.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "triage.db"


@pytest.fixture
def db(db_path):
    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is not beside this checkout")
    return CORPUS


@pytest.fixture
def samples() -> Path:
    return SAMPLES
