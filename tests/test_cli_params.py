"""Every number the CLI takes is checked where click reads it (tui/commands/param_types).

The test walks the whole command tree, so a command added later is tried too: for each
numeric option and argument, a negative number, one past SQLite's integers, nan and
infinity must each be a usage error (exit 2, naming the value), never an exception
from deep inside, and nothing may be written first.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from article_triage.store.articles import insert_article
from article_triage.store.db import open_db
from article_triage.tui.cli import COMMANDS, cli

HOSTILE_INTEGERS = ("-5", str(10**22))
HOSTILE_FLOATS = ("-5", "1e400", "nan", "inf", "-inf")


def _commands(group: click.Group, path: list[str]):
    names = list(COMMANDS) if group is cli else group.list_commands(click.Context(group))
    for name in names:
        command = group.get_command(click.Context(group), name)
        if isinstance(command, click.Group):
            yield from _commands(command, [*path, name])
        elif command is not None and name != "open":
            yield [*path, name], command


def _numeric(param: click.Parameter) -> tuple[str, ...]:
    if isinstance(param.type, click.types.IntParamType):
        return HOSTILE_INTEGERS
    if isinstance(param.type, click.types.FloatParamType):
        return HOSTILE_FLOATS
    return ()


CASES = [
    pytest.param(path, command, param.name, value, id=f"{' '.join(path)}-{param.name}-{value}")
    for path, command in _commands(cli, [])
    for param in command.params
    for value in _numeric(param)
]


def _filler(param: click.Parameter, tmp_path) -> list[str]:
    """A plausible value for a required argument that is not the one under attack."""
    values = 1 if param.nargs in (1, -1) else param.nargs
    return ["1" if _numeric(param) else str(tmp_path)] * values


def test_every_numeric_parameter_is_found():
    names = {f"{' '.join(case.values[0])} {case.values[2]}" for case in CASES}
    assert {"search limit", "add workers", "add max_size_mb", "stories list offset"} <= names
    assert {"export story", "correct article_id", "translate timeout"} <= names


@pytest.mark.parametrize(("path", "command", "name", "value"), CASES)
def test_a_number_out_of_range_is_a_usage_error(path, command, name, value, db_path, tmp_path):
    db = open_db(db_path)
    insert_article(db, ["One paragraph about the harvest."], title="Harvest", language="en")
    db.close()
    args: list[str] = []
    for param in command.params:
        if param.name == name:
            args += [param.opts[0], value] if isinstance(param, click.Option) else [value]
        elif isinstance(param, click.Argument) and param.required:
            args += _filler(param, tmp_path)
    export = tmp_path / "out.csv"
    if "output" in {p.name for p in command.params} and name != "output":
        args += ["-o", str(export)]
    result = CliRunner().invoke(cli, ["--db", str(db_path), *path, *args])
    assert result.exit_code == 2, (result.output, result.exception)
    assert value in result.output or "range" in result.output, result.output
    assert not export.exists()


@pytest.mark.parametrize("ref", [str(10**22), "²", "٣"])
def test_a_feed_named_by_a_number_no_feed_has_is_not_found(db_path, ref):
    result = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "pause", ref])
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"no feed {ref}" in result.output


def test_a_story_number_past_sqlites_integers_is_a_query_error(db_path):
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "export", "--where", f"story:{10**22}", "-o", "-"]
    )
    assert result.exit_code == 2, (result.output, result.exception)
    assert "no story has a number that large" in result.output
    assert "schema_version" not in result.output  # refused before the header is written
