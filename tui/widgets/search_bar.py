"""The `/` line: a query of the query language (store.query) for the queue, with the
field names and their values (from the taxonomy and the store) offered as you type."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from article_triage.store.query import complete, field_values
from article_triage.store.taxonomy import Taxonomy


class QuerySuggester(Suggester):
    """Completes the last term: a field name, then one of its values (right arrow takes it).

    Values are read once per field, in a thread with its own connection (the app's
    thread_db), so typing never waits on the store."""

    def __init__(self, bar: SearchBar) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.bar = bar
        self.values: dict[str, list[str]] = {}

    def _values(self, name: str) -> list[str]:
        if name not in self.values:
            app = self.bar.app
            taxonomy = getattr(app, "taxonomy", None) or Taxonomy()
            self.values[name] = field_values(app.thread_db(), name, taxonomy)
        return self.values[name]

    async def get_suggestion(self, value: str) -> str | None:
        try:
            return await asyncio.to_thread(complete, value, self._values)
        except sqlite3.Error:  # a store busy or changing under us: no suggestion this time
            return None


class SearchBar(Input):
    """Enter applies the query to the queue; Escape closes without changing it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close search", id="search.close")
    ]

    @dataclass
    class Closed(Message):
        search_bar: SearchBar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder='words, "phrases", lang:de status:new grade:<=C2 -status:done …',
            id=id,
        )
        self.suggester = QuerySuggester(self)

    def action_close(self) -> None:
        self.post_message(self.Closed(self))
