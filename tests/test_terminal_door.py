"""The door out: nothing from outside reaches the terminal raw.

A store is filled past the door in (raw SQL, as an old store or a missed path would
hold it) with hostile values in every field the CLI prints: analyst names, notes, flags,
titles, languages, outlet names, sources, file names. Every command then runs through
click's CliRunner, and no C0/C1 control but newline may come out (the runner is not a
terminal, so click itself writes none). One test runs the real program in tmux and
reads the pane back with its escape sequences; one drives the app with Pilot.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from article_triage.store.agreement_units import rebuild_units
from article_triage.store.articles import ArticleFilter, insert_article
from article_triage.store.db import open_db
from article_triage.store.export import write_export
from article_triage.store.triage import apply_changes, get_decision
from article_triage.tui.cli import cli

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
CLEAR = "\x1b[2J\x1b[H"
HOSTILE_FRAGMENTS = [
    OSC52,
    CLEAR,
    "\x9b2J",  # C1 CSI
    "\x9d52;c;eA==\x9c",  # C1 OSC ... ST
    "\n",
    "\r\n",
    "\r",
    "\x00",
    "\x7f",
    "\x85",
    "\t",
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\u2066",
]
# Any text SQLite can hold (no lone surrogates), laced with the fragments above.
hostile = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE_FRAGMENTS),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    ),
    min_size=1,
    max_size=6,
).map("".join)


def raw_controls(output: str) -> list[str]:
    """Every C0 (but newline), DEL and C1 character in *output*."""
    return [c for c in output if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F]


def run(db_path: Path, config: Path, *args: str):
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "--config", str(config), "--analyst", "tester", *args]
    )
    assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
    return result


def _base_store(path: Path) -> int:
    db = open_db(path)
    article_id = insert_article(
        db, ["The zebra crossing report, paragraph one."], title="placeholder", language="en"
    )
    for analyst, stance in (("alice", "critical"), ("bob", "mixed"), ("hostile", "supportive")):
        changes = {"status": "done", "stance": stance, "flags": ["single-source"], "notes": "n"}
        apply_changes(db, [article_id], analyst, changes)
    apply_changes(db, [article_id], "tester", {"status": "done", "stance": "neutral"})
    db["outlets"].insert({"key": "hostile-outlet", "name": "placeholder"})
    db["citations"].insert(
        {"article_id": article_id, "outlet_key": "hostile-outlet", "role": "publisher"}
    )
    db.close()
    return article_id


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("door") / "template.db"
    return path, _base_store(path)


def _hostile_copy(template: Path, folder: Path, values: dict[str, str]) -> Path:
    """A copy of the template store with *values* written past the door in."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "store.db"
    path.unlink(missing_ok=True)
    shutil.copy(template, path)
    db = open_db(path)
    with db.conn:
        db.execute(
            "UPDATE decisions SET analyst = ?, notes = ?, flags = ? WHERE analyst = 'hostile'",
            [values["analyst"], values["notes"], json.dumps([values["flag"]])],
        )
        db.execute(
            "UPDATE articles SET title = ?, language = ?, source = ?",
            [values["title"] + " zebra", values["language"], values["source"]],
        )
        db.execute("UPDATE outlets SET name = ?", [values["outlet"]])
        # As the migration that adds agreement units fills them from such a store.
        rebuild_units(db)
    db.close()
    return path


def _registry_config(folder: Path, outlet_name: str) -> Path:
    """A config whose user registry (a CSV) names an outlet with *outlet_name*."""
    registry = folder / "outlets.csv"
    with registry.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["key", "name", "aliases", "sources"])
        writer.writerow(["hostile-outlet", "x" + outlet_name, outlet_name, outlet_name])
    config = folder / "config.toml"
    config.write_text(f"[outlets]\nregistry = {json.dumps(str(registry))}\n", encoding="utf-8")
    return config


