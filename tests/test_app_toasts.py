"""Notifications cover nothing the analyst reads: the reader and the triage bar's
Sources line stay visible while a toast is up, at the default terminal size and a large one."""

from __future__ import annotations

import pytest
from app_support import make_app, seed_store, settle
from textual.widgets._toast import Toast

LONG_MESSAGE = (
    "Translated 1,204 of 1,250 articles; 46 failed: the provider answered 429 Too Many "
    "Requests after retries (triage translate resumes where it stopped)."
)


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
