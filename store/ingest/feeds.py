"""RSS 0.9x/2.0, RSS 1.0 (RDF), Atom and JSON Feed: entries with title, link, summary, date.

Parsed by element local names so that every namespace variant in the wild reads
the same. The bytes are decoded by store.ingest.decode (which honours the XML
declaration where the bytes agree) and handed to lxml as text, so a feed reads
the same whatever encoding it was saved in.
"""

from __future__ import annotations

import email.utils
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from article_triage.store.ingest.model import IngestError
from article_triage.store.text import normalise_paragraph, split_paragraphs

EXTRACTOR = "article-triage.feed"
EXTRACTOR_VERSION = "1"
_FEED_ROOT_RE = re.compile(r"<(?:[\w-]+:)?(rss|feed|RDF)[\s>]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
_WS_RE = re.compile(r"\s+")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BLOCK_TAGS = {"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre"}
_TITLE = ("title",)
_SUMMARY = ("encoded", "content", "description", "summary")
_DATES = ("pubDate", "published", "date", "issued", "created", "updated", "modified")


@dataclass
class FeedEntry:
    index: int
    title: str | None
    link: str | None
    paragraphs: list[str]
    published: str | None
    raw: bytes
    error: str | None = None
    """Why this entry cannot be read; the feed's other entries are read all the same."""
    guid: str | None = None
    """The entry's own identifier (RSS guid, Atom id, RDF about, JSON Feed id), if it has one."""


@dataclass
class Feed:
    title: str | None
    link: str | None
    entries: list[FeedEntry]


def looks_like_feed(text_head: str) -> bool:
    head = text_head.lstrip()
    if head.startswith("{"):
        return "jsonfeed.org/version" in head[:500].replace("\\/", "/")
    body = _XML_DECL_RE.sub("", head, count=1)
    match = _FEED_ROOT_RE.search(body[:4000])
    return match is not None and "<html" not in body[: match.start()].lower()


def parse_feed(text: str, base_url: str | None = None, max_entries: int | None = None) -> Feed:
    """The feed's entries, the first *max_entries* of them when given (a feed of
    20,000 entries is read within bounded time and memory: the rest are not built)."""
    if text.lstrip().startswith("{"):
        return _parse_json_feed(text, base_url, max_entries)
    from lxml import etree

    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
    )
    try:
        root = etree.fromstring(_XML_DECL_RE.sub("", text, count=1).encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"not a readable feed ({exc})") from None
    if root is None:
        raise IngestError("not a readable feed")
    channel = _first(root, "channel") if _local(root.tag) != "feed" else root
    feed_title = _text(_first(channel if channel is not None else root, "title"))
    feed_link = _link(channel if channel is not None else root, base_url)
    base = feed_link or base_url
    items = [
        el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) in ("item", "entry")
    ][:max_entries]
    entries = []
    for index, item in enumerate(items, start=1):
        try:
            entries.append(_xml_entry(index, item, base))
        except Exception as exc:  # one hostile item fails alone, not the whole feed
            entries.append(_bad_entry(index, exc))
    return Feed(feed_title, feed_link, entries)


def _xml_entry(index: int, item, base: str | None) -> FeedEntry:
    from lxml import etree

    title = _text(_first(item, *_TITLE))
    summary_html = ""
    for name in _SUMMARY:
        element = _first(item, name)
        if element is not None:
            summary_html = _inner(element)
            if summary_html.strip():
                break
    published = None
    for name in _DATES:
        published = parse_feed_date(_text(_first(item, name)))
        if published:
            break
    return FeedEntry(
        index=index,
        title=title,
        link=_link(item, base),
        paragraphs=html_to_paragraphs(summary_html),
        published=published,
        raw=etree.tostring(item, encoding="utf-8"),
        guid=_text(_first(item, "guid", "id"))
        or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"),
    )


def _bad_entry(index: int, exc: Exception) -> FeedEntry:
    reason = str(exc) if isinstance(exc, IngestError) else f"unreadable ({type(exc).__name__})"
    return FeedEntry(index, None, None, [], None, b"", error=reason)


