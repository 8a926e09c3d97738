"""Correct one translated paragraph by hand; the correction outlives later machine runs."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static, TextArea

from article_triage.store.reader import ArticleView
from article_triage.store.text import strip_control


class CorrectTranslation(ModalScreen[tuple[int, str] | None]):
    """Returns (paragraph index, corrected text) on ctrl+s, or None on escape.

    It opens on *paragraph* (the one at the top of the reader), whose number the
    reader's gutter shows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save correction", priority=True, id="correct.save"),
        Binding("escape", "cancel", "Cancel", priority=True, id="correct.cancel"),
    ]

    def __init__(self, view: ArticleView, paragraph: int = 0) -> None:
        super().__init__()
        self.view = view
        self.paragraph = max(0, min(paragraph, len(view.paragraphs) - 1))

    def compose(self) -> ComposeResult:
        count = len(self.view.paragraphs)
        with Vertical(id="correct-dialog", classes="dialog"):
            yield Label(f"Correct the translation of #{self.view.id}", classes="dialog-title")
            yield Label(f"Paragraph (1–{count})")
            yield Input(str(self.paragraph + 1), id="correct-index", restrict=r"[0-9]*")
            yield Static("", id="correct-original", markup=False)
            yield TextArea("", id="correct-text", soft_wrap=True)
            yield Label(
                "ctrl+s saves (kept over later machine runs) · esc cancels", classes="dialog-hint"
            )
        yield Footer()

    def on_mount(self) -> None:
        self._show(self.paragraph)
        self.query_one("#correct-text", TextArea).focus()

    def _index(self) -> int | None:
        raw = self.query_one("#correct-index", Input).value
        if not raw.isdigit() or not 1 <= int(raw) <= len(self.view.paragraphs):
            return None
        return int(raw) - 1

    def _show(self, index: int) -> None:
        original = strip_control(self.view.paragraphs[index])
        self.query_one("#correct-original", Static).update(original)
        current = self.view.translation[index]
        self.query_one("#correct-text", TextArea).text = current.text if current else ""

    @on(Input.Changed, "#correct-index")
    def _index_changed(self) -> None:
        index = self._index()
        if index is not None:
            self._show(index)

    @on(Input.Submitted, "#correct-index")
    def _to_text(self) -> None:
        self.query_one("#correct-text", TextArea).focus()

    def action_save(self) -> None:
        index = self._index()
        text = self.query_one("#correct-text", TextArea).text.strip()
        if index is None:
            self.notify(
                f"no paragraph {self.query_one('#correct-index', Input).value!r}",
                severity="error",
                markup=False,
            )
            return
        if not text:
            self.notify("an empty translation is not a correction", severity="error")
            return
        self.dismiss((index, text))

    def action_cancel(self) -> None:
        self.dismiss(None)
