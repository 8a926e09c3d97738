"""The SQLite store: where it lives, how a connection is opened, and its schema.

One connection per thread: sqlite3 connections must not cross threads, so every
worker calls :func:`open_db` itself. WAL lets the app read while another process
imports or translates into the same file; ``busy_timeout`` makes writers wait for
each other instead of failing with "database is locked".
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import sqlite_utils
from sqlite_utils import Migrations

APP_NAME = "article-triage"
DB_ENV = "TRIAGE_DB"
# The largest integer SQLite stores: ids and counts from outside are checked against it.
SQLITE_MAX_INTEGER = 2**63 - 1
BUSY_TIMEOUT_MS = 10_000

# Columns of articles that full-text search indexes. translation_text is the
# concatenated stored translation, kept in step by store.translations, so that an
# English query finds a Ukrainian article through its translation.
FTS_COLUMNS = ["title", "text", "translation_text"]
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


class StoreError(Exception):
    """The store cannot be opened as asked; the message is the one line the user sees."""


def default_db_path() -> Path:
    """``$TRIAGE_DB`` if set, else the per-user data directory."""
    if env := os.environ.get(DB_ENV):
        return Path(env)
    return user_data_db_path()


def user_data_db_path() -> Path:
    """The default store in the per-user data directory: the one store whose folder is
    created on its own (a --db or $TRIAGE_DB in a missing folder is a typo to report)."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "triage.db"


