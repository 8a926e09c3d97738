"""The triage screen's decision flows: stance, grade, flags, status, suggestions,
adjudication, notes, undo and redo, and bulk decisions.

A decision is a one-row transaction on the UI thread's connection: the screen shows
the new value only after the commit has returned, so kill -9 never loses what was
shown as saved. Undo, redo and bulk decisions touch many rows: they run in thread
workers of the screen (each on its own connection) and report back in a message the
screen hands to :meth:`DecisionFlows.history_replayed` or :meth:`DecisionFlows.bulk_applied`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import sqlite_utils

from article_triage.store.articles import get_article
from article_triage.store.boundary import shown_line
from article_triage.store.triage import (
    Change,
    apply_changes,
    bulk_apply,
    get_decision,
    redo,
    review_suggestion,
    toggle_flag,
    undo,
)
from article_triage.tui.messages import BulkApplied, HistoryReplayed
from article_triage.tui.screens.confirm import ConfirmDialog
from article_triage.tui.screens.notes_editor import NotesEditor

if TYPE_CHECKING:
    from article_triage.tui.screens.triage import TriageScreen

TITLE_IN_MESSAGE = 40
"""Characters of an article's title in a one-line notification."""


class DecisionFlows:
    """What the triage screen's decision keys do: write, then have the screen show what
    the store holds. The screen keeps the mode (g, f) and what is shown."""

    def __init__(self, screen: TriageScreen) -> None:
        self.screen = screen

    @property
    def app(self):
        return self.screen.app

    @property
    def view(self):
        """The article shown, the one a decision key acts on."""
        return self.screen.view

    @property
    def analyst(self) -> str:
        return self.screen.analyst

    @property
    def taxonomy(self):
        return self.screen.taxonomy

    @property
    def queue(self):
        return self.screen.queue

    def notify(self, message: str, **kwargs: Any) -> None:
        self.screen.notify(message, **kwargs)

    def commit(
        self,
        write: Callable[[sqlite_utils.Database, int], Any],
        changes: set[str],
        article_id: int | None = None,
    ) -> None:
        """Run one decision write (on the current article unless *article_id* is given),
        then show what the store holds."""
        if article_id is None:
            if self.view is None:
                return
            article_id = self.view.id
        db = self.app.ui_db
        try:
            write(db, article_id)
            decision = get_decision(db, article_id, self.analyst)
        except ValueError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        except sqlite3.Error as exc:  # busy past the timeout, disk full, read-only file
            self.notify(f"not saved: {exc}", severity="error", markup=False)
            return
        # A view read ahead before this commit is stale (the app's own commits do not
        # move the store's data version): the article's own, and its story's, whose
        # story line counts decisions.
        story_id = self.view.story_id if self.view is not None else None
        self.screen.reading.forget(article_id, story_id)
        # Shown before the next key is handled: a second stance key in the same burst
        # must see this one (the same key twice clears), and "done" must have set the
        # cursor moving before the key after it is handled.
        self.screen.show_decision(decision, status_changed="status" in changes)

    def set_fields(self, changes: dict[str, Any]) -> None:
        self.commit(
            lambda db, article_id: apply_changes(
                db, [article_id], self.analyst, changes, self.taxonomy
            ),
            set(changes),
        )

    def set_stance(self, stance: str) -> None:
        current = self.view.decision.stance if self.view else None
        # The same key again clears the stance, so a slip is one key to take back.
        self.set_fields({"stance": None if current == stance else stance})

    def toggle_flag(self, flag: str) -> None:
        self.commit(
            lambda db, article_id: toggle_flag(db, article_id, self.analyst, flag, self.taxonomy),
            {"flags"},
        )

    def mark_status(self, status: str) -> None:
        self.set_fields({"status": status})

    def review_suggestion(self, accept: bool) -> None:
        if self.view is None:
            return
        pending = self.view.pending_suggestions
        if not pending:
            self.notify("No suggestion waiting for review.")
            return
        flag = pending[0].flag
        self.commit(
            lambda db, article_id: review_suggestion(db, article_id, self.analyst, flag, accept),
            {"flags", "rejected_suggestions"},
        )

    def adjudicate(self) -> None:
        """Settle the analysts' disagreement with the lead's decision as shown, once confirmed.

        A ruling is the whole decision: one with no stance or no grade is refused,
        not recorded as settling anything.
        """
        from article_triage.store.agreement import adjudicate

        if self.view is None:
            return
        if not self.view.others:
            self.notify("No other analyst has graded this article: nothing to adjudicate.")
            return
        article_id, d = self.view.id, self.view.decision
        missing = [
            name
            for name, value in (
                ("stance", d.stance),
                ("reliability", d.reliability),
                ("credibility", d.credibility),
            )
            if not value
        ]
        if missing:
            self.notify(
                f"Not adjudicated: your decision on #{article_id} has no {', no '.join(missing)}. "
                "Set them first (a stance key, g letter digit), then A.",
                severity="warning",
            )
            return
        ruling = {
            "stance": d.stance,
            "reliability": d.reliability,
            "credibility": d.credibility,
            "flags": list(d.flags),
        }
        flags = ", ".join(self.taxonomy.label("flags", f) for f in d.flags) or "no flags"
        question = (
            f"Settle the disagreement on #{article_id} {shown_line(self.view.title)}\n"
            f"with your decision: {self.taxonomy.label('stances', d.stance)} {d.grade}, {flags}?\n"
            "One undo (u) takes it back."
        )

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            self.commit(
                lambda db, aid: adjudicate(db, aid, self.analyst, ruling, self.taxonomy),
                {"adjudicated"} | ({"status"} if d.status == "new" else set()),
                article_id=article_id,
            )

        self.app.push_screen(ConfirmDialog(question), answer)

    def edit_notes(self) -> None:
        if self.view is None:
            return
        article_id = self.view.id
        title = f"Notes on #{article_id}: {self.view.title}"

        def save(text: str | None) -> None:
            # The note belongs to the article it was opened on, even if the reader
            # moved on meanwhile (a "done" keystroke's worker finishing late).
            current = get_decision(self.app.ui_db, article_id, self.analyst).notes
            if text is None or text == current:
                return
            self.commit(
                lambda db, aid: apply_changes(
                    db, [aid], self.analyst, {"notes": text}, self.taxonomy
                ),
                {"notes"},
                article_id=article_id,
            )

        self.app.push_screen(NotesEditor(self.view.decision.notes, title), save)

    # --- history and bulk ---------------------------------------------------------------

    def undo(self) -> None:
        self.screen.key_gate.expect("history")
        self._replay(redo_step=False)

    def redo(self) -> None:
        self.screen.key_gate.expect("history")
        self._replay(redo_step=True)

    def _replay(self, redo_step: bool) -> None:
        self.screen.run_worker(
            partial(self._replay_in_thread, redo_step),
            name="_replay",
            group="history",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _replay_in_thread(self, redo_step: bool) -> None:
        db = self.app.thread_db()
        change = redo(db, self.analyst) if redo_step else undo(db, self.analyst)
        title = None
        if change is not None and len(change.article_ids) == 1:
            article = get_article(db, change.article_ids[0])
            title = article["title"] if article else None
        self.screen.post_message(HistoryReplayed(change, redo_step, title))

    def history_replayed(self, message: HistoryReplayed) -> None:
        self.screen.key_gate.arrived("history")
        change = message.change
        if change is None:
            self.notify(f"Nothing to {'redo' if message.redo else 'undo'}.")
        else:
            self.notify(describe_replay(change, message.redo, message.title), markup=False)
            # The article it touched is shown, so the analyst sees what came back.
            touched = change.article_ids
            self.screen.after_store_change(touched[0] if len(touched) == 1 else None)
        self.screen.key_gate.settled_point()

    def bulk_status(self, status: str) -> None:
        total = self.queue.total
        if not total:
            self.notify("The filter is empty.")
            return
        label = self.taxonomy.label("statuses", status).lower()
        question = (
            f"Mark all {total:,} articles in the current filter {label}?\n"
            "One undo (u) takes it back."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.screen.key_gate.expect("bulk")
                self._bulk({"status": status})

        self.app.push_screen(ConfirmDialog(question), answer)

    def _bulk(self, changes: dict[str, Any]) -> None:
        self.screen.run_worker(
            partial(self._bulk_in_thread, changes),
            name="_bulk",
            group="bulk",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _bulk_in_thread(self, changes: dict[str, Any]) -> None:
        db = self.app.thread_db()
        change = bulk_apply(db, self.screen.filter, self.analyst, changes, self.taxonomy)
        self.screen.post_message(BulkApplied(change, changes))

    def bulk_applied(self, message: BulkApplied) -> None:
        self.screen.key_gate.arrived("bulk")
        what = ", ".join(f"{k} {v}" for k, v in message.changes.items())
        self.notify(f"{what}: {len(message.change.article_ids):,} article(s) changed (u undoes).")
        self.screen.after_store_change()
        self.screen.key_gate.settled_point()


_STEP_NAMES = {
    "reliability": "grade",
    "credibility": "grade",
    "rejected_suggestions": "suggestion",
    "adjudicated": "adjudication",
    "translation": "translation correction",
}


def describe_replay(change: Change, redo_step: bool, title: str | None) -> str:
    """'Undid stance on #2 Medienbericht: Ukraine…': what undo or redo did, and where."""
    verb = "Redid" if redo_step else "Undid"
    if change.action == "adjudicate":
        names = ["adjudication"]
    else:
        names = list(dict.fromkeys(_STEP_NAMES.get(f, f) for f in change.fields))
    what = ", ".join(names) or "a step that had already been reverted"
    touched = change.article_ids
    if len(touched) == 1:
        shown = shown_line(title or "")
        if len(shown) > TITLE_IN_MESSAGE:
            shown = shown[: TITLE_IN_MESSAGE - 1].rstrip() + "…"
        return f"{verb} {what} on #{touched[0]} {shown}".rstrip()
    if touched:
        return f"{verb} {what} on {len(touched):,} articles"
    return f"{verb} {what}"
