"""When two analyst names are the same name to a reader: the look-alike skeleton.

A colleague's file can name ``bоb`` (Cyrillic о), ``Bob``, ``ｂｏｂ`` (full width) or
``b\\u200bob`` (a zero-width space): on screen each is bob, in the store each would be
a new person whose decisions stand beside bob's. :func:`skeleton` maps a name to a
form in which such spellings coincide, after Unicode TR39's idea of a skeleton: NFKC
(full-width and compatibility forms), invisible format characters dropped, the common
Cyrillic and Greek letters that look Latin mapped to that Latin letter, then casefold.

The table is deliberately small and errs towards matching: a false match is one line
asking the merging analyst to confirm (``--accept-lookalikes``), a miss is an
impersonation. (The PyPI confusables packages were last released in 2021 and 2024; a
table this size is easier to keep right than a dependency.)
"""

from __future__ import annotations

import unicodedata

# Capitals first: Cyrillic Н is Latin H, while lower-case н only resembles h in some
# fonts; both map, capitals to their own look-alike, before casefold joins the cases.
_CONFUSABLE_LETTERS = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "І": "I", "Ї": "I", "Ј": "J",
    "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Ѕ": "S", "Т": "T",
    "У": "Y", "Х": "X", "Ү": "Y", "Һ": "H", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I",
    # Cyrillic small letters
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t", "у": "y",
    "х": "x", "ү": "y", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek small letters
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ω": "w",
    # Latin letters that pass for others
    "ı": "i", "ȷ": "j", "ſ": "s",
}  # fmt: skip
_TO_LATIN = str.maketrans(_CONFUSABLE_LETTERS)

# Format (bidi marks, zero-width, soft hyphen, BOM) and control characters: invisible.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc"})


def skeleton(name: str) -> str:
    """The form of *name* in which look-alike spellings of one name coincide."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) not in _INVISIBLE_CATEGORIES)
    text = text.translate(_TO_LATIN).casefold()
    return " ".join(text.split())
