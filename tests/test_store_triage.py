"""store.triage: decisions, the append-only event log, undo/redo, navigation."""

from __future__ import annotations

import json
import random

import pytest

from article_triage.store.articles import ArticleFilter, insert_article
from article_triage.store.db import open_db
from article_triage.store.taxonomy import (
    Choice,
    Taxonomy,
    format_grade,
    parse_grade,
    taxonomy_from_config,
)
from article_triage.store.triage import (
    apply_changes,
    bulk_apply,
    can_undo,
    decisions_for_article,
    get_decision,
    history,
    next_untriaged,
    redo,
    review_suggestion,
    set_field,
    toggle_flag,
    undo,
)

ME = "tester"


@pytest.fixture
def ids(db) -> list[int]:
    return [
        insert_article(db, [f"Article number {n}.", "Body."], language="uk" if n % 2 else "ru")
        for n in range(6)
    ]


def _events(db) -> list[tuple]:
    return db.execute(
        "SELECT id, group_id, at, analyst, action, article_id, field, old, new, ref_group "
        "FROM events ORDER BY id"
    ).fetchall()


# --- setting fields ----------------------------------------------------------------------


def test_get_decision_defaults_to_new(db, ids):
    decision = get_decision(db, ids[0], ME)
    assert decision.status == "new"
    assert decision.flags == () and decision.notes == "" and decision.grade == ""
    assert decision.triaged_at is None


def test_set_field_commits_and_logs(db, db_path, ids):
    decision = set_field(db, ids[0], ME, "reliability", "B")
    decision = set_field(db, ids[0], ME, "credibility", "2")
    assert decision.grade == "B2"
    assert decision.triaged_at is not None
    # committed: another connection sees it at once
    other = open_db(db_path)
    assert get_decision(other, ids[0], ME).grade == "B2"
    rows = history(other, ids[0])
    assert [(r["field"], json.loads(r["old"]), json.loads(r["new"])) for r in rows] == [
        ("credibility", None, "2"),
        ("reliability", None, "B"),
    ]
    assert all(r["analyst"] == ME and r["action"] == "set" for r in rows)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", "finished"),
        ("stance", "angry"),
        ("reliability", "G"),
        ("reliability", "b"),
        ("credibility", "7"),
        ("credibility", 2),
        ("flags", "single-source"),
        ("flags", [1]),
        ("notes", None),
        ("colour", "red"),
    ],
)
def test_set_field_validation_rejects_and_writes_nothing(db, ids, name, value):
    with pytest.raises(ValueError):
        set_field(db, ids[0], ME, name, value)
    assert db.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
    assert _events(db) == []


def test_setting_the_same_value_again_logs_nothing(db, ids):
    set_field(db, ids[0], ME, "stance", "critical")
    before = _events(db)
    set_field(db, ids[0], ME, "stance", "critical")
    assert _events(db) == before


def test_clearing_a_field_with_none(db, ids):
    set_field(db, ids[0], ME, "stance", "mixed")
    assert set_field(db, ids[0], ME, "stance", None).stance is None


def test_custom_taxonomy_validates_its_own_values(db, ids):
    taxonomy = Taxonomy(flags=(Choice("satire", "Satire", "x"),))
    assert toggle_flag(db, ids[0], ME, "satire", taxonomy).flags == ("satire",)
    with pytest.raises(ValueError):
        toggle_flag(db, ids[0], ME, "single-source", taxonomy)


def test_toggle_flag_adds_then_removes(db, ids):
    assert toggle_flag(db, ids[0], ME, "single-source").flags == ("single-source",)
    assert toggle_flag(db, ids[0], ME, "denial-issued").flags == ("single-source", "denial-issued")
    assert toggle_flag(db, ids[0], ME, "single-source").flags == ("denial-issued",)
    # each toggle is one undoable step
    undo(db, ME)
    assert get_decision(db, ids[0], ME).flags == ("single-source", "denial-issued")


