"""The export dialog: format, which articles, where, and what to include."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select

from article_triage.tui.screens.confirm import ConfirmDialog

FORMATS = ("csv", "json", "jsonl")


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str
    current_filter: bool
    """True: the articles in the queue's filter; False: every article."""
    with_text: bool
    with_translation: bool


class ExportDialog(ModalScreen[ExportRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel")
    ]

    def __init__(
        self, default_dir: Path, filter_summary: str, last_format: str | None = None
    ) -> None:
        super().__init__()
        self.default_dir = default_dir
        self.filter_summary = filter_summary
        self.fmt = last_format if last_format in FORMATS else "csv"
        """The format the analyst used last time (the app remembers it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            yield Label("Export decisions", classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Label("Format")
                yield Select(
                    [(f, f) for f in FORMATS], value=self.fmt, allow_blank=False, id="export-format"
                )
                yield Label("Articles")
                yield Select(
                    [
                        (f"current filter ({self.filter_summary})", "filter"),
                        ("all articles", "all"),
                    ],
                    value="filter",
                    allow_blank=False,
                    id="export-scope",
                )
                yield Label("File")
                yield Input(str(self.default_dir / f"triage-export.{self.fmt}"), id="export-path")
                yield Checkbox("with the article text", id="export-with-text")
                yield Checkbox("with the translation", id="export-with-translation")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")
        yield Footer()

    @on(Select.Changed, "#export-format")
    def _suffix_follows_format(self, event: Select.Changed) -> None:
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        if path.suffix.lstrip(".") in FORMATS:
            path_input.value = str(path.with_suffix(f".{event.value}"))

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted)
    def submit(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.notify("give a file to write", severity="error")
            return
        path = Path(raw).expanduser()
        if not path.parent.is_dir():
            self.notify(f"no such folder: {path.parent}", severity="error")
            return
        request = ExportRequest(
            path=path,
            fmt=str(self.query_one("#export-format", Select).value),
            current_filter=self.query_one("#export-scope", Select).value == "filter",
            with_text=self.query_one("#export-with-text", Checkbox).value,
            with_translation=self.query_one("#export-with-translation", Checkbox).value,
        )
        if not path.is_file():
            self.dismiss(request)
            return

        def answered(overwrite: bool | None) -> None:
            if overwrite:
                self.dismiss(request)

        self.app.push_screen(ConfirmDialog(f"{path} exists. Overwrite it?"), answered)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
