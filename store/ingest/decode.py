"""Bytes to text: gzip, byte-order marks, declared charsets, and what the bytes say.

A declared charset (HTTP header, ``<meta charset>``, XML declaration) is honoured
when the bytes agree with it and overruled when they do not: pages that declare
UTF-8 but carry a few Latin-1 bytes, and legacy Cyrillic pages that declare
nothing, are both common in the corpus.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
import zlib
from dataclasses import dataclass

GZIP_MAGIC = b"\x1f\x8b"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_HTTP_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
# Browsers read these labels as windows-1252 (WHATWG Encoding Standard): pages that
# say latin-1 routinely use the 0x80-0x9F range for curly quotes and dashes.
_WHATWG_ALIASES = {"latin_1": "cp1252", "ascii": "cp1252", "iso8859_1": "cp1252"}
_SNIFF_BYTES = 4096
# Deleting every byte but the C0 controls text never uses leaves the ones that count.
_NOT_BINARY_CONTROLS = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13, 27))
# Enough text from the <body> (a <head> is often all-ASCII script) to judge a
# declared charset by the letters it gives.
_SCORE_SAMPLE = 12_000


class DecodeError(ValueError):
    """The bytes are not text this importer can read; the message says why in one line."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    """The codec used, e.g. ``utf-8``, ``cp1251``, or ``utf-8+cp1252`` for mixed bytes."""


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompress gzip data (all members), refusing output over *max_bytes*."""
    out = bytearray()
    rest = data
    while rest:
        decompressor = zlib.decompressobj(31)
        try:
            out += decompressor.decompress(rest, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise DecodeError(f"corrupt gzip data ({exc})") from None
        if len(out) > max_bytes or decompressor.unconsumed_tail:
            raise DecodeError(f"decompresses to more than {format_size(max_bytes)}")
        if not decompressor.eof:
            raise DecodeError("truncated gzip data")
        rest = decompressor.unused_data.lstrip(b"\x00")
        if rest and not rest.startswith(GZIP_MAGIC):
            break  # trailing garbage after a complete member, as gzip(1) tolerates
    return bytes(out)


def format_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many other C0 controls near the start: an image, a PDF, an archive."""
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return False  # UTF-16/32 text is full of NULs
    if b"\x00" in head:
        return True
    controls = len(head.translate(None, _NOT_BINARY_CONTROLS))
    return controls > len(head) * 0.05


def declared_charset(data: bytes) -> str | None:
    """The charset an XML declaration or ``<meta>`` near the start names, if any."""
    head = data[:_SNIFF_BYTES]
    match = _XML_ENCODING_RE.match(head) or _META_CHARSET_RE.search(head)
    return match.group(1).decode("ascii") if match else None


def http_charset(content_type: str | None) -> str | None:
    match = _HTTP_CHARSET_RE.search(content_type or "")
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name.replace("-", "_")
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def _utf8_with_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # One stray Latin-1/cp1252 byte in an otherwise UTF-8 page: read that byte as cp1252.
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("triage-cp1252-fallback", _utf8_with_fallback)

_UTF8_MULTIBYTE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8 sequences outnumber the bytes that break it."""
    valid = len(_UTF8_MULTIBYTE_RE.findall(data))
    invalid = data.decode("utf-8", errors="replace").count("\ufffd") - data.decode(
        "utf-8", errors="ignore"
    ).count("\ufffd")
    return valid > 0 and invalid <= valid


# Mojibake from decoding with the wrong table shows in three ways, each scored 0..1:
# symbols and box drawing instead of letters (cp1251 read as cp866), words made only
# of accented Latin letters (Cyrillic read as latin-1), and words whose case flips
# mid-word (KOI8-R and ISO-8859-5 read as each other, or as cp1251).
_PLAUSIBLE_CATEGORIES = frozenset({"Pi", "Pf", "Pd", "Ps", "Pe", "Po", "Zs", "Sc"})
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that are letters or ordinary punctuation."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 1.0
    good = sum(
        1
        for c in high
        if c.isalpha() or (unicodedata.category(c) in _PLAUSIBLE_CATEGORIES and c not in "¶¤")
    )
    return good / len(high)


def _word_consistency(text: str) -> float:
    """Share of words with non-ASCII letters that read like words of one script and case."""
    words = [w for w in _WORD_RE.findall(text) if not w.isascii()]
    if not words:
        return 1.0
    bad = 0
    for word in words:
        latin_only = not any(c.isascii() for c in word) and all(
            "\u00c0" <= c <= "\u024f" for c in word
        )
        case_flip = any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))
        bad += latin_only or case_flip
    return 1 - bad / len(words)


def _score(text: str) -> float:
    return _plausibility(text) * _word_consistency(text)


def decode_bytes(data: bytes, http_content_type: str | None = None) -> Decoded:
    """Decode page or feed bytes to text, honouring declarations where the bytes agree."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(name), name.replace("-sig", ""))
            except UnicodeDecodeError:
                raise DecodeError(
                    f"bytes do not decode as the {name} their BOM announces"
                ) from None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return Decoded(data.decode("utf-8", errors="triage-cp1252-fallback"), "utf-8+cp1252")

    sample = _body_sample(data)
    for label in (http_charset(http_content_type), declared_charset(data)):
        codec = _codec(label)
        if codec is None or codec in ("utf_8", "utf_16", "utf_32"):
            continue  # UTF-8 was tried above and the bytes said no
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _score(sample.decode(codec, errors="replace")) >= PLAUSIBLE:
            return Decoded(text, codec)
    return _detect(data, sample)


def _body_sample(data: bytes) -> bytes:
    body = max(data.find(b"<body"), data.find(b"<BODY"), 0)
    return data[body : body + _SCORE_SAMPLE]


# Legacy encodings of the languages we triage, tried when detection gives nothing plausible.
_FALLBACK_CODECS = (
    "cp1251",
    "koi8_r",
    "iso8859_5",
    "cp866",
    "mac_cyrillic",
    "cp1250",
    "iso8859_2",
    "cp1252",
)
PLAUSIBLE = 0.8


def _detect(data: bytes, sample: bytes) -> Decoded:
    from charset_normalizer import from_bytes

    # Detection reads the body sample: a long all-ASCII <head> of scripts tells it nothing.
    candidates = [_codec(m.encoding) for m in from_bytes(sample)]
    best: tuple[float, str] | None = None
    for codec in dict.fromkeys([*candidates, *_FALLBACK_CODECS]):
        if codec is None:
            continue
        try:
            score = _score(sample.decode(codec))
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if score >= PLAUSIBLE:
            return Decoded(text, codec)
        if best is None or score > best[0]:
            best = (score, codec)
    if best is not None:
        return Decoded(data.decode(best[1]), best[1])
    raise DecodeError("undecodable bytes: no text encoding fits")
