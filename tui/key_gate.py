"""The key gate: every key the terminal sends runs in the order it came, each once what
it acts on is ready.

Keys that arrive together (a paste, SSH, keys queued behind a slow render) reach the
app faster than it handles them. Textual routes each key to the focus of the moment
it arrives, so a key typed after ``n`` would reach the queue before the notes editor
exists, and a key after ``j`` would act on the article still on screen while the
cursor already rests on the next one. So the app hands every key from the terminal
(and every paste) to this gate first (:meth:`KeyGate.admit`); the gate lets them
through one at a time, by the same path Textual gives a typed key, and the next one
only when

- the one before it has been handled, with what it set going on screen: a dialog it
  opened is mounted and has its focus, a dialog it closed has handed its result
  back, focus it moved has moved (:meth:`KeyGate._handled`);
- and, when the triage screen is on top, the article under the cursor is the one
  shown (:meth:`KeyGate._ready_for`).

Most keys find nothing to wait for, and go straight on (:meth:`KeyGate._may_pass_now`,
no scheduling at all): nothing is held, and the key before has been handled with
nothing it set going still on its way (:meth:`KeyGate._quiet`), or it was a cursor
move on the queue and so is this one (they take the same path in order, and a move
opens nothing). Only when something is in flight are keys held and let through one
at a time.

The triage screen tells the gate what it is waiting for (:meth:`KeyGate.expect`,
:meth:`KeyGate.arrived`), when something the held keys may wait for has happened
(:meth:`KeyGate.settled_point`) and when what they wait for will not come
(:meth:`KeyGate.give_up`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from article_triage.tui.actions import NORMAL, QUEUE

if TYPE_CHECKING:
    from article_triage.tui.screens.triage import TriageScreen

KEY_HOLD_LIMIT_SECONDS = 10.0
"""Keys held behind a navigation that has not finished by then are dropped, not misapplied."""
KEY_CHECK_SECONDS = 2.0
"""How often held keys are checked against KEY_HOLD_LIMIT_SECONDS."""
ORDERED_WORKERS = ("article", "navigate", "history", "bulk")
"""Worker groups whose outcome the next key must see (what is shown, where the cursor is)."""
RELEASE_GROUP = "held-keys"
"""The worker that lets held keys through (it ends when none is left)."""
HANDLED_MIN_ROUNDS = 2
"""Rounds of the focus chain a key's handling is followed through at least: a key can
set a message going (Input's enter posts Submitted) whose handler moves the focus or
closes a dialog, one round later."""
HANDLED_MAX_ROUNDS = 8
"""A bound on those rounds (a widget that keeps posting must not stop the keyboard)."""

HeldInput = events.Key | events.Paste
"""What the gate holds: keys, and pastes (bracketed paste), which must keep their place."""
CURSOR_MOVES = frozenset(
    {
        "next_article",
        "previous_article",
        "first_article",
        "last_article",
        "page_down",
        "page_up",
    }
)
"""The queue's actions that only move its cursor: a key after one of them, if it is one
too, need not wait for it (the queue's sort re-reads the list, so it is not one)."""


class KeyGate:
    """Lets the terminal's keys through in the order they came, each once the key
    before it has been handled and what it acts on is ready."""

    def __init__(self, screen: TriageScreen, cursor_keys: frozenset[str]) -> None:
        self.screen = screen
        self.cursor_keys = cursor_keys
        """Keys that only move the queue's cursor (j, k...): they need the cursor
        settled, not the article read."""
        self._held_keys: deque[tuple[float, HeldInput]] = deque()
        """Keys (and pastes) from the terminal not yet let through, oldest first."""
        self._passing: list[HeldInput] = []
        """Keys let through and not yet back at the door: the app routes them (admit)."""
        self._releaser: Worker | None = None
        """The worker letting held keys through, while there are any."""
        self._changed: asyncio.Event | None = None
        """Set when what a held key waits for may have come (settled_point)."""
        self._awaiting: set[str] = set()
        """ORDERED_WORKERS started and not yet reported back."""
        self._gate_open = False
        """Set when a navigation worker failed: keys go through rather than wait for it."""
        self.move_keys = frozenset(
            key.strip()
            for spec in screen.actions
            if spec.mode == NORMAL and spec.target == QUEUE and spec.action in CURSOR_MOVES
            for key in spec.keys.split(",")
        )
        """Keys that only move the queue's cursor one way or another (j, k, home...)."""
        self._last: HeldInput | None = None
        """The key (or paste) routed last, by the fast path or let through."""
        self._last_moves = False
        """The last key was a cursor move routed to the queue (see _moves_cursor)."""
        self._last_back = False
        """The app has done its part with the last key: its bindings ran (routed)."""
        self._last_followed = True
        """The last key was followed until handled, with what it set going (_handled)."""

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
        if self._changed is not None:
            self._changed.set()

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

    # --- the door -----------------------------------------------------------------------

    def admit(self, event: HeldInput) -> bool:
        """The app asks for each key and paste from the terminal before routing it.
        True: the gate holds it and lets it through in its turn; False: route it now
        (it is the key the gate is letting through, or nothing is in its way)."""
        for index, passing in enumerate(self._passing):
            if passing is event:
                del self._passing[index]
                return False
        if self._may_pass_now(event):
            self._routing(event, followed=False)
            return False
        self._held_keys.append((time.monotonic(), event))
        if self._releaser is None or self._releaser.is_finished:
            self._releaser = self.screen.run_worker(
                self._release_held_keys(),
                name="release held keys",
                group=RELEASE_GROUP,
                exit_on_error=False,
            )
        return True

    def routed(self, event: HeldInput, *, first_pass: bool) -> None:
        """The app has handled *event* in its turn: on its first pass (a priority binding
        took it, or it went on to the focus), or back from the focus (its bindings ran)."""
        if event is self._last and not (first_pass and event.is_forwarded):
            self._last_back = True

    def _routing(self, event: HeldInput, *, followed: bool) -> None:
        self._last = event
        self._last_moves = self._moves_cursor(event)
        self._last_back = False
        self._last_followed = followed

    # --- when a key may go ----------------------------------------------------------------

    def _releasing(self) -> bool:
        return self._releaser is not None and not self._releaser.is_finished

    def _may_pass_now(self, event: HeldInput) -> bool:
        """May *event* go straight on, unheld? Only when nothing is held before it, the
        key before it is out of the way, and what *event* acts on is ready (_ready_for).

        The key before is out of the way when it was a cursor move and *event* is one
        too: both go to the queue in order, and neither changes where keys go. Otherwise
        it must have been handled (followed until handled, back through the app's
        bindings, or stopped by the widget that took it) with nothing on its way that
        it, or anything else, set going (_quiet): no dialog opening or closing, no
        focus moving."""
        if self._held_keys or self._releasing():
            return False
        if not (self._last_moves and self._moves_cursor(event)):
            last = self._last
            handled = (
                last is None or self._last_followed or self._last_back or last._stop_propagation
            )
            if not (handled and self._quiet()):
                return False
        return self._ready_for(event)

    def _moves_cursor(self, event: HeldInput) -> bool:
        """A key that only moves the queue's cursor, sent where it does that: the triage
        screen on top in its normal mode, its queue focused (no line takes it as text)."""
        screen = self.screen
        return (
            isinstance(event, events.Key)
            and event.key in self.move_keys
            and screen.app.screen is screen
            and screen.mode == NORMAL
            and screen.app.focused is screen.queue
        )

    def _quiet(self) -> bool:
        """Nothing is on its way to where keys go: the screen on top is mounted, the
        focused widget, its parents, its screen and the triage screen have handled every
        message sent to them (a dialog's result, a submitted line), no callback waits for
        the next frame there, and the app has nothing but keys waiting (a focus change is
        a callback sent to the app). Reads Textual's message queues in passing; where
        they cannot be read, it says no, and the key waits its turn."""
        app, screen = self.screen.app, self.screen
        top = app.screen
        if not top.is_mounted:
            return False
        nodes = list((app.focused or top).ancestors_with_self)
        if screen not in nodes:
            nodes.append(screen)
        for node in nodes:
            if node is app:
                continue
            if busy(node):
                return False
            if isinstance(node, Screen) and getattr(node, "_callbacks", True):
                return False
        waiting = getattr(app._message_queue, "values", None)
        if waiting is None or getattr(app, "_next_callbacks", True):
            return False
        return all(isinstance(message, (events.Key, events.Paste)) for message in waiting)

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

    def _ready_for(self, event: HeldInput) -> bool:
        """May *event* go now? On another screen (a dialog, a mode's keys) it acts on
        that screen, which _handled has seen ready. On the triage screen it acts on the
        article shown, so that must be the one under the cursor; a key that only moves
        the cursor needs the cursor settled, not the article read: held-down j skips
        the reads in between."""
        if self.screen.app.screen is not self.screen or self._navigation_settled():
            return True
        queue = self.screen.queue
        return (
            isinstance(event, events.Key)
            and event.key in self.cursor_keys
            and self.screen.mode == NORMAL
            and not self._awaiting - {"article"}
            and not queue.reloading
            and queue.current is not None
        )

    async def _release_held_keys(self) -> None:
        """Let the held keys through in order, each when it may go, until none is left."""
        app = self.screen.app
        self._changed = asyncio.Event()
        # What the key before the first did is handled already; a screen pushed since
        # (by the app, not by a key) must be ready all the same.
        await self._handled()
        while self._held_keys:
            _held_at, event = self._held_keys[0]
            self._changed.clear()
            if not self._ready_for(event):
                # Looked at again after a while all the same: a screen may have come
                # up meanwhile, or the keys been dropped.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), KEY_CHECK_SECONDS)
                continue
            self._held_keys.popleft()
            # Through the app, as a typed key goes: its priority bindings, then the
            # focused widget (an editor takes letters as text), the screen, the app.
            self._passing.append(event)
            self._routing(event, followed=False)
            app.post_message(event)
            if self._last_moves and self._held_keys and self._moves_cursor(self._held_keys[0][1]):
                continue  # a cursor move after a cursor move: same path, in order (_may_pass_now)
            await self._handled()
            self._last_followed = self._last is event

    async def _handled(self) -> None:
        """Wait until the key let through has been handled, with what it set going on
        screen, by following it through each node it passes, rounds at a time.

        A key goes to the app, then to the focused widget and up through its parents
        and screen to the app (where bindings run); what it started posts messages
        on the same way (a dialog mounting, focus moving, a dialog's result handed to
        the screen). A round waits for each of those nodes to have handled what was
        sent to it before; rounds go on while they change the screen or the focus, and
        end after the first when nothing is left on its way (_quiet)."""
        app, screen = self.screen.app, self.screen
        for round_number in range(1, HANDLED_MAX_ROUNDS + 1):
            before = (app.screen, app.focused, len(app.screen_stack))
            chain: list[DOMNode] = [app, *(app.focused or app.screen).ancestors_with_self]
            if screen not in chain:
                chain.append(screen)  # a dialog's result comes back to the triage screen
            chain.append(app)
            for node in chain:
                await handled_so_far(node)
            after = (app.screen, app.focused, len(app.screen_stack))
            if after == before and (round_number >= HANDLED_MIN_ROUNDS or self._quiet()):
                return

    def drop_stale_keys(self) -> None:
        """A navigation that never finishes must not freeze the keyboard (nor apply keys late)."""
        if not self._held_keys:
            return
        if time.monotonic() - self._held_keys[0][0] < KEY_HOLD_LIMIT_SECONDS:
            return
        dropped = len(self._held_keys)
        self._held_keys.clear()
        self._gate_open = True
        self.settled_point()
        self.screen.notify(
            f"{dropped} key(s) dropped: the article did not finish loading.", severity="warning"
        )


def busy(node: DOMNode) -> bool:
    """Has *node* messages waiting, or callbacks to run once it has handled them?"""
    return (
        node.message_queue_size > 0
        or getattr(node, "_pending_message", True) is not None
        or bool(getattr(node, "_next_callbacks", True))
    )


async def handled_so_far(node: DOMNode) -> None:
    """Wait until *node* has handled every message sent to it before now (as Pilot
    waits for a screen): a callback queued behind them runs after them. A node closed
    meanwhile (a dismissed dialog's widget) drops the callback: stop waiting then."""
    done = asyncio.Event()
    if not node.call_later(done.set):
        return  # closed or closing: nothing more will be handled there
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), KEY_CHECK_SECONDS)
        except TimeoutError:
            if not node.is_dom_root and not node.is_attached:
                return
