"""An outside tester's attacks on OPML import past its first line of defence.

read_opml refuses a document that declares entities in its first 64 KB. A comment may
come before the DOCTYPE, so a 70 KB comment puts the declarations past that check:
what is left between the file and the analyst's machine is the parser's own setup
(no entity resolution, no network, no huge trees). See RELIABILITY.md section 1."""

from __future__ import annotations

import pytest

from article_triage.store.feeds.opml import OpmlError, read_opml

PAST_THE_CHECK = "<!--" + "x" * 70_000 + "-->"


def opml(doctype: str, text: str, url: str = "https://example.org/feed") -> bytes:
    return (
        '<?xml version="1.0"?>'
        + PAST_THE_CHECK
        + doctype
        + f'<opml version="2.0"><body><outline text="{text}" xmlUrl="{url}"/></body></opml>'
    ).encode()


def test_a_billion_laughs_behind_a_long_comment_is_refused():
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    with pytest.raises(OpmlError, match="not readable XML"):
        read_opml(opml(f"<!DOCTYPE opml [{entities}]>", "&i;", "https://example.org/&i;"))


def test_an_external_entity_behind_a_long_comment_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the analyst's secret", encoding="utf-8")
    document = opml(f'<!DOCTYPE opml [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;")
    with pytest.raises(OpmlError, match="external entity"):
        read_opml(document)
