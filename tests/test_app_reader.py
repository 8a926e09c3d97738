"""The reader's read model (store.reader), its rendering, and the action table (no app running)."""

from __future__ import annotations

import io
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from test_app_flows import DE, HEBREW, HOSTILE, HOSTILE_TITLE, UK, seed_store

from article_triage.store.reader import is_rtl, load_article_view, with_decision
from article_triage.store.taxonomy import Taxonomy, taxonomy_from_config
from article_triage.store.triage import get_decision, review_suggestion, set_field
from article_triage.tui.actions import (
    ANY_MODE,
    FLAG,
    GRADE,
    NORMAL,
    action_name,
    apply_keymap,
    build_actions,
    to_bindings,
)
from article_triage.tui.app import TriageApp
from article_triage.tui.screens.help import help_table
from article_triage.tui.widgets.reader import (
    MISSING_TRANSLATION,
    _paragraph_text,
    pane_titles,
    render_article,
)


def plain(renderable, width: int = 120) -> str:
    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_view_gathers_translation_outlets_and_suggestions(db, db_path):
    ids = seed_store(db_path)
    view = load_article_view(db, ids["de"], "tester", "en")
    assert view.paragraphs == DE
    assert view.translation[1] is None
    assert view.translation[0].provider == "deepl"
    assert view.providers == ["deepl"]
    assert view.publisher.describe() == "RT: state-controlled, RU"
    [citation] = view.citations
    assert DE[0][citation.start : citation.end] == "RIA Nowosti"
    assert view.citations_in(0) == [citation] and view.citations_in(1) == []
    [suggestion] = view.suggestions
    assert (suggestion.flag, suggestion.state) == ("state-media-sourcing", "pending")
    assert suggestion.describe() == "cites RIA Novosti: state-controlled, RU"
    # A detector that stores a bare keyword gets the outlet added.
    assert replace(suggestion, reason="cites").describe() == suggestion.describe()


def test_suggestion_state_follows_the_decision(db, db_path):
    ids = seed_store(db_path)
    review_suggestion(db, ids["de"], "tester", "state-media-sourcing", accept=False)
    view = load_article_view(db, ids["de"], "tester")
    assert view.suggestions[0].state == "rejected"
    accepted = review_suggestion(db, ids["de"], "tester", "state-media-sourcing", accept=True)
    assert with_decision(view, accepted).suggestions[0].state == "accepted"
    assert load_article_view(db, ids["de"], "tester").suggestions[0].state == "accepted"
    # Another analyst's decision is theirs alone.
    assert load_article_view(db, ids["de"], "someone-else").suggestions[0].state == "pending"


def test_view_of_a_missing_article_is_none(db):
    assert load_article_view(db, 12345, "tester") is None


def test_view_carries_the_analysts_decision(db, db_path):
    ids = seed_store(db_path)
    set_field(db, ids["uk"], "tester", "stance", "mixed")
    assert load_article_view(db, ids["uk"], "tester").decision == get_decision(
        db, ids["uk"], "tester"
    )


def test_rtl_paragraphs_are_right_justified_and_kept_in_logical_order():
    assert is_rtl(HEBREW[0]) and is_rtl(HEBREW[1])
    assert not is_rtl("Kazakhstan") and not is_rtl("Казахстан") and not is_rtl("123 ...")
    # The first strong character decides, as in dir="auto".
    assert is_rtl("123 שלום Hello") and not is_rtl("Hello שלום")
    text = _paragraph_text(HEBREW[0])
    assert text.justify == "right"
    assert text.plain == HEBREW[0]


def test_rendered_article_shows_markup_and_controls_as_text(db, db_path):
    ids = seed_store(db_path)
    view = load_article_view(db, ids["hostile"], "tester")
    out = plain(render_article(view))
    assert HOSTILE_TITLE in out
    assert "\x1b" not in out
    assert "Escape here: [31mred[0m done." in out
    assert "Markup [bold]x and [/] stay text." in out
    assert HOSTILE[0] in out
    assert out.count(MISSING_TRANSLATION) == 2


def test_citation_spans_are_highlighted(db, db_path):
    ids = seed_store(db_path)
    view = load_article_view(db, ids["de"], "tester")
    table = render_article(view).renderables[-1]
    first_cell = table.columns[0]._cells[0]
    assert isinstance(first_cell, Text)
    [span] = first_cell.spans
    assert first_cell.plain[span.start : span.end] == "RIA Nowosti"


