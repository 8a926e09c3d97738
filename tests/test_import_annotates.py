"""Importing an article runs outlet detection: its sources are known from the first look."""

from article_triage.store.ingest import ImportOptions, import_sources
from tests.conftest import SAMPLES


def test_imported_seed_carries_its_citation_and_suggestion(db):
    german_seed = SAMPLES / "004_f2541a07a88647a1.txt"
    report = import_sources(db, [str(german_seed)], ImportOptions(workers=1))
    assert report.imported == 1
    article_id = db.execute("SELECT id FROM articles").fetchone()[0]
    cited = {
        r[0]
        for r in db.execute(
            "SELECT outlet_key FROM citations WHERE article_id = ? AND role = 'attributed'",
            [article_id],
        )
    }
    assert cited == {"ria-novosti"}
    reasons = [
        r[0]
        for r in db.execute(
            "SELECT reason FROM suggested_flags WHERE article_id = ? AND flag = 'state-media-sourcing'",
            [article_id],
        )
    ]
    assert reasons == ["cites RIA Novosti: state-controlled, RU"]


def test_publisher_found_from_canonical_url_at_import(db):
    page = SAMPLES / "104_de_kasachstan_exportstopp_page.html"
    import_sources(db, [str(page)], ImportOptions(workers=1))
    row = db.execute(
        "SELECT o.name, o.category, o.country FROM citations c JOIN outlets o ON o.key = c.outlet_key WHERE c.role = 'publisher'"
    ).fetchone()
    assert row == ("RT", "state-controlled", "RU")


def test_import_applies_the_registry_named_by_the_given_config(db, tmp_path):
    """`triage --config team.toml add` detects with team.toml's registry, as `detect` does."""
    from article_triage.store.settings import load_settings

    registry = tmp_path / "team-outlets.toml"
    registry.write_text(
        '[[outlet]]\nkey = "kyiv-daily"\nname = "Kyiv Daily"\ncountry = "UA"\n'
        'category = "non-state"\naliases = ["Kyiv Daily"]\ndomains = ["kyivdaily.example"]\n'
        'sources = ["written for this test"]\n',
        encoding="utf-8",
    )
    config_path = tmp_path / "team.toml"
    config_path.write_text(f'[outlets]\nregistry = "{registry}"\n', encoding="utf-8")
    text = tmp_path / "a.txt"
    text.write_text(
        "A report\n\nAccording to Kyiv Daily, the talks resumed on Monday.\n", encoding="utf-8"
    )
    options = ImportOptions.from_config(load_settings(config_path), workers=1)
    import_sources(db, [str(text)], options)
    cited = [r[0] for r in db.execute("SELECT outlet_key FROM citations WHERE role = 'attributed'")]
    assert cited == ["kyiv-daily"]


def test_unusable_ingest_languages_are_a_config_error(tmp_path):
    import pytest

    from article_triage.store.settings import ConfigError, load_settings

    config_path = tmp_path / "c.toml"
    config_path.write_text('[ingest]\nlanguages = "uk"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="languages must be a list"):
        ImportOptions.from_config(load_settings(config_path))
