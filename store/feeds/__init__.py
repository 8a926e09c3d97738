"""Subscriptions: the feeds an analyst follows, their fetch state, OPML, and the refresh job.

``refresh`` is the one job (store, request, progress, stop) -> report that the CLI
(``triage refresh``) and the app (``R``) call; the rest is the table's queries.
"""

from article_triage.store.feeds.refresh import (
    FeedOutcome,
    RefreshProgress,
    RefreshReport,
    RefreshRequest,
    refresh,
)
from article_triage.store.feeds.schedule import ScheduleSettings
from article_triage.store.feeds.subscriptions import (
    FeedNotFound,
    FeedUrlRefused,
    Subscription,
    add_feed,
    find_feed,
    get_feed,
    list_feeds,
    remove_feed,
    set_paused,
)

__all__ = [
    "FeedNotFound",
    "FeedOutcome",
    "FeedUrlRefused",
    "RefreshProgress",
    "RefreshReport",
    "RefreshRequest",
    "ScheduleSettings",
    "Subscription",
    "add_feed",
    "find_feed",
    "get_feed",
    "list_feeds",
    "refresh",
    "remove_feed",
    "set_paused",
]
