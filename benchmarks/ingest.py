"""Benchmark: `triage add` against a plain trafilatura.extract() loop over the same pages.

Targets (issues 2 and 13): importing every page of ../shared/corpus/html, per folder
and in total, everything included (decode, extract, detect language, dedupe, outlets,
stories, write, index), at least 1.5x the throughput of a single-process loop of
plain trafilatura.extract() over the same files, both as whole processes with
start-up included, measured in the same run (on the whole corpus and on each folder
of 40+ pages); extraction quality at least that of plain trafilatura (snippets from
gt/trafilatura/*.json that the text must contain and must not contain); peak memory
of the import under 400 MB; importing a folder of many small text files with flat
memory.

    python benchmarks/ingest.py [--repeats 3] [--workers N] [--many 10000]
                                [--fingerprint FILE] [--stages]
                                [--bytecode compiled|source]

Speed: for each folder and for the whole corpus, `triage add --json FOLDER` into a
fresh store against `python -c LOOP FOLDER` (import trafilatura, extract() every
file in one process), run one after the other, alternating which goes first, every
repeat; medians over --repeats, the ratio of the medians, the CPU seconds of each
process tree, and the load average while they ran (the machine is shared: a ratio
below the CPU-bound ceiling printed with it means other processes held a core).
The ceiling is printed twice: 2 x CPU plain / CPU ours, and the same with the
start-up that runs before any worker (the CPU of `triage add` on an empty folder)
counted as running alone. Our modules are byte-compiled once before timing, as on a
user's machine after the first run (--bytecode source: compiled from source every run,
as this environment's PYTHONDONTWRITEBYTECODE would have it; the plain loop's
trafilatura comes compiled from its wheel either way).
Quality: the texts `triage add` stored for the trafilatura folder against plain
extract() of the same pages. --fingerprint FILE: the language, title and a hash of
the text of every page of the whole-corpus store, written to FILE the first time
and compared with it afterwards (a speed change must not change what is stored).
--stages: CPU seconds of each stage of the import over each folder, in one process.
Memory: `triage add` as a whole process, the resident set of its process tree (the
writer and its workers) sampled from /proc every 20 ms, against the same sampling of
a process that runs the plain loop. Many small files: `triage add FOLDER` at N files
against N/10 files; flat memory means the peak does not grow with N.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import sqlite3
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
HTML = CORPUS / "html"
PAGES = HTML / "trafilatura"
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


# The baseline: what a user of plain trafilatura would run over the same folder.
BASELINE_LOOP = """
import pathlib, sys, trafilatura
for page in sorted(p for p in pathlib.Path(sys.argv[1]).rglob("*") if p.is_file()):
    trafilatura.extract(page.read_bytes())