def test_review_suggestion_accept_and_reject(db, ids):
    accepted = review_suggestion(db, ids[0], ME, "state-media-sourcing", accept=True)
    assert accepted.flags == ("state-media-sourcing",)
    assert accepted.rejected_suggestions == ()
    # accepting twice does not duplicate
    assert review_suggestion(db, ids[0], ME, "state-media-sourcing", True).flags == (
        "state-media-sourcing",
    )
    rejected = review_suggestion(db, ids[0], ME, "state-media-sourcing", accept=False)
    assert rejected.flags == ()
    assert rejected.rejected_suggestions == ("state-media-sourcing",)
    # rejecting twice keeps one entry; accepting later lifts the rejection
    assert review_suggestion(
        db, ids[0], ME, "state-media-sourcing", False
    ).rejected_suggestions == ("state-media-sourcing",)
    again = review_suggestion(db, ids[0], ME, "state-media-sourcing", True)
    assert again.flags == ("state-media-sourcing",) and again.rejected_suggestions == ()
    undo(db, ME)
    assert get_decision(db, ids[0], ME).rejected_suggestions == ("state-media-sourcing",)


def test_apply_changes_many_articles_is_one_group(db, ids):
    change = apply_changes(db, ids[:3], ME, {"status": "done", "stance": "neutral"})
    assert change.article_ids == tuple(ids[:3])
    groups = {r[1] for r in _events(db)}
    assert groups == {change.group_id}
    assert len(_events(db)) == 6  # two fields on three articles
    for article_id in ids[:3]:
        assert get_decision(db, article_id, ME).status == "done"


def test_apply_changes_reports_only_articles_that_changed(db, ids):
    set_field(db, ids[1], ME, "status", "done")
    change = apply_changes(db, ids[:3], ME, {"status": "done"})
    assert change.article_ids == (ids[0], ids[2])


def test_decisions_are_per_analyst(db, ids):
    set_field(db, ids[0], "olena", "stance", "critical")
    set_field(db, ids[0], "taras", "stance", "supportive")
    assert [(d.analyst, d.stance) for d in decisions_for_article(db, ids[0])] == [
        ("olena", "critical"),
        ("taras", "supportive"),
    ]
    undo(db, "olena")
    assert get_decision(db, ids[0], "olena").stance is None
    assert get_decision(db, ids[0], "taras").stance == "supportive"


# --- undo / redo ---------------------------------------------------------------------------


def test_undo_redo_sequence(db, ids):
    a = ids[0]
    set_field(db, a, ME, "stance", "critical")
    set_field(db, a, ME, "stance", "neutral")
    set_field(db, a, ME, "reliability", "C")
    assert can_undo(db, ME) == (True, False)

    undo(db, ME)
    assert get_decision(db, a, ME).reliability is None
    undo(db, ME)
    assert get_decision(db, a, ME).stance == "critical"
    assert can_undo(db, ME) == (True, True)
    redo(db, ME)
    assert get_decision(db, a, ME).stance == "neutral"
    redo(db, ME)
    assert get_decision(db, a, ME).reliability == "C"
    assert redo(db, ME) is None  # nothing left to redo
    for _ in range(3):
        assert undo(db, ME) is not None
    assert get_decision(db, a, ME).stance is None
    assert undo(db, ME) is None
    assert can_undo(db, ME) == (False, True)


def test_new_action_clears_redo(db, ids):
    set_field(db, ids[0], ME, "stance", "critical")
    set_field(db, ids[0], ME, "stance", "neutral")
    undo(db, ME)
    assert can_undo(db, ME) == (True, True)
    set_field(db, ids[1], ME, "status", "skipped")
    assert can_undo(db, ME) == (True, False)
    assert redo(db, ME) is None
    assert get_decision(db, ids[0], ME).stance == "critical"
    undo(db, ME)  # undoes the skip, not the redo-able stance
    assert get_decision(db, ids[1], ME).status == "new"
    assert get_decision(db, ids[0], ME).stance == "critical"


def test_undo_reports_what_it_touched(db, ids):
    change = apply_changes(db, ids[:2], ME, {"status": "escalated"})
    reverted = undo(db, ME)
    assert sorted(reverted.article_ids) == sorted(change.article_ids)
    assert reverted.group_id > change.group_id


