"""Merging two stories from the keyboard: M marks the shown article's story, M on an
article of another story merges that story into the marked one, once confirmed.

The clusterer sometimes keeps two reports of one event apart (a headline in another
script, a date written differently); the analyst who sees it says so in two keys
instead of leaving the app for `triage stories merge KEEP OTHER`. The mark is an
article, not a story id: story ids change when stories are rebuilt, so both stories
are looked up again in the worker that merges (on its own connection), through
store.stories.merge_stories, the CLI's one write path, which keeps the decision for
rebuilds and logs it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from article_triage.store.boundary import shown_line
from article_triage.tui.screens.confirm import ConfirmDialog

if TYPE_CHECKING:
    from article_triage.store.reader import ArticleView
    from article_triage.tui.screens.triage import TriageScreen

TITLE_IN_QUESTION = 50


@dataclass(frozen=True)
class StoryMark:
    """The article whose story the next merge keeps, as it was shown when marked."""

    article_id: int
    story_id: int
    described: str


def _describe(view: ArticleView) -> str:
    """'#3 Казахстан продлил… (Same event: 6 articles, 6 languages)'."""
    title = shown_line(view.title)
    if len(title) > TITLE_IN_QUESTION:
        title = title[: TITLE_IN_QUESTION - 1] + "…"
    # The story line's head says how big the story is; its sources are on the bar.
    size = shown_line(view.story_line).partition(" — ")[0] or "this article alone"
    return f"#{view.id} {title} ({size})"


class StoryMerge:
    def __init__(self, screen: TriageScreen) -> None:
        self.screen = screen
        self.mark: StoryMark | None = None

    def press(self) -> None:
        """M: mark, clear the mark, or ask to merge into the marked story."""
        screen = self.screen
        view = screen.view
        if view is None:
            return
        if view.story_id is None:
            screen.notify(
                "This article is in no story yet: `triage stories rebuild` places it.",
                severity="warning",
            )
            return
        mark = self.mark
        if mark is None:
            self.mark = StoryMark(view.id, view.story_id, _describe(view))
            screen.notify(
                f"Story of {_describe(view)} marked. Press M on an article of the other "
                "story to merge that story into this one; M here again clears the mark.",
                markup=False,
            )
            return
        if mark.article_id == view.id or mark.story_id == view.story_id:
            self.mark = None
            screen.notify("Story merge mark cleared.")
            return
        question = (
            f"Merge the story of {_describe(view)}\n\ninto the story of {mark.described}?\n\n"
            "The merge is kept when stories are rebuilt. Undo (u) does not take it back: "
            "split an article out with x on the story screen (O)."
        )

        def answer(yes: bool | None) -> None:
            if yes:
                screen.run_worker(
                    partial(self._merge_in_thread, mark.article_id, view.id),
                    name="_merge_stories",
                    group="story-merge",
                    thread=True,
                    exit_on_error=False,
                )

        screen.app.push_screen(ConfirmDialog(question), answer)

    def _merge_in_thread(self, keep_article: int, other_article: int) -> None:
        from article_triage.store.stories import StoryError, merge_stories, story_detail, story_of

        app = self.screen.app
        db = app.thread_db()
        try:
            keep, other = story_of(db, keep_article), story_of(db, other_article)
            if keep is None or other is None:
                raise StoryError("an article left its story meanwhile (stories were rebuilt)")
            if keep == other:
                raise StoryError(f"#{keep_article} and #{other_article} are in one story already")
            merge_stories(db, keep, other, self.screen.analyst)
            detail = story_detail(db, keep, self.screen.analyst)
        except (StoryError, sqlite3.Error) as exc:
            app.call_from_thread(self._failed, str(exc))
            return
        # The head of the story line ("Same event: 7 articles, 6 languages"); the bar
        # shows the rest.
        line = detail.line().partition(" — ")[0] if detail is not None else ""
        app.call_from_thread(self._merged, keep, other, line)

    def _failed(self, reason: str) -> None:
        self.mark = None
        self.screen.notify(f"Stories not merged: {reason}", severity="error", markup=False)

    def _merged(self, keep: int, other: int, line: str) -> None:
        screen = self.screen
        self.mark = None
        if screen.filter.story == other:  # the queue showed the story that is gone
            shown = screen.view.id if screen.view is not None else None
            screen.queue.reload(replace(screen.filter, story=keep), select_id=shown)
        screen.after_store_change()
        screen.notify(
            f"Story {other} merged into story {keep}. {shown_line(line)}".strip(), markup=False
        )
