"""The `/` search line: full-text search over title, text and translation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    """Enter applies the query to the queue; Escape closes without changing it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close search", id="search.close")
    ]

    @dataclass
    class Closed(Message):
        search_bar: SearchBar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="search title, text and translation…", id=id)

    def action_close(self) -> None:
        self.post_message(self.Closed(self))
