"""store.text: cleaning, paragraph splitting and hashing, example by example.

Property tests over arbitrary text are in test_hostile_input.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from article_triage.store.articles import fts_query
from article_triage.store.text import (
    PARAGRAPH_SEPARATOR,
    _split_normalising,
    join_paragraphs,
    normalise_paragraph,
    split_paragraphs,
    strip_control,
    text_sha256,
    word_count,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("", ""),
        ("plain", "plain"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("crlf\r\nline\rend", "crlf\nline\nend"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("\x1b]8;;http://evil\x07link\x1b]8;;\x07", "]8;;http://evillink]8;;"),
        ("nul\x00byte", "nulbyte"),
        ("del\x7f c1\x85\x9b\x9f end", "del c1 end"),
        ("\x0bvt\x0cff\x1f", "vtff"),
        ("lone\udcff surrogate\ud800", "lone surrogate"),
        ("keep \u00a0 nbsp, «quotes», [markup] and \u202e bidi", None),
        ("Кирилиця і 中文", None),
    ],
)
def test_strip_control(raw, clean):
    assert strip_control(raw) == (raw if clean is None else clean)


def test_strip_control_none_is_empty():
    assert strip_control(None) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  a   b\t\tc  ", "a b c"),
        ("line one \n\n   \n line two", "line one\nline two"),
        ("non\u00a0breaking", "non breaking"),
        ("\x00\x1b", ""),
        ("   ", ""),
    ],
)
def test_normalise_paragraph(raw, clean):
    assert normalise_paragraph(raw) == clean


def test_split_paragraphs_on_blank_lines():
    text = "First para\nsame para.\n\n\n  Second\x00 para. \n \t \nThird\r\n\r\nFourth"
    assert split_paragraphs(text) == [
        "First para\nsame para.",
        "Second para.",
        "Third",
        "Fourth",
    ]
    assert split_paragraphs("") == []
    assert split_paragraphs("\n\n \n") == []


def test_join_then_split_round_trip():
    paragraphs = ["Один.", "Two\nlines.", "三"]
    joined = join_paragraphs(paragraphs)
    assert joined == "Один.\n\nTwo\nlines.\n\n三"
    assert PARAGRAPH_SEPARATOR in joined
    assert split_paragraphs(joined) == paragraphs


def test_text_sha256_ignores_case_spacing_and_unicode_form():
    base = text_sha256(["Café  au lait", "Second"])
    assert text_sha256(["CAFÉ au lait", "second"]) == base
    assert text_sha256(["Cafe\u0301 au lait", "Second"]) == base  # NFD vs NFC
    assert text_sha256(["Café au lait", "Second", "Third"]) != base
    assert text_sha256(["Café au lait Second"]) != base  # paragraph breaks matter
    assert len(base) == 64


def test_word_count():
    assert word_count(["one two", "three\nfour  five"]) == 5
    assert word_count([]) == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kyiv", '"kyiv"'),
        ("foo-bar", '"foo" "bar"'),
        ("C++", '"C"'),
        ('"unbalanced', '"unbalanced"'),
        ('say "grain deal" now', '"say" "grain deal" "now"'),
        ("zapor*", '"zapor"*'),
        ('"prefix* inside"', '"prefix inside"'),
        ("AND OR NOT NEAR", '"AND" "OR" "NOT" "NEAR"'),
        ("title:x", '"title" "x"'),
        ("Київ", '"Київ"'),
        ("", None),
        ("  -- ** ()", None),
        ('""', None),
    ],
)
def test_fts_query(query, expected):
    assert fts_query(query) == expected


@given(
    st.text(alphabet=st.sampled_from("ab \n\t\u00a0\u2003\u3000\u2028\x0c\x1b\r\x85"), max_size=40)
)
def test_split_paragraphs_fast_path_agrees_with_normalising(text):
    """Stored text splits without normalising again; any other text gives what it always did."""
    assert split_paragraphs(text) == _split_normalising(text)
    stored = join_paragraphs(_split_normalising(text))
    assert split_paragraphs(stored) == _split_normalising(stored)


def _normalise_paragraph_line_by_line(paragraph: str) -> str:
    """normalise_paragraph as it was before its fast path: the reference it must match."""
    import re

    spaces = re.compile(r"[ \t\u00a0]+")
    lines = [spaces.sub(" ", line).strip() for line in strip_control(paragraph).split("\n")]
    return "\n".join(line for line in lines if line)


# Every kind of character the fast path must tell apart: plain space and line breaks,
# other white space (tab, no-break, ideographic, line separator, NEL), controls, a
# lone surrogate, a format character, and ordinary letters.
_EDGE_CHARACTERS = st.sampled_from(
    [" ", "\n", "\r", "\t", "\xa0", "\u3000", "\u2028", "\x85", "\x1c", "\x00", "\x7f", "\ud800",
     "\u200b", "\xad", "a", "Я", "中", "."]
)  # fmt: skip


@given(st.text(_EDGE_CHARACTERS, max_size=12) | st.text(max_size=40))
def test_normalise_paragraph_gives_what_the_line_by_line_normalising_gives(paragraph):
    expected = _normalise_paragraph_line_by_line(paragraph)
    assert normalise_paragraph(paragraph) == expected
    assert normalise_paragraph(expected) == expected
