"""Undo steps beyond a decision change: an adjudication and a paragraph correction.

Each is one step of the analyst's undo history and leaves a consistent state when
taken back: an undone adjudication is neither half a ruling nor still marked
adjudicated; an undone correction puts back the paragraph that was there before.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from article_triage.store.agreement import adjudicate
from article_triage.store.articles import insert_article, search
from article_triage.store.export import audit_events
from article_triage.store.translations import (
    ANALYST_PROVIDER,
    correct_paragraph,
    get_translation,
    save_translation,
)
from article_triage.store.triage import apply_changes, can_undo, get_decision, redo, undo
from article_triage.tui.cli import cli

LEAD = "lead"


@pytest.fixture
def article(db) -> int:
    return insert_article(db, ["Перший абзац.", "Другий абзац.", "Третій."], language="uk")


def _state(db, article_id: int) -> tuple:
    d = get_decision(db, article_id, LEAD)
    return (d.status, d.stance, d.grade, d.adjudicated)


def test_undoing_an_adjudication_takes_back_the_ruling_as_one_step(db, article):
    apply_changes(db, [article], "olena", {"status": "done", "stance": "critical"})
    apply_changes(db, [article], "taras", {"status": "done", "stance": "neutral"})
    apply_changes(db, [article], LEAD, {"stance": "critical"})
    apply_changes(db, [article], LEAD, {"reliability": "B", "credibility": "2"})
    before = _state(db, article)
    adjudicate(db, article, LEAD, {"stance": "critical", "reliability": "B", "credibility": "2"})
    ruled = _state(db, article)
    assert ruled == ("done", "critical", "B2", True)

    change = undo(db, LEAD)
    assert change is not None and change.action == "adjudicate"
    assert _state(db, article) == before == ("new", "critical", "B2", False)
    assert set(change.fields) == {"adjudicated", "status"}

    assert redo(db, LEAD).action == "adjudicate"
    assert _state(db, article) == ruled
    undo(db, LEAD)
    undo(db, LEAD)  # then the grade, then the stance: in order, never half a ruling
    assert _state(db, article) == ("new", "critical", "", False)
    undo(db, LEAD)
    assert _state(db, article) == ("new", None, "", False)
    assert can_undo(db, LEAD) == (False, True)
    # The other analysts' decisions are theirs: untouched.
    assert get_decision(db, article, "olena").stance == "critical"


def test_a_correction_is_logged_audited_and_undone(db, article):
    save_translation(db, article, "en", "google", ["First.", "Second.", "Third."], "uk")
    group = correct_paragraph(db, article, "en", 1, "The budget passed.", analyst=LEAD)
    assert group is not None
    corrected = [e for e in audit_events(db) if e["action"] == "correct"]
    assert len(corrected) == 1
    event = corrected[0]
    assert (event["analyst"], event["article_id"], event["field"]) == (LEAD, article, "translation")
    assert (event["old"]["text"], event["old"]["provider"]) == ("Second.", "google")
    assert (event["new"]["text"], event["new"]["provider"]) == ("The budget passed.", "analyst")
    assert [h.id for h in search(db, "budget")] == [article]

    change = undo(db, LEAD)
    assert (change.action, change.article_ids, change.fields) == (
        "correct",
        (article,),
        ("translation",),
    )
    paragraph = get_translation(db, article, "en")[1]
    assert (paragraph.text, paragraph.provider) == ("Second.", "google")
    assert search(db, "budget") == []  # the search text follows

    redo(db, LEAD)
    paragraph = get_translation(db, article, "en")[1]
    assert (paragraph.text, paragraph.provider) == ("The budget passed.", ANALYST_PROVIDER)
    actions = [e["action"] for e in audit_events(db)]
    assert actions == ["correct", "undo", "redo"]


def test_undoing_a_correction_of_an_untranslated_paragraph_leaves_it_untranslated(db, article):
    correct_paragraph(db, article, "en", 2, "Third.", analyst=LEAD)
    assert get_translation(db, article, "en")[2].text == "Third."
    undo(db, LEAD)
    assert get_translation(db, article, "en") == [None, None, None]
    # Corrections and decisions share one history, in the order they were made.
    apply_changes(db, [article], LEAD, {"stance": "mixed"})
    correct_paragraph(db, article, "en", 0, "First.", analyst=LEAD)
    undo(db, LEAD)
    assert get_translation(db, article, "en")[0] is None
    assert get_decision(db, article, LEAD).stance == "mixed"
    undo(db, LEAD)
    assert get_decision(db, article, LEAD).stance is None


def test_cli_correct_appears_in_the_audit(db, db_path, article):
    runner = CliRunner()
    base = ["--db", str(db_path), "--analyst", LEAD]
    result = runner.invoke(cli, [*base, "correct", str(article), "2", "Second, by hand."])
    assert result.exit_code == 0, result.output
    audit = runner.invoke(cli, [*base, "audit", "--format", "jsonl", "-o", "-"])
    assert audit.exit_code == 0, audit.output
    events = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [(e["action"], e["analyst"], e["field"]) for e in events] == [
        ("correct", LEAD, "translation")
    ]
    assert events[0]["new"]["text"] == "Second, by hand."
    assert undo(db, LEAD).action == "correct"
    assert get_translation(db, article, "en")[1] is None
