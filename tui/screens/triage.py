"""The triage screen: queue | original | translation, the triage bar, and its flows.

It owns the layout and what the analyst does on it: moving through the queue, search
and filter, translation and export, stories and the article's URL. Its decision keys
(stance, grade, flags, status, notes, undo, bulk) run in :mod:`tui.screens.decisions`;
keys that arrive together wait in :mod:`tui.key_gate` for the article they act on; the
article to show is read (or was read ahead) by :mod:`tui.article_reading`.
The app around it keeps the connection, settings, the job worker and error
notification (:mod:`tui.app`). Reads run in thread workers, each on its own connection.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import ActiveBinding, Screen
from textual.widgets import Footer, Static
from textual.widgets._toast import ToastRack
from textual.worker import Worker, WorkerState, get_current_worker

from article_triage.store.articles import ArticleFilter
from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.query import Query, QueryError, parse_query, sorted_query
from article_triage.store.reader import with_decision
from article_triage.store.translations import correct_paragraph
from article_triage.store.triage import (
    Decision,
    next_untriaged,
)
from article_triage.tui.actions import (
    FLAG,
    GRADE,
    GRADE_DIGIT_PROMPT,
    MODE_PROMPTS,
    NORMAL,
    QUEUE,
    SCREEN,
    ActionSpec,
    binding_hosts,
    key_state,
    specs_by_action,
    to_bindings,
)
from article_triage.tui.article_reading import ArticleReading
from article_triage.tui.key_gate import KEY_CHECK_SECONDS, KeyGate
from article_triage.tui.messages import (
    ArticleLoaded,
    ArticleMissing,
    BulkApplied,
    HistoryReplayed,
    UntriagedFound,
)
from article_triage.tui.screens.correct_translation import CorrectTranslation
from article_triage.tui.screens.decisions import DecisionFlows
from article_triage.tui.screens.export_dialog import ExportDialog
from article_triage.tui.screens.export_dialog import ExportRequest as ExportChoice
from article_triage.tui.screens.filter import FilterDialog
from article_triage.tui.screens.mode_keys import ModeKeys, mode_keys_type
from article_triage.tui.screens.story_merge import StoryMerge
from article_triage.tui.state import load_state, remember
from article_triage.tui.widgets.queue import ArticleQueue, QueueHeading, counted_line
from article_triage.tui.widgets.reader import ArticleLines, Reader
from article_triage.tui.widgets.search_bar import SearchBar
from article_triage.tui.widgets.triage_bar import TriageBar

FOOTER_FIRST = ("app.help", "app.quit")
"""Keys the footer shows at any width (it cuts from the end)."""
EXIT_AFTER_FIRST_ARTICLE_ENV = "TRIAGE_EXIT_AFTER_FIRST_ARTICLE"
"""Set to 1 and the app exits once the first article is on screen (start-up benchmark)."""


def triage_screen_type(actions: list[ActionSpec]) -> type[TriageScreen]:
    """The triage screen class with the screen's keys of *actions*, and its modes' key
    screens with theirs (the default keys: the config's go through Textual's keymap).

    Textual reads bindings from the class (``BINDINGS``), and these come from the
    configured taxonomy (stance, grade and flag keys), so the classes are made per app.
    """
    bindings = to_bindings(spec for spec in actions if SCREEN in binding_hosts(spec))
    modes = {mode: mode_keys_type(actions, mode) for mode in (GRADE, FLAG)}
    return type("TriageScreen", (TriageScreen,), {"BINDINGS": bindings, "MODE_KEYS": modes})


class TriageScreen(Screen[None]):
    """The queue, the reader and the triage bar; every key acts on the article shown."""

    mode: reactive[str] = reactive(NORMAL, bindings=True)
    """'' normally; 'grade' after g (letter, then digit); 'flag' after f."""

    grade_letter: reactive[str | None] = reactive(None)
    """The reliability letter typed after g, kept until its digit commits both as one change."""

    MODE_KEYS: ClassVar[dict[str, type[ModeKeys]]] = {}
    """The key screen of each mode (made with the taxonomy's keys: triage_screen_type)."""

    def __init__(self, actions: list[ActionSpec]) -> None:
        super().__init__(id="triage")
        self.actions = actions
        """The action table with the config's keys (help, palette and held keys read it)."""
        self._specs = specs_by_action(actions)
        self._order = {spec.id: i for i, spec in enumerate(actions)}
        for rank, first in enumerate(FOOTER_FIRST):
            self._order[first] = rank - len(FOOTER_FIRST)
        cursor_keys = frozenset(
            key.strip()
            for spec in actions
            if spec.mode == NORMAL and spec.target == QUEUE
            for key in spec.keys.split(",")
        )
        self.key_gate = KeyGate(self, cursor_keys)
        """Holds keys that arrive in one read until the article they act on is shown."""
        self.decisions = DecisionFlows(self)
        self.story_merge = StoryMerge(self)
        """What the decision keys do (tui/screens/decisions.py)."""
        self.view = None
        self._keys_state: tuple[bool, ...] = ()
        self.reading = ArticleReading(self)
        """Reads the article to show, from memory when it was read ahead (tui/article_reading.py)."""
        self._exit_after_first = os.environ.get(EXIT_AFTER_FIRST_ARTICLE_ENV) == "1"
        self.header = Static("", id="queue-header", markup=False)
        """What the queue shows: done of total, the query described, store changes."""
        self.queue = ArticleQueue(
            self.app.thread_db, ArticleFilter(analyst=self.app.analyst), id="queue"
        )
        self.reader = Reader(id="reader")
        self.triage_bar = TriageBar(self.app.taxonomy, id="triage-bar")
        self.search_bar = SearchBar(self.app.thread_db, self.app.taxonomy, id="search")

    @property
    def filter(self) -> ArticleFilter:
        """What the queue lists (query, order, story): J, bulk decisions, translate and
        export take the same articles."""
        return self.queue.filter

    @property
    def analyst(self) -> str:
        return self.app.analyst

    @property
    def taxonomy(self):
        return self.app.taxonomy

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="queue-pane"):
                yield Static(
                    session_line(self.analyst, self.app.db_path), id="session", markup=False
                )
                yield self.header
                yield QueueHeading(id="queue-columns")
                yield self.queue
            yield self.reader
        yield self.triage_bar
        yield self.search_bar
        yield Footer()

    def on_mount(self) -> None:
        self.search_bar.display = False
        self.queue.focus()
        self.queue.reload(resume=True)  # where this analyst left off
        self.triage_bar.show(None)
        self.set_interval(KEY_CHECK_SECONDS, self.key_gate.drop_stale_keys)

    def show_activity(self, activity: str) -> None:
        """A line under the decision in the triage bar (a job's progress; '' clears it)."""
        self.triage_bar.show(self.view, activity=activity)

    def show_store_changed(self) -> None:
        self.header.update(f"{self.header.content}\nstore changed: f5 refreshes")

    # --- which keys apply now -----------------------------------------------------------

    def key_state(self, spec: ActionSpec | None) -> bool | None:
        """Whether *spec*'s key applies in this mode, with or without an article."""
        return key_state(spec, self.mode, self.view is not None)

    def _key_state(self, target: str, action: str) -> bool | None:
        return self.key_state(self._specs.get((target, action)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "on" and len(parameters) == 2:
            return self._key_state(str(parameters[0]), str(parameters[1]))
        return self._key_state(SCREEN, action)

    async def action_on(self, target: str, action: str) -> None:
        """Run a queue or reader action (j, k, space, v...) on its widget: their keys are
        bound here, where the focus always passes (tui.actions)."""
        widget = self.queue if target == QUEUE else self.reader
        await widget.run_action(action)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """In the order of the action table, ? and q first (a narrow footer cuts the end),
        whichever node (queue, screen, app) holds each key."""
        active = super().active_bindings
        last = len(self._order)
        return dict(
            sorted(active.items(), key=lambda item: self._order.get(item[1].binding.id, last))
        )

    def _refresh_keys(self) -> None:
        """Redraw the footer only when the set of keys that apply has changed.

        The footer rebuilds all its keys on every refresh, which costs more than
        the rest of moving to the next article; so per-article keys (y, T) stay
        listed and say so when there is nothing for them to do.
        """
        state = (self.view is None,)
        if state != self._keys_state:
            self._keys_state = state
            self.refresh_bindings()

    def watch_mode(self, mode: str) -> None:
        if mode != GRADE:
            self.grade_letter = None  # left without its digit: the half grade is dropped
        self._show_prompt()
        if not self.is_mounted:
            return
        # The mode's keys are a screen over this one (tui/screens/mode_keys.py).
        top = self.app.screen
        if isinstance(top, ModeKeys) and mode != top.MODE:
            self.app.pop_screen()
        if mode != NORMAL and not isinstance(self.app.screen, ModeKeys):
            self.app.push_screen(self.MODE_KEYS[mode](self))

    def watch_grade_letter(self) -> None:
        self._show_prompt()

    def _show_prompt(self) -> None:
        if not self.is_mounted:
            return
        prompt = MODE_PROMPTS.get(self.mode, "")
        if self.mode == GRADE and self.grade_letter:
            prompt = GRADE_DIGIT_PROMPT.format(letter=self.grade_letter)
        self.triage_bar.show(self.view, prompt=prompt)

    # --- every key acts on the article shown ----------------------------------------------

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        self.key_gate.worker_changed(event)
        if event.state == WorkerState.ERROR:
            self.app.notify_worker_failed(event.worker)

    @on(ArticleQueue.ReadFailed)
    def _on_queue_read_failed(self, message: ArticleQueue.ReadFailed) -> None:
        self.key_gate.give_up()
        self.app.notify_worker_failed(message.worker)

    # --- navigation ---------------------------------------------------------------------

    def action_next_untriaged(self) -> None:
        self._start_find_untriaged(self.view.id if self.view else 0)

    def _start_find_untriaged(self, after_id: int) -> None:
        self.key_gate.expect("navigate", moves_article=True)
        self._find_untriaged(after_id)

    @work(thread=True, exclusive=True, group="navigate", exit_on_error=False)
    def _find_untriaged(self, after_id: int) -> None:
        found = next_untriaged(self.app.thread_db(), self.analyst, after_id, self.filter)
        if not get_current_worker().is_cancelled:
            self.post_message(UntriagedFound(found))

    @on(UntriagedFound)
    def _on_untriaged_found(self, message: UntriagedFound) -> None:
        self.key_gate.arrived("navigate")
        current = self.queue.current
        anchor = (self.queue.cursor, current.id) if current is not None else None
        if message.article_id is None:
            self.notify("Every article in this filter is triaged.")
            self.queue.reload(select_id=current.id if current else None, anchor=anchor)
        else:
            self.queue.reload(select_id=message.article_id, anchor=anchor)
        self.key_gate.settled_point()

    @on(ArticleQueue.Highlighted)
    def _on_highlighted(self, message: ArticleQueue.Highlighted) -> None:
        if self.mode != NORMAL and (self.view is None or self.view.id != message.row.id):
            self.mode = NORMAL  # a half-typed grade belongs to the article it was begun on
        # Shown at once when it was read ahead, else read in a worker; keys wait for it.
        self.key_gate.expect("article", moves_article=True)
        view = self.reading.move_to(message.row.id, leaving=self.view)
        if view is not None:
            self._on_article_loaded(ArticleLoaded(view))

    def _show_article(self, article_id: int) -> None:
        """Read the article again (the store changed); keys wait for it (tui/key_gate.py)."""
        self.key_gate.expect("article", moves_article=True)
        self.reading.read(article_id)

    @on(ArticleLoaded)
    def _on_article_loaded(self, message: ArticleLoaded) -> None:
        current = self.queue.current
        if current is not None and current.id != message.view.id:
            return  # the cursor moved on while this one was read
        self.key_gate.arrived("article")
        same_article = self.view is not None and self.view.id == message.view.id
        self.view = message.view
        self.reader.show(message.view, keep_scroll=same_article)
        self.triage_bar.show(message.view)
        self._refresh_keys()
        self._first_screen_done()
        self.key_gate.settled_point()

    @on(ArticleLines.Drawn)
    def _on_article_drawn(self, message: ArticleLines.Drawn) -> None:
        self.reading.read_neighbours(message.article_id)

    def _first_screen_done(self) -> None:
        if self._exit_after_first:
            self._exit_after_first = False
            self.call_after_refresh(self.app.exit)

    @on(ArticleMissing)
    def _on_article_missing(self, message: ArticleMissing) -> None:
        self.key_gate.arrived("article")
        self.notify(f"Article {message.article_id} is no longer in the store.", severity="warning")
        self.queue.reload()

    @on(ArticleQueue.Counted)
    def _on_counted(self, message: ArticleQueue.Counted) -> None:
        self.app.store_read()
        header = counted_line(message.done, message.total, message.flt)
        summary = message.flt.describe()
        self.header.update(f"{header}\n{summary}" if summary else header)
        if message.total == 0:
            self.view = None
            self.reader.show_note(
                "No article matches the search and filter (c clears them)."
                if summary
                else "The store is empty: press I to import articles (or run `triage add PATH...`)."
            )
            self.triage_bar.show(None)
            self._refresh_keys()
            self._first_screen_done()  # nothing to show: the start-up is over all the same
        self.key_gate.settled_point()

    def after_store_change(self, select_id: int | None = None) -> None:
        """Re-read the queue and the article after a change that may touch many rows."""
        self.reading.forget()
        self.queue.reload(select_id=select_id or (self.view.id if self.view else None))
        if self.view is not None and (select_id is None or select_id == self.view.id):
            self._show_article(self.view.id)

    def action_refresh_store(self) -> None:
        self.after_store_change()

    # --- decisions (tui/screens/decisions.py) -------------------------------------------

    def show_decision(self, decision: Decision, *, status_changed: bool) -> None:
        """Show *decision*, just committed, on its row and (if shown) in the triage bar;
        a status change moves on to the next untriaged article."""
        self.queue.update_row(decision)
        if self.view is not None and self.view.id == decision.article_id:
            self.view = with_decision(self.view, decision)
            self.triage_bar.show(self.view)
            self._refresh_keys()
        if status_changed:
            if decision.status == "new":
                self.queue.reload(select_id=decision.article_id)
            else:
                self._start_find_untriaged(decision.article_id)

    def action_set_stance(self, stance: str) -> None:
        self.decisions.set_stance(stance)

    def action_enter_mode(self, mode: str) -> None:
        self.mode = mode

    def action_cancel_mode(self) -> None:
        self.mode = NORMAL

    # A grade is one change: the letter waits for its digit, and the digit writes both
    # (one event group, one undo step). Escape or moving on drops a lone letter.

    def action_set_reliability(self, letter: str) -> None:
        self.grade_letter = letter

    def action_set_credibility(self, digit: str) -> None:
        letter = self.grade_letter or (self.view.decision.reliability if self.view else None)
        if letter is None:
            self.notify("Grade: the reliability letter first (A–F), then the digit.")
            return
        self.mode = NORMAL
        self.decisions.set_fields({"reliability": letter, "credibility": digit})

    def action_toggle_flag(self, flag: str) -> None:
        self.mode = NORMAL
        self.decisions.toggle_flag(flag)

    def action_mark_done(self) -> None:
        self.decisions.mark_status("done")

    def action_mark_status(self, status: str) -> None:
        self.decisions.mark_status(status)

    def action_review_suggestion(self, accept: bool) -> None:
        self.decisions.review_suggestion(accept)

    def action_adjudicate(self) -> None:
        self.decisions.adjudicate()

    def action_edit_notes(self) -> None:
        self.decisions.edit_notes()

    def action_undo(self) -> None:
        self.decisions.undo()

    def action_redo(self) -> None:
        self.decisions.redo()

    def action_bulk_status(self, status: str) -> None:
        self.decisions.bulk_status(status)

    @on(HistoryReplayed)
    def _on_history_replayed(self, message: HistoryReplayed) -> None:
        self.decisions.history_replayed(message)

    @on(BulkApplied)
    def _on_bulk_applied(self, message: BulkApplied) -> None:
        self.decisions.bulk_applied(message)

    # --- search, filter, view -----------------------------------------------------------

    def action_search(self) -> None:
        bar = self.search_bar
        bar.value = query_text(self.filter)
        bar.display = True
        bar.focus()

    @on(SearchBar.Submitted, "#search")
    def _on_search_submitted(self, event: SearchBar.Submitted) -> None:
        if self.apply_query(event.value):
            self._close_search()

    @on(SearchBar.Closed)
    def _close_search(self) -> None:
        bar = self.search_bar
        bar.display = False
        self.queue.focus()

    def apply_query(self, text: str) -> bool:
        """The queue shows what *text* (the query language) selects; a query that does not
        read is one line saying where and why, and the queue stays as it was."""
        try:
            query = parse_query(text, self.taxonomy)
        except QueryError as exc:
            self.notify(f"query {exc}", severity="error", markup=False)
            return False
        self.apply_filter(replace(self.filter, where=query if query.text else None, query=None))
        return True

    def apply_filter(self, flt: ArticleFilter, keep: int | None = None) -> None:
        """Show *flt*'s articles from the first, or on article *keep* when it is in them."""
        if keep is None:
            self.queue.cursor = 0
        self.queue.reload(flt, select_id=keep)

    def action_filter(self) -> None:
        def chosen(text: str | None) -> None:
            if text is not None:
                self.apply_query(text)

        dialog = FilterDialog(query_text(self.filter), self.taxonomy, self.app.thread_db)
        self.app.push_screen(dialog, chosen)

    def action_clear_filter(self) -> None:
        # Every article is in the cleared list, so the one being read stays in view; the
        # order is no filter: it stays too.
        self.apply_filter(
            ArticleFilter(analyst=self.analyst, where=sorted_query(None, self.filter.order.name)),
            keep=self.view.id if self.view else None,
        )

    def action_toggle_queue(self) -> None:
        pane = self.query_one("#queue-pane")
        pane.display = not pane.display
        # Toasts cover the queue; without it, the bottom of the reader's text (app.tcss).
        self.set_class(not pane.display, "-queue-hidden")
        self.place_toasts()
        if pane.display:
            self.queue.focus()

    @on(TriageBar.Resized)
    def place_toasts(self) -> None:
        """With the queue hidden the toasts stand on the triage bar (app.tcss docks them at
        the bottom): the margin under them is the bar and all below it, whatever its height."""
        racks = self.query_children(ToastRack)
        if not racks:
            return  # an app run without notifications has none
        rack = racks.first()
        if self.has_class("-queue-hidden"):
            rack.styles.margin = (0, 0, self.size.height - self.triage_bar.region.y, 0)
        else:
            rack.styles.clear_rule("margin")

    # --- translation and export -----------------------------------------------------------

    def action_translate_current(self) -> None:
        if self.view is None:
            return
        if self.view.translated_count == len(self.view.paragraphs):
            self.notify("This article is translated already.")
            return
        self._translate((self.view.id,))

    def action_translate_untranslated(self) -> None:
        self._translate(None)  # what lacks a translation in the filter

    def _translate(self, article_ids: tuple[int, ...] | None) -> None:
        from article_triage.store.jobs import TranslateRequest, run_translate
        from article_triage.store.settings import ConfigError
        from article_triage.store.translate import settings_from_config

        config = self.app.config
        try:
            settings = settings_from_config(config, target=self.app.target_lang)
            settings.validate()
        except (ConfigError, ValueError) as exc:
            self.notify(f"cannot translate: {exc}", severity="error", markup=False)
            return
        request = TranslateRequest(settings, article_ids, self.filter, config.path)
        self.app.run_job(run_translate, request, "translating", name="translate")

    def action_correct_translation(self) -> None:
        if self.view is None:
            return
        article_id = self.view.id

        def save(correction: tuple[int, str] | None) -> None:
            if correction is None:
                return
            index, text = correction
            try:
                correct_paragraph(
                    self.app.ui_db,
                    article_id,
                    self.app.target_lang,
                    index,
                    text,
                    analyst=self.analyst,
                )
            except (IndexError, sqlite3.Error) as exc:
                self.notify(f"not saved: {exc}", severity="error", markup=False)
                return
            self.notify(f"Paragraph {index + 1} corrected; later machine runs keep it.")
            self._show_article(article_id)

        dialog = CorrectTranslation(self.view, self.reader.paragraph_in_view())
        self.app.push_screen(dialog, save)

    def action_export(self) -> None:
        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self.notify(f"Exporting to {choice.path}…", markup=False)
                remember("export_format", choice.fmt)
                self._export(choice)

        dialog = ExportDialog(
            Path.cwd(),
            self.filter.describe() or "everything",
            last_format=load_state().get("export_format"),
        )
        self.app.push_screen(dialog, chosen)

    def _export(self, choice: ExportChoice) -> None:
        from article_triage.store.jobs import ExportRequest, run_export

        flt = self.filter if choice.current_filter else ArticleFilter(analyst=self.analyst)
        request = ExportRequest(
            choice.path,
            choice.fmt,
            flt,
            with_text=choice.with_text,
            with_translation=choice.with_translation,
            target_lang=self.app.target_lang,
        )
        self.app.run_job(run_export, request, "exporting", name="export", changes_store=False)

    # --- the article's address and its story ----------------------------------------------

    def _article_url(self) -> str | None:
        """The shown article's web address, or None (said in a notification): pasted
        text and files have none, and only http(s) goes to a browser."""
        view = self.view
        if view is None:
            return None
        if not view.url:
            self.notify("This article has no URL (it was imported from a file or pasted).")
            return None
        if urlsplit(view.url).scheme not in ("http", "https"):
            self.notify(f"Not a web address: {shown_line(view.url)}", markup=False)
            return None
        return view.url

    def action_open_article_url(self) -> None:
        url = self._article_url()
        if url is not None:
            self._open_in_browser(url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        # webbrowser.open can block (it may wait for the browser to start): not on the UI loop.
        import webbrowser

        if webbrowser.open(url):
            self.app.call_from_thread(self.notify, f"Opened {shown_line(url)}", markup=False)
        else:
            self.app.call_from_thread(
                self.notify,
                f"No browser found (set $BROWSER); the URL is {shown_line(url)}",
                severity="warning",
                markup=False,
            )

    def action_copy_article_url(self) -> None:
        url = self._article_url()
        if url is not None:
            self.app.copy_to_clipboard(url)
            self.notify(f"Copied {shown_line(url)}", markup=False)

    def action_merge_story(self) -> None:
        self.story_merge.press()

    def action_show_story(self) -> None:
        from article_triage.tui.screens.story import StoryChoice, StoryScreen

        view = self.view
        if view is None or view.story_id is None:
            self.notify("This article is in no story yet: `triage stories rebuild` places it.")
            return

        def chosen(choice: StoryChoice | None) -> None:
            if choice is None:  # a split on the screen may have changed the story line
                self.after_store_change()
                return
            story = replace(self.filter, story=choice.story_id)
            self.queue.reload(story, select_id=choice.article_id)

        story = StoryScreen(self.app.thread_db, view.story_id, self.analyst, view.id)
        self.app.push_screen(story, chosen)


def session_line(analyst: str, db_path: Path) -> str:
    """Who is triaging in which store: 'olena · article-triage/triage.db' (the store's
    folder tells the default store from a project's)."""
    store = Path(db_path.parent.name, db_path.name)
    return f"{shown_identity(analyst)} · {shown_line(store)}"


def query_text(flt: ArticleFilter) -> str:
    """The query the queue's filter was typed or built as, to edit it again."""
    return flt.where.text if isinstance(flt.where, Query) else ""
