"""Articles read before they are asked for: the queue's neighbours of the article shown.

Reading a 1,500-paragraph article (1.3 MB of text, its aligned translation, its
outlets) takes tens of milliseconds, too long for `j` to feel instant if it starts when
the key arrives. While the analyst reads one article, a worker reads the one above and
the one below into here; the key then shows a view that is already in memory.

A view read ahead is only as fresh as the store was when its read began, so each is
kept with the store's data version of that moment (``PRAGMA data_version`` of the UI
connection, which moves whenever another connection commits) and handed out only
while the version is unchanged. The app's own commits do not move it: the screen
forgets the views they touch.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from article_triage.store.reader import ArticleView

KEPT = 2
"""Views held at most: after j, the article left and the next one (k: the other way
round); more would only hold long articles in memory that no key asks for."""


class ReadAhead:
    """Views read ahead, by article id; safe to fill from a worker thread."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._views: OrderedDict[int, tuple[int, ArticleView]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, view: ArticleView, version: int) -> None:
        """Keep *view*, read from the store at data version *version*."""
        with self._lock:
            self._views[view.id] = (version, view)
            self._views.move_to_end(view.id)
            while len(self._views) > self._kept:
                self._views.popitem(last=False)

    def take(self, article_id: int, version: int) -> ArticleView | None:
        """The view of *article_id* if it was read at *version*; it is no longer kept
        (the screen now holds it and keeps it up to date)."""
        with self._lock:
            kept = self._views.pop(article_id, None)
        if kept is None or kept[0] != version:
            return None
        return kept[1]

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
            for kept_id, (_version, view) in list(self._views.items()):
                if kept_id == article_id or (story_id is not None and view.story_id == story_id):
                    del self._views[kept_id]

    def __len__(self) -> int:
        return len(self._views)
