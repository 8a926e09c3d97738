"""Articles: storing one, reading one, and paged, filtered, searched lists of them.

Every list over the store goes through :class:`ArticleFilter` so that the app's
queue, bulk actions, ``triage search`` and export select the same rows the same way.
Lists are paged in SQL; nothing here reads the whole table into memory.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlite_utils

from article_triage.store.boundary import clean_line
from article_triage.store.db import utcnow, write_transaction
from article_triage.store.disagreement import disagreement_sql
from article_triage.store.taxonomy import parse_grade
from article_triage.store.text import (
    join_paragraphs,
    normalise_paragraph,
    split_paragraphs,
    strip_control,
    text_sha256,
    word_count,
)

if TYPE_CHECKING:
    from article_triage.store.query import Clause

ARTICLE_COLUMNS = [
    "source",
    "url",
    "final_url",
    "title",
    "author",
    "sitename",
    "hostname",
    "published",
    "language",
    "raw_sha256",
    "simhash",
    "near_duplicate_of",
    "near_duplicate_distance",
    "extractor",
    "extractor_version",
    "content_type",
    "encoding",
    "http_status",
    "fetched_at",
    "fetch_ms",
    "feed_url",
    "canonical_claim",
]


SINGLE_LINE_COLUMNS = frozenset({"title", "author", "sitename", "hostname"})
"""Shown on one line in lists: runs of whitespace, newlines included, become one space."""
SINGLE_LINE_LIMIT = 1000
"""Characters kept of a title, author, site name or host (a feed sent a 5 MB title)."""


class DuplicateArticle(Exception):
    """The same text is already stored; ``article_id`` is the copy that was kept."""

    def __init__(self, article_id: int):
        super().__init__(f"duplicate of article {article_id}")
        self.article_id = article_id


def insert_article(
    db: sqlite_utils.Database,
    paragraphs: list[str],
    raw: bytes | None = None,
    **metadata: Any,
) -> int:
    """Store one article and its raw capture in one transaction; return its id.

    Paragraphs are cleaned of control characters here, whatever the caller did.
    Raises :class:`DuplicateArticle` when the same normalised text is stored already,
    and ValueError when no text is left.
    """
    unknown = set(metadata) - set(ARTICLE_COLUMNS)
    if unknown:
        raise TypeError(f"unknown article columns: {sorted(unknown)}")
    clean = [p for p in (normalise_paragraph(p) for p in paragraphs) if p]
    if not clean:
        raise ValueError("no text")
    digest = text_sha256(clean)
    record = {k: (strip_control(v) if isinstance(v, str) else v) for k, v in metadata.items()}
    for name in SINGLE_LINE_COLUMNS.intersection(record):
        # A feed's "<title>\n  Foo\n  Bar</title>" would break every one-line list.
        if isinstance(record[name], str):
            record[name] = clean_line(record[name], SINGLE_LINE_LIMIT) or None
    if not record.get("language"):  # None from a detector that was unsure
        record["language"] = "und"
    record.update(
        text=join_paragraphs(clean),
        paragraph_count=len(clean),
        word_count=word_count(clean),
        text_sha256=digest,
        added_at=utcnow(),
    )
    with write_transaction(db):
        existing = db.execute("SELECT id FROM articles WHERE text_sha256 = ?", [digest]).fetchone()
        if existing:
            raise DuplicateArticle(existing[0])
        # Plain SQL: sqlite-utils' insert reads the table's schema again on every call.
        names = ", ".join(f'"{name}"' for name in record)
        article_id = db.execute(
            f"INSERT INTO articles ({names}) VALUES ({', '.join('?' * len(record))})",
            list(record.values()),
        ).lastrowid
        if raw is not None:
            db["captures"].insert(
                {
                    "article_id": article_id,
                    "compression": "zlib",
                    "size": len(raw),
                    "raw": zlib.compress(raw, 6),
                }
            )
    return int(article_id)


def find_duplicate(
    db: sqlite_utils.Database, *, raw_sha256: str | None = None, url: str | None = None
) -> int | None:
    """An article already imported from the same bytes or the same URL, if any."""
    if raw_sha256:
        row = db.execute(
            "SELECT id FROM articles WHERE raw_sha256 = ? LIMIT 1", [raw_sha256]
        ).fetchone()
        if row:
            return row[0]
    if url:
        row = db.execute(
            "SELECT id FROM articles WHERE url = ? OR final_url = ? LIMIT 1", [url, url]
        ).fetchone()
        if row:
            return row[0]
    return None


def get_article(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    """The article row as a dict (without the FTS-only translation_text), or None."""
    # translation_text is not even read: it can be as long as the text (1 MB and more).
    columns = ", ".join(
        f'"{c.name}"' for c in db["articles"].columns if c.name != "translation_text"
    )
    cursor = db.execute(f"SELECT {columns} FROM articles WHERE id = ?", [article_id])
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def article_paragraphs(article: dict[str, Any]) -> list[str]:
    return split_paragraphs(article["text"]) if article.get("text") else []


def get_capture(db: sqlite_utils.Database, article_id: int) -> bytes | None:
    row = db.execute(
        "SELECT compression, raw FROM captures WHERE article_id = ?", [article_id]
    ).fetchone()
    if row is None:
        return None
    compression, raw = row
    return zlib.decompress(raw) if compression == "zlib" else raw


# --- full-text queries ---------------------------------------------------------------

_PHRASE_RE = re.compile(r'"([^"]*)"')
_TERM_RE = re.compile(r"\w+\*?", re.UNICODE)


def fts_query(user_query: str) -> str | None:
    """Turn what an analyst types into an FTS5 query that cannot be a syntax error.

    Balanced double quotes keep a phrase; every other run of word characters is a
    term (``foo-bar`` -> foo AND bar, ``C++`` -> c); a trailing ``*`` keeps a
    prefix search. Terms are ANDed. Returns None when nothing searchable is left.
    """
    user_query = strip_control(user_query or "")
    parts: list[str] = []
    # An unbalanced quote is text, not syntax: only complete pairs make phrases.
    if user_query.count('"') % 2:
        user_query = user_query.replace('"', " ")
    pos = 0
    for match in _PHRASE_RE.finditer(user_query):
        parts.extend(_terms(user_query[pos : match.start()]))
        words = _TERM_RE.findall(match.group(1))
        if words:
            parts.append('"' + " ".join(w.rstrip("*") for w in words) + '"')
        pos = match.end()
    parts.extend(_terms(user_query[pos:]))
    return " ".join(parts) or None


def _terms(text: str) -> list[str]:
    out = []
    for term in _TERM_RE.findall(text):
        prefix = term.endswith("*")
        word = term.rstrip("*")
        if word:
            out.append(f'"{word}"' + ("*" if prefix else ""))
    return out


# --- filtered, paged lists -------------------------------------------------------------


SITE_SQL = (
    "lower(CASE WHEN substr(coalesce(a.hostname, a.sitename, ''), 1, 4) = 'www.' "
    "THEN substr(coalesce(a.hostname, a.sitename, ''), 5) "
    "ELSE coalesce(a.hostname, a.sitename, '') END)"
)
"""The site the queue shows (its Site column), as a sort key: 'www.' off, any case."""


@dataclass(frozen=True)
class SortOrder:
    """One order of a list: a key (rows without one last, whichever way it runs), then
    the id. The key is one expression with an index of its own (db.py
    m160_sort_indexes), so a page, a row's position and the next untriaged row each
    read a range of that index in order and never sort the table."""

    name: str
    """As the query language writes it: 'added', '-published', 'outlet'..."""
    key: str | None
    """SQL over ``a`` giving the key, '' where there is none; None: the id alone."""
    description: str

    @property
    def descending(self) -> bool:
        return self.name.startswith("-")

    @property
    def sort_key(self) -> str | None:
        """The expression the list is ordered by before the id ('' last both ways)."""
        if self.key is None or self.descending:
            return self.key  # '' is the least string: last when descending
        # Ascending, a leading '0' for a key and '1' for none puts the keyless last.
        return f"(({self.key} = '') || {self.key})"

    def order_by(self) -> str:
        direction = " DESC" if self.descending else ""
        columns = [c for c in (self.sort_key, "a.id") if c is not None]
        return ", ".join(f"{column}{direction}" for column in columns)

    def compare(self, operator: str, values: tuple[Any, ...]) -> tuple[str, list[Any]]:
        """The rows that come before (``"<"``) or after (``">"``), or also at (``"<="``,
        ``">="``), the row whose key is *values* (from :meth:`key_of`), in this order."""
        if self.descending:
            operator = operator.translate(str.maketrans("<>", "><"))
        if self.sort_key is None:
            return f"a.id {operator} ?", [values[0]]
        # Not a row value: SQLite reads a range of the key's index only for a bound on
        # the expression itself; the id decides among equal keys.
        strict = operator[0]
        key, article_id = values
        return (
            f"{self.sort_key} {strict}= ? AND ({self.sort_key} {strict} ? OR a.id {operator} ?)",
            [key, key, article_id],
        )

    def key_of(self, db: sqlite_utils.Database, article_id: int) -> tuple[Any, ...] | None:
        """The article's (key, id), or None if it is not in the store (in id order the
        id itself, stored or not: a list goes on after a deleted row)."""
        if self.sort_key is None:
            return (article_id,)
        row = db.execute(
            f"SELECT {self.sort_key}, a.id FROM articles a WHERE a.id = ?", [article_id]
        ).fetchone()
        return tuple(row) if row is not None else None


SORT_ORDERS: dict[str, SortOrder] = {
    order.name: order
    for order in (
        SortOrder("added", None, "oldest import first"),
        SortOrder("-added", None, "newest import first"),
        SortOrder("published", "coalesce(a.published, '')", "oldest published first"),
        SortOrder("-published", "coalesce(a.published, '')", "newest published first"),
        SortOrder("outlet", SITE_SQL, "by outlet site, A to Z"),
        SortOrder("-outlet", SITE_SQL, "by outlet site, Z to A"),
    )
}
"""Every order a list can take (``sort:NAME`` in the query language). Undated articles
and those without a site come last whichever way the key runs."""
DEFAULT_SORT = "added"
SORT_CYCLE = ("added", "-published", "published", "outlet")
"""The orders the app's sort key steps through, in turn."""


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a list shows. Decision fields refer to *analyst*'s decisions."""

    analyst: str | None = None
    status: str | None = None
    language: str | None = None
    outlet: str | None = None
    """An outlet key or name; matches the publisher and outlets the text cites."""
    flag: str | None = None
    grade: str | None = None
    """'B2', or one half: 'B' or '2'."""
    query: str | None = None
    published_from: str | None = None
    published_to: str | None = None
    ids: tuple[int, ...] | None = None
    story: int | None = None
    """Only the articles of this story (store.stories)."""
    disagreement: bool = False
    """Only articles on which two or more analysts' decisions differ, not yet adjudicated."""
    all_analysts: bool = False
    """One row per (article, decision) of every analyst, plus one row with no decision for
    articles nobody has decided; decision fields then filter each decision (export).
    Ignored when *analyst* is set."""
    extra_where: tuple[tuple[str, tuple[Any, ...]], ...] = field(default=())
    where: Clause | None = None
    """A parsed query (store.query.parse), ANDed with the fields above."""
    sort: str | None = None
    """The list's order (a key of SORT_ORDERS) when the query names none (``sort:``);
    'added' (import order) when neither does."""

    @property
    def order(self) -> SortOrder:
        """The order the list is in: the query's ``sort:`` term, else *sort*, else added."""
        named = self.where.order() if self.where is not None else None
        return SORT_ORDERS[named or self.sort or DEFAULT_SORT]

    @property
    def conditions_only(self) -> bool:
        """True when the query (if any) selects every row: it only sorts them."""
        return self.where is None or self.where.sql()[0] == "1"

    def describe(self) -> str:
        """What the filter selects in plain English ('' for everything): the query's own
        words (Clause.describe) after those of the fields set beside it. The order is not
        said here: it is ``order.description``."""
        parts = [
            f"{label} {value}"
            for label, value in (
                ("status is", self.status),
                ("language is", self.language),
                ("published by or citing", self.outlet),
                ("flagged", self.flag),
                ("graded", self.grade),
                ("text has", self.query),
                ("in story", self.story),
            )
            if value is not None and value != ""
        ]
        if self.disagreement:
            parts.append("analysts disagree")
        if self.where is not None:
            described = self.where.conditions().describe()
            if described != "all articles":
                parts.append(described)
        return "; ".join(parts)

    def sql(self) -> tuple[str, str, list[Any]]:
        """(FROM ... JOIN clause, WHERE clause, parameters) over ``articles a`` and ``decisions d``."""
        joins = "articles a LEFT JOIN decisions d ON d.article_id = a.id AND d.analyst = ?"
        params: list[Any] = [self.analyst or ""]
        if self.all_analysts and not self.analyst:
            joins = "articles a LEFT JOIN decisions d ON d.article_id = a.id"
            params = []
        where: list[str] = []
        if self.query:
            match = fts_query(self.query)
            if match is None:
                where.append("0")
            else:
                where.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
                params.append(match)
        if self.status:
            if self.status == "new":
                where.append("(d.status IS NULL OR d.status = 'new')")
            else:
                where.append("d.status = ?")
                params.append(self.status)
        if self.language:
            where.append("a.language = ?")
            params.append(self.language)
        if self.outlet:
            where.append(
                "EXISTS (SELECT 1 FROM citations c LEFT JOIN outlets o ON o.key = c.outlet_key "
                "WHERE c.article_id = a.id AND c.role IN ('publisher', 'attributed') "
                "AND (c.outlet_key = ? OR o.name = ? COLLATE NOCASE))"
            )
            params += [self.outlet, self.outlet]
        if self.flag:
            where.append("EXISTS (SELECT 1 FROM json_each(d.flags) WHERE value = ?)")
            params.append(self.flag)
        if self.grade:
            letter, digit = parse_grade(self.grade)
            if letter is None and digit is None:
                where.append("0")
            if letter:
                where.append("d.reliability = ?")
                params.append(letter)
            if digit:
                where.append("d.credibility = ?")
                params.append(digit)
        if self.published_from:
            # A partial date names a period: '2024' overlaps a range from '2024-03',
            # so compare against the bound cut to the article's own precision.
            where.append("a.published >= substr(?, 1, length(a.published))")
            params.append(self.published_from)
        if self.published_to:
            # '2024-03' must include '2024-03-31': compare against the prefix.
            where.append("substr(a.published, 1, ?) <= ?")
            params += [len(self.published_to), self.published_to]
        if self.ids is not None:
            where.append(f"a.id IN ({','.join('?' * len(self.ids))})" if self.ids else "0")
            params += list(self.ids)
        if self.story is not None:
            where.append("a.id IN (SELECT article_id FROM story_members WHERE story_id = ?)")
            params.append(self.story)
        if self.disagreement:
            where.append(disagreement_sql("any"))
        if self.where is not None:
            clause, clause_params = self.where.sql()
            where.append(f"({clause})")
            params += clause_params
        for clause, clause_params in self.extra_where:
            where.append(clause)
            params += list(clause_params)
        return joins, (" AND ".join(where) or "1"), params


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: what the list shows without loading the text."""

    id: int
    title: str
    language: str
    hostname: str
    published: str
    status: str
    stance: str | None
    reliability: str | None
    credibility: str | None
    flags: tuple[str, ...]
    translated: bool
    disagreement: bool = False
    """Analysts' decisions on it differ, not yet adjudicated (read per page: 100 rows)."""


