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


def test_outlines_nested_ten_thousand_deep_are_refused_in_one_line():
    deep = (
        '<?xml version="1.0"?><opml version="2.0"><body>'
        + '<outline text="n">' * 10_000
        + '<outline text="deep" xmlUrl="https://example.org/deep.xml"/>'
        + "</outline>" * 10_000
        + "</body></opml>"
    )
    with pytest.raises(OpmlError, match="not readable XML") as refused:
        read_opml(deep.encode())
    assert "\n" not in str(refused.value)


def test_a_subscription_list_past_the_size_limit_is_refused_before_it_is_parsed(tmp_path, db_path):
    from click.testing import CliRunner

    from article_triage.tui.cli import cli

    big = tmp_path / "big.opml"
    outline = '<outline type="rss" text="f" xmlUrl="https://example.org/{}.xml"/>\n'
    with big.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?><opml version="2.0"><body>')
        out.writelines(outline.format(n) for n in range(170_000))  # about 11 MB
        out.write("</body></opml>")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "feeds", "import", str(big)])
    assert result.exit_code == 1
    assert "over the 10 MB size limit" in result.output
