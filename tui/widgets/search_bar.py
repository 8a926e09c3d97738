"""The `/` line: a query of the query language (store.query) for the queue, with the
field names and their values (from the taxonomy and the store) offered as you type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import sqlite_utils
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from article_triage.store.taxonomy import Taxonomy
from article_triage.tui.widgets.query_suggester import QuerySuggester


class SearchBar(Input):
    """Enter applies the query to the queue; Escape closes without changing it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close search", id="search.close")
    ]

    @dataclass
    class Closed(Message):
        search_bar: SearchBar

    def __init__(
        self,
        connect: Callable[[], sqlite_utils.Database],
        taxonomy: Taxonomy,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(
            placeholder='words, "phrases", lang:de status:new grade:<=C2 -status:done …',
            suggester=QuerySuggester(connect, taxonomy),
            id=id,
        )

    def action_close(self) -> None:
        self.post_message(self.Closed(self))