_QUEUE_SELECT = (
    "SELECT a.id, coalesce(a.title, ''), a.language, coalesce(a.hostname, a.sitename, ''), "
    "coalesce(a.published, ''), coalesce(d.status, 'new'), d.stance, d.reliability, d.credibility, "
    f"coalesce(d.flags, '[]'), a.translation_text IS NOT NULL, {disagreement_sql('any')}"
)


def _decision_fields(flt: ArticleFilter) -> bool:
    return flt.status is not None or flt.flag is not None or flt.grade is not None


def _articles_only(flt: ArticleFilter) -> bool:
    """True when *flt* names nothing of the decision side: its rows can be read from
    ``articles a`` alone (at most one decision per article and analyst, so the LEFT
    JOIN neither adds nor drops rows; skipping it saves a lookup per article)."""
    return (
        not flt.all_analysts
        and flt.conditions_only
        and not _decision_fields(flt)
        and not flt.extra_where
    )


def count_articles(db: sqlite_utils.Database, flt: ArticleFilter = ArticleFilter()) -> int:
    joins, where, params = flt.sql()
    article_fields = (
        flt.query is not None
        or flt.language is not None
        or flt.outlet is not None
        or flt.published_from is not None
        or flt.published_to is not None
        or flt.ids is not None
        or flt.disagreement
        or bool(flt.extra_where)
    )
    # The queue's counts at a million articles: the decision is at most one row per
    # article and analyst, so a count that filters on one side only need not visit the
    # other (the join costs a lookup per article; 1.7 s for 'done' at 1M). A query
    # (flt.where) may name either side, so it takes the join unless it only sorts.
    one_sided = not flt.all_analysts and flt.conditions_only
    if _articles_only(flt):
        return db.execute(f"SELECT count(*) FROM articles a WHERE {where}", params[1:]).fetchone()[
            0
        ]
    if one_sided and not article_fields and flt.status != "new":
        return db.execute(
            f"SELECT count(*) FROM decisions d WHERE d.analyst = ? AND {where}", params
        ).fetchone()[0]
    return db.execute(f"SELECT count(*) FROM {joins} WHERE {where}", params).fetchone()[0]


