"""`triage translate` against a LibreTranslate on 127.0.0.1 that lies or fails on every
request: the summary and the exit code must say what really happened, and whatever
is stored must be aligned paragraph by paragraph with the original."""

from __future__ import annotations

import fake_libretranslate
import pytest
from click.testing import CliRunner
from fake_libretranslate import fake_translation

from article_triage.store.articles import insert_article
from article_triage.tui.cli import cli

fake_libre = fake_libretranslate.fake_libre

PARAGRAPHS = [f"Абзац {i}: Київ, 10 березня." for i in range(5)]
EVERY_REQUEST = 10**6


def _translate(db_path, server):
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db_path),
            "translate",
            "--provider",
            "libre",
            "--url",
            server.url,
            "--timeout",
            "2",
        ],
    )
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("switch", ["malformed", "fail_500"])
def test_a_provider_that_fails_every_request_is_reported_as_failed(db, db_path, fake_libre, switch):
    for n in range(2):
        insert_article(db, [f"{text} ({n})" for text in PARAGRAPHS], language="uk")
    result = _translate(db_path, fake_libre(**{switch: EVERY_REQUEST}))
    assert result.exit_code == 1
    assert "translated 0" in result.stderr or "not translated" in result.stderr
    assert db["translations"].count == 0


@pytest.mark.parametrize("switch", ["merge_lines", "drop_last_line"])
def test_a_provider_that_merges_or_drops_lines_never_misaligns_what_is_stored(
    db, db_path, fake_libre, switch
):
    article_id = insert_article(db, PARAGRAPHS, language="uk")
    result = _translate(db_path, fake_libre(**{switch: True}))
    stored = {
        row["paragraph_index"]: row["text"]
        for row in db["translations"].rows_where("article_id = ?", [article_id])
    }
    # Whatever was stored is the translation of that very paragraph, never its neighbour's.
    for index, text in stored.items():
        assert text == fake_translation(PARAGRAPHS[index], "en")
    if len(stored) == len(PARAGRAPHS):
        assert result.exit_code == 0
    else:
        assert result.exit_code != 0 and "untranslated" in result.stderr
