"""The CLI's numbers, checked once where click reads them: ids, counts, sizes, seconds.

Every number an option or argument takes ends up in SQLite (ids, LIMIT, OFFSET), in a
process count or in a deadline. Unchecked, `--limit 10**20` failed deep inside as
"OverflowError ... (run with --debug)", exit 1, after a CSV export had already written
its header; `--max-size nan` and `--workers 10**20` likewise; a negative LIMIT is no
limit at all to SQLite. Here each is a usage error (exit 2, one line naming the option)
before anything runs. tests/test_cli_params.py walks every command and tries them all.
"""

from __future__ import annotations

import math

import click

from article_triage.store.db import SQLITE_MAX_INTEGER

# More processes or requests than this is a typo: nothing here scales past a few dozen.
MAX_PARALLEL = 64


def row_id() -> click.IntRange:
    """A row id (article, story, feed): 1 or more, within SQLite's integers."""
    return click.IntRange(min=1, max=SQLITE_MAX_INTEGER)


def count(minimum: int = 0) -> click.IntRange:
    """A number of rows (a limit, an offset, a size): within SQLite's integers."""
    return click.IntRange(min=minimum, max=SQLITE_MAX_INTEGER)


def parallel() -> click.IntRange:
    """Processes or requests at once."""
    return click.IntRange(min=1, max=MAX_PARALLEL)


class FiniteFloatRange(click.FloatRange):
    """A FloatRange that also refuses nan and infinity (nan passes every comparison)."""

    name = "float range"

    def convert(self, value, param, ctx):  # type: ignore[override]
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def seconds(minimum: float = 0.1) -> FiniteFloatRange:
    """A duration in seconds: at least *minimum*, and at most a day."""
    return FiniteFloatRange(min=minimum, max=86_400.0)


def megabytes(minimum: float = 0.001) -> FiniteFloatRange:
    """A size in MB: at least *minimum*, at most a terabyte."""
    return FiniteFloatRange(min=minimum, max=1_000_000.0)
