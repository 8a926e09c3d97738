"""The reader: the original beside its translation, paragraph by paragraph.

A 1,500-paragraph article must cost no more to show than a 5-paragraph one, so the
body is a Line-API scroll view (toolong's LogLines model): it draws only the lines
in view. Each paragraph pair is one band of lines, as tall as the longer side's
wrapped text plus a blank line, so the two columns cannot drift apart: they are
one scroll. A paragraph is wrapped only when it comes into view (and cached per
width); until then its height is estimated from its length, which is exact
enough for the scrollbar and corrected as soon as the paragraph is drawn.

Above the body, and not scrolling with it, the title, the metadata line and the
column headings. Paragraph numbers (the ones `C` and `triage correct` ask for) run
down a gutter. Everything shown is rich.text.Text built from plain strings, so
"[bold]" in an article is shown as typed, never parsed as markup.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar, Literal

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from article_triage.store.boundary import shown_line
from article_triage.store.reader import ArticleView, is_rtl
from article_triage.store.text import strip_control

Columns = Literal["both", "original", "translation"]
COLUMN_CYCLE: tuple[Columns, ...] = ("both", "original", "translation")
MISSING_TRANSLATION = "no translation — press T to translate"
CITATION_STYLE = "bold underline"
COLUMN_SEPARATOR = " │ "
WRAPPED_PARAGRAPHS = 256
"""Paragraph pairs kept wrapped (a few screens' worth at any width)."""
RENDERED_LINES = 1024
"""Rendered lines kept: scrolling back over them draws nothing again."""


def pane_titles(view: ArticleView) -> tuple[str, str]:
    """Column headings: each pane's language, and the translation's provider.

    A partial translation says so before naming its provider: a narrow column
    cuts the heading's end, and the provider matters least.
    """
    original = f"Original · {shown_line(view.language)}"
    translation = f"Translation · {shown_line(view.target_lang)}"
    if view.paragraphs and view.translated_count < len(view.paragraphs):
        translation += f" · {view.translated_count}/{len(view.paragraphs)} paragraphs"
    providers = shown_line(", ".join(view.providers))
    if providers:
        translation += f" · {providers}"
    return original, translation


def article_meta(view: ArticleView) -> str:
    return " · ".join(
        shown_line(part)
        for part in (
            f"#{view.id}",
            view.language,
            view.published,
            view.sitename,
            view.url or view.source,
        )
        if part
    )


def _paragraph_text(text: str) -> Text:
    clean = strip_control(text)
    return Text(clean, justify="right" if is_rtl(clean) else "left")


def original_text(view: ArticleView, index: int) -> Text:
    """Paragraph *index* of the original, with the outlets it cites highlighted."""
    text = _paragraph_text(view.paragraphs[index])
    for citation in view.citations_in(index):
        if citation.start is None or citation.end is None:
            continue
        start, end = max(0, citation.start), min(len(text), citation.end)
        if start < end:
            text.stylize(CITATION_STYLE, start, end)
    return text


def translation_text(view: ArticleView, index: int) -> Text:
    translated = view.translation[index] if index < len(view.translation) else None
    if translated is None:
        return Text(MISSING_TRANSLATION, style="dim italic")
    return _paragraph_text(translated.text)


@dataclass(frozen=True)
class Geometry:
    """Where each part of a line sits, for one width and one column layout."""

    gutter: int
    """Cells of the paragraph-number gutter (a space, the digits, a space)."""
    original: int
    """Cells of the original column (0 when hidden)."""
    translation: int
    """Cells of the translation column (0 when hidden)."""

    @classmethod
    def fit(cls, width: int, paragraphs: int, columns: Columns) -> Geometry:
        gutter = len(str(max(paragraphs, 1))) + 2
        room = max(width - gutter, 2)
        if columns == "original":
            return cls(gutter, room, 0)
        if columns == "translation":
            return cls(gutter, 0, room)
        room = max(room - len(COLUMN_SEPARATOR), 2)
        return cls(gutter, room // 2, room - room // 2)

    @property
    def width(self) -> int:
        both = bool(self.original and self.translation)
        return self.gutter + self.original + self.translation + (len(COLUMN_SEPARATOR) * both)


def wrap_side(console: Console, text: Text, width: int) -> list[Strip]:
    """*text* wrapped to *width* cells, one Strip per line (none when the column is hidden).
    Pure: the read-ahead worker wraps with it too (Rich only reads the console here)."""
    if not width:
        return []
    lines = text.wrap(console, width, justify=text.justify, overflow="fold")
    return [
        Strip(list(line.render(console, end="")), line.cell_len).crop_extend(0, width, None)
        for line in lines
    ]


WrappedPair = tuple[list[Strip], list[Strip]]
"""A paragraph pair wrapped: the original's lines and the translation's."""


def wrap_pair(console: Console, view: ArticleView, index: int, geometry: Geometry) -> WrappedPair:
    return (
        wrap_side(console, original_text(view, index), geometry.original),
        wrap_side(console, translation_text(view, index), geometry.translation),
    )


def pair_height(pair: WrappedPair) -> int:
    """Lines of a wrapped paragraph pair, the blank line after it included."""
    return max(len(pair[0]), len(pair[1]), 1) + 1


@dataclass(frozen=True)
class WrappedStart:
    """The first paragraph pairs of an article, wrapped for one width and column layout
    before it is shown (by the read-ahead worker): showing it then wraps nothing on the
    UI thread, unless the width or the columns have changed since."""

    article_id: int
    geometry: Geometry
    width: int
    pairs: tuple[WrappedPair, ...]


def wrap_start(
    console: Console, view: ArticleView, width: int, columns: Columns, lines: int
) -> WrappedStart:
    """Wrap *view*'s paragraph pairs from the first until *lines* lines are covered, for a
    body *width* cells wide showing *columns*."""
    geometry = Geometry.fit(width, len(view.paragraphs), columns)
    pairs: list[WrappedPair] = []
    covered = 0
    while len(pairs) < len(view.paragraphs) and covered < lines:
        pair = wrap_pair(console, view, len(pairs), geometry)
        pairs.append(pair)
        covered += pair_height(pair)
    return WrappedStart(view.id, geometry, width, tuple(pairs))


def estimated_lines(length: int, width: int) -> int:
    """Wrapped lines of *length* characters in *width* cells, guessed without wrapping.

    Word wrapping wastes about half a word at each line's end; the guess is
    corrected once the paragraph is drawn.
    """
    return max(1, -(-length // max(width - 4, 1)))


class ArticleLines(ScrollView, can_focus=False):
    """The scrolling body: paragraph pairs drawn line by line, only those in view."""

    @dataclass
    class Drawn(Message):
        """The article last shown has been drawn into a frame: work that would slow
        that frame (reading the next articles ahead) may start now."""

        article_id: int

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-lines--gutter",
        "article-lines--separator",
    }
    DEFAULT_CSS = """
    ArticleLines {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .article-lines--gutter { color: $text-muted; }
        & > .article-lines--separator { color: $panel-lighten-2; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: ArticleView | None = None
        self.columns: Columns = "both"
        self.geometry = Geometry.fit(80, 1, "both")
        self._heights: list[int] = []
        """Lines of each paragraph pair, the blank line after it included."""
        self._exact: list[bool] = []
        """Which heights come from wrapping (the others are estimates)."""
        self._starts: list[int] = [0]
        """First line of each paragraph pair; one more entry: the total."""
        self._wrapped: LRUCache[int, tuple[list[Strip], list[Strip]]] = LRUCache(WRAPPED_PARAGRAPHS)
        self._lines: LRUCache[tuple[int, int], Strip] = LRUCache(RENDERED_LINES)
        self._starts_stale = False
        self._ahead_scheduled = False
        self._drawn_pending = False
        self._heading: Strip | None = None
        self._base_style = self._gutter_style = self._separator_style = Style()
        self._laid_out_width = 0
        self._lengths: tuple[list[int], list[int]] = ([], [])
        """Characters of each paragraph, original and translation (for the estimates)."""
        self.headings: Widget | None = None
        """Redrawn whenever the columns change (it draws :meth:`heading_strip`)."""
        self._prepared: WrappedStart | None = None
        """The start of the next article to show, wrapped elsewhere (:meth:`prepare`)."""

    # --- what is shown -------------------------------------------------------------------

    def show(self, view: ArticleView | None, *, keep_scroll: bool = False) -> None:
        anchor = self.top_paragraph() if keep_scroll else None
        self.view = view
        self._drawn_pending = view is not None
        self._lengths = _side_lengths(view)
        self._relayout(anchor)

    def prepare(self, start: WrappedStart) -> None:
        """The next :meth:`show` of article *start.article_id* takes its first paragraph
        pairs from *start* (wrapped in a worker) when the width and columns are still
        the ones they were wrapped for; otherwise it wraps them here, as always."""
        self._prepared = start

    def wrapped_start(self, of: ArticleView) -> WrappedStart | None:
        """The first paragraph pairs of the article shown, as wrapped here, covering two
        screens (what :meth:`prepare` takes), when it has the text of *of* (a decision
        since gives a new view of the same text) and they all are still wrapped."""
        view = self.view
        if (
            view is None
            or not self._heights
            or view.id != of.id
            or view.paragraphs is not of.paragraphs
            or view.translation is not of.translation
            or view.citations is not of.citations
        ):
            return None
        pairs: list[WrappedPair] = []
        covered, lines = 0, 2 * self.scrollable_content_region.height
        while len(pairs) < len(self._heights) and covered < lines:
            pair = self._wrapped.get(len(pairs))
            if pair is None:
                return None
            pairs.append(pair)
            covered += pair_height(pair)
        return WrappedStart(view.id, self.geometry, self._laid_out_width, tuple(pairs))

    def set_columns(self, columns: Columns) -> None:
        anchor = self.top_paragraph()
        self.columns = columns
        self._relayout(anchor)

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._laid_out_width:
            self._relayout(self.top_paragraph())

    def top_paragraph(self) -> tuple[int, int] | None:
        """(paragraph index, line within it) at the top of the view, if an article is shown."""
        if self.view is None or not self._heights:
            return None
        y = round(self.scroll_y)
        index = self.paragraph_at(y)
        return index, y - self._starts[index]

    def paragraph_at(self, line: int) -> int:
        """The paragraph pair that *line* (of the whole article) belongs to."""
        return max(0, min(bisect_right(self._starts, line) - 1, len(self._heights) - 1))

    @property
    def line_count(self) -> int:
        return self._starts[-1]

    @property
    def wrapped_paragraphs(self) -> int:
        """Paragraph pairs wrapped for the layout shown (the rest are estimates)."""
        return sum(self._exact)

    def _relayout(self, anchor: tuple[int, int] | None) -> None:
        """Start over for the article, columns or width shown now (estimates, no wrapping)."""
        self._wrapped.clear()
        self._lines.clear()
        self._heading = None
        view = self.view
        count = len(view.paragraphs) if view is not None else 0
        self._laid_out_width = self.scrollable_content_region.width
        self.geometry = Geometry.fit(self._laid_out_width, count, self.columns)
        self._heights = self._estimates() if count else []
        self._exact = [False] * count
        self._adopt_prepared()
        self._restart()
        top = 0
        if anchor is not None and count:
            index, offset = anchor
            index = min(index, count - 1)
            self._measure_from(index, offset + self.scrollable_content_region.height)
            top = self._starts[index] + min(offset, self._heights[index] - 1)
        self._measure_from(self.paragraph_at(top), self.scrollable_content_region.height)
        self.scroll_to(0, top, animate=False, immediate=True, force=True)
        self.refresh()
        if self.headings is not None:
            self.headings.refresh()

    def _adopt_prepared(self) -> None:
        """Take the paragraph pairs wrapped ahead for the article now shown, if they were
        wrapped for this very layout (same width and columns: same geometry)."""
        start, self._prepared = self._prepared, None
        view = self.view
        if (
            start is None
            or view is None
            or start.article_id != view.id
            or start.width != self._laid_out_width
            or start.geometry != self.geometry
        ):
            return
        for index, pair in enumerate(start.pairs):
            self._wrapped[index] = pair
            self._heights[index] = pair_height(pair)
            self._exact[index] = True

    def _restart(self) -> None:
        self._starts = [0, *accumulate(self._heights)]
        size = Size(self.scrollable_content_region.width, self._starts[-1])
        viewport = self.scrollable_content_region.height
        old = self.virtual_size
        if old.width == size.width and (old.height > viewport) == (size.height > viewport):
            # Another length, but the scrollbar neither comes nor goes: nothing else on
            # the screen moves, so no layout pass (it redraws the whole screen, about
            # 20 ms at 140x40, on every article and every corrected height). The lines
            # and the scrollbar's thumb are all that change.
            self.set_reactive(ArticleLines.virtual_size, size)
            if self.show_vertical_scrollbar:
                self.vertical_scrollbar.window_virtual_size = size.height
            self.refresh()
        else:
            self.virtual_size = size

    def _estimates(self) -> list[int]:
        """Every paragraph pair's height guessed from its lengths (no wrapping: 1,500 in a
        millisecond)."""
        original, translation = self._lengths
        g = self.geometry
        # estimated_lines inlined (-(-n // w) is n / w rounded up): a call per paragraph
        # was most of the cost of showing a 1,500-paragraph article.
        left, right = max(g.original - 4, 1), max(g.translation - 4, 1)
        if not g.translation:
            return [max(1, -(-n // left)) + 1 for n in original]
        if not g.original:
            return [max(1, -(-n // right)) + 1 for n in translation]
        return [
            max(1, -(-a // left), -(-b // right)) + 1
            for a, b in zip(original, translation, strict=True)
        ]

    # --- wrapping (only what comes into view) ------------------------------------------

    def _wrap(self, index: int) -> tuple[list[Strip], list[Strip]]:
        """Paragraph pair *index* wrapped to its columns, one Strip per line per side."""
        cached = self._wrapped.get(index)
        if cached is not None:
            return cached
        view = self.view
        assert view is not None
        original, translation = pair = wrap_pair(self.app.console, view, index, self.geometry)
        self._wrapped[index] = pair
        height = pair_height(pair)
        self._exact[index] = True
        if height != self._heights[index]:
            self._heights[index] = height
            self._starts_stale = True  # recounted once per batch of paragraphs (_sync)
        return original, translation

    def _sync(self) -> None:
        if self._starts_stale:
            self._starts_stale = False
            self._restart()

    def _measure_from(self, index: int, lines: int) -> None:
        """Wrap paragraph pairs from *index* on until *lines* lines are covered exactly."""
        covered = 0
        while index < len(self._heights) and covered < lines:
            self._wrap(index)
            covered += self._heights[index]
            index += 1
        self._sync()

    def render_lines(self, crop):
        # Before any line is drawn, the paragraphs in view get their exact heights, so
        # the frame is laid out right. Styles are looked up once per frame, not per line
        # (each lookup walks the widget's ancestors).
        self._base_style = self.rich_style
        self._gutter_style = self.get_component_rich_style("article-lines--gutter")
        self._separator_style = self.get_component_rich_style("article-lines--separator")
        if self.view is not None and self._heights:
            top = round(self.scroll_y)
            first = self.paragraph_at(top)
            self._measure_from(first, top - self._starts[first] + self.size.height)
            if self._drawn_pending:
                # Handled after this frame is on the terminal (this runs while it is
                # being composed).
                self._drawn_pending = False
                self.post_message(self.Drawn(self.view.id))
            if not self._ahead_scheduled:
                self._ahead_scheduled = True
                self.call_after_refresh(self._measure_ahead)
        return super().render_lines(crop)

    def _measure_ahead(self) -> None:
        """After the frame, wrap the next screen too: a page down then finds its heights
        exact, and the scrollbar's correction happens here, not on the key's path."""
        self._ahead_scheduled = False
        if self.view is None or not self._heights:
            return
        bottom = round(self.scroll_y) + self.size.height
        below = self.paragraph_at(bottom)
        self._measure_from(below, bottom - self._starts[below] + self.size.height)

    # --- drawing ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = round(self.scroll_y) + y
        base = self._base_style
        if self.view is None or line >= self.line_count:
            return Strip.blank(width, base)
        index = self.paragraph_at(line)
        while not self._exact[index]:  # drawn before measured: wrapping corrects its height
            self._wrap(index)
            self._sync()
            index = self.paragraph_at(line)
        # Keyed by paragraph and row, not by line: a height corrected above leaves it valid.
        key = (index, line - self._starts[index])
        strip = self._lines.get(key)
        if strip is None:
            strip = self._render_article_line(*key)
            self._lines[key] = strip
        return strip.apply_style(base).crop_extend(0, width, base)

    def _render_article_line(self, index: int, row: int) -> Strip:
        original, translation = self._wrap(index)
        g = self.geometry
        number = f"{index + 1:>{g.gutter - 1}} " if row == 0 else " " * g.gutter
        parts = [Strip([Segment(number, self._gutter_style)], g.gutter)]
        if g.original:
            parts.append(_cell(original, row, g.original))
        if g.original and g.translation:
            parts.append(
                Strip([Segment(COLUMN_SEPARATOR, self._separator_style)], len(COLUMN_SEPARATOR))
            )
        if g.translation:
            parts.append(_cell(translation, row, g.translation))
        return Strip.join(parts)

    def heading_strip(self) -> Strip:
        """The column headings, cut to the columns they head."""
        if self._heading is None:
            self._heading = self._render_headings()
        return self._heading

    def _render_headings(self) -> Strip:
        g = self.geometry
        if self.view is None:
            return Strip([])
        original, translation = pane_titles(self.view)
        bold, console = Style(bold=True), self.app.console
        parts = [Strip.blank(g.gutter)]
        if g.original:
            parts.append(_heading(console, original, g.original, bold))
        if g.original and g.translation:
            parts.append(Strip.blank(len(COLUMN_SEPARATOR)))
        if g.translation:
            parts.append(_heading(console, translation, g.translation, bold))
        return Strip.join(parts)

    def at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y


def _side_lengths(view: ArticleView | None) -> tuple[list[int], list[int]]:
    if view is None:
        return [], []
    missing = len(MISSING_TRANSLATION)
    original, translation = view.text_lengths  # counted when the article was read
    return original, [missing if n is None else n for n in translation]


def _cell(lines: list[Strip], row: int, width: int) -> Strip:
    return lines[row] if row < len(lines) else Strip.blank(width)


def _heading(console: Console, title: str, width: int, style: Style) -> Strip:
    # Text, not str: the language and provider in these titles come from imported data.
    text = Text(title, style=style)
    text.truncate(width, overflow="ellipsis", pad=True)
    return Strip(list(text.render(console, end="")), width)


class ColumnHeadings(Widget):
    """One line above the body naming its columns; it does not scroll away."""

    DEFAULT_CSS = """
    ColumnHeadings { height: 1; border-bottom: none; }
    """

    def __init__(self, lines: ArticleLines, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = lines

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        return (
            self.lines.heading_strip()
            .apply_style(self.rich_style)
            .crop_extend(0, width, self.rich_style)
        )


class Reader(Vertical, can_focus=False):
    """Title, metadata and column headings over the scrolling article body."""

    DEFAULT_CSS = """
    Reader > #reader-title { height: 1; padding: 0 1; text-style: bold; text-wrap: nowrap; text-overflow: ellipsis; }
    Reader > #reader-title.note { height: auto; text-style: italic; text-wrap: wrap; }
    Reader > #reader-meta { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    Reader > #reader-headings { height: 1; margin-top: 1; }
    Reader > #reader-lines { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: ArticleView | None = None
        self.note = "No article selected."
        self.body = ArticleLines(id="reader-lines")
        self.body.headings = ColumnHeadings(self.body, id="reader-headings")

    def compose(self) -> ComposeResult:
        yield Static(Text(self.note), id="reader-title", markup=False, classes="note")
        yield Static("", id="reader-meta", markup=False)
        yield self.body.headings
        yield self.body

    @property
    def columns(self) -> Columns:
        return self.body.columns

    def show(self, view: ArticleView | None, *, keep_scroll: bool = False) -> None:
        self.view = view
        title = self.query_one("#reader-title", Static)
        was_note = title.has_class("note")
        title.set_class(view is None, "note")
        if view is None:
            self._show_header(Text(self.note), "", layout=True)
        else:
            title = shown_line(view.title) or f"(article {view.id})"
            self._show_header(Text(title), article_meta(view), layout=was_note)
        self.body.show(view, keep_scroll=keep_scroll)

    def prepare(self, start: WrappedStart) -> None:
        """The next show of that article takes its start wrapped ahead (ArticleLines.prepare)."""
        self.body.prepare(start)

    def wrapped_start(self, of: ArticleView) -> WrappedStart | None:
        return self.body.wrapped_start(of)

    def show_note(self, note: str) -> None:
        """A line in place of an article (empty filter, article gone...)."""
        self.note = note
        self.show(None)

    def set_columns(self, columns: Columns) -> None:
        self.body.set_columns(columns)

    def _show_header(self, title: Text, meta: str, *, layout: bool) -> None:
        # An article's title and metadata are one line each: from one article to the
        # next nothing moves, and a layout pass redraws the whole screen (only the note
        # in place of an article wraps).
        self.query_one("#reader-title", Static).update(title, layout=layout)
        self.query_one("#reader-meta", Static).update(meta, layout=False)

    # The body scrolls; the title and headings stay (space and b page the body).
    def scroll_page_down(self, *args, **kwargs) -> None:
        self.body.scroll_page_down(*args, **kwargs)

    def scroll_page_up(self, *args, **kwargs) -> None:
        self.body.scroll_page_up(*args, **kwargs)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_cycle_columns(self) -> None:
        """Both columns, the original alone, the translation alone."""
        current = COLUMN_CYCLE.index(self.columns)
        self.set_columns(COLUMN_CYCLE[(current + 1) % len(COLUMN_CYCLE)])

    def at_end(self) -> bool:
        return self.body.at_end()

    def paragraph_in_view(self) -> int:
        """Index of the paragraph at the top of the view (0 when none is shown)."""
        top = self.body.top_paragraph()
        return top[0] if top is not None else 0

    def visible_text(self) -> str:
        """The reader as the terminal shows it now, as plain lines (for tests and logs)."""
        lines = [
            str(self.query_one("#reader-title", Static).render()),
            str(self.query_one("#reader-meta", Static).render()),
            self.body.heading_strip().text,
        ]
        lines += [self.body.render_line(y).text for y in range(self.body.size.height)]
        return "\n".join(line.rstrip() for line in lines)
