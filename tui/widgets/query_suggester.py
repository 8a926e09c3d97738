"""Completion for the query language (store.query) in any Input: the `/` bar, the filter
dialog's rest of the query. It completes the last term, a field name then one of its
values (right arrow takes it)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable

import sqlite_utils
from textual.suggester import Suggester

from article_triage.store.query import complete, field_values
from article_triage.store.taxonomy import Taxonomy


class QuerySuggester(Suggester):
    """Values are read once per field, in a thread with its own connection (*connect*
    gives the calling thread's), so typing never waits on the store."""

    def __init__(self, connect: Callable[[], sqlite_utils.Database], taxonomy: Taxonomy) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.connect = connect
        self.taxonomy = taxonomy
        self.values: dict[str, list[str]] = {}

    def _values(self, name: str) -> list[str]:
        if name not in self.values:
            self.values[name] = field_values(self.connect(), name, self.taxonomy)
        return self.values[name]

    async def get_suggestion(self, value: str) -> str | None:
        try:
            return await asyncio.to_thread(complete, value, self._values)
        except sqlite3.Error:  # a store busy or changing under us: no suggestion this time
            return None
