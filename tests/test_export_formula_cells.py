"""CSV cells whose first non-blank character starts a formula are neutralised.

Spreadsheets skip leading blanks (spaces, NBSP, tabs, other Unicode spaces) before
deciding that a cell is a formula, so " =1+1" is one just as "=1+1" is. The CSV
cells are made by SQLite and the JSON path by Python; both are tried here.
"""

from __future__ import annotations

import csv
import io
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from article_triage.store.articles import ArticleFilter, insert_article
from article_triage.store.boundary import clean_text
from article_triage.store.export import neutralise_cell, restore_cell, write_export
from article_triage.store.triage import apply_changes

BLANKS = " \t\r\n\u00a0\u1680\u2000\u2003\u2007\u200a\u2028\u202f\u205f\u3000\u200b\ufeff"
TRIGGERS = "=+-@"
_unique = itertools.count()

hostile_cells = st.builds(
    lambda blanks, trigger, rest: blanks + trigger + rest,
    st.text(alphabet=BLANKS, min_size=1, max_size=4),
    st.sampled_from(TRIGGERS),
    st.text(max_size=10),
)


def _starts_a_formula(cell: str) -> bool:
    """What a spreadsheet sees: the first character, or the first after blanks."""
    return cell[:1] in TRIGGERS + "\t\r" or cell.lstrip(BLANKS)[:1] in TRIGGERS


@given(hostile_cells)
def test_blanks_before_a_formula_are_neutralised_in_python(value):
    cell = neutralise_cell(value)
    assert not _starts_a_formula(cell)
    assert restore_cell(cell) == value


def test_the_cases_the_issue_names():
    for value in (" =1+1", "\u00a0=1+1", "\t=1", "\u2003@SUM(A1)", "  -2+3"):
        assert neutralise_cell(value) == "'" + value
    for value in ("a =1", " plain", "\u00a0"):
        assert neutralise_cell(value) == value


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=hostile_cells, title=hostile_cells)
def test_blanks_before_a_formula_are_neutralised_in_the_csv_export(db, notes, title):
    article_id = insert_article(db, [f"paragraph {next(_unique)}"], title=title)
    apply_changes(db, [article_id], "tester", {"notes": notes})
    out = io.StringIO(newline="")
    write_export(db, out, "csv", ArticleFilter(analyst="tester"))
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue(), newline=""))}
    row = rows[str(article_id)]
    assert not _starts_a_formula(row["notes"]) and not _starts_a_formula(row["title"])
    assert restore_cell(row["notes"]) == clean_text(notes)  # as stored, past the door in
