"""Packing short lines into requests and cutting long ones: nothing lost, nothing moved."""

from fake_libretranslate import fake_translation, original_of
from hypothesis import given
from hypothesis import strategies as st

from article_triage.store.translate.packing import (
    join_pack,
    join_pieces,
    needs_translation,
    pack,
    split_long,
    unpack,
    utf8_size,
)

# Lines as stored: no newline, no leading/trailing space, not empty.
line = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    )
    .map(str.strip)
    .filter(bool)
)
limit = st.integers(min_value=2, max_value=400)


@given(st.lists(line, max_size=40), limit)
def test_pack_puts_every_line_in_exactly_one_group_in_order(lines, limit):
    lines = [piece for text in lines for piece in split_long(text, limit)]
    groups = pack(lines, limit)
    assert [i for group in groups for i in group] == list(range(len(lines)))
    for group in groups:
        assert group
        assert len(join_pack([lines[i] for i in group])) < limit


@given(st.lists(line, min_size=1, max_size=40), st.integers(min_value=80, max_value=400))
def test_a_packed_request_comes_back_aligned(lines, limit):
    groups = pack(lines, limit)
    answers: list[str] = []
    for group in groups:
        answer = fake_translation(join_pack([lines[i] for i in group]), "en")
        back = unpack(answer, len(group))
        assert back is not None
        answers.extend(back)
    assert [original_of(a) for a in answers] == lines


@given(st.text(min_size=1, max_size=3000), st.integers(min_value=2, max_value=700))
def test_split_long_keeps_every_character_and_respects_the_limit(text, limit):
    pieces = split_long(text, limit)
    assert "".join(pieces) == text
    assert all(0 < len(p) < limit for p in pieces)


@given(st.lists(line, max_size=30), st.integers(min_value=5, max_value=500))
def test_limits_in_bytes_hold_for_cyrillic_and_cjk(lines, limit):
    pieces = [p for text in lines for p in split_long(text, limit, utf8_size)]
    assert "".join(pieces) == "".join(lines)
    assert all(0 < utf8_size(p) < limit for p in pieces)
    groups = pack(pieces, limit, utf8_size)
    assert [i for group in groups for i in group] == list(range(len(pieces)))
    assert all(utf8_size(join_pack([pieces[i] for i in group])) < limit for group in groups)


def test_mymemory_sized_pieces_of_ukrainian_stay_under_500_bytes():
    paragraph = "Сили протиповітряної оборони збили дві ракети над містом. " * 20
    pieces = split_long(paragraph.strip(), 500, utf8_size)
    assert len(pieces) > 1
    assert all(utf8_size(p) < 500 for p in pieces)
    assert all(len(p) < 260 for p in pieces)  # two bytes per Cyrillic letter


def test_split_long_cuts_after_sentences_when_it_can():
    text = "First sentence here. Second one follows! Third is a question? " * 3
    pieces = split_long(text.strip(), 70)
    assert all(p.rstrip().endswith((".", "!", "?")) for p in pieces[:-1])
    assert join_pieces(pieces) == " ".join(text.split())


def test_split_long_cuts_a_word_only_when_there_is_no_space():
    assert split_long("a" * 10, 4) == ["aaa", "aaa", "aaa", "a"]
    assert split_long("ab cd ef", 6) == ["ab ", "cd ef"]


def test_unpack_refuses_merged_split_or_dropped_lines():
    assert unpack("one\ntwo\nthree", 3) == ["one", "two", "three"]
    assert unpack("one two\nthree", 3) is None  # merged
    assert unpack("one\ntwo\nthree\nfour", 3) is None  # split
    assert unpack("one\n\nthree", 3) is None  # a line came back empty
    assert unpack("one\r\ntwo\n", 2) == ["one", "two"]


def test_pack_rejects_what_it_cannot_carry():
    for bad in (["x" * 10], ["a\nb"]):
        try:
            pack(bad, 10)
        except ValueError:
            continue
        raise AssertionError(f"pack accepted {bad!r}")


def test_lines_without_letters_need_no_translation():
    assert not needs_translation("2024-03-01 12:30")
    assert not needs_translation("— • —")
    assert needs_translation("Київ, 1 березня")
    assert needs_translation("北京")
