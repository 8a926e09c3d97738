"""OPML subscription lists: read what newsboat, Miniflux, Feedly (and others) export,
write OPML 2.0 in which each feed's tags are its categories.

Readers agree on little beyond ``<outline xmlUrl=...>``: Miniflux and Feedly put feeds
in folder outlines (the folder is the tag), OPML 2.0 has a ``category`` attribute
(comma-separated; a tag is a category without slashes), newsboat writes a flat list.
All three are read as tags. Written files carry both: feeds sit in the folder of their
first tag (what folder-based readers import) and list every tag in ``category``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from article_triage.store.db import utcnow
from article_triage.store.feeds.subscriptions import Subscription, clean_tags

MAX_OPML_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 20


class OpmlError(ValueError):
    """The file is not an OPML subscription list; the message says why, in one line."""


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    name: str | None = None
    site_url: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


def read_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds an OPML document lists, with the folders and categories they sit in as tags."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError("over the 10 MB size limit for a subscription list")
    # An OPML file has no use for a DTD's entities, and libxml2 expands internal ones in
    # attributes even with resolve_entities off: refuse them (billion laughs) outright.
    if b"<!ENTITY" in data[:65536] or b"<\x00!\x00E\x00N\x00T" in data[:131072]:
        raise OpmlError("declares XML entities, which a subscription list never needs; refused")
    from lxml import etree

    # No entities, no network, no huge trees: an OPML file is as hostile as any input.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OpmlError(f"not readable XML ({exc})") from None
    if root is None or _local(root.tag) != "opml":
        raise OpmlError("not an OPML file (no <opml> root)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError("an OPML file without a <body>")
    return list(_outlines(body, (), 0))


def read_opml_file(path: str | os.PathLike[str]) -> list[OpmlFeed]:
    """read_opml on a file, of which at most one byte past the size limit is ever read:
    a 50 MB file is refused without being held in memory (OSError if it cannot be read)."""
    with open(path, "rb") as file:
        return read_opml(file.read(MAX_OPML_BYTES + 1))


def _outlines(parent, folders: tuple[str, ...], depth: int) -> Iterator[OpmlFeed]:
    if depth > MAX_DEPTH:
        return
    for outline in parent:
        if _local(outline.tag) != "outline":
            continue
        label = outline.get("title") or outline.get("text")
        url = _attribute(outline, "xmlUrl")
        if url:
            categories = [
                part.strip().strip("/")
                for part in (outline.get("category") or "").split(",")
                if part.strip().strip("/")
            ]
            yield OpmlFeed(
                url=url.strip(),
                # An exporter with no name for a feed writes its URL as the text.
                name=None if (label or "").strip() in ("", url.strip()) else label.strip(),
                site_url=(_attribute(outline, "htmlUrl") or "").strip() or None,
                tags=clean_tags([*folders, *categories]),
            )
        # A folder (or, rarely, a feed with children): what is inside carries its name.
        inner = (*folders, label.strip()) if label and label.strip() and not url else folders
        yield from _outlines(outline, inner, depth + 1)


def _attribute(element, name: str) -> str | None:
    """Attributes by name whatever their case: some exporters write ``xmlurl``."""
    value = element.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, value in element.attrib.items():
        if key.lower() == lowered:
            return value
    return None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def write_opml(feeds: Iterable[Subscription], title: str = "article-triage subscriptions") -> bytes:
    """OPML 2.0: feeds in the folder of their first tag, every tag in ``category``."""
    from lxml import etree

    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = _rfc822_now()
    body = etree.SubElement(root, "body")
    folders: dict[str, object] = {}
    for feed in feeds:
        parent = body
        if feed.tags:
            first = feed.tags[0]
            if first not in folders:
                folders[first] = etree.SubElement(body, "outline", text=first, title=first)
            parent = folders[first]
        attributes = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.url}
        if feed.site_url:
            attributes["htmlUrl"] = feed.site_url
        if feed.tags:
            attributes["category"] = ",".join(feed.tags)  # tags hold no commas
        etree.SubElement(parent, "outline", attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _rfc822_now() -> str:
    import email.utils
    from datetime import datetime

    return email.utils.format_datetime(datetime.fromisoformat(utcnow().replace("Z", "+00:00")))