def test_single_column_layouts(db, db_path):
    ids = seed_store(db_path)
    view = load_article_view(db, ids["uk"], "tester")
    original, translation = pane_titles(view)
    assert original == "Original · uk"
    assert translation == "Translation · en · google"
    only_original = plain(render_article(view, "original"))
    assert "Kazakhstan has suspended" not in only_original and "Original · uk" in only_original
    only_translation = plain(render_article(view, "translation"))
    assert UK[0] not in only_translation
    assert "Translation · en · google" in only_translation


@given(st.text(max_size=200))
def test_any_paragraph_renders_without_markup_or_controls(paragraph):
    text = _paragraph_text(paragraph)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in text.plain)
    assert text.spans == []


# --- the action table ---------------------------------------------------------------------


def test_every_action_in_the_table_exists_on_the_app():
    for spec in build_actions(Taxonomy()):
        name = action_name(spec.action)
        assert name == "quit" or callable(getattr(TriageApp, f"action_{name}", None)), spec.id


def test_keys_do_not_collide_within_a_mode():
    seen: dict[tuple[str, str], str] = {}
    for spec in build_actions(Taxonomy()):
        for key in spec.keys.split(","):
            modes = [NORMAL, GRADE, FLAG] if spec.mode == ANY_MODE else [spec.mode]
            for mode in modes:
                assert (mode, key) not in seen, (
                    f"{key!r} in mode {mode!r}: {seen.get((mode, key))} and {spec.id}"
                )
                seen[(mode, key)] = spec.id


def test_taxonomy_keys_come_from_the_config():
    taxonomy = taxonomy_from_config(
        {
            "stances": [{"value": "pro", "label": "Pro", "key": "7"}],
            "extra_flags": [{"value": "satire", "label": "Satire", "key": "x"}],
        }
    )
    actions = {spec.id: spec for spec in build_actions(taxonomy)}
    assert actions["stance.pro"].keys == "7" and "stance.critical" not in actions
    assert actions["flag.satire"].mode == FLAG
    assert actions["grade.reliability.B"].mode == GRADE
    bindings = {b.id: b for b in to_bindings(actions.values())}
    assert bindings["flag.satire"].action == "toggle_flag('satire')"
    assert bindings["stance.pro"].group.description == "stance"


def test_config_keymap_rebinds_keys_help_and_bindings_alike():
    table, unknown = apply_keymap(
        build_actions(Taxonomy()), {"decide.done": "enter,D", "no.such.action": "z"}
    )
    assert unknown == ["no.such.action"]
    done = next(spec for spec in table if spec.id == "decide.done")
    assert done.keys == "enter,D"
    assert "⏎, D" in plain(help_table(table))
    keys = {b.key for b in to_bindings(table) if b.id == "decide.done"}
    assert keys == {"enter,D"}


def test_view_lists_sources_with_publisher_designations(db):
    """The triage bar's Sources line: publisher with designations, then cited and mentioned outlets."""
    from article_triage.store.articles import insert_article
    from article_triage.store.reader import load_article_view

    article_id = insert_article(
        db, ["Laut RIA Nowosti ist das so.", "RT DE wurde verboten."], url="https://de.rt.com/x"
    )
    db["outlets"].insert_all(
        [
            {
                "key": "rt",
                "name": "RT",
                "category": "state-controlled",
                "country": "RU",
                "designations": '[{"name": "US foreign mission", "date": "2024-09-13"}, {"name": "EU broadcast ban", "date": "2022-03-02"}]',
            },
            {
                "key": "ria-novosti",
                "name": "RIA Novosti",
                "category": "state-controlled",
                "country": "RU",
                "designations": "[]",
            },
            {
                "key": "rferl",
                "name": "RFE/RL",
                "category": "state-funded-independent",
                "country": "US",
                "designations": "[]",
            },
        ]
    )
    db["citations"].insert_all(
        [
            {"article_id": article_id, "outlet_key": "rt", "role": "publisher"},
            {
                "article_id": article_id,
                "outlet_key": "ria-novosti",
                "role": "attributed",
                "paragraph_index": 0,
                "start": 5,
                "end": 16,
            },
            {
                "article_id": article_id,
                "outlet_key": "rferl",
                "role": "attributed",
                "paragraph_index": 1,
                "start": 0,
                "end": 2,
            },
            {
                "article_id": article_id,
                "outlet_key": "rt",
                "role": "mention",
                "paragraph_index": 1,
                "start": 0,
                "end": 5,
            },
        ]
    )
    view = load_article_view(db, article_id, "tester")
    assert view.sources == [
        "published by RT: state-controlled, RU (EU broadcast ban 2022; US foreign mission 2024)",
        "cites RIA Novosti: state-controlled, RU",
        "cites RFE/RL: state-funded but editorially independent, US",
    ]
