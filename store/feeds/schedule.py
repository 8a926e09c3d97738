"""When a feed is next fetched: adaptive intervals, back-off, Retry-After.

Pure functions of times and counts, so every rule is tested without a clock.
Times are aware UTC datetimes; the store keeps them as ``utcnow()`` strings.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY = 86_400
WEEK = 7 * DAY


@dataclass(frozen=True)
class ScheduleSettings:
    """``[feeds]`` in the config; every figure in seconds except the counts."""

    floor: int = 30 * 60
    """The shortest interval between two checks of a feed, however busy it is."""
    ceiling: int = DAY
    """The longest interval between two checks of a quiet feed."""
    initial: int = 60 * 60
    """A new feed's interval until its publishing rate is known."""
    first_backoff: int = 10 * 60
    """The wait after a first failure; it doubles with each failure in a row, up to a day."""
    max_backoff: int = DAY
    max_retry_after: int = WEEK
    """A Retry-After further out than this is read as this (a server's typo is not a ban)."""
    unconditional_every: int = 24
    """After this many conditional requests in a row, one fetch without validators, for
    servers whose ETag or Last-Modified never changes even when the feed does."""


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def clamp(seconds: float, settings: ScheduleSettings) -> int:
    return int(min(max(seconds, settings.floor), settings.ceiling))


def backoff_seconds(error_count: int, settings: ScheduleSettings) -> int:
    """The wait after *error_count* failures in a row: exponential, capped at a day."""
    if error_count <= 0:
        return 0
    exponent = min(error_count - 1, 32)  # 2**32 is past any cap; avoids a huge int
    return int(min(settings.first_backoff * 2**exponent, settings.max_backoff))


def retry_after_seconds(value: str | None, now: datetime, settings: ScheduleSettings) -> int | None:
    """Seconds until the moment a Retry-After header names (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        seconds = int(text)
    else:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = math.ceil((moment - now).total_seconds())
    return min(max(seconds, 0), settings.max_retry_after)


def adapted_interval(
    current: int,
    published: Iterable[str | None],
    new_entries: int,
    now: datetime,
    settings: ScheduleSettings,
) -> int:
    """The next interval for a feed that answered, from how often it publishes.

    With dated entries: a week divided by the entries published in the last week
    (a feed with 14 a week is checked every 12 hours, capped by floor and ceiling).
    Without dates: halved when the check found something new, else half as long again.
    """
    week_ago = (now - timedelta(days=7)).date()
    dates = [_date(value) for value in published]
    dated = [d for d in dates if d is not None]
    if dated:
        this_week = sum(1 for d in dated if d >= week_ago)
        return clamp(WEEK / this_week if this_week else settings.ceiling, settings)
    if new_entries:
        return clamp(current / 2, settings)
    return clamp(current * 1.5, settings)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def after(now: datetime, seconds: int) -> str:
    return format_time(now + timedelta(seconds=seconds))