def page_articles(
    db: sqlite_utils.Database,
    flt: ArticleFilter = ArticleFilter(),
    offset: int = 0,
    limit: int = 100,
) -> list[QueueRow]:
    """Rows *offset* .. *offset+limit* of the filtered list, in its order (flt.order)."""
    joins, where, params = flt.sql()
    order_by = flt.order.order_by()
    if _articles_only(flt):
        # The rows skipped to reach the offset are counted from the order's index alone;
        # only the page's own rows meet their decisions (a lookup per skipped row was
        # most of a deep page's time at a million articles).
        sql = (
            f"WITH page AS (SELECT a.id FROM articles a WHERE {where} "
            f"ORDER BY {order_by} LIMIT ? OFFSET ?) "
            f"{_QUEUE_SELECT} FROM page, {joins} WHERE a.id = page.id ORDER BY {order_by}"
        )
        args = [*params[1:], limit, offset, params[0]]
    else:
        sql = f"{_QUEUE_SELECT} FROM {joins} WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?"
        args = [*params, limit, offset]
    return [_queue_row(r) for r in db.execute(sql, args).fetchall()]


def _queue_row(r: tuple[Any, ...]) -> QueueRow:
    return QueueRow(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        tuple(json.loads(r[9])),
        bool(r[10]),
        bool(r[11]),
    )