def _conflicting_merge_file(db_path: Path, folder: Path) -> Path:
    """This store's own export, with every decision changed: each one is a conflict."""
    db = open_db(db_path)
    exported = folder / "export.jsonl"
    with exported.open("w", encoding="utf-8", newline="") as out:
        write_export(db, out, "jsonl", ArticleFilter(), with_text=True)
    db.close()
    merged = folder / "theirs.jsonl"
    with merged.open("w", encoding="utf-8") as out:
        for line in exported.read_text(encoding="utf-8").split("\n"):
            if not line:
                continue
            record = json.loads(line)
            record["stance"] = "unclear"
            out.write(json.dumps(record) + "\n")
    return merged


@settings(
    max_examples=12,
    deadline=None,
    # Each example runs a dozen commands: report the first failure as found, unshrunk.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    analyst=hostile,
    notes=hostile,
    flag=hostile,
    title=hostile,
    language=hostile,
    source=hostile,
    outlet=hostile,
    file_name=hostile,
)
def test_no_printed_field_reaches_the_terminal_raw(template, tmp_path, **values):
    """Every CLI command that prints a stored or outside value, text and --json alike."""
    if values["analyst"] in ("alice", "bob", "tester", ""):
        values["analyst"] += OSC52
    folder = tmp_path / uuid.uuid4().hex
    db_path = _hostile_copy(template[0], folder, values)
    config = _registry_config(folder, values["outlet"])
    missing = "/nonexistent-folder/" + values["file_name"].replace("/", "").replace("\0", "")
    runs = {
        "agreement": run(db_path, config, "agreement"),
        "agreement --json": run(db_path, config, "agreement", "--json"),
        "stats": run(db_path, config, "stats"),
        "stats --json": run(db_path, config, "stats", "--json"),
        "search": run(db_path, config, "search", "zebra"),
        "search --json": run(db_path, config, "search", "--json", "zebra"),
        "add": run(db_path, config, "add", missing),
        "add --json": run(db_path, config, "add", "--json", missing),
        "outlets list": run(db_path, config, "outlets", "list", "--user"),
        "outlets list --json": run(db_path, config, "outlets", "list", "--user", "--json"),
        "outlets show": run(db_path, config, "outlets", "show", "hostile-outlet"),
    }
    merge_file = _conflicting_merge_file(db_path, folder)
    runs["merge"] = run(db_path, config, "merge", str(merge_file))
    for name, result in runs.items():
        assert raw_controls(result.output) == [], (name, result.output)
    # Analyst names are identities: no bidi or zero-width mark is obeyed in them.
    names = runs["agreement"].output.splitlines()[0]
    assert names.startswith("analysts: ")
    assert not any(c in names for c in "\u202e\u200b\u2066"), names
    # --json stays exact: what is printed parses back to what is stored.
    stats = json.loads(runs["stats --json"].output)
    assert values["language"] in stats["language"]
    report = json.loads(runs["agreement --json"].output)
    assert values["analyst"] in report["analysts"]
    assert json.loads(runs["search --json"].output)["title"] == values["title"] + " zebra"


def test_a_newline_in_an_analyst_name_forges_no_row(template, tmp_path):
    forged = "mallory\n  999999 stance                       alice=critical   forged row"
    values = {
        "analyst": forged,
        "notes": "",
        "flag": "single-source",
        "title": "Report",
        "language": "en",
        "source": "s",
        "outlet": "o",
    }
    db_path = _hostile_copy(template[0], tmp_path, values)
    output = run(db_path, tmp_path / "none.toml", "agreement").output
    lines = output.splitlines()
    assert not any(line.lstrip().startswith("999999") for line in lines)
    assert "mallory⏎  999999 stance" in output
    rows = [line for line in lines if re.match(r"  +\d+ +stance ", line)]
    assert len(rows) == 1, output  # the one real disagreement on stance


def test_identity_fields_show_bidi_and_zero_width_marks(template, tmp_path):
    values = {
        "analyst": "\u202eevil\u200b",
        "notes": "",
        "flag": "single-source",
        "title": "Report",
        "language": "en",
        "source": "s",
        "outlet": "RT\u200b",
    }
    db_path = _hostile_copy(template[0], tmp_path, values)
    config = tmp_path / "none.toml"
    agreement = run(db_path, config, "agreement").output
    assert "<U+202E>evil<U+200B>" in agreement and "\u202e" not in agreement
    stats = run(db_path, config, "stats").output
    assert "RT<U+200B>" in stats and "\u200b" not in stats


