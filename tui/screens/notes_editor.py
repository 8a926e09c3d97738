"""The notes editor: a modal in which every letter types text and no app key fires."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, TextArea

from article_triage.store.boundary import shown_line, shown_text


class NotesEditor(ModalScreen[str | None]):
    """Returns the edited text (Esc or Ctrl-S save), or None when closed with Ctrl-Q unsaved.

    A note may hold what a colleague's file brought in: the editor shows it through the
    door out (an ESC as the four characters ``\\x1b``), and saving it untouched returns
    the note as stored, so opening and closing the editor never rewrites it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "save", "Save and close", priority=True, id="notes.save"),
        Binding("ctrl+s", "save", "Save and close", priority=True, id="notes.save_key"),
        Binding("ctrl+q", "discard", "Discard changes", priority=True, id="notes.discard"),
    ]

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self.original = text
        self.shown = shown_text(text)
        self.heading = shown_line(title)

    def compose(self) -> ComposeResult:
        with Vertical(id="notes-dialog", classes="dialog"):
            yield Label(self.heading, id="notes-title", classes="dialog-title", markup=False)
            yield TextArea(self.shown, id="notes-text", soft_wrap=True)
            yield Label("esc or ctrl+s saves · ctrl+q discards", classes="dialog-hint")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss(self.original if text == self.shown else text)

    def action_discard(self) -> None:
        self.dismiss(None)
