"""A colleague's file nested thousands deep must not take the analyst's machine down.

ijson builds a path string for every level of every value, so its memory grows with
the square of the nesting: 100,000 brackets in a 200 KB file took all 24 GB and the
merge was killed by the kernel. store.exchange refuses a JSON array nested more than
MAX_NESTING deep before parsing it, and a JSONL line too deep for Python's parser is
one bad record. See RELIABILITY.md section 2.
"""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from article_triage.store import exchange
from article_triage.tui.cli import cli

DEEP = 100_000


def _merge(db_path, path):
    return CliRunner().invoke(cli, ["--db", str(db_path), "--analyst", "me", "merge", str(path)])


def test_an_array_nested_a_hundred_thousand_deep_is_refused_in_one_line(db_path, tmp_path):
    hostile = tmp_path / "deep.json"
    hostile.write_text("[" * DEEP + "]" * DEEP, encoding="utf-8")
    result = _merge(db_path, hostile)
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "nested more than 32 deep" in result.output


def test_a_jsonl_line_nested_too_deep_is_one_bad_record(db_path, tmp_path):
    hostile = tmp_path / "deep.jsonl"
    hostile.write_text('{"a": 1}\n' + "[" * DEEP + "]" * DEEP + "\n", encoding="utf-8")
    result = _merge(db_path, hostile)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "line 2: not an export record (nested too deep)" in result.output


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


# Strings full of what a scanner could mistake for structure.
_TEXT = st.text(alphabet='[]{}"\\,: ab\n', max_size=12)
_VALUES = st.recursive(
    st.one_of(_TEXT, st.integers(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    value=_VALUES,
    chunk=st.sampled_from([1, 2, 3, 5, 8, 64, 1 << 20]),
    limit=st.integers(0, 6),
    indent=st.sampled_from([None, 1]),
)
def test_the_depth_scan_agrees_with_a_parser_whatever_the_chunks(value, chunk, limit, indent):
    # One line or one value a line; chunks from a byte (every string straddles them,
    # long lines fall back to the exact scan) to the real size (whole lines at once).
    data = json.dumps([value], ensure_ascii=False, indent=indent).encode("utf-8")
    fh = io.BytesIO(b"xx" + data)
    assert exchange._nesting_within(fh, 2, limit, chunk) == (_depth([value]) <= limit)
    assert fh.tell() == 2
