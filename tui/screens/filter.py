"""The filter dialog: status, language, outlet, flag, grade and disagreements, written as a
query of the query language (store.query) together with the rest of the current query."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import sqlite_utils
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select

from article_triage.store.query import QueryError, join_fields, parse, split_fields
from article_triage.store.taxonomy import Taxonomy
from article_triage.tui.widgets.query_suggester import QuerySuggester


class FilterDialog(ModalScreen[str | None]):
    """Returns the query the fields and the rest say together, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel")
    ]

    def __init__(
        self,
        query: str,
        taxonomy: Taxonomy,
        connect: Callable[[], sqlite_utils.Database] | None = None,
    ) -> None:
        super().__init__()
        # The fields the dialog shows as inputs come out of the query; the rest stays text.
        self.fields, self.rest = split_fields(query)
        self.taxonomy = taxonomy
        # The rest of the query completes as the / bar does (field names, then values).
        self.suggester = QuerySuggester(connect, taxonomy) if connect is not None else None

    def _select_value(self, name: str, allowed: list[str]) -> object:
        value = self.fields.get(name)
        return value if value in allowed else Select.NULL

    def compose(self) -> ComposeResult:
        fields = self.fields
        statuses = [(c.label, c.value) for c in self.taxonomy.statuses]
        flags = [(c.label, c.value) for c in self.taxonomy.flags]
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Label("Filter the queue", classes="dialog-title")
            # The fields scroll and the buttons stay: at 80x24 not all fields fit.
            with VerticalScroll(classes="dialog-body"):
                yield Label("Status")
                yield Select(
                    statuses,
                    value=self._select_value("status", [v for _, v in statuses]),
                    prompt="any status",
                    id="filter-status",
                )
                yield Label("Language (ISO code, e.g. uk)")
                yield Input(fields.get("lang", ""), id="filter-language")
                yield Label("Outlet (key or name)")
                yield Input(fields.get("outlet", ""), id="filter-outlet")
                yield Label("Flag")
                yield Select(
                    flags,
                    value=self._select_value("flag", [v for _, v in flags]),
                    prompt="any flag",
                    id="filter-flag",
                )
                yield Label("Grade (B2, B or 2; <=C2 is C2 or better)")
                yield Input(fields.get("grade", ""), id="filter-grade")
                yield Checkbox(
                    "Only articles on which analysts disagree",
                    "disagree" in fields,
                    id="filter-disagreement",
                )
                yield Label('Rest of the query (words, "phrases", other fields)')
                yield Input(self.rest, suggester=self.suggester, id="filter-rest")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="filter-apply")
                yield Button("Clear", id="filter-clear")
                yield Button("Cancel", id="filter-cancel")
        yield Footer()

    def _value(self, selector: str) -> str | None:
        widget = self.query_one(selector)
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else str(widget.value)
        return widget.value.strip() or None

    def query_text(self) -> str:
        """The query the dialog's inputs say now."""
        disagree = self.query_one("#filter-disagreement", Checkbox).value
        grade = self._value("#filter-grade")
        return join_fields(
            {
                "status": self._value("#filter-status"),
                "lang": self._value("#filter-language"),
                "outlet": self._value("#filter-outlet"),
                "flag": self._value("#filter-flag"),
                "grade": grade.upper() if grade else None,
                "disagree": (self.fields.get("disagree") or "any") if disagree else None,
            },
            self._value("#filter-rest") or "",
        )

    @on(Button.Pressed, "#filter-apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        text = self.query_text()
        try:
            parse(text, self.taxonomy)
        except QueryError as exc:
            # The position is in the query the fields make; the reason names the field.
            self.notify(exc.reason, severity="error", markup=False)
            return
        self.dismiss(text)

    @on(Button.Pressed, "#filter-clear")
    def clear(self) -> None:
        self.dismiss(self._value("#filter-rest") or "")

    @on(Button.Pressed, "#filter-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
