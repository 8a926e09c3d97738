"""Reading articles for the triage screen: the one it is to show, and its neighbours ahead.

The article under the cursor is read in a thread worker (its own connection), which
posts :class:`~article_triage.tui.messages.ArticleLoaded` or ``ArticleMissing`` to the
screen; the screen shows it.

Reading a 1,500-paragraph article (1.3 MB of text, its aligned translation, its
outlets) takes tens of milliseconds, too long for `j` to feel instant if it starts when
the key arrives. While the analyst reads one article, a worker reads the one above and
the one below into a :class:`ReadAhead`; the key then shows a view already in memory.
The same worker wraps the paragraphs each will show first, for the reader's width and
columns of the moment (tui.widgets.reader.wrap_start), so showing it wraps nothing on
the UI thread unless the width or the columns have changed since.

A view read ahead is only as fresh as the store was when its read began, so each is
kept with the store's data version of that moment (``PRAGMA data_version`` of the UI
connection, which moves whenever another connection commits) and handed out only
while the version is unchanged. The app's own commits do not move it: the decision
flows forget the views they touch (:meth:`ArticleReading.forget`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

import sqlite_utils
from textual.worker import get_current_worker

from article_triage.store.reader import ArticleView, load_article_view
from article_triage.tui.messages import ArticleLoaded, ArticleMissing
from article_triage.tui.widgets.reader import WrappedStart, wrap_start

if TYPE_CHECKING:
    from article_triage.tui.screens.triage import TriageScreen

KEPT = 2
"""Views held at most: after j, the article left and the next one (k: the other way
round); more would only hold long articles in memory that no key asks for."""


class ReadAhead:
    """Views read ahead, by article id; safe to fill from a worker thread."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._views: OrderedDict[int, tuple[int, ArticleView, WrappedStart | None]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, view: ArticleView, version: int, start: WrappedStart | None = None) -> None:
        """Keep *view*, read from the store at data version *version*, with its first
        paragraphs wrapped (*start*) when they were."""
        with self._lock:
            self._views[view.id] = (version, view, start)
            self._views.move_to_end(view.id)
            while len(self._views) > self._kept:
                self._views.popitem(last=False)

    def fill(
        self,
        db: sqlite_utils.Database,
        article_ids: Iterable[int],
        analyst: str,
        target_lang: str,
        version: int,
        stopped: Callable[[], bool] = lambda: False,
        wrap: Callable[[ArticleView], WrappedStart] | None = None,
    ) -> None:
        """Read *article_ids* from *db* and keep their views as read at *version*, each
        with what *wrap* makes of it (its first paragraphs wrapped, in this thread).

        *version* must have been read before the first of these reads began: a commit
        by another connection after it makes :meth:`take` refuse the views, never hand
        them out stale. Stops between articles once *stopped* says so.
        """
        for article_id in article_ids:
            if stopped():
                return
            view = load_article_view(db, article_id, analyst, target_lang)
            if view is not None:
                self.put(view, version, wrap(view) if wrap is not None else None)

    def take(self, article_id: int, version: int) -> ArticleView | None:
        """The view of *article_id* if it was read at *version*; it is no longer kept
        (the screen now holds it and keeps it up to date)."""
        return self.take_with_start(article_id, version)[0]

    def take_with_start(
        self, article_id: int, version: int
    ) -> tuple[ArticleView | None, WrappedStart | None]:
        """:meth:`take`, and the view's first paragraphs wrapped when they were."""
        with self._lock:
            kept = self._views.pop(article_id, None)
        if kept is None or kept[0] != version:
            return None, None
        return kept[1], kept[2]

    def holds(self, article_id: int, version: int) -> bool:
        with self._lock:
            kept = self._views.get(article_id)
        return kept is not None and kept[0] == version

    def forget(self, article_id: int | None = None, story_id: int | None = None) -> None:
        """Drop the view of *article_id* and those in story *story_id* (their story line
        counts decisions on this one); with neither, every view."""
        with self._lock:
            if article_id is None and story_id is None:
                self._views.clear()
                return
            for kept_id, (_version, view, _start) in list(self._views.items()):
                if kept_id == article_id or (story_id is not None and view.story_id == story_id):
                    del self._views[kept_id]

    def __len__(self) -> int:
        return len(self._views)


