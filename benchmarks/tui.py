"""The app at scale: launch to first article, handler time per move, peak memory, long articles.

    python benchmarks/tui.py [--sizes 10,100000] [--repeats 5] [--moves 60] [--workdir DIR]
    python benchmarks/tui.py --long [--paragraphs 5,1500] [--keys 30]
    python benchmarks/tui.py --moves-only [--against PYTHON] [--repeats 5] [--moves 60]

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
  printed beside it, and the UI thread's CPU time (time.thread_time) from the key to
  the first frame composed after the reader changed: that includes the frame's
  rendering, so it stays comparable when work moves between a handler and the frame
  (the Line-API reader wraps the lines in view in ``reader.show``; the reader before
  it left all wrapping to the frame).
- peak memory (peak RSS, VmHWM) of a process that opens the app, moves through --moves
  articles and jumps to the end of the queue. Target: under 250 MB at 100k.

With ``--moves-only`` it measures the next-article figures alone, at the large size,
each run in its own process; ``--against PYTHON`` alternates those runs with another
interpreter (a virtualenv with another checkout installed), for a same-run baseline.

With ``--long`` it measures long articles instead: two stores of LONG_ARTICLES
translated Ukrainian articles, one with 5 paragraphs each (the baseline) and one
with 1,500 (about 1.4 MB of text each). Key-to-screen, in-process (Pilot, 140x40),
from the key until the first frame composed after the reader changed (the frame is
where the visible lines are rendered), median over --keys presses of each key:
``j`` (next article), ``v`` (the next column layout) and ``space`` (a page down). The
two stores are measured alternately, one key kind at a time. Target: at most 50 ms
at 1,500 paragraphs, within noise of the 5-paragraph figure. Then the peak memory
of a process that reads every article of its store and pages through each.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
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


async def measure_moves(db: Path, moves: int) -> dict[str, list[float]]:
    """Per move, in ms: UI-thread handler time (wall and the thread's CPU: a loaded
    machine stretches the first, not the second), key to article shown, key to the
    next frame (wall) and the UI thread's CPU time from key to that frame."""
    from article_triage.store.settings import Settings
    from article_triage.tui.app import TriageApp

    app = TriageApp(db, ANALYST, Settings())
    spent: list[float] = []
    spent_cpu: list[float] = []
    shown_at: list[float] = []
    frame_at: list[tuple[float, float]] = []
    framed = asyncio.Event()

    def timed(function, shows=False):
        def wrapper(*args, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)
                spent_cpu.append(time.thread_time() - cpu)
                if shows:
                    shown_at.append(time.perf_counter())

        return wrapper

    figures: dict[str, list[float]] = {
        name: [] for name in ("handler", "handler_cpu", "shown", "frame", "frame_cpu")
    }
    async with app.run_test(size=TERMINAL) as pilot:
        while app.triage.view is None:
            await asyncio.sleep(0.005)
        await pilot.pause()
        display = app._display

        def timed_display(screen, renderable):
            # Every visible line has been rendered by now: the frame after the change.
            if shown_at and not frame_at:
                frame_at.append((time.perf_counter(), time.thread_time()))
                framed.set()
            return display(screen, renderable)

        app._display = timed_display
        # Everything the UI thread runs for one move: the key's action, the highlight
        # handler (starts the read), and the redraw of reader and triage bar.
        queue = app.triage.queue
        queue.action_next_article = timed(queue.action_next_article)
        queue.action_first_article = timed(queue.action_first_article)
        reading = app.triage.reading
        reading._start_read = timed(reading._start_read)
        app.triage.reader.show = timed(app.triage.reader.show, shows=True)
        app.triage.triage_bar.show = timed(app.triage.triage_bar.show)
        for _ in range(moves):
            spent.clear()
            spent_cpu.clear()
            shown_at.clear()
            frame_at.clear()
            framed.clear()
            at_end = queue.cursor >= queue.total - 1
            # Waited for without polling, which would spend the UI thread's time too.
            cpu, started = time.thread_time(), time.perf_counter()
            await app.run_action("first_article" if at_end else "next_article", queue)
            await asyncio.wait_for(framed.wait(), 60)
            (frame_wall, frame_cpu) = frame_at[0]
            figures["handler"].append(sum(spent) * 1000)
            figures["handler_cpu"].append(sum(spent_cpu) * 1000)
            figures["shown"].append((shown_at[0] - started) * 1000)
            figures["frame"].append((frame_wall - started) * 1000)
            figures["frame_cpu"].append((frame_cpu - cpu) * 1000)
            await app.workers.wait_for_complete()
            await pilot.pause()
    return figures


async def memory_workout(db: Path, moves: int) -> None:
    from article_triage.store.settings import Settings
    from article_triage.tui.app import TriageApp

    app = TriageApp(db, ANALYST, Settings())
    async with app.run_test(size=TERMINAL) as pilot:
        while app.triage.view is None:
            await asyncio.sleep(0.005)
        for _ in range(moves):
            await pilot.press("j")
        await pilot.press("end")
        await app.workers.wait_for_complete()
        await pilot.pause()
        target = app.triage.queue.total - 1
        while app.triage.view is None or app.triage.queue.cursor != target:
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