def test_undo_survives_a_restart(db_path, ids, db):
    set_field(db, ids[0], ME, "status", "done")
    set_field(db, ids[0], ME, "notes", "first session")
    db.close()

    restarted = open_db(db_path)
    assert can_undo(restarted, ME) == (True, False)
    undo(restarted, ME)
    assert get_decision(restarted, ids[0], ME).notes == ""
    restarted.close()

    third = open_db(db_path)
    assert can_undo(third, ME) == (True, True)
    redo(third, ME)
    assert get_decision(third, ids[0], ME).notes == "first session"
    undo(third, ME)
    undo(third, ME)
    assert get_decision(third, ids[0], ME).status == "new"
    third.close()


def test_bulk_apply_is_undone_as_one_step(db, ids):
    set_field(db, ids[0], ME, "status", "done")  # not in the bulk's reach after this
    flt = ArticleFilter(analyst=ME, status="new", language="ru")
    change = bulk_apply(db, flt, ME, {"status": "skipped", "stance": "unclear"})
    ru_new = [ids[2], ids[4]]  # articles 0, 2, 4 are Russian; 0 is done already
    assert change.article_ids == tuple(ru_new)
    assert [i for i in ids if get_decision(db, i, ME).status == "skipped"] == ru_new
    assert len({e["group_id"] for e in history(db) if e["action"] == "set"}) == 2

    undo(db, ME)
    assert all(get_decision(db, i, ME).status == "new" for i in ru_new)
    assert all(get_decision(db, i, ME).stance is None for i in ru_new)
    assert get_decision(db, ids[0], ME).status == "done"  # the earlier action stays
    redo(db, ME)
    assert all(get_decision(db, i, ME).status == "skipped" for i in ru_new)


def test_events_are_append_only(db, ids):
    set_field(db, ids[0], ME, "stance", "critical")
    set_field(db, ids[0], ME, "stance", "mixed")
    before = _events(db)
    undo(db, ME)
    redo(db, ME)
    after = _events(db)
    assert after[: len(before)] == before  # nothing rewritten
    appended = after[len(before) :]
    assert [e[4] for e in appended] == ["undo", "redo"]
    last_set_group = before[-1][1]
    assert {e[9] for e in appended} == {last_set_group}  # both point at the group they replay
    assert json.loads(appended[0][8]) == "critical"
    assert json.loads(appended[1][8]) == "mixed"


def test_undo_of_a_step_already_reverted_by_hand_still_moves_the_stacks(db, ids):
    set_field(db, ids[0], ME, "stance", "critical")
    set_field(db, ids[0], ME, "stance", "neutral")
    db.execute(  # another tool changed the row behind the log's back
        "UPDATE decisions SET stance = 'critical' WHERE article_id = ?", [ids[0]]
    )
    change = undo(db, ME)
    assert change is not None and change.article_ids == ()
    assert can_undo(db, ME) == (True, True)
    undo(db, ME)
    assert get_decision(db, ids[0], ME).stance is None


def test_history_newest_first_filtered_and_limited(db, ids):
    set_field(db, ids[0], ME, "stance", "critical")
    set_field(db, ids[1], ME, "stance", "neutral")
    set_field(db, ids[0], ME, "notes", "x")
    all_rows = history(db)
    assert [r["id"] for r in all_rows] == sorted((r["id"] for r in all_rows), reverse=True)
    assert [r["field"] for r in history(db, ids[0])] == ["notes", "stance"]
    assert len(history(db, limit=2)) == 2
    assert history(db, 999_999) == []


# --- navigation ------------------------------------------------------------------------------


def test_next_untriaged_skips_decided_and_wraps(db, ids):
    apply_changes(db, [ids[1], ids[2], ids[5]], ME, {"status": "done"})
    set_field(db, ids[3], ME, "stance", "mixed")  # a stance alone leaves it untriaged
    assert next_untriaged(db, ME, ids[0]) == ids[3]
    assert next_untriaged(db, ME, ids[3]) == ids[4]
    assert next_untriaged(db, ME, ids[4]) == ids[0]  # wraps round past the end
    assert next_untriaged(db, ME, ids[5]) == ids[0]
    assert next_untriaged(db, "someone-else", ids[5]) == ids[0]
    ru = ArticleFilter(language="ru")
    assert next_untriaged(db, ME, ids[0], ru) == ids[4]
    assert next_untriaged(db, ME, ids[4], ru) == ids[0]


