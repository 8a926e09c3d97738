"""Benchmark: the store's counts at a million articles, against the same at 10,000.

    python benchmarks/scale.py --db PATH_TO_1M_STORE [--small PATH] [--repeats 5]

Issue 13 targets at 1,000,000 articles: `triage stats` and the queue's counts
<= 0.3 s, `triage agreement` <= 1 s. Each figure is the median of in-process calls
(the store already open, as in the app; the CLI adds its start-up, measured here too
as whole processes), with the same call on a 10,000-article store built by
benchmarks/synth.py in the same run as the baseline: the ratio says how the cost
grows with the store.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from article_triage.store.agreement import agreement  # noqa: E402
from article_triage.store.articles import ArticleFilter, count_articles, stats  # noqa: E402
from article_triage.store.db import open_db  # noqa: E402

ANALYST = "olena"  # synth.py's first analyst


def median_seconds(call, db, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call(db)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def queue_counts(db) -> None:
    # What the queue header shows: all articles, and how many of them are done.
    flt = ArticleFilter(analyst=ANALYST)
    count_articles(db, flt)
    count_articles(db, ArticleFilter(analyst=ANALYST, status="done"))


def cli_seconds(db_path: Path, args: list[str], repeats: int) -> float:
    command = [sys.executable, "-m", "article_triage.tui.cli", "--db", str(db_path), *args]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="the large store")
    parser.add_argument("--small", type=Path, help="the 10,000-article store (built if absent)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    small = args.small or Path(tempfile.mkdtemp(prefix="triage-scale-")) / "small.db"
    if not small.exists():
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "synth.py"),
                "--db",
                str(small),
                "--articles",
                "10000",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    stores = {"large": open_db(args.db), "small": open_db(small)}
    sizes = {
        k: db.execute("SELECT count(*) FROM articles").fetchone()[0] for k, db in stores.items()
    }
    print(f"stores: {sizes['large']:,} and {sizes['small']:,} articles; medians of {args.repeats}")
    for name, call in (
        ("stats()", lambda db: stats(db, ANALYST)),
        ("queue counts", queue_counts),
        ("agreement()", agreement),
    ):
        large = median_seconds(call, stores["large"], args.repeats)
        small_s = median_seconds(call, stores["small"], args.repeats)
        print(
            f"{name:<14} {sizes['large']:>9,}: {large:.3f} s | {sizes['small']:,}: {small_s:.3f} s"
            f" | ratio {large / small_s:.1f}x"
        )
    for label, cli_args in (
        ("triage stats", ["stats"]),
        ("triage agreement", ["agreement", "--json"]),
    ):
        large = cli_seconds(args.db, cli_args, max(3, args.repeats // 2))
        small_s = cli_seconds(small, cli_args, max(3, args.repeats // 2))
        print(f"{label:<18} whole process: {large:.3f} s | at 10,000: {small_s:.3f} s")


if __name__ == "__main__":
    main()