LONG_ARTICLES = 8


def build_long_store(workdir: Path, paragraphs: int) -> Path:
    """LONG_ARTICLES Ukrainian articles of *paragraphs* paragraphs, each translated in full."""
    import random

    from synth import SyntheticText

    from article_triage.store.articles import insert_article
    from article_triage.store.db import open_db
    from article_triage.store.translations import save_translation

    path = workdir / f"tui-long-{paragraphs}.db"
    if path.exists():
        return path
    print(f"building {LONG_ARTICLES} articles of {paragraphs:,} paragraphs ...", flush=True)
    rng = random.Random(paragraphs)
    text = SyntheticText(rng, pool_size=500)
    db = open_db(path)
    for _ in range(LONG_ARTICLES):
        # Four to eight sentences a paragraph: 1,500 of them are about 1.4 MB of text.
        original = [
            " ".join(rng.choices(text.pools["uk"], k=rng.randint(4, 8))) for _ in range(paragraphs)
        ]
        original[0] = f"{rng.randint(2, 10**9)} {original[0]}"
        translated = [
            " ".join(rng.choices(text.pools["en"], k=rng.randint(3, 6))) for _ in range(paragraphs)
        ]
        article_id = insert_article(db, original, title=text.title("uk"), language="uk")
        save_translation(db, article_id, "en", "synthetic", translated, source_lang="uk")
    size = db.execute("SELECT max(length(CAST(text AS BLOB))) FROM articles").fetchone()[0]
    print(f"  {size / 1e6:.2f} MB of original text per article", flush=True)
    db.close()
    return path