def utcnow() -> str:
    """An ISO-8601 UTC timestamp with seconds, the one format the store uses for times."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def open_db(
    path: str | os.PathLike[str] | None = None,
    *,
    migrate: bool = True,
    create_folder: bool | None = None,
) -> sqlite_utils.Database:
    """Open (and create or upgrade) the store at *path* for use in this thread.

    The folder is created only for the default store (*create_folder* None) or when
    asked. A file without write permission is opened read-only (``PRAGMA query_only``
    says so: see :func:`is_read_only`). Raises StoreError, one line, when the folder
    is missing, the file is not a store, or a newer version of the program wrote it.
    """
    db_path = Path(path) if path is not None else default_db_path()
    read_only = False
    if str(db_path) != ":memory:":
        if create_folder is None:
            create_folder = path is None or db_path == user_data_db_path()
        if not db_path.parent.is_dir():
            if not create_folder:
                raise StoreError(
                    f"{db_path}: the folder {db_path.parent} does not exist "
                    "(check --db or TRIAGE_DB; only the default store's folder is created)"
                )
            db_path.parent.mkdir(parents=True, exist_ok=True)
        read_only = db_path.is_file() and _not_writable(db_path)
    try:
        return _connect(db_path, migrate=migrate, read_only=read_only)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db_path}: not a usable store ({exc})") from None


def _not_writable(db_path: Path) -> bool:
    # The mode bits count even for root, who may write anything: a store made
    # read-only (chmod 444) was made so on purpose.
    return not os.access(db_path, os.W_OK) or not db_path.stat().st_mode & 0o222


def is_read_only(db: sqlite_utils.Database) -> bool:
    """Whether *db* was opened read-only (its file is not writable)."""
    return bool(db.execute("PRAGMA query_only").fetchone()[0])


def _connect(db_path: Path, *, migrate: bool, read_only: bool) -> sqlite_utils.Database:
    if read_only:
        conn = sqlite3.connect(
            f"{db_path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
    else:
        conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # No sqlite-utils plugins: they would run code from whatever packages are
        # installed on every store connection, and finding them reads every installed
        # package's metadata (0.02 s of each process's start).
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _refuse_newer(db, db_path)
        if read_only:
            if migrate and migrations.pending(db):
                raise StoreError(
                    f"{db_path}: read-only, and this version must upgrade it first "
                    "(make it writable once)"
                )
            conn.execute("PRAGMA query_only = 1")
        else:
            _enable_wal(conn)
            # NORMAL is durable in WAL mode against application crashes (kill -9): a
            # committed transaction is in the WAL file before COMMIT returns.
            conn.execute("PRAGMA synchronous = NORMAL")
            if migrate and (migrations.pending(db) or _user_version(db) < len(known_migrations())):
                # Under the write lock, so that processes opening a new file at the same
                # time apply each migration once instead of racing to create the tables.
                # Foreign keys stay off meanwhile: a migration's table.transform() drops
                # the old table, which would otherwise fire ON DELETE CASCADE.
                with write_transaction(db):
                    migrations.apply(db)
                    conn.execute(f"PRAGMA user_version = {len(known_migrations())}")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return db


def known_migrations() -> list[str]:
    """The names of the migrations this version of the program knows."""
    return [migration.name for migration in migrations._migrations]


def _user_version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _refuse_newer(db: sqlite_utils.Database, db_path: Path) -> None:
    """A store a newer version has migrated is not ours to read or change."""
    known = known_migrations()
    unknown = [m.name for m in migrations.applied(db) if m.name not in set(known)]
    version = _user_version(db)
    if unknown or version > len(known):
        raise StoreError(
            f"{db_path}: written by a newer article-triage (store schema "
            f"{max(version, len(known) + len(unknown))}, this version knows {len(known)}); "
            "upgrade article-triage to open it"
        )


def _enable_wal(conn: sqlite3.Connection) -> None:
    # Switching a new file to WAL can answer SQLITE_BUSY without consulting
    # busy_timeout when another process is switching it at the same moment, so
    # retry for as long as busy_timeout would have waited. WAL then persists.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


migrations = Migrations("article-triage")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    execute_script(
        db,
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            source TEXT,              -- the file path or URL it was imported from
            url TEXT,                 -- canonical URL where the page gives one, else the page URL
            final_url TEXT,           -- after redirects, for fetched pages
            title TEXT,
            author TEXT,
            sitename TEXT,
            hostname TEXT,
            published TEXT,           -- YYYY, YYYY-MM or YYYY-MM-DD; NULL rather than a guess
            language TEXT NOT NULL DEFAULT 'und',   -- ISO 639-1, 'und' when unsure
            text TEXT NOT NULL,       -- paragraphs joined by a blank line
            paragraph_count INTEGER NOT NULL DEFAULT 0,
            word_count INTEGER NOT NULL DEFAULT 0,
            translation_text TEXT,    -- stored translation(s), for full-text search only
            raw_sha256 TEXT,
            text_sha256 TEXT NOT NULL,
            simhash INTEGER,          -- 64-bit, stored signed
            near_duplicate_of INTEGER REFERENCES articles(id),
            near_duplicate_distance INTEGER,
            extractor TEXT,
            extractor_version TEXT,
            content_type TEXT,
            encoding TEXT,
            http_status INTEGER,
            fetched_at TEXT,
            fetch_ms INTEGER,
            feed_url TEXT,
            added_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX articles_text_sha256 ON articles(text_sha256);
        CREATE INDEX articles_raw_sha256 ON articles(raw_sha256);
        CREATE INDEX articles_url ON articles(url);
        CREATE INDEX articles_language ON articles(language);
        CREATE INDEX articles_hostname ON articles(hostname);

        -- The raw bytes as imported (zlib), so a judgement is tied to exactly what was read.
        CREATE TABLE captures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            compression TEXT NOT NULL DEFAULT 'zlib',
            size INTEGER NOT NULL,
            raw BLOB NOT NULL
        );

        -- One row per paragraph, aligned one to one with the article's paragraphs.
        CREATE TABLE translations (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            target_lang TEXT NOT NULL,
            paragraph_index INTEGER NOT NULL,
            text TEXT NOT NULL,
            source_lang TEXT,
            provider TEXT NOT NULL,   -- google, deepl, ..., 'sample', or 'analyst' for a hand correction
            translated_at TEXT NOT NULL,
            PRIMARY KEY (article_id, target_lang, paragraph_index)
        );

        -- Keyed by provider, source and target language and the text's sha256:
        -- no paragraph is ever sent twice.
        CREATE TABLE translation_cache (
            key TEXT PRIMARY KEY,
            provider TEXT NOT NULL,
            source_lang TEXT NOT NULL,
            target_lang TEXT NOT NULL,
            translation TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        -- The current decision, one row per article and analyst. The history is in events.
        CREATE TABLE decisions (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            analyst TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new',
            stance TEXT,
            reliability TEXT,         -- Admiralty letter A-F
            credibility TEXT,         -- Admiralty digit 1-6
            flags TEXT NOT NULL DEFAULT '[]',                 -- JSON list
            rejected_suggestions TEXT NOT NULL DEFAULT '[]',  -- JSON list of suggested flags turned down
            notes TEXT NOT NULL DEFAULT '',
            adjudicated INTEGER NOT NULL DEFAULT 0,           -- 1 when a lead analyst settled a disagreement
            triaged_at TEXT,
            PRIMARY KEY (article_id, analyst)
        );
        CREATE INDEX decisions_analyst_status ON decisions(analyst, status, article_id);

        -- Append-only: who changed what, when. Also the undo history: a group is
        -- one user action (a keystroke or a bulk action); undo and redo append
        -- events that point at the group they reverse through ref_group.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            group_id INTEGER NOT NULL,
            at TEXT NOT NULL,
            analyst TEXT NOT NULL,
            action TEXT NOT NULL,     -- set, undo, redo, merge, adjudicate
            article_id INTEGER,
            field TEXT,
            old TEXT,                 -- JSON
            new TEXT,                 -- JSON
            ref_group INTEGER
        );
        CREATE INDEX events_analyst_group ON events(analyst, group_id);
        CREATE INDEX events_article ON events(article_id);

        -- The outlet registry in effect when detection last ran (built-in + user).
        CREATE TABLE outlets (
            key TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            country TEXT,
            category TEXT,
            designations TEXT NOT NULL DEFAULT '[]',   -- JSON
            domains TEXT NOT NULL DEFAULT '[]',        -- JSON
            aliases TEXT NOT NULL DEFAULT '[]',        -- JSON
            origin TEXT NOT NULL DEFAULT 'builtin'
        );

        -- Outlets found for an article: its publisher (from the URL) and the
        -- outlets its text attributes claims to or merely mentions.
        CREATE TABLE citations (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            outlet_key TEXT NOT NULL,
            role TEXT NOT NULL,       -- publisher, attributed, mention
            paragraph_index INTEGER,  -- NULL for the publisher
            start INTEGER,            -- character span within the paragraph
            end INTEGER,
            matched_text TEXT,
            cue TEXT
        );
        CREATE INDEX citations_article ON citations(article_id);
        CREATE INDEX citations_outlet ON citations(outlet_key, role);

        -- Flags the detectors suggest; the analyst accepts (into decisions.flags)
        -- or rejects (decisions.rejected_suggestions) them.
        CREATE TABLE suggested_flags (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            flag TEXT NOT NULL,
            reason TEXT NOT NULL,
            outlet_key TEXT,
            PRIMARY KEY (article_id, flag, reason)
        );
        """,
    )
    db["articles"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize=FTS_TOKENIZE)


