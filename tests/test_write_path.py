"""One write path per article: every way in (files, URLs, stdin, feeds, the app's import,
merge) stores through store.ingest.pipeline.write_results, which keeps the capture and
runs the post-insert hooks (sidecar, outlets, story). A new path that inserts directly
fails here."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from article_triage.store.exchange import merge_file
from article_triage.store.taxonomy import FLAG_SET_SQL, flag_set, is_grade, parse_grade

ROOT = Path(__file__).resolve().parents[1]


def _functions_calling(name: str) -> list[str]:
    """'path::function' for every function in store/ and tui/ that calls *name*."""
    out = []
    for path in sorted(
        [*ROOT.joinpath("store").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]
    ):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call):
                    callee = node.func
                    called = (
                        callee.attr
                        if isinstance(callee, ast.Attribute)
                        else getattr(callee, "id", None)
                    )
                    if called == name:
                        out.append(f"{path.relative_to(ROOT).as_posix()}::{func.name}")
    return sorted(set(out))


def test_only_the_write_path_inserts_articles():
    assert _functions_calling("insert_article") == ["store/ingest/pipeline.py::_write"]
    # ... and the write path runs the hooks, which nothing else calls.
    assert _functions_calling("after_insert") == ["store/ingest/pipeline.py::_write"]
    # The low-level insert itself is the only code that writes the articles table.
    writers = []
    for path in [*ROOT.joinpath("store").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if 'db["articles"].insert' in text or "INTO articles" in text.replace("\n", " "):
            writers.append(path.relative_to(ROOT).as_posix())
    assert writers == ["store/articles.py"]


def test_a_merged_article_gets_its_publisher_and_story(db, tmp_path):
    record = {
        "schema_version": "1.1",
        "id": 7,
        "url": "https://de.rt.com/international/1-test/",
        "title": "Test",
        "language": "de",
        "status": "new",
        "flags": [],
        "analyst": "olena",
        "text": "Laut RIA Nowosti hat das Ministerium am Montag eine Erklärung abgegeben.",
    }
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    merge_file(db, path, "me")
    (article_id,) = db.execute("SELECT id FROM articles").fetchone()
    roles = {
        r[0] for r in db.execute("SELECT role FROM citations WHERE article_id = ?", [article_id])
    }
    assert "publisher" in roles
    assert db.execute(
        "SELECT story_id FROM story_members WHERE article_id = ?", [article_id]
    ).fetchone()


def test_flags_compare_as_a_set_in_python_and_sql(db):
    assert flag_set(["b", "a"]) == flag_set(["a", "b", "a"])
    sql = f"SELECT {FLAG_SET_SQL.format(side='x')} FROM (SELECT ? AS flags) AS x"
    one = db.execute(sql, [json.dumps(["b", "a"])]).fetchone()[0]
    other = db.execute(sql, [json.dumps(["a", "b", "a"])]).fetchone()[0]
    assert one == other


def test_a_grade_has_one_spelling():
    assert parse_grade("b2") == ("B", "2")
    assert parse_grade("B9") == (None, None)  # was ('B', None): half a grade from a typo
    assert is_grade("C") and is_grade("3") and not is_grade("G") and not is_grade("2B")
