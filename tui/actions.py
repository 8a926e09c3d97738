"""The one table of the app's actions: keys, bindings, help and palette all come from here.

Taxonomy keys are data: stance keys, the Admiralty letters and digits and the flag
keys are generated from :class:`store.taxonomy.Taxonomy` (and so from the user's
config). Some keys only mean something inside a *mode*: after ``g`` a letter sets
source reliability and a digit information credibility; after ``f`` a flag key
toggles that flag. :func:`key_state` enables an action only in its mode, so the
footer shows exactly the keys that apply now.

Each action names its *target*, the node whose ``action_*`` method runs it (as
harlequin's ``Action.target``): the app, the triage screen, the queue or the reader.
The app's keys are bound on the app and the others on the triage screen: Textual
looks for a key's binding along the focus chain, and of the screen's nodes only the
screen is always in it (the reader takes no focus, the queue can be hidden with z).
The screen runs a queue or reader key as ``on('queue', 'next_article')``, on its target.
A mode's keys are bound on that mode's key screen (tui/screens/mode_keys.py), pushed
over the triage screen while the mode lasts. Each node then binds a key once, so the
config's ``[keys]`` rebind through Textual's keymap (``App.set_keymap``, by binding id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from textual.binding import Binding

from article_triage.store.taxonomy import Taxonomy

APP, SCREEN, QUEUE, READER = "app", "screen", "queue", "reader"
"""Targets: the node whose ``action_*`` method an action runs."""
NORMAL = ""
GRADE = "grade"
FLAG = "flag"
ANY_MODE = "*"
MODE_PROMPTS = {
    GRADE: "grade: reliability letter, then credibility digit (esc cancels)",
    FLAG: "flag: press a flag key to toggle it (esc cancels)",
}
GRADE_DIGIT_PROMPT = "grade: reliability {letter}, now the credibility digit (esc cancels)"


@dataclass(frozen=True)
class ActionSpec:
    id: str
    """Stable binding id (users' keymaps refer to it)."""
    keys: str
    """Comma-separated Textual key names, e.g. "j,down"."""
    action: str
    """The Textual action string run by the key and by the palette."""
    description: str
    group: str
    """Heading in the help screen."""
    mode: str = NORMAL
    """The mode in which the key applies; ANY_MODE for keys that always do."""
    needs_article: bool = False
    """Disabled (greyed in the footer) while no article is shown."""
    footer: bool = True
    footer_group: str | None = None
    """Footer label under which several keys are shown together (e.g. "stance")."""
    short: str = ""
    """The footer's label, when the description is too long for it."""
    target: str = SCREEN
    """APP, SCREEN, QUEUE or READER: whose action it is (and where its key is bound)."""

    @property
    def key_display(self) -> str:
        return ", ".join(display_key(k) for k in self.keys.split(","))


_KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "down": "↓",
    "up": "↑",
    "escape": "esc",
    "enter": "⏎",
    "greater_than_sign": ">",
}


def display_key(key: str) -> str:
    key = key.strip()
    return _KEY_NAMES.get(key, key)


