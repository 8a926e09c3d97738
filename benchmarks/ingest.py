"""Benchmark: `triage add` against a plain trafilatura.extract() loop over the same pages.

Targets (issue 2): importing the 147 pages in ../shared/corpus/html/trafilatura,
everything included (decode, extract, detect language, dedupe, write, index), at
least 1.5x the throughput of a single-process loop of plain trafilatura.extract()
over the same files, measured in the same run; extraction quality at least that of
plain trafilatura (snippets from gt/trafilatura/*.json that the text must contain
and must not contain); peak memory of the import under 400 MB; importing a folder
of many small text files with flat memory.

    python benchmarks/ingest.py [--repeats 3] [--workers N] [--many 10000]

Speed: medians over --repeats; both sides read the files from disk inside the
timed region, in this process (the import through store.ingest.import_sources, the
code `triage add` runs). Memory: `triage add` as a whole process, the resident
set of its process tree (the writer and its workers) sampled from /proc every
20 ms, against the same sampling of a process that runs the plain loop. Many small
files: `triage add FOLDER` at N files against N/10 files; flat memory means the
peak does not grow with N.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPUS = REPO.parent / "shared" / "corpus"
PAGES = CORPUS / "html" / "trafilatura"
GROUND_TRUTH = CORPUS / "gt" / "trafilatura"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def snippet_score(texts: dict[str, str]) -> float:
    """Share of ground-truth snippets handled right: "with" found, "without" absent."""
    right = total = 0
    for name, text in texts.items():
        truth = json.loads((GROUND_TRUTH / f"{name}.json").read_text(encoding="utf-8"))
        for snippet in truth.get("with", []):
            total += 1
            right += snippet in text
        for snippet in truth.get("without", []):
            total += 1
            right += snippet not in text
    return right / total


def plain_loop(files: list[Path]) -> dict[str, str]:
    import trafilatura

    return {f.name: trafilatura.extract(f.read_bytes()) or "" for f in files}


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its reaped children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def ingest_once(workers: int | None) -> tuple[float, dict[str, str]]:
    from article_triage.store.db import open_db
    from article_triage.store.ingest import ImportOptions, import_sources

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        started = time.perf_counter()
        report = import_sources(db, [str(PAGES)], ImportOptions(workers=workers))
        elapsed = time.perf_counter() - started
        if report.failed:
            print(f"  note: {report.failed} pages failed: {report.failures[:3]}")
        texts = {
            Path(source).name: text
            for source, text in db.execute("SELECT source, text FROM articles")
        }
        db.close()
    return elapsed, texts


def tree_rss(pid: int) -> int:
    """Resident bytes of *pid* and all its descendants."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE_SIZE
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_sampled(
    cmd: list[str], env: dict[str, str]
) -> tuple[float, int, list[tuple[float, int]], int]:
    """Run *cmd*; return (seconds, peak tree RSS bytes, samples, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[tuple[float, int]] = []
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        samples.append((time.perf_counter() - started, tree_rss(proc.pid)))
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    reader.join()
    if proc.returncode not in (0, 1):
        print(b"".join(stderr_chunks).decode(errors="replace")[-2000:])
    return elapsed, max((s for _, s in samples), default=0), samples, proc.returncode


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def bench_corpus(repeats: int, workers: int | None) -> None:
    files = sorted(p for p in PAGES.iterdir() if p.is_file())
    print(
        f"pages: {len(files)} in {PAGES}  (cores: {os.cpu_count()}, workers: {workers or os.cpu_count()})"
    )
    plain_loop(files[:3])  # import trafilatura and warm it before timing
    baseline_times, ours_times = [], []
    baseline_texts: dict[str, str] = {}
    ours_texts: dict[str, str] = {}
    baseline_cpu, writer_cpu, workers_cpu = [], [], []
    for _ in range(repeats):
        before = cpu_seconds()
        started = time.perf_counter()
        baseline_texts = plain_loop(files)
        baseline_times.append(time.perf_counter() - started)
        middle = cpu_seconds()
        elapsed, ours_texts = ingest_once(workers)
        ours_times.append(elapsed)
        after = cpu_seconds()
        baseline_cpu.append(middle[0] - before[0])
        writer_cpu.append(after[0] - middle[0])
        workers_cpu.append(after[1] - middle[1])
    base, ours = statistics.median(baseline_times), statistics.median(ours_times)
    print(f"\nthroughput (median of {repeats})")
    print(
        f"  baseline  plain trafilatura.extract() loop, 1 process: {base:6.2f} s  {len(files) / base:6.1f} pages/s"
    )
    print(
        f"  triage add (import_sources, all stages):             {ours:6.2f} s  {len(files) / ours:6.1f} pages/s"
    )
    print(f"  ratio (ours / baseline throughput): {base / ours:.2f}x   target >= 1.5x")
    base_cpu = statistics.median(baseline_cpu)
    ours_cpu = statistics.median(writer_cpu) + statistics.median(workers_cpu)
    print(
        f"  CPU seconds: baseline {base_cpu:.2f}; ours {ours_cpu:.2f} "
        f"(writer {statistics.median(writer_cpu):.2f} + workers {statistics.median(workers_cpu):.2f}), "
        f"ratio {ours_cpu / base_cpu:.2f}"
    )
    print(
        f"  (on {os.cpu_count()} otherwise idle cores the import can run at most "
        f"{(os.cpu_count() or 1) * base_cpu / ours_cpu:.2f}x the baseline; a lower figure above "
        "means other processes held a core)"
    )

    print("\nextraction quality (ground-truth snippets)")
    base_score, ours_score = snippet_score(baseline_texts), snippet_score(ours_texts)
    print(f"  baseline plain trafilatura: {base_score:.3f}")
    print(
        f"  triage add:                 {ours_score:.3f}   ratio {ours_score / base_score:.3f}   target >= 1.000"
    )

    print("\npeak memory (whole process tree, RSS sampled every 20 ms)")
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TRIAGE_DB": str(Path(tmp) / "mem.db"),
            "TRIAGE_CONFIG": str(Path(tmp) / "none.toml"),
        }
        loop = (
            "import sys, pathlib, trafilatura\n"
            "for p in sorted(pathlib.Path(sys.argv[1]).iterdir()):\n"
            "    trafilatura.extract(p.read_bytes())\n"
        )
        _, base_peak, _, _ = run_sampled([sys.executable, "-c", loop, str(PAGES)], env)
        cmd = [sys.executable, "-m", "article_triage.tui.cli", "add", "--json", str(PAGES)]
        if workers:
            cmd[4:4] = ["--workers", str(workers)]
        cli_seconds, ours_peak, _, code = run_sampled(cmd, {**env, "PYTHONPATH": str(REPO)})
    print(f"  baseline plain loop process:       {mb(base_peak)}")
    print(
        f"  triage add (writer + workers):     {mb(ours_peak)}   ratio {ours_peak / base_peak:.2f}   target < 400 MB"
    )
    print(f"  (that `triage add` run, start-up included: {cli_seconds:.2f} s, exit code {code})")


def make_small_files(root: Path, count: int) -> None:
    words = [
        "уряд",
        "казахстан",
        "експорт",
        "зброї",
        "комісія",
        "рішення",
        "рік",
        "продукції",
        "військової",
        "міністерство",
        "government",
        "export",
        "arms",
        "commission",
        "decision",
        "year",
        "defence",
        "ministry",
        "border",
        "talks",
        "Regierung",
        "Export",
        "Waffen",
        "Kommission",
        "Entscheidung",
        "Jahr",
        "Ministerium",
        "Grenze",
        "Gespräche",
    ]
    rng = random.Random(7)
    for i in range(count):
        folder = root / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        body = " ".join(rng.choice(words) for _ in range(40))
        (folder / f"{i:06d}.txt").write_text(f"Item {i}\n\n{body} {i}.\n", encoding="utf-8")


def bench_many(count: int, workers: int | None) -> None:
    print(f"\nmany small files: `triage add FOLDER` at {count:,} and {count // 10:,} text files")
    results = {}
    for n in (count // 10, count):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "files"
            make_small_files(root, n)
            env = {
                **os.environ,
                "TRIAGE_DB": str(Path(tmp) / "many.db"),
                "TRIAGE_CONFIG": str(Path(tmp) / "none.toml"),
                "PYTHONPATH": str(REPO),
            }
            cmd = [sys.executable, "-m", "article_triage.tui.cli", "add", "--json", str(root)]
            if workers:
                cmd[4:4] = ["--workers", str(workers)]
            seconds, peak, _, code = run_sampled(cmd, env)
            import sqlite3

            stored = (
                sqlite3.connect(env["TRIAGE_DB"])
                .execute("SELECT count(*) FROM articles")
                .fetchone()[0]
            )
            results[n] = (seconds, peak)
            print(
                f"  {n:>7,} files: {seconds:7.1f} s  {n / seconds:7.0f} files/s  peak {mb(peak)}  stored {stored:,}  exit {code}"
            )
    small, large = results[count // 10], results[count]
    print(
        f"  peak memory ratio ({count:,} / {count // 10:,} files): {large[1] / small[1]:.2f}   flat means ~1.0"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--many", type=int, default=10_000, help="small files for the flat-memory run (0: skip)"
    )
    args = parser.parse_args()
    bench_corpus(args.repeats, args.workers)
    if args.many:
        bench_many(args.many, args.workers)


if __name__ == "__main__":
    main()