class FrameClock:
    """When the app composed each frame, and when the reader last changed."""

    def __init__(self, app) -> None:
        self.frames: list[float] = []
        self.changed_at = 0.0
        display = app._display

        def timed_display(screen, renderable):
            # The update is computed (every visible line rendered) before this call.
            self.frames.append(time.perf_counter())
            return display(screen, renderable)

        app._display = timed_display

    def mark(self, function):
        def wrapper(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            finally:
                self.changed_at = time.perf_counter()

        return wrapper

    async def frame_after_change(self, since: float) -> float:
        """Seconds from *since* to the first frame composed after the last change."""
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            if self.changed_at > since:
                after = [t for t in self.frames if t > self.changed_at]
                if after:
                    return after[0] - since
            await asyncio.sleep(0.0005)
        raise RuntimeError("no frame came after the change")


def long_session(db: Path):
    from article_triage.store.settings import Settings
    from article_triage.tui.app import TriageApp

    return TriageApp(db, ANALYST, Settings())


def reader_at_end(reader) -> bool:
    at_end = getattr(reader, "at_end", None)
    return at_end() if at_end else reader.scroll_y >= reader.max_scroll_y


async def measure_long_keys(db: Path, key: str, presses: int) -> list[float]:
    """Key-to-screen ms of *presses* presses of *key* (j, v or space) on a store of long articles."""
    app = long_session(db)
    shown: list[float] = []
    async with app.run_test(size=TERMINAL) as pilot:
        while app.triage.view is None:
            await asyncio.sleep(0.005)
        await pilot.pause()
        clock = FrameClock(app)
        reader = app.triage.reader
        reader.show = clock.mark(reader.show)
        reader.set_columns = clock.mark(reader.set_columns)
        reader.scroll_page_down = clock.mark(reader.scroll_page_down)
        for _ in range(presses):
            if key == "space" and reader_at_end(reader):
                await pilot.press("home" if app.triage.queue.cursor else "j")
                await app.workers.wait_for_complete()
                await pilot.pause()
            if key == "j" and app.triage.queue.cursor >= app.triage.queue.total - 1:
                await pilot.press("home")
                await app.workers.wait_for_complete()
                await pilot.pause()
            started = time.perf_counter()
            await pilot.press(key)
            shown.append(await clock.frame_after_change(started) * 1000)
            await app.workers.wait_for_complete()
            await pilot.pause()
    return shown


async def long_memory_workout(db: Path, pages: int) -> None:
    app = long_session(db)
    async with app.run_test(size=TERMINAL) as pilot:
        while app.triage.view is None:
            await asyncio.sleep(0.005)
        for _ in range(LONG_ARTICLES):
            for _ in range(pages):
                await pilot.press("space")
            await pilot.press("v", "v", "v", "j")
            await app.workers.wait_for_complete()
            await pilot.pause()


def run_long(args: argparse.Namespace, workdir: Path) -> int:
    sys.path.insert(0, str(REPO / "benchmarks"))
    short, long = (int(s) for s in args.paragraphs.split(","))
    stores = {n: build_long_store(workdir, n) for n in (short, long)}
    print(
        f"\nlong articles: key to screen (Pilot {TERMINAL[0]}x{TERMINAL[1]}, "
        f"median of {args.keys} presses)"
    )
    for key, what in (("j", "next article"), ("v", "columns"), ("space", "page down")):
        figures = {n: [] for n in (short, long)}
        for _round in range(2):  # alternate the stores: noise hits both alike
            for n in (short, long):
                figures[n] += asyncio.run(measure_long_keys(stores[n], key, args.keys // 2))
        a, b = median(figures[short]), median(figures[long])
        print(
            f"  {key:<5} ({what:<12}) {short:>5,} paragraphs: {a:7.1f} ms   "
            f"{long:>5,} paragraphs: {b:7.1f} ms   ratio {b / a:.2f}x (target <= 50 ms)"
        )
    mem = {}
    for n in (short, long):
        out = subprocess.run(
            [sys.executable, __file__, "--long-memory-child", str(stores[n])],
            check=True,
            capture_output=True,
            text=True,
            env={**child_env(stores[n], workdir), "TRIAGE_EXIT_AFTER_FIRST_ARTICLE": ""},
        )
        mem[n] = float(out.stdout.strip().splitlines()[-1])
    print(f"\npeak memory (read {LONG_ARTICLES} articles, 10 pages and every layout of each)")
    print(f"  {short:>5,} paragraphs: {mem[short]:8.1f} MB")
    print(f"  {long:>5,} paragraphs: {mem[long]:8.1f} MB   ratio {mem[long] / mem[short]:.2f}x")
    return 0


def run_moves_only(args: argparse.Namespace, db: Path, size: int, workdir: Path) -> int:
    """The next-article figures alone, each run its own process, alternating with
    --against's interpreter when given (both see the same load); medians of the
    per-run medians."""
    pythons = {"this checkout": sys.executable}
    if args.against:
        pythons["--against"] = args.against
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in pythons}
    for repeat in range(args.repeats):
        for name, python in pythons.items():
            out = subprocess.run(
                [python, __file__, "--moves-child", str(db), "--moves", str(args.moves)],
                check=True,
                capture_output=True,
                text=True,
                env={**child_env(db, workdir), "TRIAGE_EXIT_AFTER_FIRST_ARTICLE": ""},
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            run = {name: median(values) for name, values in figures.items()}
            runs[name].append(run)
            print(
                f"  run {repeat + 1} {name:>13}: handler {run['handler']:.2f} ms "
                f"(CPU {run['handler_cpu']:.2f}), key to frame {run['frame']:.1f} ms, "
                f"UI-thread CPU to frame {run['frame_cpu']:.2f} ms"
            )
    print(
        f"\nnext article at {size:,} articles, medians of {args.repeats} runs of {args.moves} moves"
    )
    for name, measured in runs.items():
        m = {key: median([run[key] for run in measured]) for key in measured[0]}
        print(
            f"  {name:>13}: handler {m['handler']:.2f} ms (CPU {m['handler_cpu']:.2f} ms), "
            f"key to article shown {m['shown']:.1f} ms, key to frame {m['frame']:.1f} ms, "
            f"UI-thread CPU to frame {m['frame_cpu']:.2f} ms"
        )
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100000", help="small,large article counts")
    parser.add_argument("--repeats", type=int, default=5, help="launches per size")
    parser.add_argument("--moves", type=int, default=60, help="moves to the next article")
    parser.add_argument("--workdir", type=Path, help="where the stores are built and kept")
    parser.add_argument("--long", action="store_true", help="measure long articles instead")
    parser.add_argument("--paragraphs", default="5,1500", help="short,long paragraph counts")
    parser.add_argument("--keys", type=int, default=30, help="presses of each key (--long)")
    parser.add_argument(
        "--moves-only",
        action="store_true",
        help="only the next-article figures, at the large size, --repeats processes",
    )
    parser.add_argument(
        "--against",
        help="with --moves-only: another interpreter (another checkout installed), "
        "measured alternately with this one",
    )
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--long-memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--moves-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured

    if args.moves_child:
        print(json.dumps(asyncio.run(measure_moves(args.moves_child, args.moves))))
        return 0
    if args.memory_child:
        asyncio.run(memory_workout(args.memory_child, args.moves))
        print(peak_rss_mb())
        return 0
    if args.long_memory_child:
        asyncio.run(long_memory_workout(args.long_memory_child, 10))
        print(peak_rss_mb())
        return 0

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tui-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.long:
        return run_long(args, workdir)
    small, large = (int(s) for s in args.sizes.split(","))
    if args.moves_only:
        return run_moves_only(args, build_store(workdir, large), large, workdir)
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
    print(f"\nnext article, UI-thread handler time (median of {args.moves} moves)")
    for size in (small, large):
        m = {name: median(values) for name, values in moves[size].items()}
        ratio = median(moves[large]["handler"]) / median(moves[small]["handler"])
        print(
            f"  {size:>9,} articles: {m['handler']:8.2f} ms (CPU {m['handler_cpu']:.2f} ms)   "
            f"(key to article shown "
            f"{m['shown']:6.1f} ms; key to frame {m['frame']:6.1f} ms, "
            f"UI-thread CPU {m['frame_cpu']:6.2f} ms)"
            + (f"   ratio {ratio:.2f}x (target <= 20 ms)" if size == large else "")
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