def ensure_fts_triggers(db: sqlite_utils.Database) -> None:
    """Re-create the FTS triggers; ``table.transform()`` drops them, so call this after one."""
    db["articles"].enable_fts(
        FTS_COLUMNS, create_triggers=True, tokenize=FTS_TOKENIZE, replace=True
    )


def execute_script(db: sqlite_utils.Database, script: str) -> None:
    """Run *script*'s statements one by one inside the current transaction.

    sqlite3's executescript() would commit the migration's transaction first, and
    sqlite-utils' stand-in finds each statement's end by testing every prefix of it,
    a character at a time: 0.03 s of the 0.06 s that creating a new store took. A
    statement can end only at a semicolon, so only the prefixes ending at one are
    tested (a semicolon inside a string or a trigger's body leaves it incomplete).
    """
    start = 0
    for end in (m.end() for m in re.finditer(";", script)):
        statement = script[start:end]
        if sqlite3.complete_statement(statement):
            db.conn.execute(statement)
            start = end
    if script[start:].strip():
        db.conn.execute(script[start:])


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that takes the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads first and writes later cannot wait for
    another process's write lock in WAL mode (SQLite answers SQLITE_BUSY at once
    instead of honouring busy_timeout), so every read-then-write in the store
    goes through here. Nested use joins the outer transaction.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        _run_at_commit(db)
        # A failed COMMIT (disk full, I/O error) must not leave the connection inside
        # the transaction: every later write would nest in it and never reach the file.
        db.conn.execute("COMMIT")
    except BaseException:
        _AT_COMMIT.pop(db, None)
        db.rollback()
        raise