"""


def corpus_folders() -> list[tuple[str, Path, int]]:
    """(name, folder, pages) for each folder of the corpus, then the whole corpus."""
    folders = sorted(d for d in HTML.iterdir() if d.is_dir())
    found = [(d.name, d, sum(1 for p in d.rglob("*") if p.is_file())) for d in folders]
    return [*found, ("all", HTML, sum(n for _, _, n in found))]


def timed_process(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run *cmd* to the end; (wall seconds, CPU seconds of it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"{cmd[:5]} failed:\n{proc.stderr.decode(errors='replace')[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def add_command(folder: Path, workers: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "article_triage.tui.cli", "add", "--json", str(folder)]
    if workers:
        cmd[4:4] = ["--workers", str(workers)]
    return cmd


def store_env(tmp: str) -> dict[str, str]:
    return {
        **os.environ,
        "TRIAGE_DB": str(Path(tmp) / "bench.db"),
        "TRIAGE_CONFIG": str(Path(tmp) / "none.toml"),
        "PYTHONPATH": str(REPO),
    }


def stored_pages(db_path: str) -> dict[str, tuple[str, str, str]]:
    """Page file name -> (language, title, sha1 of the text) of every stored article."""
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT source, language, title, text FROM articles").fetchall()
    return {
        str(Path(source).relative_to(HTML)): (
            language,
            title or "",
            hashlib.sha1((text or "").encode()).hexdigest(),
        )
        for source, language, title, text in rows
    }


def prepare_bytecode(mode: str) -> None:
    """Our modules' bytecode as --bytecode asks, said in the output.

    On a user's machine Python writes each module's bytecode on its first run and
    reads it on every later one; the installed libraries (trafilatura, which the plain
    loop imports) come compiled from their wheels. This environment sets
    PYTHONDONTWRITEBYTECODE, so without a compiled copy our modules, and only ours,
    would be compiled from source on every run (about 0.045 s of the start-up).
    """
    import compileall
    import shutil

    folders = [REPO / "store", REPO / "tui"]
    if mode == "compiled":
        for folder in folders:
            compileall.compile_dir(folder, quiet=1)
        print("our modules: byte-compiled once before timing (as after a user's first run)")
    else:
        for folder in folders:
            for cache in folder.rglob("__pycache__"):
                shutil.rmtree(cache, ignore_errors=True)
        print("our modules: compiled from source on every run (PYTHONDONTWRITEBYTECODE here)")


def bench_folders(repeats: int, workers: int | None, fingerprint: Path | None) -> None:
    """Both sides as whole processes, per folder and in total, interleaved."""
    sets = corpus_folders()
    print(
        f"whole processes, start-up included (cores: {os.cpu_count()}, "
        f"workers: {workers or os.cpu_count()}), medians of {repeats}, A/B interleaved"
    )
    timings: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {"baseline": [], "ours": []} for name, _, _ in sets
    }
    loads: list[float] = []
    last_store: dict[str, tuple[str, str, str]] = {}
    serial = serial_startup(workers)
    for repeat in range(repeats):
        for name, folder, _ in sets:
            with tempfile.TemporaryDirectory() as tmp:
                env = store_env(tmp)
                runs = {
                    "baseline": [sys.executable, "-c", BASELINE_LOOP, str(folder)],
                    "ours": add_command(folder, workers),
                }
                order = ["baseline", "ours"] if repeat % 2 == 0 else ["ours", "baseline"]
                for side in order:
                    timings[name][side].append(timed_process(runs[side], env))
                    loads.append(os.getloadavg()[0])
                if name == "all":
                    last_store = stored_pages(env["TRIAGE_DB"])

    print(
        f"\n  {'folder':<14}{'pages':>6}{'plain loop':>12}{'triage add':>12}{'ratio':>8}"
        f"{'CPU plain':>11}{'CPU ours':>10}  target"
    )
    for name, _, pages in sets:
        base = statistics.median(t for t, _ in timings[name]["baseline"])
        ours = statistics.median(t for t, _ in timings[name]["ours"])
        base_cpu = statistics.median(c for _, c in timings[name]["baseline"])
        ours_cpu = statistics.median(c for _, c in timings[name]["ours"])
        ratio = base / ours
        target = ("met" if ratio >= 1.5 else "NOT met") if pages >= 40 else "(< 40 pages)"
        print(
            f"  {name:<14}{pages:>6}{base:>10.2f} s{ours:>10.2f} s{ratio:>7.2f}x"
            f"{base_cpu:>9.2f} s{ours_cpu:>8.2f} s  >= 1.5x {target}"
        )
        pairs = sorted(
            b[0] / o[0]
            for b, o in zip(timings[name]["baseline"], timings[name]["ours"], strict=True)
        )
        cores = os.cpu_count() or 1
        # On idle cores the start-up before the workers exist runs alone; the rest shares them.
        idle_ours = serial + max(ours_cpu - serial, 0.0) / cores
        print(
            f"  {'':<14}{'':>6}  each pair: {', '.join(f'{r:.2f}x' for r in pairs)}; "
            f"CPU-bound ceiling on {cores} idle cores: "
            f"{min(cores, cores * base_cpu / ours_cpu):.2f}x, "
            f"{base_cpu / idle_ours:.2f}x with the start-up run alone"
        )
    print(
        f"  load average (1 min) during the runs: median {statistics.median(loads):.1f}, "
        f"{min(loads):.1f}-{max(loads):.1f}"
    )
    if fingerprint is not None:
        check_fingerprint(fingerprint, last_store)


def serial_startup(workers: int | None, repeats: int = 3) -> float:
    """CPU seconds of `triage add` on an empty folder: what runs before any worker does."""
    cpus = []
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        for n in range(repeats):
            env = store_env(tmp)
            env["TRIAGE_DB"] = str(Path(tmp) / f"empty-{n}.db")
            cpus.append(timed_process(add_command(empty, workers), env)[1])
    serial = statistics.median(cpus)
    print(f"  start-up of `triage add` before any worker runs (empty folder): {serial:.2f} CPU s")
    return serial


def check_fingerprint(path: Path, stored: dict[str, tuple[str, str, str]]) -> None:
    """Write what was stored to *path*, or say how it differs from what *path* holds."""
    if not path.exists():
        path.write_text(json.dumps(stored, indent=1, sort_keys=True), encoding="utf-8")
        print(f"\n  fingerprint of {len(stored)} stored pages written to {path}")
        return
    before = {k: tuple(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    fields = ("language", "title", "text")
    changed = {
        field: sorted(k for k in before.keys() & stored.keys() if before[k][i] != stored[k][i])
        for i, field in enumerate(fields)
    }
    print(f"\n  against the fingerprint in {path}:")
    print(
        f"    pages stored: {len(stored)} (before {len(before)}); "
        f"missing now: {sorted(before.keys() - stored.keys())[:5]}, new: {sorted(stored.keys() - before.keys())[:5]}"
    )
    for field in fields:
        print(f"    {field} changed on {len(changed[field])} pages {changed[field][:5]}")


def bench_quality(workers: int | None) -> None:
    files = sorted(p for p in PAGES.iterdir() if p.is_file())
    print("\nextraction quality (ground-truth snippets, trafilatura folder)")
    baseline_texts = plain_loop(files)
    _, ours_texts = ingest_once(workers)
    base_score, ours_score = snippet_score(baseline_texts), snippet_score(ours_texts)
    print(f"  baseline plain trafilatura: {base_score:.3f}")
    print(
        f"  triage add:                 {ours_score:.3f}   ratio {ours_score / base_score:.3f}   target >= 1.000"
    )


def bench_memory(workers: int | None) -> None:
    print("\npeak memory (whole process tree, RSS sampled every 20 ms, trafilatura folder)")
    with tempfile.TemporaryDirectory() as tmp:
        env = store_env(tmp)
        _, base_peak, _, _ = run_sampled([sys.executable, "-c", BASELINE_LOOP, str(PAGES)], env)
        cli_seconds, ours_peak, _, code = run_sampled(add_command(PAGES, workers), env)
    print(f"  baseline plain loop process:       {mb(base_peak)}")
    print(
        f"  triage add (writer + workers):     {mb(ours_peak)}   ratio {ours_peak / base_peak:.2f}   target < 400 MB"
    )
    print(f"  (that `triage add` run, start-up included: {cli_seconds:.2f} s, exit code {code})")


def bench_stages() -> None:
    """CPU seconds of each stage of the import, one process, per folder of the corpus.

    The workers' part (read_input: decode, extract, capture, simhash) and the
    writer's (language, insert and FTS, outlets, stories) are timed apart, against
    plain extract() of the same pages: the writer's part runs in one process, so
    on two cores it bounds the import once it exceeds the workers' share.
    """
    import trafilatura

    from article_triage.store import outlets
    from article_triage.store.db import open_db
    from article_triage.store.ingest.language import DEFAULT_LANGUAGES
    from article_triage.store.ingest.pipeline import write_results
    from article_triage.store.ingest.read import WorkerSettings, read_input
    from article_triage.store.ingest.sources import Input
    from article_triage.store.stories.cluster import StoryAssigner

    # What the post-insert hook calls (store.ingest.pipeline.after_insert).
    hooks = {"outlets": (outlets, "annotate_article"), "stories": (StoryAssigner, "assign")}
    spent: dict[str, float] = {}

    def timing(name: str, fn):
        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - started

        return timed

    originals = {name: getattr(module, attr) for name, (module, attr) in hooks.items()}
    for name, (module, attr) in hooks.items():
        setattr(module, attr, timing(name, originals[name]))
    settings = WorkerSettings(
        timeout=20.0,
        max_bytes=20 * 1024 * 1024,
        allow_private_addresses=False,
        languages=DEFAULT_LANGUAGES,
        fetch_feed_links=False,
    )
    print("\nCPU seconds by stage, one process (workers' part | writer's part)")
    try:
        for name, folder, pages in corpus_folders()[:-1]:
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            spent.clear()
            started = time.process_time()
            for page in files:
                trafilatura.extract(page.read_bytes())
            plain = time.process_time() - started
            started = time.process_time()
            results = [
                r for page in files for r in read_input(Input(str(page), path=str(page)), settings)
            ]
            reading = time.process_time() - started
            with tempfile.TemporaryDirectory() as tmp:
                db = open_db(Path(tmp) / "stages.db")
                started = time.process_time()
                write_results(db, results, None, DEFAULT_LANGUAGES)
                writing = time.process_time() - started
                db.close()
            hooked = sum(spent.values())
            print(
                f"  {name:<14}{pages:>4} pages: plain extract() {plain:5.2f} | read_input {reading:5.2f} | "
                f"writer {writing:5.2f} = stories {spent.get('stories', 0):5.2f} + outlets "
                f"{spent.get('outlets', 0):4.2f} + language, insert, FTS {writing - hooked:4.2f}"
            )
    finally:
        for name, (module, attr) in hooks.items():
            setattr(module, attr, originals[name])


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
            env = store_env(tmp)
            seconds, peak, _, code = run_sampled(add_command(root, workers), env)
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
    parser.add_argument(
        "--fingerprint",
        type=Path,
        default=None,
        help="JSON of what the whole-corpus import stored: written once, compared afterwards",
    )
    parser.add_argument("--stages", action="store_true", help="also time each stage in-process")
    parser.add_argument(
        "--speed-only", action="store_true", help="skip quality and memory (still prints speed)"
    )
    parser.add_argument(
        "--bytecode",
        choices=("compiled", "source"),
        default="compiled",
        help="compiled (default): our modules byte-compiled once before timing, as Python "
        "writes them on a user's first run; source: compiled from source on every run, as "
        "here, where PYTHONDONTWRITEBYTECODE is set (trafilatura's come compiled either way)",
    )
    args = parser.parse_args()
    prepare_bytecode(args.bytecode)
    bench_folders(args.repeats, args.workers, args.fingerprint)
    if args.stages:
        bench_stages()
    if not args.speed_only:
        bench_quality(args.workers)
        bench_memory(args.workers)
    if args.many:
        bench_many(args.many, args.workers)


if __name__ == "__main__":
    main()
