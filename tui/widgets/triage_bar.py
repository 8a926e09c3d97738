"""The triage bar: the current decision, the publisher hint, the suggestions and the mode prompt.

It only ever shows a decision the store has returned after the commit. Names, reasons
and sources in it may come from outside (a merged file, an outlet list): every one passes
store.boundary's door out, analyst and outlet names as identities.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.reader import ArticleView, Suggestion
from article_triage.store.taxonomy import Taxonomy
from article_triage.store.triage import Decision


class TriageBar(Static):
    class Resized(Message):
        """The bar moved or changed height: what sits on its top edge follows it."""

    def __init__(self, taxonomy: Taxonomy, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.taxonomy = taxonomy
        self.view: ArticleView | None = None
        self.prompt = ""
        self.activity = ""
        self._lines = 0

    def show(
        self,
        view: ArticleView | None,
        *,
        prompt: str | None = None,
        activity: str | None = None,
    ) -> None:
        self.view = view
        if prompt is not None:
            self.prompt = prompt
        if activity is not None:
            self.activity = activity
        bar = render_bar(view, self.taxonomy, self.prompt, self.activity)
        # One line per fact, never wrapped: the bar changes height only when it gains
        # or loses a line, and only then is a layout pass (a whole-screen redraw) due.
        lines = bar.plain.count("\n") + 1
        self.update(bar, layout=lines != self._lines)
        self._lines = lines

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized())


def render_bar(view: ArticleView | None, taxonomy: Taxonomy, prompt: str, activity: str) -> Text:
    lines: list[Text] = []
    if view is None:
        lines.append(Text("no article", style="dim"))
    else:
        d = view.decision
        grade = d.grade or "--"
        grade_hint = (
            f"  (publisher {shown_line(view.publisher.describe())})" if view.publisher else ""
        )
        flags = shown_line(", ".join(taxonomy.label("flags", f) for f in d.flags)) or "none"
        lines.append(
            Text.assemble(
                ("Status ", "dim"),
                (shown_line(taxonomy.label("statuses", d.status)), "bold"),
                ("   Stance ", "dim"),
                (shown_line(taxonomy.label("stances", d.stance)) or "--", "bold"),
                ("   Grade ", "dim"),
                (grade, "bold"),
                (grade_hint, "italic"),
                ("   Flags ", "dim"),
                (flags, "bold"),
                ("   Notes ", "dim"),
                (notes_line(d.notes) or "--", "bold"),
            )
        )
        if view.others:
            lines.append(
                Text.assemble(
                    ("Others ", "dim"),
                    " · ".join(_describe(o, taxonomy) for o in view.others),
                    ("  (A adjudicates with your decision)", "dim")
                    if not d.adjudicated
                    else ("  adjudicated", "bold"),
                )
            )
        if view.story_line:
            lines.append(
                Text.assemble(
                    ("Story ", "dim"),
                    shown_line(view.story_line),
                    ("  (o opens it)", "dim"),
                )
            )
            if view.credibility_hint:
                lines.append(Text.assemble(("Hint ", "dim"), shown_line(view.credibility_hint)))
        if view.sources:
            lines.append(
                Text.assemble(("Sources ", "dim"), " · ".join(map(shown_line, view.sources)))
            )
        # A flag may be suggested for several reasons (two state outlets cited);
        # the analyst decides per flag, so the bar lists flags, not reasons.
        pending = _by_flag(view.pending_suggestions)
        if pending:
            flag, reasons = next(iter(pending.items()))
            more = f"  (+{len(pending) - 1} more)" if len(pending) > 1 else ""
            lines.append(
                Text.assemble(
                    ("Suggests ", "dim"),
                    (shown_line(taxonomy.label("flags", flag)), "bold"),
                    ": ",
                    shown_line("; ".join(reasons)),
                    ("  y accept · x reject", "dim"),
                    more,
                )
            )
        elif view.suggestions:
            states = {s.flag: s.state for s in view.suggestions}
            reviewed = shown_line(
                ", ".join(f"{taxonomy.label('flags', f)} {state}" for f, state in states.items())
            )
            lines.append(Text.assemble(("Suggestions reviewed: ", "dim"), reviewed))
    if prompt:
        lines.append(Text(prompt, style="bold reverse"))
    if activity:
        lines.append(Text(activity, style="italic"))
    return Text("\n").join(lines)


NOTES_SHOWN = 60
"""Characters of the notes' first line in the bar (the bar cuts it shorter when narrow)."""


def notes_line(notes: str | None) -> str:
    """The notes' first non-blank line, cut: what the analyst wrote, at a glance."""
    first = next((line.strip() for line in (notes or "").splitlines() if line.strip()), "")
    more = len(first) > NOTES_SHOWN or first != (notes or "").strip()
    return shown_line(first[:NOTES_SHOWN]) + ("…" if more else "")


def _by_flag(suggestions: list[Suggestion]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for suggestion in suggestions:
        grouped.setdefault(suggestion.flag, []).append(suggestion.describe())
    return grouped


def _describe(decision: Decision, taxonomy: Taxonomy) -> str:
    """'taras: Critical B2 [Single source]' — another analyst's decision in brief, the
    name shown as an identity (a merged file may carry ESC, newlines or bidi marks in it)."""
    parts = [
        taxonomy.label("stances", decision.stance) or "no stance",
        decision.grade or "ungraded",
    ]
    if decision.flags:
        parts.append("[" + ", ".join(taxonomy.label("flags", f) for f in decision.flags) + "]")
    return f"{shown_identity(decision.analyst)}: {shown_line(' '.join(parts))}"
