"""Benchmark: `triage agreement` with many analysts on the same articles.

    python benchmarks/agreement_analysts.py [--analysts 50 150 600] [--repeats 3] [--previous REV]

Kappa for every pair of analysts grows with the square of the analysts on an article
(600 on one article are 179,700 pairs a field). Each figure is a whole `triage
agreement` process on a store built here: ANALYSTS analysts grading the same two
articles on every field, values drawn at random with a fixed seed, merged from a
file as a colleague's export would be. With ``--previous REV`` the command runs on
the same store with store/agreement.py and tui/commands/agreement.py as they were
at git revision REV (a worktree of that revision), interleaved with ours.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["state-media-sourcing", "single-source", "anonymous-source"]


def build_store(path: Path, analysts: int, articles: int = 2) -> None:
    rng = random.Random(1)
    records = [
        {
            "schema_version": "1.0",
            "url": f"https://example.org/a{n}",
            "title": f"Article {n}",
            "language": "de",
            "text": f"Bericht Nummer {n}.\n\nZweiter Absatz {n}.",
            "analyst": f"analyst{i:04d}",
            "status": "done",
            "stance": rng.choice(["critical", "neutral", "supportive"]),
            "reliability": rng.choice("ABC"),
            "credibility": rng.choice("123"),
            "flags": rng.sample(FLAGS, rng.randint(0, 2)),
            "notes": "",
            "triaged_at": "2024-03-05T10:00:00Z",
            "adjudicated": False,
        }
        for i in range(analysts)
        for n in range(articles)
    ]
    merged = path.with_suffix(".jsonl")
    merged.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    triage(REPO, path, "merge", str(merged))


def triage(checkout: Path, db_path: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(checkout), "TRIAGE_DB": str(db_path)}
    command = [sys.executable, "-m", "article_triage.tui.cli", "--analyst", "lead", *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=checkout)


def previous_checkout(rev: str) -> Path:
    """A worktree of *rev* whose `article_triage` package points at its own files."""
    where = Path(tempfile.mkdtemp(prefix="triage-previous-"))
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(where / "repo"), rev],
                   check=True, capture_output=True)  # fmt: skip
    package = where / "article_triage"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "store").symlink_to(where / "repo" / "store")
    (package / "tui").symlink_to(where / "repo" / "tui")
    return where


def seconds(checkout: Path, db_path: Path, args: list[str]) -> float:
    started = time.perf_counter()
    triage(checkout, db_path, "agreement", *args)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analysts", type=int, nargs="+", default=[50, 150, 600])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--previous", metavar="REV", help="also time the command as of REV")
    args = parser.parse_args()
    ours = Path(tempfile.mkdtemp(prefix="triage-ours-"))
    package = ours / "article_triage"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "store").symlink_to(REPO / "store")
    (package / "tui").symlink_to(REPO / "tui")
    checkouts = {"ours": ours}
    if args.previous:
        checkouts[args.previous] = previous_checkout(args.previous)
    try:
        run(checkouts, args)
    finally:
        if args.previous:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                            str(checkouts[args.previous] / "repo")], check=False)  # fmt: skip


def run(checkouts: dict[str, Path], args: argparse.Namespace) -> None:
    for analysts in args.analysts:
        db_path = Path(tempfile.mkdtemp(prefix="triage-agree-")) / "store.db"
        build_store(db_path, analysts)
        for flags in ([], ["--json"]):
            times: dict[str, list[float]] = {name: [] for name in checkouts}
            for _ in range(args.repeats):
                for name, checkout in checkouts.items():
                    times[name].append(seconds(checkout, db_path, flags))
            medians = {name: statistics.median(t) for name, t in times.items()}
            line = f"{analysts} analysts, agreement {' '.join(flags) or '(text)'}: " + ", ".join(
                f"{name} {m:.2f} s" for name, m in medians.items()
            )
            if args.previous:
                line += f", {medians[args.previous] / medians['ours']:.1f}x faster"
            print(line, flush=True)


if __name__ == "__main__":
    main()
