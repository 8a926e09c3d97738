"""The command palette's actions: every action of the action table, with its key, run on
the node it targets (as its key would run it)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from article_triage.tui.actions import ANY_MODE, APP, FLAG, GRADE, QUEUE, READER, ActionSpec

if TYPE_CHECKING:
    from article_triage.tui.app import TriageApp


class ActionCommands(Provider):
    """Every action of the action table in the command palette, with its key."""

    @property
    def _app(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    def _commands(self) -> list[tuple[str, ActionSpec]]:
        triage = self._app.triage
        return [
            (f"{spec.description}  ({spec.key_display})", spec)
            for spec in triage.actions
            if spec.mode != ANY_MODE and not (spec.needs_article and triage.view is None)
        ]

    async def discover(self) -> Hits:
        for title, spec in self._commands():
            yield DiscoveryHit(title, partial(self._run, spec), help=spec.group)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, spec in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._run, spec),
                    text=title,
                    help=spec.group,
                )

    async def _run(self, spec: ActionSpec) -> None:
        """As if the action's mode prefix (g, f) and then its key had been typed."""
        app = self._app
        triage = app.triage
        if spec.mode in (GRADE, FLAG):
            triage.mode = spec.mode
        targets: dict[str, DOMNode] = {APP: app, QUEUE: triage.queue, READER: triage.reader}
        await app.run_action(spec.action, targets.get(spec.target, triage))
