"""Benchmark: the store's counts at a million articles, against the same at 10,000.

    python benchmarks/scale.py --db PATH_TO_1M_STORE [--small PATH] [--repeats 5] [--previous REV]

Issue 13 targets at 1,000,000 articles: `triage stats` and the queue's counts
<= 0.3 s, `triage agreement` <= 1 s. Each figure is the median of in-process calls
(the store already open, as in the app; the CLI adds its start-up, measured here too
as whole processes), with the same call on a 10,000-article store built by
benchmarks/synth.py in the same run as the baseline: the ratio says how the cost
grows with the store. ``agreement()`` is timed as `triage agreement` uses it: the
report and its first 50 disagreements (listing all of them, as ``--json`` does, is
timed apart). With ``--previous REV`` the agreement of store/agreement.py as it was
at git revision REV runs on the same store too, interleaved with ours.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import islice
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


def agreement_first_page(db) -> None:
    # What `triage agreement` shows: the report and the first 50 disagreements.
    list(islice(agreement(db).disagreements, 50))


def agreement_all_listed(db) -> None:
    for _ in agreement(db).disagreements:
        pass


def previous_agreement(rev: str):
    """store/agreement.py as it was at *rev*, loaded beside ours."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{rev}:store/agreement.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="triage-previous-")) / "previous_agreement.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("previous_agreement", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.agreement


def interleaved(calls: dict, db, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            times[name].append(median_seconds(call, db, 1))
    return {name: statistics.median(values) for name, values in times.items()}


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
    parser.add_argument("--previous", metavar="REV", help="also time agreement() as of REV")
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
        ("agreement()", agreement_first_page),
    ):
        large = median_seconds(call, stores["large"], args.repeats)
        small_s = median_seconds(call, stores["small"], args.repeats)
        print(
            f"{name:<14} {sizes['large']:>9,}: {large:.3f} s | {sizes['small']:,}: {small_s:.3f} s"
            f" | ratio {large / small_s:.1f}x"
        )
    listed = len(agreement(stores["large"]).disagreements)
    whole = median_seconds(agreement_all_listed, stores["large"], max(3, args.repeats // 2))
    print(f"all {listed:,} disagreements listed (report included): {whole:.3f} s")
    if args.previous:
        previous = previous_agreement(args.previous)
        medians = interleaved(
            {"ours": agreement_first_page, "previous": previous}, stores["large"], args.repeats
        )
        print(
            f"agreement() at {sizes['large']:,}, interleaved: ours {medians['ours']:.3f} s, "
            f"{args.previous} {medians['previous']:.3f} s, "
            f"{medians['previous'] / medians['ours']:.0f}x faster"
        )
    for label, cli_args in (
        ("triage stats", ["stats"]),
        ("triage agreement", ["agreement"]),
        ("triage agreement --json", ["agreement", "--json"]),
    ):
        large = cli_seconds(args.db, cli_args, max(3, args.repeats // 2))
        small_s = cli_seconds(small, cli_args, max(3, args.repeats // 2))
        print(f"{label:<23} whole process: {large:.3f} s | at 10,000: {small_s:.3f} s")


if __name__ == "__main__":
    main()