def test_next_untriaged_none_when_all_done(db, ids):
    apply_changes(db, ids, ME, {"status": "skipped"})
    assert next_untriaged(db, ME, ids[0]) is None


# --- taxonomy from the config ----------------------------------------------------------------


def test_taxonomy_from_config_extends_and_relabels(db, ids):
    taxonomy = taxonomy_from_config(
        {
            "extra_flags": [{"value": "satire", "label": "Satire", "key": "x"}],
            "stances": [{"value": "pro"}, {"value": "contra", "key": "2"}],
            "reliability_labels": {"A": "Gold standard"},
        }
    )
    assert taxonomy.values("flags")[-1] == "satire"
    assert "single-source" in taxonomy.values("flags")
    assert taxonomy.values("stances") == ["pro", "contra"]
    assert taxonomy.label("stances", "pro") == "pro"
    assert taxonomy.label("reliability", "A") == "Gold standard"
    assert taxonomy.values("reliability") == list("ABCDEF")  # the scale itself is fixed
    assert set_field(db, ids[0], ME, "stance", "contra", taxonomy).stance == "contra"
    with pytest.raises(ValueError):
        set_field(db, ids[0], ME, "stance", "critical", taxonomy)


@pytest.mark.parametrize(
    "section",
    [
        {"flags": [{"label": "no value"}]},
        {"extra_flags": "satire"},
        {"extra_flags": ["satire"]},
        {"stances": [{"value": ""}]},
        {"reliability_labels": "A"},
    ],
)
def test_taxonomy_from_config_says_what_is_wrong(section):
    with pytest.raises(ValueError, match=r"\[taxonomy\]"):
        taxonomy_from_config(section)


@pytest.mark.parametrize(
    ("grade", "halves"),
    [
        ("B2", ("B", "2")),
        (" b ", ("B", None)),
        ("6", (None, "6")),
        ("", (None, None)),
        ("2B", (None, None)),
        ("G7", (None, None)),
    ],
)
def test_parse_and_format_grade(grade, halves):
    assert parse_grade(grade) == halves
    assert format_grade(*halves) == "".join(h for h in halves if h)


# --- undo/redo against a model -----------------------------------------------------------------


def _state(db, ids) -> tuple:
    return tuple((d.stance, d.reliability, d.flags) for d in (get_decision(db, i, ME) for i in ids))


@pytest.mark.parametrize("seed", range(4))
def test_undo_redo_match_an_editor_model_over_random_sessions(db_path, seed):
    """Random actions, undos, redos and restarts behave like an editor's two stacks of states."""
    rng = random.Random(seed)
    db = open_db(db_path)
    ids = [insert_article(db, [f"Model article {n}."]) for n in range(3)]
    current = _state(db, ids)
    undo_states: list[tuple] = []
    redo_states: list[tuple] = []
    for _step in range(150):
        roll = rng.random()
        if roll < 0.45:
            targets = rng.sample(ids, k=rng.choice([1, 1, 2, 3]))
            changes = rng.choice(
                [
                    {"stance": rng.choice(["critical", "neutral", None])},
                    {"reliability": rng.choice(["A", "B", None])},
                    {"flags": rng.choice([[], ["single-source"], ["denial-issued"]])},
                ]
            )
            apply_changes(db, targets, ME, changes)
            after = _state(db, ids)
            if after != current:  # an action that changed nothing leaves no step
                undo_states.append(current)
                redo_states.clear()
                current = after
        elif roll < 0.75:
            change = undo(db, ME)
            assert (change is None) == (not undo_states)
            if undo_states:
                redo_states.append(current)
                current = undo_states.pop()
        elif roll < 0.95:
            change = redo(db, ME)
            assert (change is None) == (not redo_states)
            if redo_states:
                undo_states.append(current)
                current = redo_states.pop()
        else:
            db.close()
            db = open_db(db_path)
        if roll < 0.3:  # another analyst's steps never touch this one's stacks
            set_field(db, ids[0], "other", "stance", rng.choice(["mixed", "unclear"]))
            if rng.random() < 0.5:
                undo(db, "other")
        assert _state(db, ids) == current
        assert can_undo(db, ME) == (bool(undo_states), bool(redo_states))
    db.close()
