"""The reader: the original beside its translation, paragraph by paragraph.

Each paragraph pair is one row of a table, as tall as the longer side, inside one
scroll container: the two columns cannot drift apart because they scroll as one.
Everything shown is rich.text.Text built from plain strings, so "[bold]" in an
article is shown as typed, never parsed as markup.
"""

from __future__ import annotations

from typing import Literal

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from article_triage.store.boundary import shown_line
from article_triage.store.reader import ArticleView, is_rtl
from article_triage.store.text import strip_control

Columns = Literal["both", "original", "translation"]
COLUMN_CYCLE: tuple[Columns, ...] = ("both", "original", "translation")
MISSING_TRANSLATION = "no translation — press T to translate"
CITATION_STYLE = "bold underline"


class Reader(VerticalScroll, can_focus=False):
    """Scrolls the rendered article; ``show`` replaces it, ``columns`` picks the layout."""

    DEFAULT_CSS = """
    Reader > #reader-body { width: 100%; height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: ArticleView | None = None
        self.columns: Columns = "both"
        self.note = "No article selected."

    def compose(self):
        yield Static(Text(self.note), id="reader-body")

    def show(self, view: ArticleView | None, *, keep_scroll: bool = False) -> None:
        self.view = view
        self._render_body()
        if not keep_scroll:
            self.scroll_home(animate=False)

    def show_note(self, note: str) -> None:
        """A line in place of an article (empty filter, article gone...)."""
        self.view = None
        self.note = note
        self._render_body()

    def set_columns(self, columns: Columns) -> None:
        self.columns = columns
        self._render_body()

    def _render_body(self) -> None:
        body = self.query_one("#reader-body", Static)
        if self.view is None:
            body.update(Text(self.note, style="italic"))
        else:
            body.update(render_article(self.view, self.columns))


def pane_titles(view: ArticleView) -> tuple[str, str]:
    """Column headings: each pane's language, and the translation's provider."""
    original = f"Original · {shown_line(view.language)}"
    providers = shown_line(", ".join(view.providers))
    translation = f"Translation · {shown_line(view.target_lang)}"
    if providers:
        translation += f" · {providers}"
    if view.paragraphs and view.translated_count < len(view.paragraphs):
        translation += f" · {view.translated_count}/{len(view.paragraphs)} paragraphs"
    return original, translation


def render_article(view: ArticleView, columns: Columns = "both") -> RenderableType:
    header = Text(shown_line(view.title) or f"(article {view.id})", style="bold")
    meta = " · ".join(
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
    table = Table(
        box=box.SIMPLE_HEAD,
        expand=True,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 1, 1),
        header_style="bold",
    )
    original_title, translation_title = pane_titles(view)
    # Text, not str: Rich parses a str heading as markup, and the language and
    # provider in these titles come from imported data.
    if columns in ("both", "original"):
        table.add_column(Text(original_title), ratio=1, overflow="fold")
    if columns in ("both", "translation"):
        table.add_column(Text(translation_title), ratio=1, overflow="fold")
    for index, paragraph in enumerate(view.paragraphs):
        cells: list[Text] = []
        if columns in ("both", "original"):
            cells.append(_original_cell(view, index, paragraph))
        if columns in ("both", "translation"):
            cells.append(_translation_cell(view, index))
        table.add_row(*cells)
    return Group(header, Text(meta, style="dim"), Text(""), table)


def _paragraph_text(text: str) -> Text:
    clean = strip_control(text)
    return Text(clean, justify="right" if is_rtl(clean) else "left")


def _original_cell(view: ArticleView, index: int, paragraph: str) -> Text:
    text = _paragraph_text(paragraph)
    for citation in view.citations_in(index):
        if citation.start is None or citation.end is None:
            continue
        start, end = max(0, citation.start), min(len(text), citation.end)
        if start < end:
            text.stylize(CITATION_STYLE, start, end)
    return text


def _translation_cell(view: ArticleView, index: int) -> Text:
    translated = view.translation[index] if index < len(view.translation) else None
    if translated is None:
        return Text(MISSING_TRANSLATION, style="dim italic")
    return _paragraph_text(translated.text)
