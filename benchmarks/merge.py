"""triage merge: parse time against record size, throughput, and how long others wait.

Measured in one run, each against a baseline from the same run:

- parse: a JSON array holding one record whose text is 2 MB and then 16 MB (Cyrillic),
  read with ``store.exchange.read_records`` against ``json.loads`` of the same bytes
  (in memory, linear); the ratio must not grow with the size. ijson's C parser on the
  same bytes is shown for why the merge keeps long lines from it.
- throughput: N decision records (each a new analyst on one stored article) merged,
  against the same decisions written by ``store.triage.record_changes`` in one
  transaction with no checks (the floor); and 1,000 records that add articles (the
  import's write path with outlet detection and stories), per article.
- lock: while the N-record merge runs, another connection takes the write lock every
  20 ms (``BEGIN IMMEDIATE``, busy_timeout 10 s) and the longest wait is kept.

Run: python benchmarks/merge.py [--records 20000]
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from article_triage.store.articles import insert_article  # noqa: E402
from article_triage.store.db import open_db, write_transaction  # noqa: E402
from article_triage.store.exchange import merge_file, read_records  # noqa: E402
from article_triage.store.text import text_sha256  # noqa: E402
from article_triage.store.triage import new_group_id, record_changes  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def parse(tmp: Path) -> None:
    print("parse: one record, text of N MB (Cyrillic)")
    for megabytes in (2, 16):
        data = json.dumps(
            [{"schema_version": "1.0", "text": "слово " * (megabytes * 1_000_000 // 12)}],
            ensure_ascii=False,
        ).encode()
        path = tmp / f"one-{megabytes}.json"
        path.write_bytes(data)
        ours, _ = timed(lambda p=path: list(read_records(p)))
        base, _ = timed(lambda d=data: json.loads(d))
        line = f"  {len(data) / 1e6:5.1f} MB: read_records {ours:.3f} s, json.loads {base:.3f} s, ratio {ours / base:.1f}x"
        try:
            import ijson.backends.yajl2_c as yajl

            if megabytes <= 2:  # 16 MB takes minutes
                c_time, _ = timed(lambda d=data: list(yajl.items(io.BytesIO(d), "item")))
                line += f"; ijson C parser {c_time:.3f} s"
        except ImportError:
            pass
        print(line)


def decision_records(digest: str, count: int) -> list[dict]:
    return [
        {"schema_version": "1.0", "text_sha256": digest, "analyst": f"analyst {i}",
         "status": "done", "stance": "neutral", "flags": [], "notes": "",
         "triaged_at": "2024-03-05T10:00:00Z"}
        for i in range(count)
    ]  # fmt: skip


def throughput(tmp: Path, count: int) -> None:
    paragraphs = ["One article every record of the file names."]
    digest = text_sha256(paragraphs)
    path = tmp / "decisions.json"
    path.write_text(json.dumps(decision_records(digest, count), indent=1), encoding="utf-8")

    db_path = tmp / "merge.db"
    db = open_db(db_path)
    insert_article(db, paragraphs)
    waits: list[float] = []
    stop = threading.Event()

    def other_writer() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=10)
        while not stop.is_set():
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            waits.append(time.perf_counter() - started)
            conn.execute("COMMIT")
            time.sleep(0.02)
        conn.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    ours, report = timed(lambda: merge_file(db, path, "lead"))
    stop.set()
    writer.join()
    assert report.decisions_added == count, report.errors[:3]

    floor_db = open_db(tmp / "floor.db")
    article = insert_article(floor_db, paragraphs)
    changes = {"status": "done", "stance": "neutral"}

    def floor() -> None:
        with write_transaction(floor_db):
            group = new_group_id(floor_db)
            for i in range(count):
                record_changes(
                    floor_db, article, f"analyst {i}", changes, group_id=group, action="merge",
                    triaged_at="2024-03-05T10:00:00Z",
                )  # fmt: skip

    base, _ = timed(floor)
    print(
        f"throughput: {count} decisions: merge {ours:.2f} s ({count / ours:,.0f} records/s), "
        f"record_changes alone {base:.2f} s, ratio {ours / base:.2f}x"
    )
    print(
        f"lock: another writer took the lock {len(waits)} times during the merge, "
        f"longest wait {max(waits) * 1000:.0f} ms (the merge before batches: the whole merge)"
    )

    article_path = tmp / "articles.jsonl"
    with article_path.open("w", encoding="utf-8") as out:
        for i in range(1000):
            text = (
                f"Artikel {i}: Laut RIA Novosti wurde der Export gestoppt.\n\n"
                f"Ein zweiter Absatz über die Folgen, Nummer {i}."
            )
            out.write(json.dumps({"schema_version": "1.0", "url": f"https://e.org/{i}",
                                  "language": "de", "text": text, "analyst": None}) + "\n")  # fmt: skip
    added_db = open_db(tmp / "added.db")
    took, report = timed(lambda: merge_file(added_db, article_path, "lead"))
    assert report.added_articles == 1000, report.errors[:3]
    print(
        f"articles: 1000 added through the import's write path: {took:.2f} s ({took:.2f} ms each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        parse(tmp)
        throughput(tmp, args.records)


if __name__ == "__main__":
    main()
