"""Bad input never stops a run, never leaves half an article, and says why in one line."""

from __future__ import annotations

import gzip
import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loopback_server import closed_port_url

from article_triage.store.ingest.plaintext import parse_plaintext
from article_triage.tui.cli import cli
from tests.test_ingest_files import PAGE, run_import


def _good(tmp_path):
    good = tmp_path / "good.html"
    good.write_text(PAGE, encoding="utf-8")
    return good


def _failures(report) -> dict[str, str]:
    return {f.source.rsplit("/", 1)[-1]: f.reason for f in report.failures}


def test_each_bad_input_fails_alone_and_the_rest_is_imported(db, tmp_path):
    bad = {
        "binary.html": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20,
        "empty.txt": b"",
        "blank.txt": b" \n\n\t \n",
        "truncated.html.gz": gzip.compress(PAGE.encode("utf-8"))[:-40],
        "noise.html.gz": b"\x1f\x8b\x08\x00garbage that is not deflate data",
        "nothing.html": b"<html><head><script>var a = 1;</script></head><body><nav></nav></body></html>",
        "undecodable.txt": b"\xff\xfe" + "Заголовок".encode("utf-16-le") + b"\x00",
        "big.txt": b"Title\n\n" + b"word " * 40_000,
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    sources = [
        _good(tmp_path),
        *(tmp_path / n for n in bad),
        tmp_path / "missing.html",
        closed_port_url("/x.html"),
    ]
    report, _outcomes = run_import(
        db, sources, max_bytes=100_000, allow_private_addresses=True, timeout=2
    )
    assert report.imported == 1
    reasons = _failures(report)
    assert report.failed == len(bad) + 2 == len(reasons)
    assert "binary" in reasons["binary.html"]
    assert "empty" in reasons["empty.txt"] and "empty" in reasons["blank.txt"]
    assert "truncated gzip" in reasons["truncated.html.gz"]
    assert "gzip" in reasons["noise.html.gz"]
    assert "no extractable text" in reasons["nothing.html"]
    assert "decode" in reasons["undecodable.txt"]
    assert "size limit" in reasons["big.txt"]
    assert "no such file" in reasons["missing.html"]
    assert "unreachable" in reasons["x.html"]
    assert all("\n" not in r for r in reasons.values())
    # nothing half-stored: one article, one capture, its bands
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM captures").fetchone()[0] == 1


def test_gzip_bomb_is_capped(db, tmp_path):
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"<p>" + b"a" * 5_000_000 + b"</p>"))
    report, _ = run_import(db, [bomb], max_bytes=1_000_000)
    assert report.failed == 1 and "more than" in report.failures[0].reason


def test_cli_exit_code_and_json_name_every_failure(tmp_path, db_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    good = _good(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "--db",
            str(db_path),
            "add",
            "--json",
            "--workers",
            "1",
            str(good),
            str(tmp_path / "empty.txt"),
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["imported"] == 1 and report["failed"] == 1
    by_status = {item["status"]: item for item in report["inputs"]}
    assert by_status["failed"]["reason"].startswith("empty")
    assert "1 imported" in result.stderr and "failed: " in result.stderr
    assert "Traceback" not in result.output


def test_cli_all_good_exits_zero_and_usage_is_two(tmp_path, db_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["--db", str(db_path), "add", "--workers", "1", str(_good(tmp_path))])
    assert ok.exit_code == 0, ok.output
    assert "1 imported" in ok.stderr
    assert runner.invoke(cli, ["--db", str(db_path), "add"]).exit_code == 2
    assert runner.invoke(cli, ["--db", str(db_path), "add", "--workers", "0", "x"]).exit_code == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=300))
def test_no_control_characters_survive_plain_text(text):
    try:
        parsed = parse_plaintext(text)
    except Exception as exc:  # only the one-line "empty" refusal is allowed
        assert "empty" in str(exc)
        return
    for value in [*parsed.paragraphs, parsed.title or ""]:
        assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in value)


def test_control_characters_are_stripped_from_stored_html(db, tmp_path):
    page = tmp_path / "esc.html"
    page.write_text(PAGE.replace("Negotiators", "\x1b[31mNegotiators\x07\x9b"), encoding="utf-8")
    _, outcomes = run_import(db, [page])
    text = db.execute(
        "SELECT text FROM articles WHERE id = ?", [outcomes[0].article_id]
    ).fetchone()[0]
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "[31mNegotiators" in text


def test_cli_rejects_a_languages_setting_that_is_not_a_list(tmp_path, db_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[ingest]\nlanguages = "uk"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    result = CliRunner().invoke(cli, ["--db", str(db_path), "add", str(_good(tmp_path))])
    assert result.exit_code == 2
    assert "languages must be a list" in result.stderr
