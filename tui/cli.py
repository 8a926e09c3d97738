"""The ``triage`` command line: a click group whose subcommands live in tui/commands/.

Subcommands are imported only when run, so ``triage --help`` and the TUI start
without importing trafilatura, lingua or deep_translator.
"""

from __future__ import annotations

import atexit
import importlib
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click

from article_triage.store.boundary import shown_line
from article_triage.store.settings import ConfigError, Settings, load_settings

# name -> "module:attribute", one module per command under tui/commands/.
COMMANDS: dict[str, str] = {
    "open": "article_triage.tui.commands.open:open_command",
    "add": "article_triage.tui.commands.add:add",
    "translate": "article_triage.tui.commands.translate:translate",
    "correct": "article_triage.tui.commands.correct:correct",
    "search": "article_triage.tui.commands.search:search",
    "stats": "article_triage.tui.commands.stats:stats",
    "export": "article_triage.tui.commands.export:export",
    "outlets": "article_triage.tui.commands.outlets:outlets",
    "detect": "article_triage.tui.commands.outlets:detect",
    "merge": "article_triage.tui.commands.merge:merge",
    "agreement": "article_triage.tui.commands.agreement:agreement",
    "audit": "article_triage.tui.commands.export:audit",
    "adjudicate": "article_triage.tui.commands.agreement:adjudicate",
    "stories": "article_triage.tui.commands.stories:stories",
    "feeds": "article_triage.tui.commands.feeds:feeds",
    "refresh": "article_triage.tui.commands.refresh:refresh",
    "decide": "article_triage.tui.commands.decide:decide",
    "views": "article_triage.tui.commands.views:views",
}

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)."""

# The commands that only read the store: they also work on a read-only store file.
READING_COMMANDS = frozenset({"search", "stats", "export", "audit", "agreement"})


@dataclass
class CliContext:
    """What every subcommand needs: where the store is, who is working, the settings."""

    db_path: Path
    analyst_override: str | None
    debug: bool
    config: Settings = field(default_factory=Settings)
    """The config file, loaded once for the run."""

    @property
    def analyst(self) -> str:
        return self.config.analyst(self.analyst_override)

    def open_db(self):
        """The store for this command, or one line and exit 2 when it cannot serve it:
        a folder that does not exist, a store from a newer version, or a read-only
        store under a command that writes."""
        from article_triage.store.db import StoreError, is_read_only, open_db

        try:
            db = open_db(self.db_path)
        except StoreError as exc:
            fail(str(exc), EXIT_USAGE)
        # "triage outlets import" -> "outlets import"; plain "triage" opens the app.
        command = click.get_current_context().command_path.partition(" ")[2] or "open"
        if is_read_only(db) and command.split(" ")[0] not in READING_COMMANDS:
            db.close()
            fail(
                f"{self.db_path}: the store is read-only and `triage {command}` writes to it "
                f"({', '.join(sorted(READING_COMMANDS))} can read it)",
                EXIT_USAGE,
            )
        return db


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not installed in this build
                return None
            raise
        return getattr(module, attribute)


def _default_db() -> str:
    from article_triage.store.db import default_db_path

    return str(default_db_path())


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TRIAGE_DB",
    default=_default_db,
    show_default="$TRIAGE_DB or the user data directory",
    help="The SQLite store.",
)
@click.option("--analyst", envvar="TRIAGE_ANALYST", help="Your name, recorded with every decision.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TRIAGE_CONFIG",
    help="Config file (TOML).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="article-triage")
@click.pass_context
def cli(
    ctx: click.Context, db_path: Path, analyst: str | None, config_path: Path | None, debug: bool
) -> None:
    """Triage news and source articles in many languages, from the keyboard.

    Without a command, opens the app on the store.
    """
    try:
        config = load_settings(config_path)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    for warning in config.warnings:
        click.echo(f"triage: {shown_line(warning)}", err=True)
    ctx.obj = CliContext(db_path=db_path, analyst_override=analyst, debug=debug, config=config)
    if ctx.invoked_subcommand is None:
        ctx.invoke(cli.get_command(ctx, "open"))


def print_summary(summary) -> None:
    """A job's summary (store.jobs.summarise) on stderr: its line, then one per failure.
    An error starts "triage:", as every error line of the CLI does."""
    prefix = "triage: " if summary.severity == "error" else ""
    click.echo(prefix + shown_line(summary.text), err=True)
    for line in summary.details:
        click.echo(f"  {shown_line(line)}", err=True)


def summary_exit_code(summary) -> int:
    """The exit code a job's summary stands for: 130 when it was stopped, else by its
    severity (information 0; warning and error 1: some inputs failed)."""
    if summary.stopped:
        return EXIT_INTERRUPTED
    return EXIT_OK if summary.severity == "information" else EXIT_SOME_FAILED


def fail(message: str, code: int = EXIT_SOME_FAILED) -> None:
    """Print one clean error line and exit with *code*.

    Messages quote file names, URLs and values from outside: they pass the door out."""
    click.echo(f"triage: {shown_line(message)}", err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: one line per error, a traceback only with --debug."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or bool(
        os.environ.get("TRIAGE_DEBUG")
    )
    try:
        return cli.main(args=argv, prog_name="triage", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("triage: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("triage: interrupted; work already saved is kept", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"triage: {type(exc).__name__}: {shown_line(exc)} (run with --debug for details)",
            err=True,
        )
        sys.exit(EXIT_SOME_FAILED)


def run() -> NoReturn:
    """The process's entry point (the ``triage`` script, ``python -m``): :func:`main`,
    then the end of the process without the interpreter's teardown.

    Tearing down the modules a command loads (trafilatura, numpy, lingua,
    sqlite-utils...) module by module took about 0.1 s of a whole `triage add` and does
    nothing for a process about to end. What an exit must do is still done: atexit
    handlers run (multiprocessing's, logging's, temporary files' finalizers), then the
    standard streams are flushed. Files are closed by the commands' own ``with``
    blocks. While another thread runs, the normal exit waits for it instead.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message") prints the message and exits with 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader has gone (a closed pipe) or it is closed
            status = status or 1
    os._exit(status)


if __name__ == "__main__":
    run()
