"""Exchange: taking another analyst's JSON/JSONL export into this store.

A merged file is untrusted input: anyone can write one, and it can speak in any
analyst's name. So, record by record:

- it is checked against the published export schema (store/schemas/, types and
  enums of every field present), its times must be ISO-8601 with a zone and not
  later than now (give or take CLOCK_SKEW), and no string may hold a lone surrogate;
  a record that fails is reported with its position and the rest are merged;
- it never writes a decision in the name of the analyst merging (she is here to
  make her own), and a name that only looks like a known one (``bоb`` with a Cyrillic
  о, ``Bob``, a zero-width space: store.identity.skeleton) is reported, not taken as
  a new person, unless the merge accepts look-alikes;
- ``adjudicated`` counts only as JSON ``true``, and only when the merge accepts
  adjudications; it never unsets one;
- notes and names pass through the door in (store.boundary) before they are stored.

Articles are matched by text hash, then by URL; an article this store lacks is added
from the record's text through the import's own write path
(store.ingest.pipeline.write_results), so it gets its publisher, citations, suggested
flags and story like any imported article. Decisions stay per analyst. An incoming
decision on one this store has from the same analyst replaces it only when it is
strictly newer (``triaged_at``): as a fast-forward when nobody changed it here since an
earlier merge, or with ``take_theirs``; every such change is listed. Anything else
that differs is a conflict, listed and left as it is.

The file is streamed (ijson for arrays, line by line for JSONL) and committed every
BATCH_RECORDS records or BATCH_SECONDS, whichever comes first, so a million-record
merge never makes ``adjudicate`` or an import wait on the lock for more than a moment.
What one merge writes is one event group (action 'merge'); merging the same file
twice changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO

import sqlite_utils

from article_triage.store.boundary import clean_line, clean_text, clean_url
from article_triage.store.db import write_transaction
from article_triage.store.identity import skeleton
from article_triage.store.schema_check import Check, compile_schema
from article_triage.store.taxonomy import Taxonomy, flag_set
from article_triage.store.text import split_paragraphs
from article_triage.store.translations import AlignmentError, save_translation
from article_triage.store.triage import get_decision, new_group_id, record_changes, record_event

if TYPE_CHECKING:
    from article_triage.store.outlets.registry import Registry

DECISION_FIELDS = ("status", "stance", "reliability", "credibility", "flags", "notes")
"""The decision fields a record carries (``adjudicated`` is taken apart, see above)."""
SUPPORTED_MAJOR = "1"
MERGE_PROVIDER = "merged"
"""Provider recorded for translations that arrive with a merged article."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a record's time may be: the exporting machine's clock may run
ahead of ours by this much. Anything later (a ``9999-12-31`` that would win every
"newer" comparison for ever) is refused."""
BATCH_RECORDS = 5000
BATCH_SECONDS = 0.3
"""Commit after this many records or this long, whichever comes first: another writer
waits at most about this long (plus one record and BATCH_PAUSE) for the lock. Also the
most records read ahead and held in memory."""
BATCH_PAUSE = 0.1
"""Between batches the merge leaves the lock free at least this long, reading and
checking the next records meanwhile. SQLite queues nobody: a writer waiting on
busy_timeout sleeps and retries, up to 100 ms apart, so a merge that took the lock again
at once would starve it (seen: `database is locked` after 2 s)."""
_CHUNK = 1 << 20
"""Bytes ijson reads at a time."""
C_PARSER_MAX_LINE = _CHUNK
"""The longest line the C parser is given; a longer one goes to ijson's Python parser.

