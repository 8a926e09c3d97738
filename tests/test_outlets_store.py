"""Detection written into the store: citations, suggested flags, the outlets table."""

from __future__ import annotations

import json

import pytest

from article_triage.store.articles import insert_article
from article_triage.store.outlets import annotate_all, annotate_article, load_registry
from article_triage.store.text import split_paragraphs
from article_triage.store.triage import get_decision, review_suggestion


@pytest.fixture(scope="module")
def registry():
    return load_registry("/nonexistent/outlets.toml")


def _seed(db, samples, pattern, **metadata):
    (path,) = samples.glob(pattern)
    return insert_article(db, split_paragraphs(path.read_text(encoding="utf-8")), **metadata)


def _citations(db, article_id):
    return db.execute(
        "SELECT outlet_key, role, paragraph_index, start, end, matched_text, cue FROM citations "
        "WHERE article_id = ? ORDER BY id",
        [article_id],
    ).fetchall()


def _suggestions(db, article_id):
    return db.execute(
        "SELECT flag, reason, outlet_key FROM suggested_flags WHERE article_id = ? ORDER BY reason",
        [article_id],
    ).fetchall()


def test_german_seed_suggests_state_media_sourcing_with_highlightable_spans(db, samples, registry):
    article_id = _seed(db, samples, "004_*.txt")
    annotate_article(db, article_id, registry)
    assert _suggestions(db, article_id) == [
        ("state-media-sourcing", "cites RIA Novosti: state-controlled, RU", "ria-novosti")
    ]
    paragraphs = split_paragraphs(db["articles"].get(article_id)["text"])
    rows = _citations(db, article_id)
    assert rows and all(r[0] == "ria-novosti" and r[1] == "attributed" for r in rows)
    for _, _, index, start, end, matched, cue in rows:
        assert paragraphs[index][start:end] == matched == "RIA Nowosti"
        assert cue
    outlet = db["outlets"].get("ria-novosti")
    assert outlet["category"] == "state-controlled" and outlet["country"] == "RU"


def test_rt_article_shows_publisher_with_designations(db, samples, registry):
    article_id = _seed(
        db, samples, "004_*.txt", url="https://de.rt.com/international/200000-ukraine/"
    )
    annotate_article(db, article_id, registry)
    publisher = db.execute(
        "SELECT o.name, o.category, o.designations FROM citations c JOIN outlets o ON o.key = c.outlet_key "
        "WHERE c.article_id = ? AND c.role = 'publisher'",
        [article_id],
    ).fetchone()
    assert publisher[:2] == ("RT", "state-controlled")
    designations = json.loads(publisher[2])
    assert {"name": "EU broadcast ban", "date": "2022-03-02"}.items() <= designations[0].items()
    reasons = [r[1] for r in _suggestions(db, article_id)]
    assert "published by RT: state-controlled, RU" in reasons


def test_ukrainian_seed_cites_radio_svoboda_and_an_official_source(db, samples, registry):
    article_id = _seed(db, samples, "000_*.txt")
    annotate_article(db, article_id, registry)
    rows = db.execute(
        "SELECT DISTINCT c.outlet_key, o.category FROM citations c JOIN outlets o ON o.key = c.outlet_key "
        "WHERE c.article_id = ? AND c.role = 'attributed' ORDER BY 1",
        [article_id],
    ).fetchall()
    assert rows == [("kz-government", "government"), ("rferl", "state-funded-independent")]
    # Neither is state-controlled or captured: nothing to suggest.
    assert _suggestions(db, article_id) == []


def test_publisher_falls_back_to_final_url_then_source(db, registry):
    first = insert_article(
        db, ["Text one."], url=None, final_url="https://tass.ru/x", source="/tmp/a.html"
    )
    second = insert_article(db, ["Text two."], source="https://www.svoboda.org/a/1.html")
    third = insert_article(db, ["Text three."], source="/home/me/rt.com.html")
    for article_id in (first, second, third):
        annotate_article(db, article_id, registry)
    publisher = "SELECT outlet_key FROM citations WHERE article_id = ? AND role = 'publisher'"
    assert db.execute(publisher, [first]).fetchone() == ("tass",)
    assert db.execute(publisher, [second]).fetchone() == ("rferl",)
    assert db.execute(publisher, [third]).fetchone() is None


def test_annotating_again_replaces_rows_and_keeps_the_analysts_choice(db, samples, registry):
    article_id = _seed(db, samples, "004_*.txt")
    annotate_article(db, article_id, registry)
    before = _citations(db, article_id)
    review_suggestion(db, article_id, "tester", "state-media-sourcing", accept=False)
    annotate_article(db, article_id, registry)
    assert _citations(db, article_id) == before  # replaced, not duplicated
    assert get_decision(db, article_id, "tester").rejected_suggestions == ("state-media-sourcing",)


def test_mentions_suggest_nothing(db, registry):
    article_id = insert_article(db, ["RT DE was banned in the EU in 2022."])
    annotate_article(db, article_id, registry)
    assert [r[1] for r in _citations(db, article_id)] == ["mention"]
    assert _suggestions(db, article_id) == []


def test_annotate_all_after_a_registry_change(db, tmp_path, registry):
    ids = [
        insert_article(db, [f"Как сообщает Вечерний Курьер, вышло {n} номеров."]) for n in range(3)
    ]
    progress = []
    assert annotate_all(db, registry, lambda done, total: progress.append((done, total))) == 3
    assert progress[-1] == (3, 3)
    assert db.execute("SELECT count(*) FROM citations").fetchone()[0] == 0

    user = tmp_path / "outlets.toml"
    user.write_text(
        '[[outlet]]\nkey = "vecherny-kurier"\nname = "Вечерний Курьер"\ncountry = "RU"\n'
        'category = "captured-private"\naliases = ["Вечерний Курьер"]\n',
        encoding="utf-8",
    )
    assert annotate_all(db, load_registry(user)) == 3
    for article_id in ids:
        assert _suggestions(db, article_id) == [
            (
                "state-media-sourcing",
                "cites Вечерний Курьер: captured private media, RU",
                "vecherny-kurier",
            )
        ]
    assert db["outlets"].get("vecherny-kurier")["origin"] == "user"

    # Back to the built-in registry: the user's outlet and its rows disappear.
    annotate_all(db, registry)
    assert (
        db.execute("SELECT count(*) FROM outlets WHERE key = 'vecherny-kurier'").fetchone()[0] == 0
    )
    assert db.execute("SELECT count(*) FROM suggested_flags").fetchone()[0] == 0


def test_unknown_article_is_a_lookup_error(db, registry):
    with pytest.raises(LookupError):
        annotate_article(db, 12345, registry)
