"""Citation detection: quality against the labelled set, and cost relative to import.

    python benchmarks/citations.py [--repeats 5] [--pages N]

Quality: precision and recall of attributed outlets, mentioned outlets and publishers
over benchmarks/data/citations_labelled.jsonl (written independently of the detector).
Scored over the outlet keys the labelled set's vocabulary defines; predictions of other
registry outlets (which the labellers could not use) are counted separately.

Speed: detection (publisher + citations over the extracted paragraphs, and the full
annotate_article with its database writes) against trafilatura extraction of the same
corpus pages, both measured in this run; medians over --repeats. Target: detection
adds under 10% to extraction.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from article_triage.store.outlets import find_citations, find_publisher, load_registry  # noqa: E402
from article_triage.store.outlets.matcher import alias_matcher  # noqa: E402
from article_triage.store.outlets.registry import SHARED_OUTLET_KEYS  # noqa: E402
from article_triage.store.text import normalise_paragraph, split_paragraphs  # noqa: E402

LABELLED = REPO / "benchmarks" / "data" / "citations_labelled.jsonl"
PAGES = REPO.parent / "shared" / "corpus" / "html" / "trafilatura"


def _prf(tp: int, fp: int, fn: int) -> str:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return f"precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn})"


def quality(registry, verbose: bool) -> None:
    if not LABELLED.exists():
        print(f"quality: {LABELLED} not found; skipped")
        return
    records = [
        json.loads(line)
        for line in LABELLED.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    vocabulary = set(SHARED_OUTLET_KEYS)
    for record in records:
        vocabulary |= set(record["attributed"]) | set(record["mentioned"])
        if record.get("publisher"):
            vocabulary.add(record["publisher"])
    counts = {name: [0, 0, 0] for name in ("attributed", "mentioned", "publisher")}
    outside = 0
    misses: list[str] = []
    for record in records:
        citations = find_citations(split_paragraphs(record["text"]), registry)
        found_attributed = {c.outlet_key for c in citations if c.role == "attributed"}
        found_mentioned = {c.outlet_key for c in citations} - found_attributed
        outside += len({c.outlet_key for c in citations} - vocabulary)
        publisher = find_publisher({"url": record.get("url")}, registry)
        predicted = {
            "attributed": found_attributed & vocabulary,
            "mentioned": found_mentioned & vocabulary,
            "publisher": {publisher.key} & vocabulary if publisher else set(),
        }
        gold = {
            "attributed": set(record["attributed"]),
            "mentioned": set(record["mentioned"]),
            "publisher": {record["publisher"]} if record.get("publisher") else set(),
        }
        for name, tally in counts.items():
            tally[0] += len(predicted[name] & gold[name])
            tally[1] += len(predicted[name] - gold[name])
            tally[2] += len(gold[name] - predicted[name])
            if predicted[name] != gold[name]:
                misses.append(
                    f"  {record['id']} {name}: got {sorted(predicted[name])} want {sorted(gold[name])}"
                )
    print(f"quality over {len(records)} labelled texts ({LABELLED.name})")
    print(
        f"  attributed outlets: {_prf(*counts['attributed'])}   targets: precision >= 0.95, recall >= 0.90"
    )
    print(f"  mentioned outlets:  {_prf(*counts['mentioned'])}")
    print(f"  publishers:         {_prf(*counts['publisher'])}")
    print(f"  outlets found outside the labelled vocabulary (not scored): {outside}")
    if verbose and misses:
        print("differences:")
        print("\n".join(misses))


def _pages(limit: int | None) -> list[tuple[bytes, str | None]]:
    """(raw bytes, original URL from the corpus manifest) per trafilatura page."""
    import csv

    manifest = PAGES.parents[2] / "manifest.csv"
    urls = {}
    if manifest.exists():
        with manifest.open(encoding="utf-8", newline="") as fh:
            urls = {row["file"]: row.get("url") or None for row in csv.DictReader(fh)}
    paths = sorted(PAGES.glob("*.html"))[:limit]
    return [(p.read_bytes(), urls.get(f"html/trafilatura/{p.name}")) for p in paths]


def speed(registry, repeats: int, limit: int | None) -> None:
    if not PAGES.exists():
        print(f"speed: {PAGES} not found; skipped")
        return
    import trafilatura

    from article_triage.store.articles import insert_article
    from article_triage.store.db import open_db
    from article_triage.store.outlets import annotate_article

    pages = _pages(limit)
    texts = [trafilatura.extract(raw) or "" for raw, _ in pages]
    # Paragraphs as import stores them: one per line of trafilatura's text.
    paragraph_sets = [
        [q for q in (normalise_paragraph(line) for line in t.split("\n")) if q] for t in texts
    ]
    urls = [url for _, url in pages]

    def run_extraction() -> None:
        for raw, _ in pages:
            trafilatura.extract(raw)

    def run_detection() -> None:
        for paragraphs, url in zip(paragraph_sets, urls, strict=True):
            find_publisher({"url": url}, registry)
            find_citations(paragraphs, registry)

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        ids = []
        for n, paragraphs in enumerate(paragraph_sets):
            if paragraphs:
                # A marker paragraph keeps pages with the same text apart.
                ids.append(insert_article(db, [*paragraphs, f"bench page {n}"], url=urls[n]))

        def run_annotate() -> None:
            for article_id in ids:
                annotate_article(db, article_id, registry)

        timings = {"extraction": [], "detection": [], "annotate": []}
        run_annotate()  # first call syncs the outlets table; not part of the per-article cost
        for _ in range(repeats):
            for name, fn in (
                ("extraction", run_extraction),
                ("detection", run_detection),
                ("annotate", run_annotate),
            ):
                start = time.perf_counter()
                fn()
                timings[name].append(time.perf_counter() - start)
        db.close()
    median = {k: statistics.median(v) for k, v in timings.items()}
    n = len(pages)
    print(
        f"speed over {n} corpus pages ({sum(len(t) for t in texts):,} characters extracted), median of {repeats}"
    )
    print(
        f"  baseline  trafilatura.extract:           {median['extraction'] * 1000:8.1f} ms  ({median['extraction'] / n * 1000:.2f} ms/page)"
    )
    print(
        f"  detection publisher + find_citations:    {median['detection'] * 1000:8.1f} ms  ({median['detection'] / n * 1000:.3f} ms/page)"
        f"  ratio {median['detection'] / median['extraction']:.3f}"
    )
    print(
        f"  annotate_article (detection + DB writes): {median['annotate'] * 1000:8.1f} ms  ({median['annotate'] / max(len(ids), 1) * 1000:.3f} ms/page)"
        f"  ratio {median['annotate'] / median['extraction']:.3f}   target: < 0.10"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--pages", type=int, default=None, help="Use only the first N corpus pages."
    )
    parser.add_argument(
        "--verbose", action="store_true", help="List every labelled text the detector gets wrong."
    )
    args = parser.parse_args()

    start = time.perf_counter()
    registry = load_registry("/nonexistent/outlets.toml")  # the built-in registry only
    _ = alias_matcher(registry)
    load_seconds = time.perf_counter() - start
    print(
        f"registry: {len(registry)} built-in outlets, loaded and compiled in {load_seconds * 1000:.0f} ms (once per process)"
    )
    quality(registry, args.verbose)
    speed(registry, args.repeats, args.pages)


if __name__ == "__main__":
    main()
