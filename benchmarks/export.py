"""Benchmark: `triage export --format csv` (no text) against `sqlite3 -csv` over the same columns.

Targets (issue 6): exporting 100,000 articles as CSV within 2x the time sqlite3's own
CSV output takes for the same SELECT, measured in the same run; peak memory of the
export independent of the number of rows (shown at 10k and 100k).

Both sides run as whole processes (start-up included), several times; figures are
medians. Peak memory is the export process's own ru_maxrss (os.wait4 on that child).

    python benchmarks/export.py [--sizes 10000 100000] [--repeats 5] [--keep DIR]

Stores are built with benchmarks/synth.py when it exists, else generated here
through the store's own functions (articles, outlets, citations, suggestions and
one or two analysts' decisions on most articles).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from article_triage.store.articles import ArticleFilter  # noqa: E402
from article_triage.store.export import csv_sql  # noqa: E402

SYNTH = REPO / "benchmarks" / "synth.py"


def build_store(path: Path, articles: int) -> str:
    """A store of *articles* articles, built by benchmarks/synth.py; returns how it was built."""
    built = subprocess.run(
        [sys.executable, str(SYNTH), "--db", str(path), "--articles", str(articles)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        raise SystemExit(f"benchmarks/synth.py failed: {built.stderr.strip()}")
    return "benchmarks/synth.py"


def run(command: list[str], out_path: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of one process writing to *out_path*."""
    with out_path.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {stderr.strip()}")
    return elapsed, usage.ru_maxrss


def measure(db_path: Path, work: Path, repeats: int, sqlite3: str) -> dict[str, float]:
    sql, params = csv_sql(ArticleFilter())
    assert not params, "the export-all query takes no parameters"
    baseline_cmd = [sqlite3, "-csv", "-header", str(db_path), sql]
    export_cmd = [
        sys.executable,
        "-m",
        "article_triage.tui.cli",
        "--db",
        str(db_path),
        "export",
        "--format",
        "csv",
        "-o",
        "-",
    ]
    baseline, exported, rss = [], [], []
    for _ in range(repeats):
        # Alternate so that drift on a shared machine hits both sides alike.
        baseline.append(run(baseline_cmd, work / "sqlite3.csv")[0])
        seconds, peak = run(export_cmd, work / "triage.csv")
        exported.append(seconds)
        rss.append(peak)
    # Same SELECT, so the two files must hold the same cells (quoting may differ).
    with (
        (work / "triage.csv").open(encoding="utf-8", newline="") as ours,
        (work / "sqlite3.csv").open(encoding="utf-8", newline="") as theirs,
    ):
        rows = 0
        for mine, reference in itertools.zip_longest(csv.reader(ours), csv.reader(theirs)):
            if mine != reference:
                raise SystemExit(f"outputs differ at row {rows}: {mine} != {reference}")
            rows += 1
    return {
        "baseline": statistics.median(baseline),
        "export": statistics.median(exported),
        "rss_kib": statistics.median(rss),
        "lines": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the stores in this directory.")
    args = parser.parse_args()

    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise SystemExit(
            "the sqlite3 command-line shell is not installed, and it is this benchmark's "
            "baseline: install it (apt-get install sqlite3) and run again"
        )
    version = subprocess.run([sqlite3, "--version"], capture_output=True, text=True).stdout
    work = Path(tempfile.mkdtemp(prefix="triage-export-bench-"))
    store_dir = args.keep or work
    store_dir.mkdir(parents=True, exist_ok=True)
    print(f"sqlite3 shell {version.split()[0]}; {args.repeats} runs each, medians")
    results = {}
    try:
        for size in args.sizes:
            db_path = store_dir / f"export-{size}.db"
            if not db_path.exists():
                started = time.perf_counter()
                how = build_store(db_path, size)
                print(f"built {size:,} articles ({how}) in {time.perf_counter() - started:.1f} s")
            results[size] = r = measure(db_path, work, args.repeats, sqlite3)
            print(
                f"{size:>8,} articles ({r['lines'] - 1:,} records, CSV without text): "
                f"sqlite3 -csv {r['baseline']:.3f} s | triage export {r['export']:.3f} s | "
                f"ratio {r['export'] / r['baseline']:.2f}x"
                f"{' (target <= 2x)' if size >= 100_000 else ' (start-up weighs most here)'} | "
                f"export peak RSS {r['rss_kib'] / 1024:.1f} MiB"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if len(results) >= 2:
        small, large = min(results), max(results)
        ratio = results[large]["rss_kib"] / results[small]["rss_kib"]
        print(
            f"peak memory {large:,} vs {small:,} articles: "
            f"{results[large]['rss_kib'] / 1024:.1f} / {results[small]['rss_kib'] / 1024:.1f} MiB "
            f"= {ratio:.2f}x (target: about 1x, independent of rows)"
        )


if __name__ == "__main__":
    main()