def _static_actions() -> list[ActionSpec]:
    A = ActionSpec
    return [
        A(
            "nav.next",
            "j,down",
            "next_article",
            "Next article",
            "Navigate",
            short="next",
            target=QUEUE,
        ),
        A(
            "nav.previous",
            "k,up",
            "previous_article",
            "Previous article",
            "Navigate",
            short="prev",
            target=QUEUE,
        ),
        A(
            "nav.next_untriaged",
            "J",
            "next_untriaged",
            "Next untriaged article",
            "Navigate",
            short="untriaged",
        ),
        A(
            "nav.first",
            "home",
            "first_article",
            "First article",
            "Navigate",
            footer=False,
            target=QUEUE,
        ),
        A(
            "nav.last",
            "end",
            "last_article",
            "Last article",
            "Navigate",
            footer=False,
            target=QUEUE,
        ),
        A(
            "nav.page_down",
            "pagedown",
            "page_down",
            "Page down the queue",
            "Navigate",
            footer=False,
            target=QUEUE,
        ),
        A(
            "nav.page_up",
            "pageup",
            "page_up",
            "Page up the queue",
            "Navigate",
            footer=False,
            target=QUEUE,
        ),
        # As htop's > picks the sort column; s is skip. The queue widget owns the order.
        A(
            "queue.sort",
            "greater_than_sign",
            "cycle_sort",
            "Sort the queue: added, newest published, oldest published, outlet",
            "Navigate",
            footer=False,
            target=QUEUE,
        ),
        A(
            "decide.done",
            "d",
            "mark_done",
            "Done, next untriaged",
            "Decide",
            needs_article=True,
            short="done",
        ),
        A(
            "decide.skip",
            "s",
            "mark_status('skipped')",
            "Skip, next untriaged",
            "Decide",
            needs_article=True,
            footer=False,
        ),
        A(
            "decide.escalate",
            "e",
            "mark_status('escalated')",
            "Escalate, next untriaged",
            "Decide",
            needs_article=True,
            footer=False,
        ),
        A(
            "decide.reopen",
            "r",
            "mark_status('new')",
            "Reopen (status new)",
            "Decide",
            needs_article=True,
            footer=False,
        ),
        A(
            "decide.grade",
            "g",
            "enter_mode('grade')",
            "Grade…",
            "Decide",
            needs_article=True,
            short="grade",
        ),
        A(
            "decide.flags",
            "f",
            "enter_mode('flag')",
            "Flag…",
            "Decide",
            needs_article=True,
            short="flag",
        ),
        A(
            "decide.adjudicate",
            "A",
            "adjudicate",
            "Adjudicate: my decision settles the analysts' disagreement",
            "Decide",
            needs_article=True,
            footer=False,
        ),
        A(
            "decide.accept",
            "y",
            "review_suggestion(True)",
            "Accept suggestion",
            "Decide",
            needs_article=True,
            short="accept",
        ),
        A(
            "decide.reject",
            "x",
            "review_suggestion(False)",
            "Reject suggestion",
            "Decide",
            needs_article=True,
            footer=False,
        ),
        A("decide.notes", "n", "edit_notes", "Notes", "Decide", needs_article=True, short="notes"),
        A("history.undo", "u", "undo", "Undo", "History", short="undo"),
        A("history.redo", "U,ctrl+r", "redo", "Redo", "History", footer=False),
        A(
            "bulk.done",
            "D",
            "bulk_status('done')",
            "Mark all in filter done…",
            "Bulk",
            footer=False,
        ),
        A(
            "bulk.skip",
            "S",
            "bulk_status('skipped')",
            "Mark all in filter skipped…",
            "Bulk",
            footer=False,
        ),
        A("find.search", "slash", "search", "Search", "Find", short="search"),
        A("find.filter", "F", "filter", "Filter…", "Find", footer=False),
        A("find.clear", "c", "clear_filter", "Clear search and filter", "Find", footer=False),
        A(
            "view.queue",
            "z",
            "toggle_queue",
            "Show/hide the queue (narrow terminals)",
            "View",
            footer=False,
        ),
        A(
            "read.down",
            "space",
            "page_down",
            "Scroll the article down",
            "View",
            footer=False,
            target=READER,
        ),
        A(
            "read.up",
            "b",
            "page_up",
            "Scroll the article up",
            "View",
            footer=False,
            target=READER,
        ),
        A(
            "view.columns",
            "v",
            "cycle_columns",
            "Columns: both/original/translation",
            "View",
            short="columns",
            target=READER,
        ),
        A(
            "view.refresh",
            "ctrl+l,f5",
            "refresh_store",
            "Refresh from the store",
            "View",
            footer=False,
        ),
        A(
            "translate.current",
            "T",
            "translate_current",
            "Translate this article",
            "Translate",
            needs_article=True,
            short="translate",
        ),
        A(
            "translate.correct",
            "C",
            "correct_translation",
            "Correct a translated paragraph by hand",
            "Translate",
            needs_article=True,
            footer=False,
        ),
        A(
            "translate.all",
            "ctrl+t",
            "translate_untranslated",
            "Translate all untranslated in filter",
            "Translate",
            footer=False,
        ),
        A(
            "translate.stop",
            "ctrl+x",
            "stop_work",
            "Stop the running job (translate, import, export, feeds)",
            "Translate",
            footer=False,
            target=APP,
        ),
        A(
            "file.import",
            "I",
            "import_sources",
            "Import files, folders, URLs, feeds…",
            "File",
            footer=False,
            target=APP,
        ),
        A("file.export", "E", "export", "Export…", "File", footer=False),
        A(
            "feeds.refresh",
            "R",
            "refresh_feeds",
            "Refresh feeds: import what is new",
            "Feeds",
            footer=False,
            target=APP,
        ),
        A(
            "feeds.screen",
            "L",
            "show_feeds",
            "Feeds: health, pause, remove",
            "Feeds",
            footer=False,
            target=APP,
        ),
        A(
            "story.show",
            "O",
            "show_story",
            "Story: the same event in other articles and languages",
            "Stories",
            needs_article=True,
            footer=False,
        ),
        A(
            "story.merge",
            "M",
            "merge_story",
            "Merge stories: M marks this story, M on another's article merges it in",
            "Stories",
            needs_article=True,
            footer=False,
        ),
        # o opens the browser, as in newsboat; the story (the Other articles on this
        # event) is on O. Both are rebindable.
        A(
            "article.open_url",
            "o",
            "open_article_url",
            "Open the article's URL in the browser",
            "Article",
            needs_article=True,
            footer=False,
        ),
        A(
            "article.copy_url",
            "Y",
            "copy_article_url",
            "Copy the article's URL",
            "Article",
            needs_article=True,
            footer=False,
        ),
        A("app.help", "question_mark", "help", "Help", "App", short="help", target=APP),
        A(
            "app.messages",
            "m",
            "show_messages",
            "Messages: every notification of the session",
            "App",
            footer=False,
            target=APP,
        ),
        A("app.quit", "q", "quit", "Quit", "App", short="quit", target=APP),
        A(
            "mode.cancel",
            "escape",
            "cancel_mode",
            "Cancel",
            "Decide",
            mode=ANY_MODE,
            footer=True,
        ),
    ]


