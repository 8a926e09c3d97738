"""The filter dialog: status, language, outlet, flag, grade and disagreements over the queue."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select

from article_triage.store.articles import ArticleFilter
from article_triage.store.taxonomy import Taxonomy, is_grade


class FilterDialog(ModalScreen[ArticleFilter | None]):
    """Returns the edited filter (the search query is kept), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel")
    ]

    def __init__(self, flt: ArticleFilter, taxonomy: Taxonomy) -> None:
        super().__init__()
        self.flt = flt
        self.taxonomy = taxonomy

    def compose(self) -> ComposeResult:
        flt = self.flt
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Label("Filter the queue", classes="dialog-title")
            # The fields scroll and the buttons stay: at 80x24 not all fields fit.
            with VerticalScroll(classes="dialog-body"):
                yield Label("Status")
                yield Select(
                    [(c.label, c.value) for c in self.taxonomy.statuses],
                    value=flt.status or Select.NULL,
                    prompt="any status",
                    id="filter-status",
                )
                yield Label("Language (ISO code, e.g. uk)")
                yield Input(flt.language or "", id="filter-language")
                yield Label("Outlet (key or name)")
                yield Input(flt.outlet or "", id="filter-outlet")
                yield Label("Flag")
                yield Select(
                    [(c.label, c.value) for c in self.taxonomy.flags],
                    value=flt.flag or Select.NULL,
                    prompt="any flag",
                    id="filter-flag",
                )
                yield Label("Grade (B2, B or 2)")
                yield Input(flt.grade or "", id="filter-grade")
                yield Checkbox(
                    "Only articles on which analysts disagree",
                    flt.disagreement,
                    id="filter-disagreement",
                )
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

    @on(Button.Pressed, "#filter-apply")
    @on(Input.Submitted)
    def apply(self) -> None:
        grade = self._value("#filter-grade")
        if grade and not is_grade(grade):
            self.notify(f"not a grade: {grade} (use e.g. B2, B or 2)", severity="error")
            return
        self.dismiss(
            replace(
                self.flt,
                status=self._value("#filter-status"),
                language=self._value("#filter-language"),
                outlet=self._value("#filter-outlet"),
                flag=self._value("#filter-flag"),
                grade=grade.upper() if grade else None,
                disagreement=self.query_one("#filter-disagreement", Checkbox).value,
            )
        )

    @on(Button.Pressed, "#filter-clear")
    def clear(self) -> None:
        self.dismiss(
            replace(
                self.flt,
                status=None,
                language=None,
                outlet=None,
                flag=None,
                grade=None,
                disagreement=False,
            )
        )

    @on(Button.Pressed, "#filter-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
