"""The import dialog: files, folders, URLs or feeds to add to the store."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Footer, Input, Label


class PathSuggester(Suggester):
    """Completes the last word typed as a file or folder name from the filesystem
    (a folder gets its "/"; hidden names only once a "." is typed); right arrow or tab
    takes the suggestion, as in any Textual Input."""

    def __init__(self) -> None:
        # The filesystem changes under us and lookups are one small listdir: no cache.
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value[-1].isspace():
            return None
        word = value.rsplit(None, 1)[-1].lstrip("'\"")
        if "://" in word:
            return None
        folder_part, _, prefix = word.rpartition("/")
        folder = Path(os.path.expanduser(folder_part + "/" if folder_part else "."))
        if word.startswith("/") and not folder_part:
            folder = Path("/")
        try:
            names = sorted(
                entry.name + ("/" if entry.is_dir() else "")
                for entry in os.scandir(folder)
                if entry.name.startswith(prefix)
                and (prefix.startswith(".") or entry.name[0] != ".")
            )
        except OSError:
            return None
        for name in names:
            if name != prefix:
                return value + name[len(prefix) :]
        return None


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
                    placeholder="~/articles  https://example.org/feed.xml  (→ completes a path)",
                    id="import-sources",
                    suggester=PathSuggester(),
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
