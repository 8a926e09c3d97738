"""The triage app: a shell around the triage screen (tui/screens/triage.py).

It keeps what every screen shares: the store connection (one per thread,
:meth:`TriageApp.thread_db`), the settings and theme, the keys (the action table,
with the config's ``[keys]`` through Textual's keymap), the one worker that runs
store jobs (store.jobs), watching the store for other processes' changes, and the
door every notification passes through.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import sqlite_utils
from textual import events, on
from textual.app import App
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from article_triage.store.boundary import shown_line, shown_text
from article_triage.store.db import open_db
from article_triage.store.settings import Settings
from article_triage.tui.action_commands import ActionCommands
from article_triage.tui.actions import (
    APP,
    app_bindings,
    apply_keymap,
    build_actions,
    specs_by_action,
)
from article_triage.tui.actions import key_state as action_key_state
from article_triage.tui.messages import JobAdvanced, JobFinished
from article_triage.tui.palette_views import SavedViewCommands
from article_triage.tui.screens.feeds import FeedsScreen
from article_triage.tui.screens.help import HelpScreen
from article_triage.tui.screens.import_dialog import ImportDialog
from article_triage.tui.screens.messages import LoggedMessage, MessageLog
from article_triage.tui.screens.notes_editor import NotesEditor
from article_triage.tui.screens.triage import TriageScreen, triage_screen_type

STARTED_AT = time.perf_counter()
STORE_CHECK_SECONDS = 2.0
# How often the app checks that its terminal is still there.
TERMINAL_CHECK_SECONDS = 1.0
MESSAGES_KEPT = 500
"""Notifications the message log (m) keeps, newest last."""
JOB_GROUP = "job"
"""The worker group of store jobs (store.jobs); each job worker is named for its job."""


class TriageApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "article triage"
    COMMANDS = App.COMMANDS | {ActionCommands, SavedViewCommands}
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()

    def __init__(
        self, db_path: str | os.PathLike[str], analyst: str, config: Settings | None = None
    ):
        super().__init__()
        self.db_path = Path(db_path)
        self.analyst = analyst
        self.config = config or Settings()
        self.taxonomy = self.config.taxonomy
        self.target_lang = self.config.translation.target
        self._default_actions = build_actions(self.taxonomy)
        self.action_table, self._unknown_keys = apply_keymap(
            self._default_actions, self.config.keys
        )
        self._specs = specs_by_action(self.action_table)
        self._threads = threading.local()
        # Migrations run once, here, before any worker opens its own connection.
        self.ui_db = open_db(self.db_path)
        self._threads.db = self.ui_db
        self._seen_version = 0
        self._store_changed = False
        self._job_stops: dict[str, threading.Event] = {}
        """The stop flag of the latest run of each job, by job name (ctrl+x sets them all)."""
        self.message_log: deque[LoggedMessage] = deque(maxlen=MESSAGES_KEPT)
        self.triage: TriageScreen | None = None

    def thread_db(self) -> sqlite_utils.Database:
        """This thread's connection to the store (sqlite3 connections must not cross threads)."""
        db = getattr(self._threads, "db", None)
        if db is None:
            db = self._threads.db = open_db(self.db_path, migrate=False)
        return db

    def get_default_screen(self) -> TriageScreen:
        self.triage = triage_screen_type(self._default_actions)(self.action_table)
        return self.triage

    def on_mount(self) -> None:
        theme = self.config.theme
        if theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self.notify(f"unknown theme {theme!r} in the config", severity="warning")
        for warning in self.config.warnings:
            self.notify(warning, severity="warning", markup=False)
        if self._unknown_keys:
            self.notify(
                f"[keys] in the config names no action: {', '.join(self._unknown_keys)}",
                severity="warning",
                markup=False,
            )
        # Every binding has its action's id: the config's keys replace the defaults.
        rebound = self.config.keys or {}
        self.set_keymap({spec.id: spec.keys for spec in self.action_table if spec.id in rebound})
        self._seen_version = self.store_version()
        self.set_interval(STORE_CHECK_SECONDS, self._check_store_changed)
        # A terminal that goes away without a SIGHUP (the app was not in its session, or
        # ran under nohup) leaves Textual's input thread reading end-of-file in a loop at
        # ~45% of a core for ever, holding the store open: end the app instead. Only a real
        # terminal is watched (Pilot runs headless).
        if not self.is_headless and os.isatty(0):
            self.set_interval(TERMINAL_CHECK_SECONDS, self._check_terminal)

    def _check_terminal(self) -> None:
        if not os.isatty(0):
            self.exit(return_code=1, message="triage: the terminal went away")

    def on_ready(self) -> None:
        self.log(f"start-up: {(time.perf_counter() - STARTED_AT) * 1000:.0f} ms to first paint")

    async def on_event(self, event: events.Event) -> None:
        # Every key and paste from the terminal passes the key gate before Textual routes
        # it to the focus of the moment: keys that come together run one after the other,
        # each where the key before it has left the focus (tui/key_gate.py). The gate also
        # hears when the app has done its part with a key (its bindings ran), so the next
        # one can go straight on when nothing else is in flight.
        if not isinstance(event, (events.Key, events.Paste)) or self.triage is None:
            await super().on_event(event)
            return
        gate = self.triage.key_gate
        first_pass = not event.is_forwarded
        if first_pass and gate.admit(event):
            return
        await super().on_event(event)
        gate.routed(event, first_pass=first_pass)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The app's keys (?, m, q, I, R, L, ctrl+x) follow the triage screen's mode.
        spec = self._specs.get((APP, action))
        if spec is None or self.triage is None:
            return True
        return action_key_state(spec, self.triage.mode, self.triage.view is not None)

    # --- the store, changed by others ----------------------------------------------------

    def store_version(self) -> int:
        # Changes whenever another connection (process or worker) commits; a cheap read.
        return self.ui_db.execute("PRAGMA data_version").fetchone()[0]

    def _check_store_changed(self) -> None:
        """Say so when another process changed the store; the analyst refreshes when ready.

        Not an automatic reload: rows shifting under the cursor while someone reads
        would be worse than a stale count.
        """
        try:
            changed = self.store_version() != self._seen_version
        except sqlite3.Error:
            return
        if changed and not self._store_changed and self.triage is not None:
            self._store_changed = True
            self.triage.show_store_changed()

    def store_read(self) -> None:
        """The queue has just been read from the store: what it shows is current."""
        self._seen_version = self.store_version()
        self._store_changed = False

    # --- screens ------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.action_table))

    def action_show_messages(self) -> None:
        self.push_screen(MessageLog(self.message_log))

    def action_show_feeds(self) -> None:
        self.push_screen(FeedsScreen(self.thread_db))

    async def action_quit(self) -> None:
        # Textual's own ctrl+q binding outranks every screen's: inside the notes
        # editor it must discard the edit, as the editor says, not end the session.
        if isinstance(self.screen, NotesEditor):
            self.screen.action_discard()
            return
        await super().action_quit()

    # --- store jobs ---------------------------------------------------------------------

    def action_import_sources(self) -> None:
        from article_triage.store.ingest import ImportOptions
        from article_triage.store.jobs import ImportRequest, run_import

        def chosen(sources: list[str] | None) -> None:
            # In this process: the app has taken over stdout, and a process pool started
            # from a threaded TUI cannot pass it on. Big batches: `triage add` elsewhere,
            # then refresh (f5) here.
            if sources:
                options = ImportOptions.from_config(self.config, workers=1)
                request = ImportRequest(tuple(sources), options)
                self.run_job(run_import, request, "importing", name="import")

        self.push_screen(ImportDialog(), chosen)

    def action_refresh_feeds(self) -> None:
        from article_triage.store.feeds import RefreshRequest
        from article_triage.store.ingest import ImportOptions
        from article_triage.store.jobs import run_refresh
        from article_triage.store.settings import ConfigError

        try:
            # Feeds parsed in this process, as imports are (see action_import).
            options = ImportOptions.from_config(self.config, workers=1)
            request = RefreshRequest.from_config(self.config, options=options)
        except ConfigError as exc:
            self.notify(f"feeds: {exc}", severity="error", markup=False)
            return
        self.run_job(run_refresh, request, "refreshing", name="feeds")

    def run_job(
        self,
        job: Callable[..., Any],
        request: Any,
        label: str,
        *,
        name: str,
        changes_store: bool = True,
    ) -> None:
        """Run a store job (store.jobs) in a thread worker named *name*: progress goes to the
        triage bar as "*label* 3/10 articles", the report to JobFinished and the summariser.
        A second run of the same job stops the first; ctrl+x stops them all."""
        stop = threading.Event()
        previous = self._job_stops.get(name)
        if previous is not None:
            previous.set()
        self._job_stops[name] = stop

        def work() -> None:
            def progress(p: Any) -> None:
                self.post_message(JobAdvanced(label, p.done, p.total, p.unit, p.detail))

            report = job(self.thread_db(), request, progress, stop)
            self.post_message(JobFinished(label, report, changes_store))

        self.run_worker(work, name=name, group=JOB_GROUP, thread=True, exit_on_error=False)

    def action_stop_work(self) -> None:
        running = [w for w in self.workers if w.group == JOB_GROUP and w.is_running]
        for stop in self._job_stops.values():
            stop.set()  # each job checks its flag between units and keeps what is done
        if not running:
            self.notify("Nothing is running.")

    @on(JobAdvanced)
    def _on_job_advanced(self, message: JobAdvanced) -> None:
        total = f"{message.total:,}" if message.total else "?"
        detail = f" · {message.detail}" if message.detail else ""
        activity = f"{message.label} {message.done:,}/{total} {message.unit}{detail}…"
        if self.triage is not None:
            self.triage.show_activity(f"{activity} (ctrl+x stops)")

    @on(JobFinished)
    def _on_job_finished(self, message: JobFinished) -> None:
        from article_triage.store.jobs import summarise

        summary = summarise(message.report)
        self.notify(summary.one_line(), severity=summary.severity, markup=False)
        if self.triage is not None:
            self.triage.show_activity("")
            if message.changed_store:
                self.triage.after_store_change()  # the queue keeps the article being read

    # --- errors -------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (the app's, a screen's, a widget's) passes the door out: file
        names, reasons and exception texts in it come from outside."""
        shown = shown_text(message)
        # Kept for the message log (m), as shown: toasts vanish after a few seconds.
        self.message_log.append(LoggedMessage(time.strftime("%H:%M:%S"), severity, shown))
        super().notify(
            shown,
            title=shown_line(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify_worker_failed(event.worker)

    def notify_worker_failed(self, worker: Worker) -> None:
        """One error line for a worker that raised: '<what> failed: <why>'."""
        error = worker.error
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            text = "The store is busy (another process is writing); try again."
        else:
            text = f"{type(error).__name__}: {error}"
        # A job's worker is named for its job ("export failed: ..."), the others by group.
        name = worker.name if worker.group == JOB_GROUP else worker.group or worker.name
        self.notify(
            f"{name.replace('-', ' ')} failed: {text}", severity="error", markup=False, timeout=8
        )
