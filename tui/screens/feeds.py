"""The feeds screen: each subscription's health, and the keys to pause, resume or remove one.

An analyst follows tens of feeds, not thousands: the table holds them all (DataTable
draws only the visible rows). Reading and writing happen in thread workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import sqlite_utils
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.feeds.health import FeedHealth
from article_triage.tui.screens.confirm import ConfirmDialog

COLUMNS = (
    "Feed",
    "Tags",
    "Outlet",
    "State",
    "Last success",
    "Items",
    "Errors",
    "Next check",
    "Last error",
)


@dataclass
class FeedsLoaded(Message):
    rows: list[FeedHealth]
    select_id: int | None = None


class FeedsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/resume", id="feeds.pause"),
        Binding("x,delete", "remove", "Remove", id="feeds.remove"),
        Binding("escape,q", "close", "Close", id="feeds.close"),
    ]

    def __init__(self, thread_db: Callable[[], sqlite_utils.Database]) -> None:
        super().__init__()
        self._thread_db = thread_db
        self.rows: dict[int, FeedHealth] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="feeds-dialog", classes="dialog"):
            yield Label("Feeds", classes="dialog-title")
            yield DataTable(id="feeds-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "p pause/resume · x remove · esc close · R (main screen) refreshes",
                classes="dialog-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self._load()

    @property
    def selected_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    @work(thread=True, exclusive=True, group="feeds-screen", exit_on_error=False)
    def _load(self, select_id: int | None = None) -> None:
        self._post_rows(select_id)

    def _post_rows(self, select_id: int | None = None) -> None:
        """Read every feed's health (in a worker thread) and post it to the table."""
        from article_triage.store.feeds import list_feeds
        from article_triage.store.feeds.health import feed_health
        from article_triage.store.ingest.model import ImportOptions
        from article_triage.store.outlets import load_registry

        config = getattr(self.app, "config", None)
        path = ImportOptions.from_config(config).registry_path if config is not None else None
        registry = load_registry(path)
        rows = [feed_health(feed, registry) for feed in list_feeds(self._thread_db())]
        self.post_message(FeedsLoaded(rows, select_id))

    @on(FeedsLoaded)
    def _show(self, message: FeedsLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.rows = {row.feed.id: row for row in message.rows}
        for row in message.rows:
            feed = row.feed
            table.add_row(
                *(
                    Text(value)
                    for value in (
                        shown_identity(feed.title),
                        ", ".join(shown_identity(t) for t in feed.tags),
                        shown_identity(row.outlet or ""),
                        row.state,
                        feed.last_success or "never",
                        str(feed.items_seen),
                        str(feed.error_count),
                        "paused" if feed.paused else (feed.next_check or "now"),
                        shown_line(feed.paused_reason or feed.last_error or ""),
                    )
                ),
                key=str(feed.id),
            )
        if message.select_id is not None and str(message.select_id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(message.select_id)))

    def action_toggle_pause(self) -> None:
        feed_id = self.selected_id
        if feed_id is not None:
            self._set_paused(feed_id, not self.rows[feed_id].feed.paused)

    @work(thread=True, exclusive=True, group="feeds-screen", exit_on_error=False)
    def _set_paused(self, feed_id: int, paused: bool) -> None:
        from article_triage.store.feeds import set_paused

        set_paused(self._thread_db(), feed_id, paused, "paused by the analyst" if paused else None)
        self._post_rows(feed_id)

    def action_remove(self) -> None:
        feed_id = self.selected_id
        if feed_id is None:
            return
        title = shown_identity(self.rows[feed_id].feed.title)

        def answer(yes: bool | None) -> None:
            if yes:
                self._remove(feed_id)

        self.app.push_screen(
            ConfirmDialog(f"Unsubscribe from {title}? Its articles stay in the store."), answer
        )

    @work(thread=True, exclusive=True, group="feeds-screen", exit_on_error=False)
    def _remove(self, feed_id: int) -> None:
        from article_triage.store.feeds import remove_feed

        remove_feed(self._thread_db(), feed_id)
        self._post_rows()

    def action_close(self) -> None:
        self.dismiss(None)
