"""Duplicates are recognised and not stored twice; near-duplicates are stored, linked and marked."""

from __future__ import annotations

import random

from article_triage.store.ingest.simhash import (
    NEAR_DUPLICATE_DISTANCE,
    bands,
    distance,
    find_near_duplicate,
    simhash64,
    to_signed,
    to_unsigned,
)
from tests.test_ingest_files import DE_SEED, PAGE, UK_SEED, article, run_import


def test_the_same_file_twice_is_stored_once(db):
    report, outcomes = run_import(db, [UK_SEED, UK_SEED])
    assert (report.imported, report.duplicates) == (1, 1)
    assert outcomes[1].duplicate_of == outcomes[0].article_id
    assert "same bytes" in outcomes[1].reason
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_the_same_article_under_another_url_is_a_duplicate(db, tmp_path):
    first = tmp_path / "first.html"
    second = tmp_path / "second.html"
    first.write_text(PAGE, encoding="utf-8")
    # another site's copy: other canonical URL and markup, same text
    second.write_text(
        PAGE.replace("news.example.com", "mirror.example.org").replace("<nav>", "<nav class='m'>"),
        encoding="utf-8",
    )
    report, outcomes = run_import(db, [first, second])
    assert (report.imported, report.duplicates) == (1, 1), outcomes
    assert "same text as article" in outcomes[1].reason


def test_near_duplicate_is_stored_and_linked_to_the_first_copy(db, tmp_path):
    text = UK_SEED.read_text(encoding="utf-8")
    edited = tmp_path / "edited.txt"
    # the same story re-published with a word corrected and an update line added
    edited.write_text(
        text.replace("нещодавно", "недавно", 1) + "\n\nОновлено о 10:00.", encoding="utf-8"
    )
    report, outcomes = run_import(db, [UK_SEED, edited, DE_SEED])
    assert (report.imported, report.near_duplicates) == (2, 1), outcomes
    near = outcomes[1]
    assert near.status == "near-duplicate" and near.duplicate_of == outcomes[0].article_id
    row = article(db, near.article_id)
    assert row["near_duplicate_of"] == outcomes[0].article_id
    assert 0 <= row["near_duplicate_distance"] <= NEAR_DUPLICATE_DISTANCE
    assert article(db, outcomes[2].article_id)["near_duplicate_of"] is None
    # a third copy links to the first, not to the second
    again = tmp_path / "again.txt"
    again.write_text(text + "\n\nДжерело: УП.", encoding="utf-8")
    _, more = run_import(db, [again])
    assert more[0].status == "near-duplicate" and more[0].duplicate_of == outcomes[0].article_id


def test_simhash_is_stable_signed_for_sqlite_and_banded():
    text = ["Казахстан на рік призупиняє експорт військової продукції " * 5]
    value = simhash64(text)
    assert value == simhash64(list(text))
    assert 0 <= value < 1 << 64
    assert to_unsigned(to_signed(value)) == value
    assert -(1 << 63) <= to_signed(value) < 1 << 63
    assert len(bands(value)) == 4 and all(0 <= v < 1 << 16 for _, v in bands(value))
    assert distance(value, value ^ 0b1011) == 3


def test_band_lookup_finds_within_three_bits_and_not_beyond(db):
    base = random.Random(1).getrandbits(64)
    db.execute(
        "INSERT INTO articles (id, text, text_sha256, simhash, added_at) VALUES (7, 'x', 'h', ?, 'now')",
        [to_signed(base)],
    )
    from article_triage.store.ingest.simhash import index_simhash

    index_simhash(db, 7, base)
    # three flipped bits spread over three bands still share the fourth band
    near = base ^ (1 | 1 << 20 | 1 << 40)
    assert find_near_duplicate(db, near) == (7, 3)
    far = base ^ (1 | 1 << 20 | 1 << 40 | 1 << 60)
    assert find_near_duplicate(db, far) is None
