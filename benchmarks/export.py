"""Benchmark: `triage export --format csv` (no text) against `sqlite3 -csv` over the same columns.

Targets (issue 6): exporting 100,000 articles as CSV within 2x the time sqlite3's own
CSV output takes for the same SELECT, measured in the same run; peak memory of the
export independent of the number of rows (shown at 10k and 100k).

Both sides run as whole processes (start-up included), several times; figures are
medians. Peak memory is the export process's own ru_maxrss (os.wait4 on that child).

    python benchmarks/export.py [--sizes 10000 100000] [--repeats 5] [--keep DIR]
                                [--where 'sort:published' 'sort:-outlet']

Each ``--where`` query (default: none, every article in import order) is exported as
``triage export --where QUERY`` and compared with ``sqlite3 -csv`` running the same
SELECT (store.export.csv_sql: same rows, columns and ORDER BY), cell for cell.

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
from article_triage.store.query import parse_query  # noqa: E402

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


def run(command: list[str], out_path: Path) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds) of one process writing to *out_path*."""
    with out_path.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {stderr.strip()}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def measure(
    db_path: Path, work: Path, repeats: int, sqlite3: str, where: str = ""
) -> dict[str, float]:
    flt = ArticleFilter(where=parse_query(where)) if where else ArticleFilter()
    sql, params = csv_sql(flt)
    assert not params, "the benchmark's queries take no parameters (sqlite3 -csv gets none)"
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
        *(["--where", where] if where else []),
    ]
    baseline, exported, rss, baseline_cpu, export_cpu = [], [], [], [], []
    for _ in range(repeats):
        # Alternate so that drift on a shared machine hits both sides alike.
        seconds, _, cpu = run(baseline_cmd, work / "sqlite3.csv")
        baseline.append(seconds)
        baseline_cpu.append(cpu)
        seconds, peak, cpu = run(export_cmd, work / "triage.csv")
        exported.append(seconds)
        export_cpu.append(cpu)
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
        "baseline_cpu": statistics.median(baseline_cpu),
        "export_cpu": statistics.median(export_cpu),
        "lines": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the stores in this directory.")
    parser.add_argument(
        "--where",
        nargs="+",
        default=[""],
        metavar="QUERY",
        help="Export these queries (e.g. 'sort:published'), each against sqlite3 -csv.",
    )
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
    print(
        f"sqlite3 shell {version.split()[0]}; {args.repeats} runs each, medians; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    results = {}
    try:
        for size in args.sizes:
            db_path = store_dir / f"export-{size}.db"
            if not db_path.exists():
                started = time.perf_counter()
                how = build_store(db_path, size)
                print(f"built {size:,} articles ({how}) in {time.perf_counter() - started:.1f} s")
            for where in args.where:
                results[size, where] = r = measure(db_path, work, args.repeats, sqlite3, where)
                print(
                    f"{size:>8,} articles{f' --where {where!r}' if where else ''} "
                    f"({r['lines'] - 1:,} records, CSV without text): "
                    f"sqlite3 -csv {r['baseline']:.3f} s | triage export {r['export']:.3f} s | "
                    f"ratio {r['export'] / r['baseline']:.2f}x"
                    f"{' (target <= 2x)' if size >= 100_000 else ' (start-up weighs most here)'} | "
                    f"CPU s {r['baseline_cpu']:.2f} / {r['export_cpu']:.2f} | "
                    f"export peak RSS {r['rss_kib'] / 1024:.1f} MiB",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sizes = sorted({size for size, _ in results})
    for where in args.where if len(sizes) >= 2 else []:
        small, large = results[sizes[0], where], results[sizes[-1], where]
        print(
            f"peak memory{f' --where {where!r}' if where else ''} "
            f"{sizes[-1]:,} vs {sizes[0]:,} articles: "
            f"{large['rss_kib'] / 1024:.1f} / {small['rss_kib'] / 1024:.1f} MiB "
            f"= {large['rss_kib'] / small['rss_kib']:.2f}x (target: about 1x, independent of rows)"
        )


if __name__ == "__main__":
    main()
