"""How a feed is doing, in the words lists show (``triage feeds list``, the app's feeds screen)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from article_triage.store.boundary import shown_identity, shown_line
from article_triage.store.feeds.subscriptions import Subscription

if TYPE_CHECKING:
    from article_triage.store.outlets.registry import Registry


@dataclass(frozen=True)
class FeedHealth:
    feed: Subscription
    outlet: str | None
    """The publisher the registry knows by the feed's site or URL, described."""

    @property
    def state(self) -> str:
        if self.feed.paused:
            return "paused"
        if self.feed.error_count:
            return f"failing ×{self.feed.error_count}"
        if self.feed.last_success is None:
            return "not fetched yet"
        return "ok"

    def as_dict(self) -> dict[str, object]:
        feed = self.feed
        return {
            "id": feed.id,
            "name": feed.name,
            "url": feed.url,
            "tags": list(feed.tags),
            "outlet": self.outlet,
            "state": self.state,
            "paused": feed.paused,
            "paused_reason": feed.paused_reason,
            "last_success": feed.last_success,
            "last_checked": feed.last_checked,
            "items": feed.items_seen,
            "error_count": feed.error_count,
            "last_error": feed.last_error,
            "next_check": feed.next_check,
            "interval_minutes": feed.interval // 60,
        }

    def describe(self) -> str:
        """Two or three lines, every outside value through the door out; the feed's name
        and tags as identities (a bidi override in a name is shown, not obeyed)."""
        feed = self.feed
        tags = f" [{', '.join(shown_identity(t) for t in feed.tags)}]" if feed.tags else ""
        outlet = f"  outlet: {shown_identity(self.outlet)}" if self.outlet else ""
        lines = [
            f"{feed.id:>4}  {shown_identity(feed.title)}{tags}  ({self.state})",
            f"      {shown_line(feed.url)}{outlet}",
            f"      last success {feed.last_success or 'never'}, {feed.items_seen} items, "
            f"{feed.error_count} errors in a row, next check {_next(feed)}",
        ]
        if feed.paused and feed.paused_reason:
            lines.append(f"      paused: {shown_line(feed.paused_reason)}")
        if feed.last_error:
            lines.append(f"      last error: {shown_line(feed.last_error)}")
        return "\n".join(lines)


def _next(feed: Subscription) -> str:
    if feed.paused:
        return "never (paused)"
    return feed.next_check or "now"


def feed_health(feed: Subscription, registry: Registry | None = None) -> FeedHealth:
    outlet = None
    if registry is not None:
        from article_triage.store.outlets.annotate import find_publisher

        found = find_publisher({"url": feed.site_url, "source": feed.url}, registry)
        outlet = found.describe() if found is not None else None
    return FeedHealth(feed, outlet)
