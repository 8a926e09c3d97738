"""The import dialog: files, folders, URLs or feeds to add to the store."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label


class ImportDialog(ModalScreen[list[str] | None]):
    """Returns the sources to import (shell-style words, so paths may be quoted)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="import.cancel")
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog", classes="dialog"):
            yield Label("Import articles", classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Label(
                    "Files, folders, .html.gz, URLs or RSS/Atom feeds (separate with spaces)",
                    classes="dialog-label",
                )
                yield Input(
                    placeholder="~/articles  https://example.org/feed.xml", id="import-sources"
                )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import", variant="primary", id="import-go")
                yield Button("Cancel", id="import-cancel")
        yield Footer()

    @on(Button.Pressed, "#import-go")
    @on(Input.Submitted)
    def submit(self) -> None:
        raw = self.query_one("#import-sources", Input).value
        try:
            sources = shlex.split(raw)
        except ValueError as exc:  # an unbalanced quote
            self.notify(f"cannot read the list: {exc}", severity="error", markup=False)
            return
        if not sources:
            self.notify("give at least one file, folder, URL or feed", severity="error")
            return
        if "-" in sources:
            # The app owns the terminal: a worker reading stdin would fight it for keystrokes.
            self.notify(
                "standard input is not available inside the app: use `triage add -` in a shell",
                severity="error",
                markup=False,
            )
            return
        self.dismiss([s if "://" in s else str(Path(s).expanduser()) for s in sources])

    @on(Button.Pressed, "#import-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