def _parse_json_feed(text: str, base_url: str | None, max_entries: int | None = None) -> Feed:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IngestError(f"not a readable JSON feed ({exc.args[0]})") from None
    except RecursionError:  # the parser's guard against arrays nested thousands deep
        raise IngestError("not a readable JSON feed (nested too deep)") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise IngestError("not a JSON feed: no items")
    home = data.get("home_page_url")
    base = (home if isinstance(home, str) else None) or base_url
    entries = []
    for index, item in enumerate(data["items"][:max_entries], start=1):
        try:
            entries.append(_json_entry(index, item, base))
        except Exception as exc:  # one hostile item fails alone, not the whole feed
            entries.append(_bad_entry(index, exc))
    title = data.get("title")
    return Feed(title if isinstance(title, str) else None, base if base == home else None, entries)


def _json_text(item: dict, *keys: str) -> str | None:
    """The first of *keys* the item sets, which must be a string (JSON Feed 1.1 says so)."""
    for key in keys:
        value = item.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise IngestError(f"{key} is a JSON {_json_type(value)}, not a string")
        return value
    return None


def _json_type(value: object) -> str:
    return {bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


def _json_entry(index: int, item: object, base: str | None) -> FeedEntry:
    if not isinstance(item, dict):
        raise IngestError(f"a JSON {_json_type(item)}, not an item object")
    body = _json_text(item, "content_html") or ""
    paragraphs = (
        html_to_paragraphs(body)
        if body
        else split_paragraphs(_json_text(item, "content_text", "summary") or "")
    )
    link = _json_text(item, "url", "external_url")
    return FeedEntry(
        index=index,
        title=normalise_paragraph(_json_text(item, "title") or "") or None,
        link=urljoin(base or "", link) if link else None,
        paragraphs=paragraphs,
        published=parse_feed_date(_json_text(item, "date_published", "date_modified")),
        raw=json.dumps(item, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        guid=str(item["id"])
        if isinstance(item.get("id"), str | int) and item["id"] != ""
        else None,
    )


def parse_feed_date(value: str | None) -> str | None:
    """YYYY-MM-DD from an RFC 822 or ISO 8601 feed date; None when it does not parse."""
    if not value:
        return None
    value = value.strip()
    match = _ISO_DATE_RE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        if 1 <= month <= 12 and 1 <= day <= 31 and 1990 <= year <= 2100:
            return f"{year:04d}-{month:02d}-{day:02d}"
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.date().isoformat() if parsed and 1990 <= parsed.year <= 2100 else None


def html_to_paragraphs(fragment: str) -> list[str]:
    """Paragraphs of an HTML (or plain) summary, markup removed."""
    if not fragment or not fragment.strip():
        return []
    if "<" not in fragment:
        return split_paragraphs(fragment)
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on hostile markup; keep the bare text
        return split_paragraphs(re.sub(r"<[^>]*>", " ", fragment))
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    # Line breaks in the markup's source are spaces; only <br> and blocks break lines.
    for element in root.iter():
        if element.text:
            element.text = _WS_RE.sub(" ", element.text)
        if element.tail:
            element.tail = _WS_RE.sub(" ", element.tail)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
            if element.text:
                element.text = "\n\n" + element.text
    return split_paragraphs(root.text_content())


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _first(parent, *names: str):
    if parent is None:
        return None
    for name in names:
        for child in parent:
            if _local(child.tag) == name:
                return child
    return None


def _text(element) -> str | None:
    if element is None:
        return None
    value = normalise_paragraph("".join(element.itertext())).replace("\n", " ")
    return value or None


def _inner(element) -> str:
    """Escaped HTML arrives as text; inline XHTML (Atom type="xhtml") as child elements."""
    from lxml import etree

    if len(element):
        return (element.text or "") + "".join(
            etree.tostring(child, encoding="unicode", with_tail=True) for child in element
        )
    return element.text or ""


def _link(element, base: str | None) -> str | None:
    if element is None:
        return None
    candidates = []
    for child in element:
        if _local(child.tag) != "link":
            continue
        href = child.get("href")
        if href:
            if child.get("rel", "alternate") == "alternate":
                candidates.insert(0, href)
        elif child.text and child.text.strip():
            candidates.insert(0, child.text.strip())
    if not candidates:
        about = element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        guid = _first(element, "guid")
        if guid is not None and guid.get("isPermaLink", "true") != "false" and _text(guid):
            candidates.append(_text(guid))
        elif about:
            candidates.append(about)
    if not candidates:
        return None
    link = candidates[0].strip()
    return urljoin(base, link) if base else link
