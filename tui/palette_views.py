"""Saved views (store.query_views) in the command palette: "view: NAME — QUERY".

Choosing one shows its query in the queue exactly as typing the query in the `/` bar
does (the same method applies it), so a view saved with `triage views save` is one
palette search away in the app.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.query_views import SavedView, list_views

if TYPE_CHECKING:
    from article_triage.tui.app import TriageApp

HELP = "Show this saved view's query in the queue (as the / bar would)"


def view_title(view: SavedView) -> str:
    """The palette's line for *view*; the name and query are the analyst's own text,
    shown through the door out (the name as an identity: invisible characters shown)."""
    return f"view: {shown_identity(view.name)} — {shown_line(view.query)}"


def highlighted(matcher: Matcher, title: str) -> Content:
    """*title* as plain text with the matched letters marked: Matcher.highlight reads
    its candidate as markup, and a view's name or query may hold square brackets."""
    content = Content(title)
    # The search lowers its candidate, and a few letters lower to two ('İ' to 'i̇'):
    # its offsets would then point past the letters matched (or past the end). Each
    # letter lowered to one keeps them on the title.
    folded = "".join(letter.lower()[0] for letter in title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, folded)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class SavedViewCommands(Provider):
    """Every saved view, read once when the palette opens (off the UI thread)."""

    _views: tuple[SavedView, ...] = ()

    @property
    def _app(self) -> TriageApp:
        return self.app  # type: ignore[return-value]

    async def startup(self) -> None:
        app = self._app
        self._views = tuple(await asyncio.to_thread(lambda: list_views(app.thread_db())))

    def _show(self, view: SavedView) -> None:
        self._app.triage.apply_query(view.query)

    async def discover(self) -> Hits:
        for view in self._views:
            yield DiscoveryHit(Content(view_title(view)), partial(self._show, view), help=HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for view in self._views:
            title = view_title(view)
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    highlighted(matcher, title),
                    partial(self._show, view),
                    text=title,
                    help=HELP,
                )
