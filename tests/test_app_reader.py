"""The reader's read model (store.reader), its widget (a long article a screen at a time), the action table."""

from __future__ import annotations

import io
from dataclasses import replace

from app_support import DE, HEBREW, HOSTILE, seed_store, settle
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from textual.app import App

from article_triage.store.articles import insert_article
from article_triage.store.reader import is_rtl, load_article_view, with_decision
from article_triage.store.settings import Settings
from article_triage.store.taxonomy import Taxonomy, taxonomy_from_config
from article_triage.store.translations import save_translation
from article_triage.store.triage import get_decision, review_suggestion, set_field
from article_triage.tui.actions import (
    ANY_MODE,
    APP,
    FLAG,
    GRADE,
    NORMAL,
    QUEUE,
    READER,
    SCREEN,
    action_name,
    apply_keymap,
    build_actions,
    to_bindings,
)
from article_triage.tui.app import TriageApp
from article_triage.tui.screens.help import help_table
from article_triage.tui.screens.triage import TriageScreen
from article_triage.tui.widgets.queue import ArticleQueue
from article_triage.tui.widgets.reader import (
    COLUMN_SEPARATOR,
    MISSING_TRANSLATION,
    RENDERED_LINES,
    Geometry,
    Reader,
    _paragraph_text,
    original_text,
    pane_titles,
    translation_text,
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


def test_paragraph_text_shows_markup_and_controls_as_text(db, db_path):
    ids = seed_store(db_path)
    view = load_article_view(db, ids["hostile"], "tester")
    first, second = original_text(view, 0), original_text(view, 1)
    assert first.plain == HOSTILE[0] and first.spans == []
    assert second.plain == "Escape here: [31mred[0m done."
    assert translation_text(view, 0).plain == MISSING_TRANSLATION


def test_citation_spans_are_highlighted(db, db_path):
    ids = seed_store(db_path)
    view = load_article_view(db, ids["de"], "tester")
    first = original_text(view, 0)
    [span] = first.spans
    assert first.plain[span.start : span.end] == "RIA Nowosti"
    assert original_text(view, 1).spans == []


def test_headings_say_a_partial_translation_before_its_provider(db, db_path):
    ids = seed_store(db_path)
    assert pane_titles(load_article_view(db, ids["uk"], "tester")) == (
        "Original · uk",
        "Translation · en · google",
    )
    assert pane_titles(load_article_view(db, ids["de"], "tester"))[1] == (
        "Translation · en · 1/2 paragraphs · deepl"
    )


def test_geometry_splits_the_width_between_gutter_and_columns():
    both = Geometry.fit(80, 1500, "both")
    assert both.gutter == len(" 1500 ")
    assert both.width == 80 and abs(both.original - both.translation) <= 1
    assert Geometry.fit(80, 9, "original").translation == 0
    assert Geometry.fit(80, 9, "translation") == Geometry(3, 0, 77)


@given(st.text(max_size=200))
def test_any_paragraph_renders_without_markup_or_controls(paragraph):
    text = _paragraph_text(paragraph)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in text.plain)
    assert text.spans == []


# --- the reader widget: a long article drawn a screen at a time ---------------------------

LONG = 1500
READER_SIZE = (100, 30)


def long_article(db) -> int:
    """LONG paragraphs whose two sides wrap to different heights, every one distinct."""
    original = [f"Абзац {i + 1} " + "слово " * (i % 23) for i in range(LONG)]
    translated = [f"Paragraph {i + 1} " + "word " * ((i * 7) % 31) for i in range(LONG)]
    article_id = insert_article(db, original, title="Довга стаття", language="uk")
    save_translation(db, article_id, "en", "google", translated, source_lang="uk")
    return article_id


class ReaderApp(App[None]):
    def compose(self):
        yield Reader(id="reader")


def body_rows(reader: Reader) -> list[tuple[str, str, str]]:
    """(gutter, original, translation) of each line in view."""
    g = reader.body.geometry
    rows = []
    for line in reader.visible_text().splitlines()[3:]:
        line = line.ljust(g.width)
        rows.append(
            (
                line[: g.gutter].strip(),
                line[g.gutter : g.gutter + g.original].strip(),
                line[g.gutter + g.original + len(COLUMN_SEPARATOR) :].strip(),
            )
        )
    return rows


