"""The key gate: keys that arrive together wait until the article they act on is shown.

Keys that arrive together (a paste, SSH, keys queued behind a slow render) are
handled one after the other, but moving to an article reads it in a worker. A key
handled before that read has come back would act on the article still on screen
while the cursor already rests on the next one. So once a key has set the cursor
moving, the keys after it wait here, in order, until the article under the cursor is
the one shown; then each runs as if it had just been typed.

The triage screen tells the gate what it is waiting for (:meth:`KeyGate.expect`,
:meth:`KeyGate.arrived`), when something the held keys may wait for has happened
(:meth:`KeyGate.settled_point`) and when what they wait for will not come
(:meth:`KeyGate.give_up`); the gate decides when each key runs.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.worker import Worker, WorkerState

from article_triage.tui.actions import NORMAL
from article_triage.tui.screens.mode_keys import ModeKeys

if TYPE_CHECKING:
    from article_triage.tui.screens.triage import TriageScreen

KEY_HOLD_LIMIT_SECONDS = 10.0
"""Keys held behind a navigation that has not finished by then are dropped, not misapplied."""
KEY_CHECK_SECONDS = 2.0
"""How often held keys are checked against KEY_HOLD_LIMIT_SECONDS."""
ORDERED_WORKERS = ("article", "navigate", "history", "bulk")
"""Worker groups whose outcome the next key must see (what is shown, where the cursor is)."""


class KeyGate:
    """Runs the triage screen's keys in the order they came, each once the article it
    acts on is the one shown."""

    def __init__(self, screen: TriageScreen, cursor_keys: frozenset[str]) -> None:
        self.screen = screen
        self.cursor_keys = cursor_keys
        """Keys that only move the queue's cursor (j, k...): they need the cursor
        settled, not the article read."""
        self._held_keys: deque[tuple[float, events.Key]] = deque()
        """Keys that arrived while the article on screen was about to change, oldest first."""
        self._awaiting: set[str] = set()
        """ORDERED_WORKERS started and not yet reported back."""
        self._gate_open = False
        """Set when a navigation worker failed: keys go through rather than wait for it."""

    # --- what the screen tells the gate -------------------------------------------------

    def expect(self, group: str, *, moves_article: bool = False) -> None:
        """A worker of *group* (ORDERED_WORKERS) has started: keys wait for its report.
        One that *moves_article* closes the gate a failed navigation had opened."""
        self._awaiting.add(group)
        if moves_article:
            self._gate_open = False

    def arrived(self, group: str) -> None:
        """The report of *group*'s worker has come back."""
        self._awaiting.discard(group)

    def give_up(self) -> None:
        """What the keys were waiting for will not come: let them act on what is shown."""
        self._gate_open = True
        self.settled_point()

    def settled_point(self) -> None:
        """Something the held keys may be waiting for has happened."""
        if self._held_keys:
            self.screen.call_later(self._release_held_keys)

    def worker_changed(self, event: Worker.StateChanged) -> None:
        """Stop waiting for a worker that will not report back."""
        group = event.worker.group
        if group not in ORDERED_WORKERS:
            return
        # A worker cancelled by a newer one of its group leaves the report to it; if
        # none is left to report, nothing will: stop waiting.
        if event.state == WorkerState.CANCELLED and not any(
            w.group == group and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.screen.workers
        ):
            self._awaiting.discard(group)
            self.settled_point()
        if event.state == WorkerState.ERROR:
            self._awaiting.discard(group)
            self.give_up()

    # --- keys ---------------------------------------------------------------------------

    def _navigation_settled(self) -> bool:
        """True when the article on screen is the one under the cursor and nothing will move it."""
        if self._gate_open:
            return True
        queue = self.screen.queue
        if self._awaiting or queue.reloading:
            return False
        if queue.total == 0:
            return True
        row, view = queue.current, self.screen.view
        return row is not None and view is not None and row.id == view.id

    def _ready_for(self, event: events.Key) -> bool:
        """May *event* run now? A key that only moves the cursor needs the cursor
        settled, not the article read: held-down j skips the reads in between."""
        if self._navigation_settled():
            return True
        queue = self.screen.queue
        return (
            event.key in self.cursor_keys
            and self.screen.mode == NORMAL
            and not self._awaiting - {"article"}
            and not queue.reloading
            and queue.current is not None
        )

    async def on_key(self, event: events.Key) -> None:
        """Run *event* now, or hold it behind the keys and the navigation ahead of it."""
        if self._held_keys or not self._ready_for(event):
            self._held_keys.append((time.monotonic(), event))
            event.stop()
        elif await self._run_key(event.key):
            event.stop()

    async def _run_key(self, key: str) -> bool:
        """Run *key*'s binding, as the app would: the first that applies along the focus
        chain (the focused widget, the screen, the app)."""
        active = self.screen.active_bindings.get(key)
        if active is None or not active.enabled:
            return False
        return await self.screen.app.run_action(active.binding.action, active.node)

    async def _release_held_keys(self) -> None:
        """Run the held keys in order while each may run."""
        screen, app = self.screen, self.screen.app
        # On top, not only in view (is_current): a mode's key screen shows this one through.
        while self._held_keys:
            top = app.screen
            if top is screen:
                if not self._ready_for(self._held_keys[0][1]):
                    break
                _held_at, event = self._held_keys.popleft()
                await self._run_key(event.key)
            elif isinstance(top, ModeKeys) and top.triage is screen:
                # A held key opened a mode: its keys run here, in order, on the article
                # shown. Re-posted to the app instead, a key after the mode (j in
                # "gc2jfs") could start a move that the next mode's keys would not wait for.
                _held_at, event = self._held_keys.popleft()
                active = top.active_bindings.get(event.key)
                if active is not None and active.enabled:
                    await app.run_action(active.binding.action, active.node)
            else:
                break
        if self._held_keys and app.screen is not screen:
            # A held key opened a dialog or a mode: the rest were typed for it. Re-sent
            # through the ordinary path, they reach whatever is on top now.
            held = list(self._held_keys)
            self._held_keys.clear()
            for _held_at, event in held:
                app.post_message(events.Key(event.key, event.character))

    def drop_stale_keys(self) -> None:
        """A navigation that never finishes must not freeze the keyboard (nor apply keys late)."""
        if not self._held_keys:
            return
        if time.monotonic() - self._held_keys[0][0] < KEY_HOLD_LIMIT_SECONDS:
            return
        dropped = len(self._held_keys)
        self._held_keys.clear()
        self._gate_open = True
        self.screen.notify(
            f"{dropped} key(s) dropped: the article did not finish loading.", severity="warning"
        )
