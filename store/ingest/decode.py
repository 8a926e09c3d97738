"""Bytes to text: gzip, byte-order marks, declared charsets, and what the bytes say.

A declared charset (HTTP header, ``<meta charset>``, XML declaration) is honoured
when the bytes agree with it and overruled when they do not: pages that declare
UTF-8 but carry a few Latin-1 bytes, and legacy Cyrillic pages that declare
nothing, are both common in the corpus.
"""

from __future__ import annotations

import codecs
import re
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
_DETECT_SAMPLE = 20_000


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
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
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


# Letters a real text in a single-byte encoding uses; mojibake from decoding with the
# wrong single-byte table is dominated by symbols, box drawing and rare accented capitals.
def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that are letters in plausible company (0..1)."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 1.0
    letters = 0
    for c in high:
        if c.isalpha() and c.islower():
            letters += 1
        elif c.isalpha():
            letters += 0.5
        elif c in "«»„“”‘’–—…€\u00a0°§©®№·":
            letters += 1
    return letters / len(high)


def _script_consistency(text: str) -> float:
    """Fraction of words that do not look like Cyrillic read through a Latin table."""
    words = re.findall(r"[^\W\d_]{3,}", text)
    if not words:
        return 1.0
    mixed = 0
    for w in words:
        has_ascii = any(c.isascii() for c in w)
        has_high = any(not c.isascii() for c in w)
        # a word made only of accented Latin letters is how Cyrillic looks through latin-1
        if has_high and not has_ascii and all("\u00c0" <= c <= "\u024f" for c in w):
            mixed += 1
    return 1 - mixed / len(words)


def _score(text: str) -> float:
    return _plausibility(text) * _script_consistency(text)


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

    sample = data[:_DETECT_SAMPLE]
    for label in (http_charset(http_content_type), declared_charset(data)):
        codec = _codec(label)
        if codec is None or codec in ("utf_8", "utf_16", "utf_32"):
            continue  # UTF-8 was tried above and the bytes said no
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _score(sample.decode(codec, errors="replace")) >= 0.8:
            return Decoded(text, codec)
    return _detect(data)


def _detect(data: bytes) -> Decoded:
    from charset_normalizer import from_bytes

    sample = (
        data
        if len(data) <= _DETECT_SAMPLE
        else data[: _DETECT_SAMPLE // 2] + data[-_DETECT_SAMPLE // 2 :]
    )
    for match in from_bytes(sample):
        codec = _codec(match.encoding)
        if codec is None:
            continue
        try:
            return Decoded(data.decode(codec), codec)
        except UnicodeDecodeError:
            continue
    # Nothing fits: cp1252 decodes any byte but five; keep what is readable rather than fail.
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) * 0.01:
        raise DecodeError("undecodable bytes: no text encoding fits")
    return Decoded(text, "cp1252")