def taxonomy_actions(taxonomy: Taxonomy) -> list[ActionSpec]:
    """Keys that pick a taxonomy value: stances (normal mode), grade and flag keys (in their modes)."""
    out: list[ActionSpec] = []
    for choice in taxonomy.stances:
        if choice.key:
            out.append(
                ActionSpec(
                    f"stance.{choice.value}",
                    choice.key,
                    f"set_stance({choice.value!r})",
                    f"Stance: {choice.label}",
                    "Stance",
                    needs_article=True,
                    footer_group="stance",
                )
            )
    for choice in taxonomy.reliability:
        if choice.key:
            out.append(
                ActionSpec(
                    f"grade.reliability.{choice.value}",
                    choice.key,
                    f"set_reliability({choice.value!r})",
                    f"Reliability {choice.value}: {choice.label}",
                    "Grade (after g)",
                    mode=GRADE,
                    needs_article=True,
                    footer_group="reliability",
                )
            )
    for choice in taxonomy.credibility:
        if choice.key:
            out.append(
                ActionSpec(
                    f"grade.credibility.{choice.value}",
                    choice.key,
                    f"set_credibility({choice.value!r})",
                    f"Credibility {choice.value}: {choice.label}",
                    "Grade (after g)",
                    mode=GRADE,
                    needs_article=True,
                    footer_group="credibility",
                )
            )
    for choice in taxonomy.flags:
        if choice.key:
            out.append(
                ActionSpec(
                    f"flag.{choice.value}",
                    choice.key,
                    f"toggle_flag({choice.value!r})",
                    f"Flag: {choice.label}",
                    "Flags (after f)",
                    mode=FLAG,
                    needs_article=True,
                    short=choice.label.lower(),
                )
            )
    return out


def build_actions(taxonomy: Taxonomy) -> list[ActionSpec]:
    """The whole table: fixed actions with the stance keys beside "done", then the mode keys."""
    fixed = _static_actions()
    keyed = taxonomy_actions(taxonomy)
    stances = [spec for spec in keyed if spec.mode == NORMAL]
    after = next(i for i, spec in enumerate(fixed) if spec.id == "decide.done") + 1
    return fixed[:after] + stances + fixed[after:] + [s for s in keyed if s.mode != NORMAL]