def position_of(
    db: sqlite_utils.Database,
    flt: ArticleFilter,
    article_id: int,
    anchor: tuple[int, int] | None = None,
) -> int | None:
    """Index of *article_id* within the filtered list (in its order), or None if it is
    not in it.

    Counts the rows up to the article's key (an index range in any order). *anchor*,
    (index, article id) of a row whose index is still right, lets the count start
    there when the article comes after it: at 100,000 articles that is the difference
    between a few milliseconds and a quarter of a second for "done, next".
    """
    order = flt.order
    key = order.key_of(db, article_id)
    if key is None:
        return None
    joins, where, params = flt.sql()
    if _articles_only(flt):  # a tenth of the time at a million articles
        joins, params = "articles a", params[1:]
    up_to, up_to_params = order.compare("<=", key)
    start, from_sql, from_params = 0, "1", []
    if anchor is not None:
        index, anchor_id = anchor
        anchor_key = order.key_of(db, anchor_id)
        if anchor_key is not None and (
            anchor_key >= key if order.descending else anchor_key <= key
        ):
            start = index
            from_sql, from_params = order.compare(">=", anchor_key)
    row = db.execute(
        f"SELECT count(*), sum(a.id = ?) FROM {joins} WHERE {where} AND {from_sql} AND {up_to}",
        [article_id, *params, *from_params, *up_to_params],
    ).fetchone()
    return start + row[0] - 1 if row and row[1] else None


