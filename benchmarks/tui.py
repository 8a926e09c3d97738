"""The app at scale: launch to first article, handler time per move, peak memory.

    python benchmarks/tui.py [--sizes 10,100000] [--repeats 5] [--moves 60] [--workdir DIR]

Stores are built once per size with ``benchmarks/synth.py`` (kept in --workdir, a
temporary directory by default). Every figure is measured at the large size and at
the small one in the same run, and printed with their ratio:

- launch -> first article: ``python -m tui.cli --db STORE open`` as a real process
  in a pseudo-terminal (140x40) with TRIAGE_EXIT_AFTER_FIRST_ARTICLE=1, so the app
  exits once the first article is on screen; timed from outside, sizes
  interleaved, median of --repeats. Target: 100k at most 1.3x the 10-article time.
- handler time per move to the next article (in-process, Pilot): the UI thread's
  time in the key's action, the highlight handler and the ArticleLoaded handler
  (reader and triage bar redraw); median over --moves moves. Target: at most 20 ms
  at 100k. The wall time from key to article shown (a worker reads the article) is
  printed beside it.
- peak memory (peak RSS, VmHWM) of a process that opens the app, moves through --moves
  articles and jumps to the end of the queue. Target: under 250 MB at 100k.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import resource
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ANALYST = "olena"  # one of synth.py's analysts, so about 30% of the queue is graded
TERMINAL = (140, 40)


def build_store(workdir: Path, size: int) -> Path:
    path = workdir / f"tui-bench-{size}.db"
    if not path.exists():
        print(f"building a store of {size:,} articles with benchmarks/synth.py ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks" / "synth.py"),
                "--db",
                str(path),
                "--articles",
                str(size),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return path


def child_env(db: Path, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TRIAGE_DB=str(db),
        TRIAGE_CONFIG=str(workdir / "no-config.toml"),
        TRIAGE_ANALYST=ANALYST,
        TRIAGE_EXIT_AFTER_FIRST_ARTICLE="1",
        PYTHONPATH=str(REPO),
    )
    return env


def launch_once(db: Path, workdir: Path) -> float:
    """Seconds from exec to exit of an app that quits once the first article is shown."""
    master, slave = os.openpty()
    rows, cols = TERMINAL[1], TERMINAL[0]
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "article_triage.tui.cli", "open"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env(db, workdir),
        cwd=REPO,
        start_new_session=True,
    )
    os.close(slave)
    output = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            elif proc.poll() is not None:
                break
            if time.perf_counter() - start > 120:
                proc.kill()
                raise RuntimeError("the app did not exit within 120 s")
        code = proc.wait(timeout=30)
        elapsed = time.perf_counter() - start
    finally:
        os.close(master)
    if code != 0:
        tail = output[-400:].decode("utf-8", "replace")
        raise RuntimeError(f"the app exited with {code}: {tail!r}")
    return elapsed


async def measure_moves(db: Path, moves: int) -> tuple[list[float], list[float]]:
    """(UI-thread handler ms per move, key-to-article-shown ms per move)."""
    from article_triage.store.config import Config
    from article_triage.tui.app import TriageApp

    app = TriageApp(db, ANALYST, Config())
    spent: list[float] = []

    def timed(function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)

        return wrapper

    handler_ms: list[float] = []
    shown_ms: list[float] = []
    async with app.run_test(size=TERMINAL) as pilot:
        while app.view is None:
            await asyncio.sleep(0.005)
        await pilot.pause()
        # Everything the UI thread runs for one move: the key's action, the highlight
        # handler (starts the read), and the redraw of reader and triage bar.
        app.action_next_article = timed(app.action_next_article)
        app.action_first_article = timed(app.action_first_article)
        app._load_article = timed(app._load_article)
        app.reader.show = timed(app.reader.show)
        app.triage_bar.show = timed(app.triage_bar.show)
        for _ in range(moves):
            spent.clear()
            previous = app.view.id
            started = time.perf_counter()
            at_end = app.queue.cursor >= app.queue.total - 1
            await app.run_action("first_article" if at_end else "next_article")
            while app.view.id == previous:
                await asyncio.sleep(0.0005)
            shown_ms.append((time.perf_counter() - started) * 1000)
            handler_ms.append(sum(spent) * 1000)
            await pilot.pause()
    return handler_ms, shown_ms


async def memory_workout(db: Path, moves: int) -> None:
    from article_triage.store.config import Config
    from article_triage.tui.app import TriageApp

    app = TriageApp(db, ANALYST, Config())
    async with app.run_test(size=TERMINAL) as pilot:
        while app.view is None:
            await asyncio.sleep(0.005)
        for _ in range(moves):
            await pilot.press("j")
        await pilot.press("end")
        await app.workers.wait_for_complete()
        await pilot.pause()
        target = app.queue.total - 1
        while app.view is None or app.queue.cursor != target:
            await asyncio.sleep(0.01)


def peak_rss_mb() -> float:
    """This process's peak resident set, in MB.

    VmHWM, not getrusage: ru_maxrss survives exec, so a child forked from a big
    parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_memory_mb(db: Path, workdir: Path, moves: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(db), "--moves", str(moves)],
        check=True,
        capture_output=True,
        text=True,
        env={**child_env(db, workdir), "TRIAGE_EXIT_AFTER_FIRST_ARTICLE": ""},
    )
    return float(out.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100000", help="small,large article counts")
    parser.add_argument("--repeats", type=int, default=5, help="launches per size")
    parser.add_argument("--moves", type=int, default=60, help="moves to the next article")
    parser.add_argument("--workdir", type=Path, help="where the stores are built and kept")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured

    if args.memory_child:
        asyncio.run(memory_workout(args.memory_child, args.moves))
        print(peak_rss_mb())
        return 0

    small, large = (int(s) for s in args.sizes.split(","))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tui-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    stores = {size: build_store(workdir, size) for size in (small, large)}

    launches: dict[int, list[float]] = {small: [], large: []}
    launch_once(stores[small], workdir)  # warm the file cache and bytecode once
    for _ in range(args.repeats):
        for size in (small, large):
            launches[size].append(launch_once(stores[size], workdir))
    a, b = median(launches[small]), median(launches[large])
    print(f"\nlaunch -> first article (real process in a pty, median of {args.repeats})")
    print(f"  {small:>9,} articles: {a * 1000:8.0f} ms")
    print(f"  {large:>9,} articles: {b * 1000:8.0f} ms   ratio {b / a:.2f}x (target <= 1.3x)")

    moves = {size: asyncio.run(measure_moves(stores[size], args.moves)) for size in (small, large)}
    (hs, ss), (hl, sl) = moves[small], moves[large]
    print(f"\nnext article, UI-thread handler time (median of {args.moves} moves)")
    print(
        f"  {small:>9,} articles: {median(hs):8.2f} ms   (key to article shown {median(ss):6.1f} ms)"
    )
    print(
        f"  {large:>9,} articles: {median(hl):8.2f} ms   (key to article shown {median(sl):6.1f} ms)"
        f"   ratio {median(hl) / median(hs):.2f}x (target <= 20 ms)"
    )

    mem = {size: peak_memory_mb(stores[size], workdir, args.moves) for size in (small, large)}
    print(f"\npeak memory (peak RSS: open, {args.moves} moves, jump to the end)")
    print(f"  {small:>9,} articles: {mem[small]:8.1f} MB")
    print(
        f"  {large:>9,} articles: {mem[large]:8.1f} MB   ratio {mem[large] / mem[small]:.2f}x "
        "(target < 250 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
