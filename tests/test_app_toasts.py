"""Notifications cover nothing the analyst reads: the reader and the triage bar's
Sources line stay visible while a toast is up, at the default terminal size and a large one.
With the queue hidden (z) the newest toast stands on the triage bar, over the bottom of the
reader's text: the title, the column headings and the first lines stay in view."""

from __future__ import annotations

import pytest
from app_support import make_app, seed_store, settle
from textual.widgets import Footer
from textual.widgets._toast import Toast

from article_triage.tui.screens.messages import MessageLog

LONG_MESSAGE = (
    "Translated 1,204 of 1,250 articles; 46 failed: the provider answered 429 Too Many "
    "Requests after retries (triage translate resumes where it stopped)."
)


def _shown(app, size) -> dict[tuple[int, int], object]:
    """What the terminal shows in each cell: the widget on top there."""
    return {
        (x, y): app.screen.get_widget_at(x, y)[0] for y in range(size[1]) for x in range(size[0])
    }


def _covered(shown, widget) -> list[tuple[int, int]]:
    region = widget.region
    return [(x, y) for (x, y), w in shown.items() if region.contains(x, y) and isinstance(w, Toast)]


def _line_cells(app, widget, starts_with: str) -> list[tuple[int, int]]:
    """Screen cells of the line of *widget* that starts with *starts_with*."""
    lines = str(widget.render()).splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith(starts_with))
    region = widget.content_region
    width = min(len(lines[row]), region.width)
    return [(x, region.y + row) for x in range(region.x, region.x + width)]


@pytest.mark.parametrize("size", [(80, 24), (140, 40)])
async def test_toasts_leave_the_reader_and_the_sources_line_in_view(db_path, size):
    ids = seed_store(db_path)
    app = make_app(db_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("j")  # RT DE: published by RT, cites RIA Novosti
        await settle(app, pilot)
        assert app.triage.view.id == ids["de"]
        for severity in ("information", "warning", "error"):
            app.notify(LONG_MESSAGE, severity=severity, timeout=30)
        await pilot.pause()
        assert len(app.screen.query(Toast)) == 3
        # What the terminal shows in each cell: the newest toast is on screen, and no
        # cell of the reader or of the triage bar is a toast's.
        shown = {
            (x, y): app.screen.get_widget_at(x, y)[0]
            for y in range(size[1])
            for x in range(size[0])
        }
        assert any(isinstance(w, Toast) for w in shown.values())
        for widget in (app.triage.reader, app.triage.triage_bar):
            region = widget.region
            covered = [
                (x, y)
                for (x, y), w in shown.items()
                if region.contains(x, y) and isinstance(w, Toast)
            ]
            assert not covered, f"toasts cover {widget!r} at {covered[:3]}"
        for cell in _line_cells(app, app.triage.triage_bar, "Sources "):
            assert shown[cell] is app.triage.triage_bar, f"{cell} shows {shown[cell]!r}"


def _toast_messages(shown) -> set[str]:
    return {str(w._notification.message) for w in shown.values() if isinstance(w, Toast)}


@pytest.mark.parametrize("size", [(80, 24), (140, 40)])
async def test_with_the_queue_hidden_the_newest_toast_stands_on_the_triage_bar(db_path, size):
    ids = seed_store(db_path)
    app = make_app(db_path)
    said = []

    def notify_three(when: str) -> None:
        for severity in ("information", "warning", "error"):
            said.append(f"{when}, {severity}: {LONG_MESSAGE}")
            app.notify(said[-1], severity=severity, timeout=30)

    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        assert app.triage.view.id == ids["uk"]  # no suggestions: a shorter triage bar
        await pilot.press("z")
        await settle(app, pilot)
        assert not app.triage.query_one("#queue-pane").display
        notify_three("zoomed")
        await pilot.pause()
        reader = app.triage.reader
        lines = reader.query_one("#reader-lines")
        for step in ("zoomed", "next article: the bar grows a Suggests line"):
            shown = _shown(app, size)
            # Only the newest is shown, whole (its last line ends the message).
            assert _toast_messages(shown) == {said[-1]}, step
            toast_rows = sorted({y for (x, y), w in shown.items() if isinstance(w, Toast)})
            bar = app.triage.triage_bar.region
            assert toast_rows[-1] == bar.y - 1, f"{step}: the toast does not stand on the bar"
            for part in ("#reader-title", "#reader-meta", "#reader-headings"):
                widget = reader.query_one(part)
                assert not _covered(shown, widget), f"{step}: toasts cover {part}"
            for widget in (app.triage.triage_bar, app.screen.query_one(Footer)):
                assert not _covered(shown, widget), f"{step}: toasts cover {widget!r}"
            # The reader's text is covered from the bottom only: its first half is in view.
            top_half = [
                (x, y)
                for (x, y) in _covered(shown, lines)
                if y < lines.region.y + lines.region.height // 2
            ]
            assert not top_half, f"{step}: toasts cover the top of the text at {top_half[:3]}"
            if app.triage.view.id == ids["de"]:  # the Ukrainian article has no Sources line
                for cell in _line_cells(app, app.triage.triage_bar, "Sources "):
                    assert shown[cell] is app.triage.triage_bar, f"{step}: {cell} shows a toast"
            if step == "zoomed":
                bar_height = bar.height
                await pilot.press("j")  # RT DE: published by RT, cites RIA, a suggestion
                await settle(app, pilot)
                assert app.triage.view.id == ids["de"]
                assert app.triage.triage_bar.region.height > bar_height
        # With the queue back, toasts go back over it: the reader is not covered at all.
        await pilot.press("z")
        await settle(app, pilot)
        assert app.triage.query_one("#queue-pane").display
        notify_three("queue back")
        await pilot.pause()
        shown = _shown(app, size)
        assert any(isinstance(w, Toast) for w in shown.values())
        for widget in (app.triage.reader, app.triage.triage_bar):
            assert not _covered(shown, widget), f"toasts cover {widget!r}"
        for cell in _line_cells(app, app.triage.triage_bar, "Sources "):
            assert shown[cell] is app.triage.triage_bar, f"{cell} shows {shown[cell]!r}"
        # Toasts shown or not, the message log has every one, newest first.
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageLog)
        log = str(app.screen.query_one("#messages-body").render())
        assert [message.text for message in app.message_log] == said
        assert all(text[:40] in log for text in said)
        assert log.index(said[-1][:40]) < log.index(said[0][:40])