def apply_keymap(
    actions: list[ActionSpec], keymap: dict[str, object] | None
) -> tuple[list[ActionSpec], list[str]]:
    """The table with the config's ``[keys]`` overrides (action id -> "key1,key2"), for
    the help screen, the palette and the held-keys rule; the app hands the same keys to
    Textual's keymap, which rebinds the bindings. Returns the table and the ids in the
    keymap that name no action (for a warning).
    """
    keymap = keymap or {}
    known = {spec.id for spec in actions}
    unknown = sorted(str(k) for k in keymap if k not in known)
    table = [
        replace(spec, keys=str(keymap[spec.id]).replace(" ", ""))
        if spec.id in keymap and str(keymap[spec.id]).strip()
        else spec
        for spec in actions
    ]
    return table, unknown


def to_bindings(actions: Iterable[ActionSpec]) -> list[Binding]:
    """Bindings for *actions*, for the node that hosts them (:func:`binding_hosts`)."""
    groups: dict[str, Binding.Group] = {}
    bindings = []
    for spec in actions:
        group = None
        if spec.footer_group:
            group = groups.setdefault(
                spec.footer_group, Binding.Group(spec.footer_group, compact=True)
            )
        bindings.append(
            Binding(
                spec.keys,
                binding_action(spec),
                spec.short or spec.description,
                show=spec.footer,
                id=spec.id,
                tooltip=f"{spec.group}: {spec.description}",
                group=group,
            )
        )
    return bindings


def action_name(action: str) -> str:
    """'set_stance("critical")' -> 'set_stance'."""
    return action.split("(", 1)[0]


def binding_hosts(spec: ActionSpec) -> tuple[str, ...]:
    """Where *spec*'s binding is: the app for its own actions; a mode's key on that mode's
    key screen (escape on both); every other key on the triage screen."""
    if spec.target == APP:
        return (APP,)
    if spec.mode == ANY_MODE:
        return (GRADE, FLAG)
    return (spec.mode,) if spec.mode != NORMAL else (SCREEN,)


def binding_action(spec: ActionSpec) -> str:
    """The action its binding runs from the host: on('reader', 'page_down') for a widget's."""
    if spec.target in (QUEUE, READER):
        return f"on({spec.target!r}, {spec.action!r})"
    return spec.action


def app_bindings() -> list[Binding]:
    """The app's own keys (?, q, m, I, R, L, ctrl+x): no taxonomy in them, so the app
    class declares them; the screen's come with the configured taxonomy."""
    return to_bindings(spec for spec in _static_actions() if spec.target == APP)


def key_state(spec: ActionSpec | None, mode: str, has_article: bool) -> bool | None:
    """Whether *spec*'s key applies now (Textual's check_action): True runs and shows it,
    None shows it greyed (it needs an article), False hides it (another mode's key)."""
    if spec is None:
        return True
    if spec.mode == ANY_MODE:
        return mode != NORMAL
    if spec.mode != mode:
        return False
    if spec.needs_article and not has_article:
        return None
    return True


def specs_by_action(actions: Iterable[ActionSpec]) -> dict[tuple[str, str], ActionSpec]:
    """(target, action name) -> spec, for :func:`key_state` lookups."""
    return {(spec.target, action_name(spec.action)): spec for spec in actions}


def help_sections(actions: Iterable[ActionSpec]) -> list[tuple[str, list[ActionSpec]]]:
    """Actions grouped under their headings, in table order (for the help screen)."""
    sections: dict[str, list[ActionSpec]] = {}
    for spec in actions:
        sections.setdefault(spec.group, []).append(spec)
    return list(sections.items())


def markdown_key_table(actions: Iterable[ActionSpec]) -> str:
    """The README's key table, from the same table as the bindings and help screen."""
    lines = ["| | keys | does |", "|---|---|---|"]
    for heading, specs in help_sections(actions):
        for i, spec in enumerate(specs):
            label = f"**{heading}**" if i == 0 else ""
            keys = ", ".join(f"`{display_key(k)}`" for k in spec.keys.split(","))
            lines.append(f"| {label} | {keys} | {spec.description} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m article_triage.tui.actions > keys.md
    print(markdown_key_table(build_actions(Taxonomy())))
