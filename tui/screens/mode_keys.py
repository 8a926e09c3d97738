"""The keys of a mode: after g the grade's letters and digits, after f the flag keys.

A mode's keys are a screen of their own, pushed over the triage screen while the mode
lasts and transparent, so the article, the triage bar's prompt and the footer stay in
view. Its own bindings are exactly the mode's keys (and escape), so the footer shows
only those, and the same key can mean another thing in another mode (d is "done",
reliability D after g, "denial issued" after f) without two bindings of one node
sharing it: Textual's keymap rebinds a key per node, and would take both with it.
The triage screen keeps the mode and the grade's letter; this screen only passes the
keys on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from article_triage.tui.actions import ActionSpec, binding_hosts, to_bindings

if TYPE_CHECKING:
    from article_triage.tui.screens.triage import TriageScreen


def mode_keys_type(actions: list[ActionSpec], mode: str) -> type[ModeKeys]:
    """The class of *mode*'s key screen: Textual reads bindings from the class, and the
    taxonomy's keys come from the config."""
    bindings = to_bindings(spec for spec in actions if mode in binding_hosts(spec))
    return type("ModeKeys", (ModeKeys,), {"BINDINGS": bindings, "MODE": mode})


class ModeKeys(Screen[None]):
    MODE = ""

    def __init__(self, triage: TriageScreen) -> None:
        super().__init__()
        self.triage = triage

    def compose(self) -> ComposeResult:
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.triage.check_action(action, parameters)

    def on_click(self) -> None:
        self.triage.action_cancel_mode()  # a click elsewhere leaves the mode, as escape does

    def action_set_reliability(self, letter: str) -> None:
        self.triage.action_set_reliability(letter)

    def action_set_credibility(self, digit: str) -> None:
        self.triage.action_set_credibility(digit)

    def action_toggle_flag(self, flag: str) -> None:
        self.triage.action_toggle_flag(flag)

    def action_cancel_mode(self) -> None:
        self.triage.action_cancel_mode()
