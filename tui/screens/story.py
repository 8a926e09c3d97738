"""The story screen: every article of the article's story side by side, and who confirms it.

One row per article (outlet and its category, language, date, stance, grade, what it
cites), so framing can be compared; above them the independent-source count and the
echo chains. Enter opens the highlighted article (the queue is filtered to the story);
x splits it out of the story. A story holds a handful of articles, not thousands: the
table takes them all (DataTable draws only the visible rows).
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
from textual.widgets import DataTable, Footer, Label, Static

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.outlets.registry import category_label
from article_triage.store.stories import StoryDetail

COLUMNS = ("Outlet", "Lang", "Date", "Stance", "Grade", "Cites", "Title")


@dataclass(frozen=True)
class StoryChoice:
    """What the screen returns: the article to open, within its story."""

    story_id: int
    article_id: int


@dataclass
class StoryLoaded(Message):
    detail: StoryDetail | None
    select_id: int | None = None


class StoryScreen(ModalScreen[StoryChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_article", "Open", id="story.open"),
        Binding("x", "split", "Split out of the story", id="story.split"),
        Binding("escape,q", "close", "Close", id="story.close"),
    ]

    def __init__(
        self,
        thread_db: Callable[[], sqlite_utils.Database],
        story_id: int,
        analyst: str,
        article_id: int | None = None,
    ) -> None:
        super().__init__()
        self._thread_db = thread_db
        self.story_id = story_id
        self.analyst = analyst
        self.article_id = article_id
        self.detail: StoryDetail | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="story-dialog", classes="dialog"):
            yield Label(f"Story {self.story_id}", classes="dialog-title", id="story-title")
            yield Static("", id="story-summary")
            yield DataTable(id="story-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "⏎ open the article · x split it out of the story · esc close",
                classes="dialog-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self._load(self.article_id)

    @work(thread=True, exclusive=True, group="story-screen", exit_on_error=False)
    def _load(self, select_id: int | None = None) -> None:
        from article_triage.store.stories import story_detail

        self.post_message(
            StoryLoaded(story_detail(self._thread_db(), self.story_id, self.analyst), select_id)
        )

    @on(StoryLoaded)
    def _show(self, message: StoryLoaded) -> None:
        self.detail = message.detail
        summary = self.query_one("#story-summary", Static)
        table = self.query_one(DataTable)
        table.clear()
        if message.detail is None:
            summary.update(Text("This story no longer exists (it was merged or rebuilt)."))
            return
        detail = message.detail
        corroboration = detail.corroboration
        lines = [
            Text(shown_line(detail.line())),
            Text.assemble(
                ("Independent sources: ", "dim"), (str(corroboration.independent_count), "bold")
            ),
        ]
        if self.article_id is not None and (hint := corroboration.hint_for(self.article_id)):
            lines.append(Text.assemble(("Hint: ", "dim"), shown_line(hint)))
        summary.update(Text("\n").join(lines))
        for article in detail.articles:
            outlet = shown_identity(article.outlet or "?")
            if article.outlet_category:
                outlet = f"{outlet} ({category_label(article.outlet_category)})"
            table.add_row(
                *(
                    Text(value)
                    for value in (
                        outlet,
                        article.language,
                        article.published or "?",
                        article.stance or "--",
                        article.grade or "--",
                        ", ".join(shown_identity(c) for c in article.cites),
                        shown_line(article.title),
                    )
                ),
                key=str(article.id),
            )
        if message.select_id is not None and str(message.select_id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(message.select_id)))

    @property
    def selected_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_article()

    def action_open_article(self) -> None:
        article_id = self.selected_id
        if article_id is not None:
            self.dismiss(StoryChoice(self.story_id, article_id))

    def action_split(self) -> None:
        article_id = self.selected_id
        if article_id is not None and self.detail is not None and self.detail.summary.size > 1:
            self._split(article_id)

    @work(thread=True, exclusive=True, group="story-screen", exit_on_error=False)
    def _split(self, article_id: int) -> None:
        from article_triage.store.stories import split_article, story_detail

        db = self._thread_db()
        split_article(db, article_id, self.analyst)
        self.post_message(StoryLoaded(story_detail(db, self.story_id, self.analyst)))

    def action_close(self) -> None:
        self.dismiss(None)
