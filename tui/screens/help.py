"""The `?` help screen, generated from the same action table as the bindings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from article_triage.tui.actions import ActionSpec, help_sections
from article_triage.tui.widgets.queue import LEGEND


def help_table(actions: Sequence[ActionSpec]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
    table.add_column("key", no_wrap=True, style="bold")
    table.add_column("action", ratio=1)
    first = True
    for heading, specs in help_sections(actions):
        if not first:
            table.add_row("", "")
        first = False
        table.add_row(Text(heading, style="bold underline"), "")
        for spec in specs:
            table.add_row(Text(spec.key_display), Text(spec.description))
    table.add_row("", "")
    table.add_row(Text("Queue marks", style="bold underline"), "")
    for mark, meaning in LEGEND:
        table.add_row(Text(mark), Text(meaning))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, actions: Sequence[ActionSpec]) -> None:
        super().__init__()
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label(
                "Keys (ctrl+p: every action in the command palette)",
                id="help-title",
                classes="dialog-title",
            )
            with VerticalScroll(id="help-scroll"):
                yield Static(help_table(self.actions), id="help-body")
            yield Label("esc closes", classes="dialog-hint")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