# Work that writes leave to the end of their transaction, per open store: name ->
# (flush, items). Done once per transaction however many writes ask for it (a merge
# writes many decisions of one article; the article's summary is redone once).
_AT_COMMIT: WeakKeyDictionary[sqlite_utils.Database, dict[str, tuple[Callable, set]]] = (
    WeakKeyDictionary()
)


def at_commit(
    db: sqlite_utils.Database,
    name: str,
    flush: Callable[[sqlite_utils.Database, set[Hashable]], None],
    item: Hashable,
) -> None:
    """Have ``flush(db, items)`` run just before the current write transaction commits,
    once, with every *item* asked for under *name*; at once outside a transaction."""
    if not db.conn.in_transaction:
        flush(db, {item})
        return
    _AT_COMMIT.setdefault(db, {}).setdefault(name, (flush, set()))[1].add(item)


def _run_at_commit(db: sqlite_utils.Database) -> None:
    # A flush may write, and its writes may ask for more: until nothing is left.
    while pending := _AT_COMMIT.pop(db, None):
        for flush, items in pending.values():
            flush(db, items)


@migrations()
def m101_ingest_simhash_bands(db: sqlite_utils.Database) -> None:
    # The 64-bit simhash cut into four 16-bit bands: near-duplicate candidates are
    # the articles sharing a band (store.ingest.simhash), found without a table scan.
    db.execute(
        "CREATE TABLE IF NOT EXISTS simhash_bands ("
        " band INTEGER NOT NULL,"
        " value INTEGER NOT NULL,"
        " article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,"
        " PRIMARY KEY (band, value, article_id)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS simhash_bands_article ON simhash_bands(article_id)")


@migrations()
def m102_core_events_group_index(db: sqlite_utils.Database) -> None:
    # Every action takes max(group_id) + 1 as its group; without an index on
    # group_id alone that is a scan of the whole log on each keystroke.
    db.execute("CREATE INDEX IF NOT EXISTS events_group ON events(group_id)")


@migrations()
def m103_core_final_url_index(db: sqlite_utils.Database) -> None:
    # find_duplicate matches a URL against url OR final_url; with both indexed
    # SQLite answers the OR from two index lookups instead of a table scan per
    # imported URL (quadratic over a large import or merge).
    db.execute("CREATE INDEX IF NOT EXISTS articles_final_url ON articles(final_url)")


