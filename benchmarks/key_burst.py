"""What the key gate costs a burst: 100 ``j`` and a stance handed to the app at once.

    python benchmarks/key_burst.py [--repeats 7] [--articles 300] [--workdir DIR]
                                   [--against PYTHON]

In process (Pilot, 140x40), over a store of --articles articles built once with
``benchmarks/synth.py``: the app shows its first article and settles, then 100 ``j``
and ``4`` (stance mixed) are handed to the driver at once, as one read from the
terminal delivers them, and the clock runs until the stance is stored on the 101st
article. Printed per run and as medians: wall time, the process's CPU time (UI
thread and workers) and the UI thread's own CPU time (time.thread_time).

With ``--against PYTHON`` the same measurement runs alternately under another
interpreter (a virtualenv with another checkout installed, e.g. main before a change),
one run each in turn, so both see the same load; each run is its own process.
``--no-gate`` adds, in the same rotation, this checkout with the gate bypassed (every
key routed at once, as before the gate existed): the floor the gate's cost is read from.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/tui.py (this folder is first on sys.path when run as a script) builds the
# synthetic store both benchmarks read.
from tui import build_store

REPO = Path(__file__).resolve().parents[1]
ANALYST = "bench"  # not one of synth.py's analysts: every article starts undecided
TERMINAL = (140, 40)
MOVES = 100
STANCE_KEY, STANCE = "4", "mixed"


async def burst_once(db: Path, *, no_gate: bool = False) -> dict[str, float]:
    from textual import events

    from article_triage.store.settings import Settings
    from article_triage.tui.app import TriageApp

    if no_gate:  # the reference: every key routed at once, as before the gate
        from article_triage.tui.key_gate import KeyGate

        KeyGate.admit = lambda self, event: False

    app = TriageApp(db, ANALYST, Settings())
    async with app.run_test(size=TERMINAL) as pilot:
        while app.triage.view is None:
            await asyncio.sleep(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.triage
        target = screen.queue.cursor + MOVES
        started, cpu, ui_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        for key in ["j"] * MOVES + [STANCE_KEY]:
            event = events.Key(key, key)
            event.set_sender(app)
            app._driver.send_message(event)
        # A short sleep between looks: the check itself is a few attribute reads.
        while not (
            screen.queue.cursor == target
            and screen.view is not None
            and screen.view.decision.stance == STANCE
        ):
            await asyncio.sleep(0.002)
        figures = {
            "wall": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "ui_cpu": time.thread_time() - ui_cpu,
        }
        await app.workers.wait_for_complete()
    return figures


def run_child(python: str, db: Path, workdir: Path, *, no_gate: bool) -> dict[str, float]:
    """One burst in a fresh process on a fresh copy of the store."""
    copy = workdir / "burst-run.db"
    shutil.copyfile(db, copy)
    out = subprocess.run(
        [python, __file__, "--child", str(copy)] + (["--no-gate"] if no_gate else []),
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="bursts per interpreter")
    parser.add_argument("--articles", type=int, default=300, help="articles in the store")
    parser.add_argument("--workdir", type=Path, help="where the store is built and kept")
    parser.add_argument("--against", help="another interpreter to measure alternately")
    parser.add_argument(
        "--no-gate", action="store_true", help="also measure with the gate bypassed (reference)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(burst_once(args.child, no_gate=args.no_gate))))
        return 0
    sys.stdout.reconfigure(line_buffering=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="key-burst-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = build_store(workdir, args.articles)
    variants = {"this checkout": (sys.executable, False)}
    if args.against:
        variants["--against"] = (args.against, False)
    if args.no_gate:
        variants["gate bypassed"] = (sys.executable, True)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for repeat in range(args.repeats):
        for name, (python, no_gate) in variants.items():
            run = run_child(python, db, workdir, no_gate=no_gate)
            runs[name].append(run)
            print(
                f"  run {repeat + 1} {name:>13}: wall {run['wall']:.3f} s, "
                f"CPU {run['cpu']:.3f} s (UI thread {run['ui_cpu']:.3f} s)"
            )
    print(f"\n{MOVES} j and a stance in one burst, {args.articles} articles, medians:")
    for name, measured in runs.items():
        med = {k: statistics.median(r[k] for r in measured) for k in ("wall", "cpu", "ui_cpu")}
        print(
            f"  {name:>13}: wall {med['wall']:.3f} s, CPU {med['cpu']:.3f} s "
            f"(UI thread {med['ui_cpu']:.3f} s), {args.repeats} runs"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
