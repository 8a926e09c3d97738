"""The two doors of store.boundary: nothing raw goes in, nothing raw comes out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from article_triage.store.boundary import (
    clean_line,
    clean_text,
    clean_url,
    shown_identity,
    shown_line,
    shown_text,
)

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
CLEAR = "\x1b[2J\x1b[H"


def test_clean_line_removes_escapes_and_newlines():
    assert clean_line(f"bob{OSC52}\nalice\r\n") == "bob]52;c;ZWNobyBwd25lZA== alice"
    assert clean_line(None) == ""


def test_clean_text_keeps_paragraphs_and_drops_controls():
    assert clean_text(f"one{CLEAR}\r\ntwo\tthree\ud800") == "one[2J[H\ntwo\tthree"


def test_clean_url_strips_credentials_only():
    assert clean_url("https://user:secret@example.org/a?b=c@d") == "https://example.org/a?b=c@d"
    assert clean_url("https://example.org/x@y") == "https://example.org/x@y"
    assert clean_url("mailto:someone@example.org") == "mailto:someone@example.org"


def test_shown_line_escapes_and_marks_newlines():
    assert shown_line(f"a{OSC52}b\nc") == "a\\x1b]52;c;ZWNobyBwd25lZA==\\x07b⏎c"
    assert shown_text("a\x1bb\nc") == "a\\x1bb\nc"


def test_shown_identity_makes_invisible_characters_visible():
    assert shown_identity("b\u200bob") == "b<U+200B>ob"
    assert shown_identity("\u202eevil") == "<U+202E>evil"
    assert shown_identity("bob") == "bob"


@given(st.text())
def test_nothing_shown_carries_a_control_character(value):
    for shown in (shown_line(value), shown_identity(value)):
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
        shown.encode("utf-8")
    text = shown_text(value)
    assert not any((ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in text)
    text.encode("utf-8")


@given(st.text())
def test_nothing_stored_carries_a_control_character(value):
    line = clean_line(value)
    assert "\n" not in line
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in line)
    line.encode("utf-8")
    clean_text(value).encode("utf-8")