def assert_aligned(reader: Reader) -> list[int]:
    """Each numbered line starts paragraph n on both sides; returns the numbers in view."""
    numbers = []
    for gutter, original, translation in body_rows(reader):
        if gutter:
            n = int(gutter)
            numbers.append(n)
            assert original.startswith(f"Абзац {n} ") or original == f"Абзац {n}"
            assert translation.startswith(f"Paragraph {n}")
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    return numbers


async def test_long_article_is_drawn_a_screen_at_a_time_and_stays_aligned(db):
    view = load_article_view(db, long_article(db), "tester")
    app = ReaderApp()
    async with app.run_test(size=READER_SIZE) as pilot:
        reader = app.query_one(Reader)
        reader.show(view)
        await pilot.pause()
        body = reader.body
        assert assert_aligned(reader)[0] == 1
        # Only what is in view (and a screen below) was wrapped, not 1,500 paragraphs.
        assert body.wrapped_paragraphs < 2 * body.size.height
        heading = reader.visible_text().splitlines()[2]
        assert "Original · uk" in heading and "Translation · en · google" in heading

        # Paging: the headings stay, the numbers carry on, both sides stay together.
        for _ in range(3):
            before = assert_aligned(reader)[-1]
            reader.scroll_page_down(animate=False)
            await pilot.pause()
            assert assert_aligned(reader)[0] in (before, before + 1)
            assert "Original · uk" in reader.visible_text().splitlines()[2]

        # The far end: the last paragraph, still aligned, still only a few wrapped.
        body.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        await pilot.pause()
        assert assert_aligned(reader)[-1] == LONG
        assert body.wrapped_paragraphs < 6 * body.size.height

        # Scrolling back over a line draws from the cache, which never outgrows its bound.
        for _ in range(40):
            reader.scroll_page_up(animate=False)
            await pilot.pause()
        assert_aligned(reader)
        assert len(body._lines) <= RENDERED_LINES


async def test_columns_and_width_keep_the_paragraph_in_view(db):
    view = load_article_view(db, long_article(db), "tester")
    app = ReaderApp()
    async with app.run_test(size=READER_SIZE) as pilot:
        reader = app.query_one(Reader)
        reader.show(view)
        await pilot.pause()
        for _ in range(30):
            reader.scroll_page_down(animate=False)
        await pilot.pause()
        top = reader.paragraph_in_view()
        assert top > 50

        reader.set_columns("original")
        await pilot.pause()
        assert reader.paragraph_in_view() == top
        assert not any(t for _, _, t in body_rows(reader)) or reader.body.geometry.translation == 0
        assert "Paragraph" not in reader.visible_text()

        reader.set_columns("both")
        await pilot.resize_terminal(70, 24)
        await pilot.pause()
        assert reader.paragraph_in_view() == top
        assert_aligned(reader)

        # A decision re-shows the same article: the place is kept.
        reader.show(view, keep_scroll=True)
        await pilot.pause()
        assert reader.paragraph_in_view() == top
        reader.show(view)
        await pilot.pause()
        assert reader.paragraph_in_view() == 0


async def test_C_opens_on_the_paragraph_in_view_and_corrects_it(db, db_path):
    article_id = long_article(db)
    app = TriageApp(db_path, "tester", Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == article_id
        for _ in range(5):
            await pilot.press("space")
        await pilot.pause()
        top = app.triage.reader.paragraph_in_view()
        assert top > 0
        numbers = assert_aligned(app.triage.reader)
        assert numbers[0] in (top + 1, top + 2)
        await pilot.press("C")
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#correct-index").value == str(top + 1)
        dialog.query_one("#correct-text").text = "Corrected by hand."
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    stored = db.execute(
        "SELECT text, provider FROM translations WHERE article_id = ? AND paragraph_index = ?",
        [article_id, top],
    ).fetchone()
    assert stored == ("Corrected by hand.", "analyst")


# --- the action table ---------------------------------------------------------------------


def test_every_action_in_the_table_exists_on_its_target():
    targets = {APP: TriageApp, SCREEN: TriageScreen, QUEUE: ArticleQueue, READER: Reader}
    for spec in build_actions(Taxonomy()):
        name = action_name(spec.action)
        action = getattr(targets[spec.target], f"action_{name}", None)
        assert name == "quit" or callable(action), spec.id


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