def test_a_failure_line_shows_the_file_name_escaped(tmp_path):
    name = tmp_path / f"evil{OSC52}name{CLEAR}.html"
    name.write_bytes(b"")  # empty: a failure line that names the file
    result = run(tmp_path / "store.db", tmp_path / "none.toml", "add", str(name))
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "evil\\x1b]52;c;ZWNobyBwd25lZA==\\x07name\\x1b[2J\\x1b[H.html" in result.output


# --- door in ------------------------------------------------------------------------------


def test_outlet_names_and_aliases_from_an_imported_list_are_stored_clean(tmp_path):
    from article_triage.store.outlets import load_registry

    matrix = tmp_path / f"matrix{OSC52}.csv"
    matrix.write_text(
        "Country,Media company,Main assets,URL,Typology\n"
        f'Russia,"Evil{CLEAR} Corp","TV: Evil\u0085News\nTwo{OSC52}",evil-news.example,SC\n',
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    registry = tmp_path / "outlets.toml"
    config.write_text(f"[outlets]\nregistry = {json.dumps(str(registry))}\n", encoding="utf-8")
    result = run(tmp_path / "store.db", config, "outlets", "import", str(matrix))
    assert result.exit_code == 0, result.output
    added = run(
        tmp_path / "store.db", config, "outlets", "add", "typed",
        "--name", f"Typed{OSC52}\nName", "--alias", "Al\x9bias\r\nTwo",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    outlets = {o.key: o for o in load_registry(registry) if o.origin == "user"}
    imported = next(o for k, o in outlets.items() if k != "typed")
    for text in (imported.name, *imported.aliases, *imported.sources, imported.notes or ""):
        assert raw_controls(text) == [] and "\n" not in text, text
    assert imported.name == "EvilNews Two]52;c;ZWNobyBwd25lZA=="
    assert outlets["typed"].name == "Typed]52;c;ZWNobyBwd25lZA== Name"
    assert outlets["typed"].aliases == ("Alias Two",)


def test_notes_are_stored_through_the_door_in(tmp_path):
    db = open_db(tmp_path / "store.db")
    article_id = insert_article(db, ["Text."], title="t", language="en")
    apply_changes(db, [article_id], "tester", {"notes": f"first{OSC52}\r\nsecond\x9b2J"})
    assert get_decision(db, article_id, "tester").notes == "first]52;c;ZWNobyBwd25lZA==\nsecond2J"
    db.close()


# --- a real terminal ----------------------------------------------------------------------


def _tmux(socket: str, *args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, *args], check=True, capture_output=True, text=True
    ).stdout


def test_a_real_terminal_receives_no_clipboard_write_or_clear_screen(template, tmp_path):
    """`triage add` on a hostile file name and `triage agreement` with a hostile analyst,
    in tmux: the pane keeps what was written before them, tmux's clipboard stays empty,
    and the only escape sequences in the pane are the colours tmux itself reports."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")
    triage = Path(sys.executable).with_name("triage")
    if not triage.exists():
        pytest.skip("the triage console script is not installed beside this Python")
    values = {
        "analyst": f"mallory{OSC52}{CLEAR}\u202e",
        "notes": "",
        "flag": "single-source",
        "title": f"Report{CLEAR}",
        "language": "en",
        "source": "s",
        "outlet": "o",
    }
    db_path = _hostile_copy(template[0], tmp_path, values)
    bad_file = tmp_path / f"bad{OSC52}{CLEAR}.html"
    bad_file.write_bytes(b"")
    script = tmp_path / "run.sh"
    script.write_text(
        "printf 'MARKER-ADD\\n'\n"
        f"{triage} --db {db_path} --config {tmp_path / 'none.toml'} add '{bad_file}'\n"
        "printf 'MARKER-AGREEMENT\\n'\n"
        f"{triage} --db {db_path} --config {tmp_path / 'none.toml'} agreement --field stance\n"
        "printf 'MARKER-DONE\\n'\n"
        "sleep 30\n",
        encoding="utf-8",
    )
    socket = f"trust-doors-{uuid.uuid4().hex[:8]}"
    _tmux(socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40", "sh")
    try:
        # tmux takes OSC 52 into its paste buffers only when set-clipboard is on; with
        # scroll-on-clear off a clear-screen wipes the pane instead of scrolling it away.
        _tmux(socket, "set-option", "-g", "set-clipboard", "on")
        subprocess.run(
            ["tmux", "-L", socket, "set-option", "-g", "scroll-on-clear", "off"],
            capture_output=True,
        )  # tmux < 3.3 has no such option and never scrolls on clear
        _tmux(socket, "send-keys", f"sh {script}", "Enter")
        deadline = time.monotonic() + 60
        pane = ""
        while "MARKER-DONE" not in pane and time.monotonic() < deadline:
            time.sleep(0.2)
            pane = _tmux(socket, "capture-pane", "-p", "-e", "-J", "-S", "-200")
        assert "MARKER-DONE" in pane, pane
        visible = _tmux(socket, "capture-pane", "-p")
        buffers = _tmux(socket, "list-buffers")
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
    # No clear-screen reached the terminal: what was written before each command is there.
    assert "MARKER-ADD" in visible and "MARKER-AGREEMENT" in visible, visible
    assert buffers.strip() == ""  # no OSC 52 reached tmux's clipboard
    # The only ESC sequences left are SGR colours that tmux writes when it reports the pane.
    without_sgr = re.sub(r"\x1b\[[0-9;:]*m", "", pane)
    assert "\x1b" not in without_sgr and "\x9b" not in without_sgr
    assert "bad\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2J\\x1b[H.html" in pane
    assert "mallory\\x1b]52;c;" in pane and "<U+202E>" in pane


# --- the app ------------------------------------------------------------------------------


async def test_the_app_shows_a_hostile_note_and_analyst_escaped_and_keeps_them(tmp_path):
    """A colleague's name and a note with ESC sequences, as an old merge stored them: the
    triage bar and the notes editor show them escaped, a toast too, and opening and
    closing the editor leaves the stored note exactly as it was."""
    from app_support import SIZE, rendered_text, settle

    from article_triage.store.boundary import shown_text
    from article_triage.store.settings import Settings
    from article_triage.tui.app import TriageApp
    from article_triage.tui.screens.notes_editor import NotesEditor

    db_path = tmp_path / "store.db"
    db = open_db(db_path)
    article_id = insert_article(db, ["A paragraph about zebras."], title="Zebras", language="en")
    apply_changes(db, [article_id], "bob", {"status": "done", "stance": "critical"})
    apply_changes(db, [article_id], "tester", {"status": "done", "notes": "placeholder"})
    analyst = f"bob{OSC52}\u202e"
    note = f"check{OSC52}\nthen{CLEAR}\x9b2J"
    with db.conn:  # past the door in, as a store written before it would hold them
        db.execute("UPDATE decisions SET analyst = ? WHERE analyst = 'bob'", [analyst])
        db.execute("UPDATE decisions SET notes = ? WHERE analyst = 'tester'", [note])
    db.close()

    app = TriageApp(db_path, "tester", Settings())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = rendered_text(app.triage.triage_bar.content)
        assert "bob\\x1b]52;c;ZWNobyBwd25lZA==\\x07<U+202E>: Critical" in bar
        assert raw_controls(bar) == [] and "\u202e" not in bar

        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, NotesEditor)
        editor_text = app.screen.query_one("#notes-text").text
        assert editor_text == shown_text(note)
        assert raw_controls(editor_text) == []
        await pilot.press("escape")  # save, untouched
        await settle(app, pilot)

        app.notify(f"failed: {tmp_path}/evil{OSC52}.html", markup=False)
        await pilot.pause()
        toast = app.message_log[-1].text
        assert "evil\\x1b]52;c;ZWNobyBwd25lZA==\\x07.html" in toast

    db = open_db(db_path)
    stored = get_decision(db, article_id, "tester").notes
    db.close()
    assert stored == note  # shown escaped, never rewritten