def iter_article_ids(
    db: sqlite_utils.Database, flt: ArticleFilter = ArticleFilter(), batch: int = 1000
) -> Iterator[int]:
    """All matching ids in id order (whatever flt.order), read in batches by keyset
    (constant memory): for bulk work, where the order does not matter."""
    joins, where, params = flt.sql()
    last = 0
    while True:
        rows = db.execute(
            f"SELECT a.id FROM {joins} WHERE {where} AND a.id > ? ORDER BY a.id LIMIT ?",
            [*params, last, batch],
        ).fetchall()
        if not rows:
            return
        yield from (r[0] for r in rows)
        last = rows[-1][0]


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    language: str
    snippet: str


def search(
    db: sqlite_utils.Database,
    query: str,
    limit: int = 20,
    within: ArticleFilter | None = None,
) -> list[SearchHit]:
    """Best matches first (bm25), with a snippet of the best-matching column; only
    among the articles *within* selects (a query's fields), when given."""
    match = fts_query(query)
    if match is None:
        return []
    scope, params = "", [match]
    if within is not None:
        joins, where, within_params = within.sql()
        scope = f"AND a.id IN (SELECT a.id FROM {joins} WHERE {where})"
        params += within_params
    rows = db.execute(
        f"""
        SELECT a.id, coalesce(a.title, ''), a.language,
               snippet(articles_fts, -1, '«', '»', '…', 12)
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        WHERE articles_fts MATCH ? {scope} ORDER BY bm25(articles_fts) LIMIT ?
        """,
        [*params, limit],
    ).fetchall()
    return [SearchHit(r[0], r[1], r[2], strip_control(r[3] or "")) for r in rows]


