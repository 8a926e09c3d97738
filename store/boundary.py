"""The two doors: what enters the store from outside, and what is printed or shown.

Everything that comes from outside the analyst's own keyboard (article text, notes and
analyst names in a colleague's export, outlet names from an imported CSV, URLs, file
names) is data. It may carry ESC sequences that rewrite the clipboard (OSC 52) or clear
the screen, newlines that forge table rows, bidi overrides that reverse a name on
screen. Two functions per door, and nothing else cleans or escapes:

door in (before a value is stored)
    `clean_text`   multi-line text (notes, paragraphs): C0/C1 controls and lone
                   surrogates removed, line ends normalised, tab and newline kept.
    `clean_line`   single-line fields (analyst, outlet name, alias, title, source):
                   controls removed and every run of whitespace, newlines included,
                   made one space.
    `clean_url`    a single line without `user:password@` (credentials never reach
                   the store or an export); a `javascript:`, `vbscript:` or `data:`
                   URL is no address and comes out empty.

door out (before a value reaches a terminal, a notification, a dialog or an editor)
    `shown_text`   multi-line: controls shown escaped (``\\x1b``), newline and tab kept.
    `shown_line`   single-line: controls escaped, a newline shown as ``⏎``.
    `shown_identity` single-line identity (analyst, outlet, feed name and tags): as
                   `shown_line`, and bidi controls and zero-width characters shown as
                   ``<U+202E>`` instead of being obeyed, so ``bob`` and ``b\\u200bob``
                   never look alike.
    `shown_json`   a JSON report for stdout: exact data (it parses back to the same
                   value), with DEL, C1 and lone surrogates written as ``\\u`` escapes
                   too (``json.dumps(ensure_ascii=False)`` writes them raw, and U+009B
                   is a CSI to many terminals).

The door out escapes rather than drops: a file name with ESC in it should be
recognisable in a failure line. Rich markup is not this module's concern: widgets
show text with ``markup=False`` or ``rich.text.Text``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from article_triage.store.text import strip_control

# C0 except TAB/LF, DEL, C1, lone surrogates: never stored.
_INBOUND_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_WHITESPACE_RE = re.compile(r"\s+")
# Everything that must not reach a terminal raw: C0 (TAB and LF handled by the caller),
# DEL, C1, lone surrogates (they cannot even be encoded for output).
_OUTBOUND_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Bidi embedding/override/isolate marks, LRM/RLM/ALM, zero-width characters, word
# joiner, BOM, Mongolian vowel separator, soft hyphen, invisible operators.
_INVISIBLE_RE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    r"\u2066-\u2069\u3164\ufeff\uffa0]"
)
NEWLINE_SHOWN = "⏎"


def clean_text(value: object) -> str:
    """Multi-line text from outside, as stored: no controls, LF line ends."""
    if value is None:
        return ""
    return strip_control(str(value))


def clean_line(value: object, limit: int | None = None) -> str:
    """A single-line field from outside, as stored: no controls, no newlines, trimmed.

    *limit*: at most this many characters, the last one ``…`` when cut (a feed's 5 MB
    title is a title no list can show, and every list would pay for it)."""
    if value is None:
        return ""
    text = _INBOUND_CONTROL_RE.sub("", str(value).replace("\r", "\n"))
    line = _WHITESPACE_RE.sub(" ", text).strip()
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


# Schemes that run code where a URL is opened or rendered as a link (a browser, a
# spreadsheet, Datasette): never an article's address.
_SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data"})


def clean_url(value: object) -> str:
    """A URL from outside, as stored: one line, never a ``user:password@``, and never a
    ``javascript:``/``vbscript:``/``data:`` URL ("" instead)."""
    url = clean_line(value)
    scheme, colon, _rest = url.partition(":")
    # Browsers drop blanks inside a scheme ("java\tscript:"): compare without them.
    if colon and _WHITESPACE_RE.sub("", scheme).lower() in _SCRIPT_SCHEMES:
        return ""
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.netloc or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def shown_text(value: object) -> str:
    """Multi-line text for a terminal or widget: controls escaped, newline and tab kept."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n")
    return _OUTBOUND_CONTROL_RE.sub(_escape, text)


def shown_line(value: object) -> str:
    """A single-line value for a terminal or widget: controls escaped, newlines as ⏎."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\n", NEWLINE_SHOWN).replace("\t", " ")
    return _OUTBOUND_CONTROL_RE.sub(_escape, text)


def shown_identity(value: object) -> str:
    """An analyst, outlet or feed name: as `shown_line`, with invisible characters made
    visible."""
    return _INVISIBLE_RE.sub(lambda m: f"<U+{ord(m.group()):04X}>", shown_line(value))


# What json.dumps(ensure_ascii=False) leaves raw that a terminal may obey or cannot encode.
_JSON_RAW_CONTROL_RE = re.compile(r"[\x7f-\x9f\ud800-\udfff]")


def shown_json(value: Any, **dumps: Any) -> str:
    """*value* as JSON for stdout: parses back to exactly *value*, and no C0/C1 byte or
    lone surrogate comes out raw (JSON escapes C0 itself; this escapes the rest)."""
    text = json.dumps(value, ensure_ascii=False, **dumps)
    return _JSON_RAW_CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
