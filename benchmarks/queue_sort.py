"""Benchmark: the sorted queue at a million articles.

    python benchmarks/queue_sort.py --db PATH_TO_1M_STORE [--repeats 3]

For each order the queue can take (store.articles.SORT_ORDERS) it times, in process
with the store open as in the app: a page of 100 rows at the top, the middle and the
end of the list (page_articles), the position of the middle row counted from the top
and from a row 50 above it (position_of, as "done, next" counts), and the next
untriaged article after the middle row (next_untriaged). The baseline, in the same
run and interleaved, is the page query the queue ran before orders existed (import
order, every skipped row joined to its decision). Medians of --repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from article_triage.store.articles import (  # noqa: E402
    _QUEUE_SELECT,
    SORT_ORDERS,
    ArticleFilter,
    count_articles,
    page_articles,
    position_of,
)
from article_triage.store.db import open_db  # noqa: E402
from article_triage.store.triage import next_untriaged  # noqa: E402

ANALYST = "olena"  # synth.py's first analyst


def ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def previous_page(db, offset: int) -> None:
    """The queue's page query before sorting: id order, the LEFT JOIN for every row skipped."""
    joins, where, params = ArticleFilter(analyst=ANALYST).sql()
    db.execute(
        f"{_QUEUE_SELECT} FROM {joins} WHERE {where} ORDER BY a.id LIMIT ? OFFSET ?",
        [*params, 100, offset],
    ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    db = open_db(args.db)  # applies the sort indexes' migration to an older store
    total = count_articles(db, ArticleFilter(analyst=ANALYST))
    print(f"{total:,} articles; medians of {args.repeats}, ms")
    offsets = {"top": 0, "middle": total // 2, "end": max(total - 100, 0)}
    print(f"{'order':<12}" + "".join(f"{'page ' + name:>13}" for name in offsets), end="")
    print(f"{'position':>10}{'from anchor':>13}{'next new':>10}")
    figures: dict[str, list[list[float]]] = {"(previous)": [[] for _ in offsets]}
    for name in SORT_ORDERS:
        figures[name] = [[] for _ in range(len(offsets) + 3)]
    for _ in range(args.repeats):
        for i, offset in enumerate(offsets.values()):
            figures["(previous)"][i].append(ms(lambda offset=offset: previous_page(db, offset)))
        for name in SORT_ORDERS:
            flt = ArticleFilter(analyst=ANALYST, sort=name)
            row = figures[name]
            for i, offset in enumerate(offsets.values()):
                row[i].append(
                    ms(lambda flt=flt, offset=offset: page_articles(db, flt, offset, 100))
                )
            page = page_articles(db, flt, total // 2, 100)
            middle, below = page[0].id, page[50].id
            row[3].append(ms(lambda flt=flt, middle=middle: position_of(db, flt, middle)))
            row[4].append(
                ms(
                    lambda flt=flt, middle=middle, below=below: position_of(
                        db, flt, below, anchor=(total // 2, middle)
                    )
                )
            )
            row[5].append(
                ms(lambda flt=flt, middle=middle: next_untriaged(db, ANALYST, middle, flt))
            )
    for name, columns in figures.items():
        cells = [f"{statistics.median(c):13.1f}" for c in columns[:3]]
        rest = []
        if len(columns) > 3:  # the previous code had pages only
            widths = (10, 13, 10)
            rest = [
                f"{statistics.median(c):{w}.1f}" for c, w in zip(columns[3:], widths, strict=True)
            ]
        print(f"{name:<12}" + "".join(cells) + "".join(rest))


if __name__ == "__main__":
    main()
