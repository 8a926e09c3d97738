"""The message log: every notification of the session, newest first, one key away.

Toasts vanish after a few seconds (and cover part of the queue or reader while they last); an
import summary or a failed translation is worth reading again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

SEVERITY_STYLES = {"information": "", "warning": "yellow", "error": "bold red"}


@dataclass(frozen=True)
class LoggedMessage:
    at: str
    """Local time, HH:MM:SS."""
    severity: str
    text: str
    """As shown: the app's notify() passed it through the door out."""


def message_log_text(messages: Sequence[LoggedMessage]) -> Text:
    if not messages:
        return Text("No messages yet.", style="dim italic")
    lines = []
    for message in reversed(messages):
        style = SEVERITY_STYLES.get(message.severity, "")
        lines.append(Text.assemble((f"{message.at}  ", "dim"), (message.text, style)))
    return Text("\n").join(lines)


class MessageLog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,m", "close", "Close", id="messages.close"),
    ]

    def __init__(self, messages: Sequence[LoggedMessage]) -> None:
        super().__init__()
        self.messages = list(messages)

    def compose(self) -> ComposeResult:
        with Vertical(id="messages-dialog", classes="dialog"):
            yield Label("Messages (newest first)", classes="dialog-title")
            with VerticalScroll(id="messages-scroll"):
                yield Static(message_log_text(self.messages), id="messages-body")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