class ArticleReading:
    """Where the triage screen's article views come from: memory when the article was
    read ahead at the store's current version, else a worker of the screen."""

    def __init__(self, screen: TriageScreen, ahead: ReadAhead | None = None) -> None:
        self.screen = screen
        self.ahead = ahead or ReadAhead()
        """The queue's neighbours of the article shown, read while it is read."""
        self._read_at: tuple[int, int] = (0, -1)
        """(article, the store's data version before it was read) of the last article
        asked for: the version the view shown is current at."""

    @property
    def app(self):
        return self.screen.app

    def move_to(self, article_id: int, leaving: ArticleView | None) -> ArticleView | None:
        """The cursor moved from *leaving* (the view shown) to *article_id*: its view when
        it was read ahead and the store has not changed since (show it at once), else
        None, and a worker reads it."""
        reader, left_at = self.screen.reader, self._read_at
        # Taken before the article left is put in its place: with two kept, putting it
        # first would push out the one k goes back to.
        view, start = self.ahead.take_with_start(article_id, self._begin(article_id))
        if leaving is not None and leaving.id != article_id and left_at[0] == leaving.id:
            # The article left is kept as shown (its decisions are in it), so k back to
            # it is instant too and it need not be read again as the new neighbour; with
            # its start as the reader wrapped it, so k wraps nothing either.
            self.ahead.put(leaving, left_at[1], reader.wrapped_start(leaving))
        if view is None:
            self._start_read(article_id)
        elif start is not None:
            reader.prepare(start)
        return view

    def read(self, article_id: int) -> None:
        """Read *article_id* from the store again (it changed): a worker reads it."""
        self._begin(article_id)
        self._start_read(article_id)

    def forget(self, article_id: int | None = None, story_id: int | None = None) -> None:
        """Views read ahead of *article_id* and story *story_id* (or all) are stale: a
        commit of this app's own does not move the store's data version."""
        self.ahead.forget(article_id, story_id)

    def _begin(self, article_id: int) -> int:
        version = self.app.store_version()
        self._read_at = (article_id, version)
        return version

    def _start_read(self, article_id: int) -> None:
        self.screen.run_worker(
            partial(self._read_in_thread, article_id),
            name="read_article",
            group="article",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _read_in_thread(self, article_id: int) -> None:
        view = load_article_view(
            self.app.thread_db(), article_id, self.screen.analyst, self.app.target_lang
        )
        if get_current_worker().is_cancelled:
            return
        if view is None:
            self.screen.post_message(ArticleMissing(article_id))
        else:
            self.screen.post_message(ArticleLoaded(view))

    def read_neighbours(self, drawn_id: int) -> None:
        """Article *drawn_id* has been drawn: read the rows above and below the cursor,
        so the next j or k shows one already in memory. Not before it is drawn: reading
        a long article holds the GIL for tens of milliseconds, which would delay that
        frame."""
        view, queue = self.screen.view, self.screen.queue
        if view is None or view.id != drawn_id:
            return
        version = self.app.store_version()
        wanted = [
            row.id
            for index in (queue.cursor + 1, queue.cursor - 1)
            if (row := queue.row_at(index)) is not None and not self.ahead.holds(row.id, version)
        ]
        if wanted:
            # The layout the next show will have (read here, on the UI thread): two
            # screens' worth, as the reader wraps on the first frame and after it.
            body = self.screen.reader.body
            region = body.scrollable_content_region
            wrap = partial(
                wrap_start,
                self.app.console,
                width=region.width,
                columns=body.columns,
                lines=2 * region.height,
            )
            self.screen.run_worker(
                partial(self._read_ahead_in_thread, wanted, version, wrap),
                name="read_ahead",
                group="read-ahead",
                exclusive=True,
                thread=True,
                exit_on_error=False,
            )

    def _read_ahead_in_thread(
        self,
        article_ids: list[int],
        version: int,
        wrap: Callable[[ArticleView], WrappedStart],
    ) -> None:
        worker = get_current_worker()
        self.ahead.fill(
            self.app.thread_db(),
            article_ids,
            self.screen.analyst,
            self.app.target_lang,
            version,
            stopped=lambda: worker.is_cancelled,
            wrap=wrap,
        )