@migrations()
def m104_ingest_canonical_claim(db: sqlite_utils.Database) -> None:
    # A fetched page's <link rel=canonical> on another site is what the page claims to
    # be, not where it came from: url and hostname hold the page as fetched, the claim
    # is kept beside them. Pages fetched before are settled the same way here.
    from article_triage.store.outlets.domains import same_site

    db.execute("ALTER TABLE articles ADD COLUMN canonical_claim TEXT")
    rows = db.execute(
        "SELECT id, url, final_url FROM articles WHERE final_url IS NOT NULL AND url != final_url"
    ).fetchall()
    for article_id, url, final_url in rows:
        if not same_site(url, final_url):
            db.execute(
                "UPDATE articles SET canonical_claim = url, url = final_url, hostname = ? "
                "WHERE id = ?",
                [urlsplit(final_url).hostname, article_id],
            )


@migrations()
def m120_stories(db: sqlite_utils.Database) -> None:
    # Stories: articles about the same event, across languages (store.stories).
    # Signatures and the inverted index of their keys are derived data that
    # `triage stories rebuild` recomputes; story_decisions are the analysts' merges
    # and splits, which a rebuild replays and never deletes.
    execute_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS stories (
            id INTEGER PRIMARY KEY,
            first_day TEXT,           -- YYYY-MM-DD, earliest day of its articles
            last_day TEXT,
            size INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS stories_last_day ON stories(last_day);
        CREATE TABLE IF NOT EXISTS story_members (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            score REAL,               -- match with the story when it joined; NULL if it began it
            placed_by TEXT NOT NULL DEFAULT 'auto'   -- auto, merge, split
        );
        CREATE INDEX IF NOT EXISTS story_members_story ON story_members(story_id);
        CREATE TABLE IF NOT EXISTS story_signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            first_day INTEGER NOT NULL,   -- proleptic ordinals (date.toordinal)
            last_day INTEGER NOT NULL,
            keys TEXT NOT NULL,           -- JSON {key: weight}
            anchors TEXT NOT NULL DEFAULT '[]'   -- JSON: known people and cities it names
        );
        -- The inverted index: strong keys (names, numbers, dates) -> articles, by day,
        -- so candidates come from an index range and never from a scan.
        CREATE TABLE IF NOT EXISTS story_keys (
            key TEXT NOT NULL,
            day INTEGER NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (key, day, article_id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS story_keys_article ON story_keys(article_id);
        -- In how many articles each key occurs (''= how many articles have a signature).
        CREATE TABLE IF NOT EXISTS story_key_counts (
            key TEXT PRIMARY KEY,
            articles INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS story_decisions (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            analyst TEXT NOT NULL,
            action TEXT NOT NULL,     -- merge, split
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            other_article_id INTEGER REFERENCES articles(id) ON DELETE CASCADE,
            apart_from TEXT NOT NULL DEFAULT '[]'   -- split: the articles it was split from
        );
        CREATE INDEX IF NOT EXISTS story_decisions_article ON story_decisions(article_id);
        CREATE INDEX IF NOT EXISTS story_decisions_other ON story_decisions(other_article_id);
        """,
    )


@migrations()
def m130_feeds_subscriptions(db: sqlite_utils.Database) -> None:
    # Subscriptions (store.feeds): each feed's fetch state, so a refresh sends
    # conditional requests, honours Retry-After and backs off, and a memory of the
    # entries each feed has shown, so an edited or re-ordered feed imports nothing twice.
    execute_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,      -- rewritten on a permanent redirect (301, 308)
            name TEXT,
            tags TEXT NOT NULL DEFAULT '[]',            -- JSON list
            site_url TEXT,                 -- the page the feed belongs to, when known
            paused INTEGER NOT NULL DEFAULT 0,
            paused_reason TEXT,            -- e.g. the server said 410 Gone
            etag TEXT,
            last_modified TEXT,
            conditional_streak INTEGER NOT NULL DEFAULT 0,  -- conditional requests since an unconditional one
            last_checked TEXT,
            last_success TEXT,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,         -- failures in a row
            next_check TEXT,               -- ISO UTC; NULL: due now
            interval INTEGER NOT NULL DEFAULT 3600,         -- seconds between checks, adapted
            items_seen INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS feeds_next_check ON feeds(paused, next_check);

        -- What each feed has shown: 'guid:', 'link:' and 'hash:' keys per entry.
        CREATE TABLE IF NOT EXISTS feed_items (
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (feed_id, key)
        ) WITHOUT ROWID;
        """,
    )


@migrations()
def m131_feeds_retry_after(db: sqlite_utils.Database) -> None:
    # When a server said 429/503 with Retry-After: not asked again before then, even
    # by `refresh --all` (which otherwise ignores the schedule).
    db.execute("ALTER TABLE feeds ADD COLUMN retry_after TEXT")


@migrations()
def m140_counts_indexes(db: sqlite_utils.Database) -> None:
    # `triage stats` and the queue's counts read these from indexes alone at a
    # million articles: the first publisher per article (a partial index of the
    # publisher rows), and each analyst's grades.
    execute_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS citations_publisher
            ON citations(article_id) WHERE role = 'publisher';
        CREATE INDEX IF NOT EXISTS citations_publisher_outlet
            ON citations(outlet_key) WHERE role = 'publisher';
        CREATE INDEX IF NOT EXISTS decisions_analyst_grade
            ON decisions(analyst, reliability, credibility);
        """,
    )


@migrations()
def m150_saved_views(db: sqlite_utils.Database) -> None:
    # Saved views: a name for a query of the query language (store/query.py), recalled
    # by `triage export --view NAME`, `triage views list` and the app's palette.
    db.execute(
        "CREATE TABLE IF NOT EXISTS saved_views ("
        "name TEXT PRIMARY KEY, query TEXT NOT NULL, saved_by TEXT, saved_at TEXT NOT NULL)"
    )


@migrations()
def m151_stories_signature_mass(db: sqlite_utils.Database) -> None:
    # A signature's weighted size, kept with it, so matching a new article need not
    # count every key of every candidate again (store.stories.cluster).
    db.execute("ALTER TABLE story_signatures ADD COLUMN mass REAL")


@migrations()
def m160_sort_indexes(db: sqlite_utils.Database) -> None:
    # The queue sorted by published date or by site at a million articles: each order's
    # key (store.articles.SortOrder.sort_key) has an index, walked in order, so a page,
    # a row's position and the next untriaged row read an index range instead of
    # sorting the table. The expressions must stay exactly those of SORT_ORDERS, or
    # SQLite does not match them (a test checks the query plans).
    site = (
        "lower(CASE WHEN substr(coalesce(hostname, sitename, ''), 1, 4) = 'www.' "
        "THEN substr(coalesce(hostname, sitename, ''), 5) "
        "ELSE coalesce(hostname, sitename, '') END)"
    )
    published = "coalesce(published, '')"
    # Import order too: the rowid's own order, but an index of ids alone is a few
    # megabytes where the table is gigabytes, so skipping half a million rows to a deep
    # page (or counting them for a position) reads 10 MB instead of the table.
    db.execute("CREATE INDEX IF NOT EXISTS articles_sort_added ON articles(id)")
    for name, key in (("published", published), ("site", site)):
        # Descending by the key itself ('' last); ascending with '1' before a missing key.
        db.execute(f"CREATE INDEX IF NOT EXISTS articles_sort_{name} ON articles({key})")
        db.execute(
            f"CREATE INDEX IF NOT EXISTS articles_sort_{name}_known_first "
            f"ON articles((({key} = '') || {key}))"
        )


@migrations()
def m161_agreement_units(db: sqlite_utils.Database) -> None:
    # The units agreement scores, per article, and how many share each profile
    # (store.agreement_units): at a million articles `triage agreement` reads these
    # instead of every decision. Filled here from the decisions; the write path keeps them.
    from article_triage.store.agreement_units import SCHEMA, TRIGGERS, rebuild_units

    for statement in (*SCHEMA, *TRIGGERS):
        db.execute(statement)
    rebuild_units(db)