def stats(
    db: sqlite_utils.Database, analyst: str | None = None, where: Clause | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Counts by status, language, publisher outlet and grade (for *analyst*'s decisions).

    Each count is read from an index and the articles nobody counted (new, ungraded,
    unknown publisher) are the total minus the rest, so a million-article store is
    never joined row by row: the analyst's decisions and the publisher citations are
    the only rows visited. With a query (*where*) the counts are of the articles it
    selects: each count then reads those rows.
    """
    if where is not None:
        return _stats_within(db, ArticleFilter(analyst=analyst, where=where))
    total = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    me = analyst or ""

    def counted(sql: str, params: list[Any], rest: str) -> list[tuple[str, int]]:
        return counted_rows(db.execute(sql, params).fetchall(), rest)

    def counted_rows(found: list[tuple[Any, int]], rest: str) -> list[tuple[str, int]]:
        rows = [(str(k) if k is not None else "", n) for k, n in found]
        remainder = total - sum(n for _, n in rows)
        if remainder:
            rows.append((rest, remainder))
        merged: dict[str, int] = {}
        for key, n in rows:
            merged[key] = merged.get(key, 0) + n
        return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))

    return {
        "total": [("articles", total)],
        "status": counted(
            "SELECT status, count(*) FROM decisions WHERE analyst = ? AND status != 'new' "
            "GROUP BY status",
            [me],
            "new",
        ),
        "language": counted("SELECT language, count(*) FROM articles GROUP BY language", [], ""),
        "outlet": counted_rows(_publisher_counts(db), "(unknown)"),
        "grade": counted_rows(
            [
                ((reliability or "") + (credibility or ""), n)
                for reliability, credibility, n in db.execute(
                    "SELECT reliability, credibility, count(*) FROM decisions WHERE analyst = ? "
                    "AND (reliability IS NOT NULL OR credibility IS NOT NULL) "
                    "GROUP BY reliability, credibility",
                    [me],
                )
            ],
            "(ungraded)",
        ),
    }


def _stats_within(
    db: sqlite_utils.Database, flt: ArticleFilter
) -> dict[str, list[tuple[str, int]]]:
    """stats() over the articles *flt* selects, with the same sections and fill-ins."""
    joins, where, params = flt.sql()
    selected = f"FROM {joins} WHERE {where}"

    def grouped(key: str, rest: str) -> list[tuple[str, int]]:
        rows = db.execute(
            f"SELECT {key}, count(*) {selected} GROUP BY 1 ORDER BY 2 DESC, 1", params
        ).fetchall()
        return [(str(k) if k else rest, n) for k, n in rows]

    total = db.execute(f"SELECT count(*) {selected}", params).fetchone()[0]
    # The first publisher recorded, as in _publisher_counts.
    publisher = (
        "(SELECT coalesce(o.name, c.outlet_key) FROM citations c "
        "LEFT JOIN outlets o ON o.key = c.outlet_key "
        "WHERE c.article_id = a.id AND c.role = 'publisher' ORDER BY c.id LIMIT 1)"
    )
    return {
        "total": [("articles", total)],
        "status": grouped("coalesce(d.status, 'new')", "new"),
        "language": grouped("coalesce(a.language, '')", ""),
        "outlet": grouped(publisher, "(unknown)"),
        "grade": grouped(
            "coalesce(d.reliability, '') || coalesce(d.credibility, '')", "(ungraded)"
        ),
    }


def _publisher_counts(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """Articles per publisher outlet name, one publisher per article (the first recorded),
    so the counts add up to the total. Counted per outlet from an index; the rare article
    with a second publisher row has its later rows taken off again."""
    names = dict(db.execute("SELECT key, name FROM outlets").fetchall())
    per_key = dict(
        db.execute(
            "SELECT outlet_key, count(*) FROM citations WHERE role = 'publisher' "
            "GROUP BY outlet_key"
        ).fetchall()
    )
    twice = [
        article_id
        for (article_id,) in db.execute(
            "SELECT article_id FROM citations WHERE role = 'publisher' "
            "GROUP BY article_id HAVING count(*) > 1"
        )
    ]
    for article_id in twice:
        later = db.execute(
            "SELECT outlet_key FROM citations WHERE article_id = ? AND role = 'publisher' "
            "ORDER BY id LIMIT -1 OFFSET 1",
            [article_id],
        )
        for (outlet_key,) in later:
            per_key[outlet_key] -= 1
    return [(names.get(key) or "(unknown)", n) for key, n in per_key.items() if n]
