"""The agreement units kept by the decision write path equal those rebuilt from the
decisions, whatever sequence of writes, undos, rulings, merges and failures led there."""

from __future__ import annotations

import pytest
from app_support import kept_agreement_units
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.agreement import adjudicate, agreement
from article_triage.store.agreement_units import rebuild_units
from article_triage.store.articles import insert_article
from article_triage.store.db import known_migrations, open_db, write_transaction
from article_triage.store.triage import apply_changes, new_group_id, record_changes, undo

ANALYSTS = ("ann", "bob", "cy")
_CHANGES = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["new", "done", "escalated"]),
        "stance": st.sampled_from([None, "critical", "neutral"]),
        "reliability": st.sampled_from([None, "B", "C"]),
        "flags": st.lists(st.sampled_from(["single-source", "satire"]), unique=True),
        "notes": st.sampled_from(["", "seen"]),
    },
)
_ARTICLE = st.integers(0, 2)
_STEP = st.one_of(
    st.tuples(st.just("set"), st.lists(_ARTICLE, min_size=1, max_size=3, unique=True),
              st.sampled_from(ANALYSTS), _CHANGES),
    st.tuples(st.just("adjudicate"), _ARTICLE, st.sampled_from(["lead", "ann"]), _CHANGES),
    st.tuples(st.just("undo"), st.sampled_from([*ANALYSTS, "lead"])),
    # A merge: several analysts' decisions on one article, one transaction.
    st.tuples(st.just("merge"), _ARTICLE, st.lists(st.tuples(st.sampled_from(ANALYSTS), _CHANGES),
                                                   min_size=1, max_size=4)),
    # A write whose transaction fails afterwards: nothing of it may stay.
    st.tuples(st.just("fail"), _ARTICLE, st.sampled_from(ANALYSTS), _CHANGES),
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_STEP, max_size=10))
def test_kept_units_equal_the_rebuilt_ones(db, steps):
    db.execute("DELETE FROM articles")  # cascades to decisions and units, triggers uncount
    ids = [insert_article(db, [f"article {i}"], title=f"A{i}") for i in range(3)]
    for step in steps:
        match step:
            case ("set", articles, analyst, changes):
                apply_changes(db, [ids[i] for i in articles], analyst, changes)
            case ("adjudicate", article, lead, changes):
                adjudicate(db, ids[article], lead, {**changes, "status": "done"})
            case ("undo", analyst):
                undo(db, analyst)
            case ("merge", article, decisions):
                with write_transaction(db):
                    group = new_group_id(db)
                    for analyst, changes in decisions:
                        record_changes(db, ids[article], analyst, changes, group_id=group,
                                       action="merge")  # fmt: skip
            case ("fail", article, analyst, changes):
                with pytest.raises(RuntimeError), write_transaction(db):
                    apply_changes(db, [ids[article]], analyst, {**changes, "status": "done"})
                    raise RuntimeError("after the write")
    incremental = kept_agreement_units(db)
    report = agreement(db).as_dict()
    with write_transaction(db):
        rebuild_units(db)
    assert kept_agreement_units(db) == incremental
    assert agreement(db).as_dict() == report


def test_a_store_from_before_is_filled_when_opened(db_path):
    db = open_db(db_path)
    ids = [insert_article(db, [f"article {i}"], title=f"A{i}") for i in range(3)]
    for analyst, stance in (("ann", "critical"), ("bob", "neutral"), ("cy", "neutral")):
        apply_changes(db, ids[:2], analyst, {"status": "done", "stance": stance})
    adjudicate(db, ids[1], "lead", {"stance": "neutral"})
    expected = kept_agreement_units(db)
    report = agreement(db).as_dict()
    assert len(report["disagreements"]) == 1 and report["settled"] == 1
    # As an older version left it: no units, no counts, the migration not applied.
    for table in ("agreement_units", "agreement_profiles"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm161_agreement_units'")
    db.execute(f"PRAGMA user_version = {len(known_migrations()) - 1}")
    db.close()
    reopened = open_db(db_path)
    assert kept_agreement_units(reopened) == expected
    assert agreement(reopened).as_dict() == report
    reopened.close()
