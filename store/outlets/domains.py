"""Publisher detection: which registry outlet a URL belongs to.

A registry domain covers itself and its subdomains only, label by label:
``de.rt.com`` is RT, ``art.com`` is not, and ``tass.example.org`` is not TASS.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from article_triage.store.outlets.registry import Outlet, Registry


def normalise_host(host: str) -> str:
    """Lowercase ASCII (IDNA) form of a host name, without port, trailing dot or www."""
    host = (host or "").strip().lower().rstrip(".")
    if not host:
        return ""
    if not host.isascii():
        # Not a valid IDN: compare it as written.
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host.removeprefix("www.")


def host_of(url: str | None) -> str:
    """The normalised host of an http(s) URL, or '' for anything else (file paths, junk)."""
    if not url:
        return ""
    url = url.strip()
    lowered = url[:8].lower()
    if not (lowered.startswith("http://") or lowered.startswith("https://")):
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:  # e.g. an invalid IPv6 literal
        return ""
    return normalise_host(host)


def same_site(url: str | None, other: str | None) -> bool:
    """Whether two http(s) URLs are on one site: the same host, or one a subdomain of the other.

    Without a public-suffix list this says no to two sibling subdomains
    (amp.example.com, m.example.com): the cautious answer where a page's claim about
    itself is weighed against where it was fetched from.
    """
    host, other_host = host_of(url), host_of(other)
    if not host or not other_host:
        return False
    return host == other_host or host.endswith("." + other_host) or other_host.endswith("." + host)


def domain_index(registry: Registry) -> tuple[dict[str, str], dict[str, str]]:
    """(domain -> key, covering subdomains; exact host -> key, from ``full:`` entries)."""
    return registry.derived("domain_index", _build_domain_index)


def _build_domain_index(registry: Registry) -> tuple[dict[str, str], dict[str, str]]:
    suffixes: dict[str, str] = {}
    exact: dict[str, str] = {}
    for outlet in registry:
        for domain in outlet.domains:
            target = exact if domain.startswith("full:") else suffixes
            host = normalise_host(domain.removeprefix("full:"))
            if host:
                # A user outlet listed later wins over a built-in one for the same domain.
                target[host] = outlet.key
    return suffixes, exact


def outlet_for_host(host: str, registry: Registry) -> Outlet | None:
    if not host:
        return None
    suffixes, exact = domain_index(registry)
    if host in exact:
        return registry.get(exact[host])
    labels = host.split(".")
    # Most specific first, so a subdomain listed for another outlet (radiosputnik.ria.ru) wins.
    for i in range(len(labels)):
        key = suffixes.get(".".join(labels[i:]))
        if key is not None:
            return registry.get(key)
    return None


def detect_publisher(url: str, registry: Registry) -> Outlet | None:
    """The outlet that published *url*, from its host; None when unknown or not a URL."""
    return outlet_for_host(host_of(url), registry)
