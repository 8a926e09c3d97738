"""The network options every command that fetches URLs takes, written once: `add`,
`refresh` and `feeds add` go through the same fetch door (store/ingest/fetch.py), so
they take the same guard switch and the same whole-URL deadline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from article_triage.tui.commands.param_types import seconds

DEFAULT_TIMEOUT = 20.0


def network_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --allow-private-addresses and --timeout to a click command."""
    command = click.option(
        "--timeout",
        type=seconds(),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        help="Seconds for the whole fetch of one URL, redirects and retries included.",
    )(command)
    return click.option(
        "--allow-private-addresses",
        is_flag=True,
        help="Let URLs reach loopback and private networks (SSRF protection off).",
    )(command)