ijson's C backend (yajl) re-scans a token from its start each time a read ends inside
it (lloyd/yajl#202): a string of n bytes costs n²/_CHUNK (a 2 MB Cyrillic text took
0.66 s at 64 KiB reads, 14 MB took 30 s). A JSON string cannot span lines, so with
lines no longer than one read a token is scanned at most twice; the Python parser is
linear whatever the length."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""yajl turns a lone ``\\ud800`` into ``?`` and ``\\ud800\\u0041`` into one wrong character:
a file with any surrogate escape goes to the Python parser, which keeps them as they
are so the record can be refused."""
MAX_NESTING = 32
"""Arrays and objects inside one another, counting the file's own array: an export
record is four levels deep at most. ijson builds a path string for every level of
every value (item.item.item...), so memory grows with the square of the depth: a
200 KB file of 100,000 nested brackets took the machine's 24 GB and was killed."""
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*(")?', re.DOTALL)
_STRUCTURE = re.compile(rb'["\[\]{}]')
_STRINGS = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_NOT_STRUCTURE = re.compile(rb"[^\[\]{}]+")
_TIMES = ("added_at", "triaged_at")
_ARTICLE_LINES = ("title", "sitename", "source")


class MergeError(Exception):
    """The file cannot be merged at all; the message says why, in one line."""


@dataclass(frozen=True)
class MergeConflict:
    article_id: int
    title: str
    analyst: str
    field: str
    ours: Any
    theirs: Any
    resolution: str
    """'kept ours', 'took theirs', or 'kept ours: file not newer' (take_theirs refused)."""


@dataclass(frozen=True)
class MergeChange:
    """A field of an analyst's existing decision that the merge replaced."""

    article_id: int
    title: str
    analyst: str
    field: str
    old: Any
    new: Any


@dataclass
class MergeReport:
    path: str
    records: int = 0
    added_articles: int = 0
    matched: int = 0
    """Records whose article was already in this store."""
    decisions_added: int = 0
    decisions_updated: int = 0
    """Existing decisions replaced by strictly newer ones (listed in ``changes``)."""
    unchanged: int = 0
    """Decisions already stored exactly as in the file."""
    conflicts: list[MergeConflict] = field(default_factory=list)
    changes: list[MergeChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """One line per record that was not merged (bad, in the merging analyst's name, a
    look-alike name), with its position; and the line where a broken file stops."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "records": self.records,
            "added_articles": self.added_articles,
            "matched": self.matched,
            "decisions_added": self.decisions_added,
            "decisions_updated": self.decisions_updated,
            "unchanged": self.unchanged,
            "conflicts": [c.__dict__ for c in self.conflicts],
            "changes": [c.__dict__ for c in self.changes],
            "errors": self.errors,
        }


class _BadRecord(ValueError):
    pass


@dataclass(frozen=True)
class _Checked:
    """A record that passed every check that needs no database, ready to write."""

    where: str
    record: dict[str, Any]
    analyst: str | None
    decision: dict[str, Any]
    at: datetime | None


@dataclass(frozen=True)
class _Refused:
    line: str


# --- reading ---------------------------------------------------------------------------


def read_records(path: str | os.PathLike[str]) -> Iterator[tuple[str, Any]]:
    """(where, record) for each record of a JSON array or JSONL file; raises MergeError.

    A record that cannot be decoded comes as a _BadRecord (a JSONL line); a JSON array
    that breaks stops there with MergeError, since nothing after it can be trusted to
    be where it seems.
    """
    for where, record, _ in _read(path):
        yield where, record


_Read = tuple[str, Any, bool]
"""(where, record, whether a string in it may hold a lone surrogate)."""


def _read(path: str | os.PathLike[str]) -> Iterator[_Read]:
    try:
        with Path(path).open("rb") as fh:
            head = fh.read(_CHUNK)
            while head.strip() == b"" and (more := fh.read(_CHUNK)):
                head += more
            start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
            fh.seek(start)
            if head[start:].lstrip().startswith(b"["):
                if not _nesting_within(fh, start, MAX_NESTING):
                    raise MergeError(
                        f"{path}: not an export (arrays or objects nested more than "
                        f"{MAX_NESTING} deep)"
                    )
                yield from _array_records(fh, path, _array_parser(fh, start))
            else:
                yield from _jsonl_records(fh, path)
    except OSError as exc:
        raise MergeError(f"{path}: cannot be read ({exc.strerror})") from exc


def _nesting_within(fh: BinaryIO, start: int, limit: int, chunk_size: int = _CHUNK) -> bool:
    """Whether no array or object in the file lies more than *limit* deep, strings
    skipped; reads from *start* and goes back there.

    A JSON string cannot hold a raw newline, so whole lines are read a block at a time:
    their strings removed by one regular expression, their brackets counted (0.4 s for
    a 157 MB export). A line longer than a chunk is scanned token by token instead,
    strings straddling the chunks, from its start to the end of the file.
    """
    depth = 0
    carry = b""
    try:
        while chunk := fh.read(chunk_size):
            data = carry + chunk
            end = data.rfind(b"\n") + 1
            if end == 0:
                if len(data) <= chunk_size:
                    carry = data
                    continue
                fh.seek(fh.tell() - len(data))  # one long line: the exact scan from its start
                return _nesting_streamed(fh, depth, limit, chunk_size)
            carry = data[end:]
            depth = _bracket_depth(_STRINGS.sub(b"", data[:end]), depth, limit)
            if depth > limit:
                return False
        return _bracket_depth(_STRINGS.sub(b"", carry), depth, limit) <= limit
    finally:
        fh.seek(start)


def _bracket_depth(text: bytes, depth: int, limit: int) -> int:
    """The depth after *text* (no strings in it), or past *limit* as soon as it goes there."""
    for mark in _NOT_STRUCTURE.sub(b"", text):
        depth += 1 if mark in (0x5B, 0x7B) else -1  # [ { open, ] } close
        if depth > limit:
            return depth
    return depth


def _nesting_streamed(fh: BinaryIO, depth: int, limit: int, chunk_size: int) -> bool:
    """_nesting_within's exact scan, token by token, for lines longer than a chunk."""
    in_string = False
    carry = b""  # a lone backslash that ended the last chunk inside a string
    while chunk := fh.read(chunk_size):
        data, carry = carry + chunk, b""
        pos = 0
        while pos < len(data):
            if in_string:
                rest = _STRING_REST.match(data, pos)
                if rest.group(1) is None:  # the string goes on in the next chunk
                    carry = data[rest.end() :]
                    break
                in_string, pos = False, rest.end()
                continue
            token = _STRUCTURE.search(data, pos)
            if token is None:
                break
            pos = token.end()
            mark = data[token.start()]
            if mark == 0x22:  # "
                in_string = True
            elif mark in (0x5B, 0x7B):  # [ {
                depth += 1
                if depth > limit:
                    return False
            else:
                depth -= 1
    return True


def _jsonl_records(fh: BinaryIO, path: str | os.PathLike[str]) -> Iterator[_Read]:
    seen_json = False
    for number, raw in enumerate(fh, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except RecursionError:  # the C scanner's guard against nesting thousands deep
            yield f"line {number}", _BadRecord("not an export record (nested too deep)"), False
            continue
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            if not seen_json:
                # The first line already is not JSON: a CSV export or some other file,
                # one clear error rather than one per line.
                raise MergeError(
                    f"{path}: not a JSON or JSONL export (use triage export --format json|jsonl)"
                ) from exc
            reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else f"not JSON ({exc.msg})"
            yield f"line {number}", _BadRecord(reason), False
            continue
        seen_json = True
        # UTF-8 bytes cannot spell a surrogate: only a \u escape can.
        yield f"line {number}", record, _SURROGATE_ESCAPE.search(raw) is not None


def _array_parser(fh: BinaryIO, start: int) -> ModuleType:
    """The ijson backend for this file: C when a pre-scan shows it is safe, else Python.

    The scan reads the file once more (at disk speed, stopping at the first reason for
    the Python parser); see C_PARSER_MAX_LINE and _SURROGATE_ESCAPE for the reasons.
    """
    import ijson.backends.python as python_parser

    try:
        import ijson.backends.yajl2_c as c_parser
    except ImportError:
        return python_parser
    run, tail = 0, b""  # run: the length of the line the last chunk ended in
    try:
        while chunk := fh.read(1 << 20):
            if _SURROGATE_ESCAPE.search(tail + chunk):
                return python_parser
            lengths = [len(line) for line in chunk.split(b"\n")]
            lengths[0] += run
            if max(lengths) > C_PARSER_MAX_LINE:
                return python_parser
            run, tail = lengths[-1], chunk[-5:]
        return c_parser
    finally:
        fh.seek(start)


def _array_records(
    fh: BinaryIO, path: str | os.PathLike[str], parser: ModuleType
) -> Iterator[_Read]:
    import ijson
    import ijson.backends.python as python_parser

    start = fh.tell()
    done = 0  # records yielded so far
    while True:
        number = 0
        try:
            records = parser.items(fh, "item", buf_size=_CHUNK, use_float=True)
            for number, record in enumerate(records, 1):
                if number > done:
                    done = number
                    # The C parser is only given files without surrogate escapes.
                    yield f"record {number}", record, parser is python_parser
            return
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            if parser is not python_parser:
                # yajl refuses some valid JSON (integers past 64 bits): read the file
                # again with the Python parser, past the records already merged.
                parser = python_parser
                fh.seek(start)
                continue
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MergeError(
                f"{path}: not a valid JSON export ({reason[:120]} in record {number + 1})"
            ) from exc


# --- merging ---------------------------------------------------------------------------

Progress = Callable[[MergeReport], None]


def merge_file(
    db: sqlite_utils.Database,
    path: str | os.PathLike[str],
    merging_analyst: str,
    *,
    take_theirs: bool = False,
    accept_adjudications: bool = False,
    accept_lookalikes: bool = False,
    taxonomy: Taxonomy | None = None,
    registry: Registry | None = None,
    progress: Progress | None = None,
) -> MergeReport:
    """Merge an export file into the store; see the module docstring for the rules.

    *merging_analyst* is recorded in the event log as the one who merged the file, and
    no record in that name is taken. With *take_theirs* a strictly newer incoming
    decision replaces one changed here (still listed as a conflict). *registry* is the
    outlet registry detection applies to added articles (default: the configured one).
    *progress* is called with the report after each committed batch.
    """
    merge = _Merge(
        db,
        str(path),
        merging_analyst,
        taxonomy=taxonomy or Taxonomy(),
        take_theirs=take_theirs,
        accept_adjudications=accept_adjudications,
        accept_lookalikes=accept_lookalikes,
        registry=registry,
    )
    report = merge.report
    records = _read(path)
    pending: deque[_Checked | _Refused] = deque()
    read = 0
    broken: MergeError | None = None
    exhausted = committed = False
    while True:
        # Outside the lock: read and check the next records. After a batch this gap
        # lasts at least BATCH_PAUSE, so a writer waiting on busy_timeout wakes in it.
        gap_started = time.monotonic()
        while not exhausted and len(pending) < BATCH_RECORDS:
            if pending and time.monotonic() - gap_started >= BATCH_PAUSE:
                break
            try:
                item = next(records, None)
            except MergeError as exc:
                if read == 0:
                    raise
                broken, item = exc, None
            if item is None:
                exhausted = True
                break
            read += 1
            pending.append(merge.check_record(*item))
        if committed:
            time.sleep(max(0.0, BATCH_PAUSE - (time.monotonic() - gap_started)))
        with write_transaction(db):
            started = time.monotonic()
            while pending and time.monotonic() - started < BATCH_SECONDS:
                merge.write(pending.popleft())
            done = exhausted and not pending
            if done:
                if broken is not None:
                    # The batches before it are committed: say so rather than pretend
                    # the file was refused whole.
                    report.errors.append(
                        f"{broken}; the {read} records before it were merged, none after it"
                    )
                merge.finish()
        committed = True
        if progress is not None:
            progress(report)
        if done:
            return report


@lru_cache(maxsize=1)
def _record_check() -> Check:
    """The export schema as a merge applies it.

    Every field present must be what the schema says; of the required ones only
    ``schema_version`` must be present (a hand-written record need not repeat the
    exporter's bookkeeping), and any 1.x version is read (a minor version only adds).
    """
    from article_triage.store.export import load_schema

    schema = load_schema()
    schema["properties"]["schema_version"] = {"type": "string"}
    return compile_schema(schema, required=("schema_version",))


def parse_time(value: str) -> datetime:
    """An ISO-8601 time with a zone (``Z`` or an offset) as an aware datetime; ValueError."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def _store_time(moment: datetime) -> str:
    # The store's one format (store.db.utcnow), so times compare as strings there too.
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _lone_surrogate(value: Any, where: str = "") -> str | None:
    """Where in *value* a string holds a lone surrogate (it cannot be stored), or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "the record"
        return None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, element in items:
        if isinstance(key, str) and _lone_surrogate(key):
            return f"{where}.(a key)" if where else "a key"
        inner = f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else key)
        if found := _lone_surrogate(element, inner):
            return found
    return None


def _spelled(name: str) -> str:
    """The letters of *name* that are not ASCII, named, so a look-alike can be seen."""
    odd = [c for c in name if not c.isascii() or not c.isprintable()]
    if not odd:
        return repr(name)
    names = ", ".join(
        f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in dict.fromkeys(odd)
    )
    return f"{name!r} ({names})"


class _Merge:
    """One merge run: the rules of the module docstring, record by record."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        path: str,
        merging_analyst: str,
        *,
        taxonomy: Taxonomy,
        take_theirs: bool,
        accept_adjudications: bool,
        accept_lookalikes: bool,
        registry: Registry | None,
    ) -> None:
        self.db = db
        self.path = path
        self.merging_analyst = merging_analyst
        self.taxonomy = taxonomy
        self.take_theirs = take_theirs
        self.accept_adjudications = accept_adjudications
        self.accept_lookalikes = accept_lookalikes
        self.registry = registry
        self.report = MergeReport(path)
        self.group_id: int | None = None
        self.check = _record_check()
        self.latest = datetime.now(UTC) + CLOCK_SKEW
        # Every name this store knows (and the one merging): a record's analyst is one
        # of them, or a new person whose skeleton matches none of them.
        self.names: set[str] = {merging_analyst}
        self.names.update(r[0] for r in db.execute("SELECT DISTINCT analyst FROM decisions"))
        self.skeletons: dict[str, str] = {}
        for name in sorted(self.names):
            self.skeletons.setdefault(skeleton(name), name)

    # -- per record: checked outside the lock, written inside it

    def check_record(self, where: str, record: Any, surrogates: bool) -> _Checked | _Refused:
        """Everything about a record that needs no database: schema, times, names."""
        try:
            if isinstance(record, _BadRecord):
                raise record
            if surrogates and (found := _lone_surrogate(record)):
                raise _BadRecord(f"{found} holds a lone surrogate (text that is not Unicode)")
            return self._checked(where, record)
        except _BadRecord as exc:
            return _Refused(f"{self.path}: {where}: {exc}")

    def write(self, item: _Checked | _Refused) -> None:
        """Merge one checked record (or count a refused one), in the caller's transaction."""
        self.report.records += 1
        if isinstance(item, _Refused):
            self.report.errors.append(item.line)
            return
        try:
            # One savepoint per record: a record that fails half-way leaves nothing.
            with write_transaction(self.db):
                article_id, added = self._article(item.record)
                if added:
                    self.report.added_articles += 1
                else:
                    self.report.matched += 1
                if item.analyst is not None:
                    self._merge_decision(article_id, item.analyst, item.decision, item.at)
        except _BadRecord as exc:
            self.report.errors.append(f"{self.path}: {item.where}: {exc}")

    def _checked(self, where: str, record: Any) -> _Checked:
        if not isinstance(record, dict):
            raise _BadRecord("not a JSON object")
        version = record.get("schema_version")
        if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
            raise _BadRecord(f"schema_version {version or '(missing)'} is not 1.x")
        if problem := self.check(record, ""):
            raise _BadRecord(problem)
        times = {name: self._time(record, name) for name in _TIMES}
        analyst = self._analyst(record)
        decision = self._incoming_decision(record) if analyst is not None else {}
        return _Checked(where, record, analyst, decision, times["triaged_at"])

    def _time(self, record: dict[str, Any], name: str) -> datetime | None:
        value = record.get(name)
        if value is None:
            return None
        try:
            moment = parse_time(value)
        except ValueError:
            raise _BadRecord(
                f"{name}: {value[:40]!r} is not an ISO-8601 time with a zone"
            ) from None
        if moment > self.latest:
            raise _BadRecord(f"{name}: {value[:40]!r} is in the future")
        return moment

    def _analyst(self, record: dict[str, Any]) -> str | None:
        """The record's analyst as stored, None for no decision; _BadRecord if refused."""
        raw = record.get("analyst")
        if raw is None:
            return None
        name = clean_line(raw)
        if not name:
            raise _BadRecord("analyst must be a name or null")
        if name == self.merging_analyst:
            raise _BadRecord(
                f"a decision in your own name ({name!r}): a merge never writes as the "
                "analyst merging"
            )
        if name in self.names:
            return name
        form = skeleton(name)
        known = self.skeletons.get(form)
        if known is not None and not self.accept_lookalikes:
            raise _BadRecord(
                f"analyst {_spelled(name)} looks like {known!r}; not merged "
                "(--accept-lookalikes if they are different people)"
            )
        self.names.add(name)
        self.skeletons.setdefault(form, name)
        return name

    def _incoming_decision(self, record: dict[str, Any]) -> dict[str, Any]:
        decision = {name: record[name] for name in DECISION_FIELDS if name in record}
        if "notes" in decision:
            decision["notes"] = clean_text(decision["notes"])
        for name, value in decision.items():
            try:
                self.taxonomy.validate(name, value)
            except ValueError as exc:
                raise _BadRecord(str(exc)) from exc
        # Only a JSON true, and only when asked for: a colleague's file must not settle
        # a disagreement by itself, and it never unsettles one.
        if self.accept_adjudications and record.get("adjudicated") is True:
            decision["adjudicated"] = True
        return decision

    # -- articles

    def _article(self, record: dict[str, Any]) -> tuple[int, bool]:
        """(article id, True if added now)."""
        digest = record.get("text_sha256")
        if digest:
            row = self.db.execute(
                "SELECT id FROM articles WHERE text_sha256 = ?", [digest]
            ).fetchone()
            if row:
                return row[0], False
        url = clean_url(record.get("url"))
        if url:
            from article_triage.store.articles import find_duplicate

            if (found := find_duplicate(self.db, url=url)) is not None:
                return found, False
        return self._add_article(record, url)

    def _add_article(self, record: dict[str, Any], url: str) -> tuple[int, bool]:
        """Store the record's article through the import's write path (hooks included)."""
        from article_triage.store.ingest.model import ExtractedArticle
        from article_triage.store.ingest.pipeline import write_results
        from article_triage.store.ingest.read import WorkResult

        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _BadRecord(
                "article not in this store and the record has no text (export with --with-text)"
            )
        lines = {name: clean_line(record.get(name)) or None for name in _ARTICLE_LINES}
        # The source names a file on the exporter's machine. The hooks must not take it
        # for one on this machine (they would read a translation sidecar beside it):
        # it is written after them.
        source = lines.pop("source")
        article = ExtractedArticle(
            paragraphs=[clean_text(p) for p in split_paragraphs(text)],
            url=url or None,
            published=clean_line(record.get("published")) or None,
            language=clean_line(record.get("language")) or "und",
            **lines,
        )
        if self.registry is None:
            from article_triage.store.outlets import load_registry

            self.registry = load_registry()
        # languages=None: the exporter's language stands (its "und" included).
        outcome = write_results(self.db, [WorkResult(self.path, article)], self.registry, None)[0]
        if outcome.status == "duplicate" and outcome.duplicate_of is not None:
            return outcome.duplicate_of, False  # the same text under another hash spelling
        if outcome.article_id is None:
            raise _BadRecord(outcome.reason or "article not stored")
        if source is not None:
            self.db.execute(
                "UPDATE articles SET source = ? WHERE id = ?", [source, outcome.article_id]
            )
        self._translation(outcome.article_id, record)
        return outcome.article_id, True

    def _translation(self, article_id: int, record: dict[str, Any]) -> None:
        translation, lang = record.get("translation"), clean_line(record.get("translation_lang"))
        if isinstance(translation, list) and lang:
            # A translation that does not line up with the text is worse than none.
            with suppress(AlignmentError):
                save_translation(
                    self.db,
                    article_id,
                    lang,
                    MERGE_PROVIDER,
                    [clean_text(p) if isinstance(p, str) else None for p in translation],
                )

    # -- decisions

    def _merge_decision(
        self,
        article_id: int,
        analyst: str,
        theirs: dict[str, Any],
        theirs_at: datetime | None,
    ) -> None:
        current = get_decision(self.db, article_id, analyst)
        differing = {n: v for n, v in theirs.items() if not _same(n, current.value(n), v)}
        if not differing:
            self.report.unchanged += 1
            return
        stamp = _store_time(theirs_at) if theirs_at else None
        if current.triaged_at is None:  # no decision of theirs here yet
            self._write(article_id, analyst, differing, stamp)
            self.report.decisions_added += 1
            return
        newer = theirs_at is not None and theirs_at > parse_time(current.triaged_at)
        title = self._title(article_id)
        if newer and (self.take_theirs or self._only_merges_wrote(article_id, analyst)):
            if not self._only_merges_wrote(article_id, analyst):
                self._conflicts(article_id, title, analyst, current, differing, "took theirs")
            self._write(article_id, analyst, differing, stamp)
            self.report.decisions_updated += 1
            self.report.changes.extend(
                MergeChange(article_id, title, analyst, name, current.value(name), value)
                for name, value in differing.items()
            )
            return
        refused = self.take_theirs and not newer
        resolution = "kept ours: file not newer" if refused else "kept ours"
        self._conflicts(article_id, title, analyst, current, differing, resolution)

    def _conflicts(
        self,
        article_id: int,
        title: str,
        analyst: str,
        current: Any,
        differing: dict[str, Any],
        resolution: str,
    ) -> None:
        self.report.conflicts.extend(
            MergeConflict(article_id, title, analyst, name, current.value(name), value, resolution)
            for name, value in differing.items()
        )

    def _write(
        self, article_id: int, analyst: str, changes: dict[str, Any], stamp: str | None
    ) -> None:
        if self.group_id is None:
            # Taken at the first write, inside its transaction: once that commits the
            # group is in the log, so no other writer can take the same number.
            self.group_id = new_group_id(self.db)
        record_changes(
            self.db,
            article_id,
            analyst,
            changes,
            group_id=self.group_id,
            action="merge",
            triaged_at=stamp,
        )

    def _only_merges_wrote(self, article_id: int, analyst: str) -> bool:
        """Nobody changed this decision here since a merge wrote it: taking a newer one
        overwrites nothing anyone did in this store."""
        last = self.db.execute(
            "SELECT action FROM events WHERE article_id = ? AND analyst = ? "
            "AND field IS NOT NULL ORDER BY id DESC LIMIT 1",
            [article_id, analyst],
        ).fetchone()
        return last is not None and last[0] == "merge"

    def _title(self, article_id: int) -> str:
        row = self.db.execute(
            "SELECT coalesce(title, '') FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        return row[0]

    # -- the end

    def finish(self) -> None:
        """Say in the log who merged which file, if the merge wrote anything."""
        report = self.report
        if not (report.added_articles or report.decisions_added or report.decisions_updated):
            return
        if self.group_id is None:
            self.group_id = new_group_id(self.db)
        record_event(
            self.db,
            group_id=self.group_id,
            analyst=self.merging_analyst,
            action="merge",
            field_name="file",
            value={
                "path": self.path,
                "added_articles": report.added_articles,
                "decisions_added": report.decisions_added,
                "decisions_updated": report.decisions_updated,
                "conflicts": len(report.conflicts),
            },
        )


def _same(name: str, ours: Any, theirs: Any) -> bool:
    if name == "flags":
        return flag_set(ours) == flag_set(theirs)
    return ours == theirs
