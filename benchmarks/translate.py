"""Translation throughput: store.translate against a plain deep-translator loop.

50 Ukrainian articles of 10 paragraphs each are translated through the real
LibreTranslator client against the fake LibreTranslate server from the test
suite, on 127.0.0.1, answering every request after 100 ms (a provider's typical
latency). Both sides are measured in the same run, medians over --repeats:

- baseline: deep-translator's ``LibreTranslator.translate()`` called once per
  paragraph in a loop (what one writes without store.translate);
- engine: the translate job (``store.jobs.run_translate``, what ``triage translate`` and
  the app run) on a fresh store: packing, concurrency 4, cache.

Targets (issue 3): the engine at least 8x faster than the baseline; a second run
over the same store sends zero requests (counted at the server).

Run: python benchmarks/translate.py [--repeats 3] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fake_libretranslate import FakeLibreTranslate  # noqa: E402

from article_triage.store.articles import insert_article  # noqa: E402
from article_triage.store.db import open_db  # noqa: E402
from article_triage.store.jobs import TranslateRequest, run_translate  # noqa: E402
from article_triage.store.translate import ProviderSettings  # noqa: E402

ARTICLES, PARAGRAPHS = 50, 10
SENTENCES = [
    "Казахстан на рік призупиняє експорт військової продукції.",
    "Про це йдеться на сайті прем'єра за підсумками засідання комісії.",
    "Як нагадує Радіо Свобода, президент висловив стурбованість ситуацією.",
    "Учасники засідання розглянули пропозицію міністерства.",
    "Загальні витрати в цій сфері збільшено майже в півтора раза.",
    "У телефонній розмові президенти обговорили проєкти співпраці.",
    "Країна не визнала окуповані частини Донбасу незалежними.",
    "Сили протиповітряної оборони збили дві ракети над містом.",
]


def corpus() -> list[list[str]]:
    """Distinct paragraphs of two or three sentences (about 150-200 characters each)."""
    rng = random.Random(3)
    return [
        [
            f"Стаття {a}, абзац {p}. " + " ".join(rng.sample(SENTENCES, rng.randint(2, 3)))
            for p in range(PARAGRAPHS)
        ]
        for a in range(ARTICLES)
    ]


def baseline(server: FakeLibreTranslate, articles: list[list[str]]) -> float:
    from deep_translator import LibreTranslator

    # deep-translator's LibreTranslate table lacks uk; its setter takes the code as is.
    client = LibreTranslator(source="en", target="en", api_key="none", custom_url=server.url)
    client.source = "uk"
    started = time.perf_counter()
    for paragraphs in articles:
        for paragraph in paragraphs:
            client.translate(paragraph)
    return time.perf_counter() - started


def engine(server: FakeLibreTranslate, template: Path, workdir: Path) -> tuple[float, Path]:
    db_path = workdir / f"run-{time.monotonic_ns()}.db"
    shutil.copy(template, db_path)
    db = open_db(db_path)
    ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]
    settings = ProviderSettings(name="libre", url=server.url, concurrency=4)
    started = time.perf_counter()
    job = run_translate(db, TranslateRequest(settings, tuple(ids)))
    elapsed = time.perf_counter() - started
    assert job.report.translated == ARTICLES and not job.failed, job
    db.close()
    return elapsed, db_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    args = parser.parse_args()

    articles = corpus()
    workdir = Path(tempfile.mkdtemp(prefix="triage-bench-translate-"))
    template = workdir / "template.db"
    db = open_db(template)
    for paragraphs in articles:
        insert_article(db, paragraphs, language="uk")
    db.close()

    server = FakeLibreTranslate(latency=args.latency).start()
    try:
        base_times, base_requests = [], []
        engine_times, engine_requests = [], []
        rerun_times, rerun_requests = [], []
        for _ in range(args.repeats):
            server.reset_counts()
            base_times.append(baseline(server, articles))
            base_requests.append(server.requests)

            server.reset_counts()
            elapsed, db_path = engine(server, template, workdir)
            engine_times.append(elapsed)
            engine_requests.append(server.requests)

            server.reset_counts()
            db = open_db(db_path)
            ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]
            started = time.perf_counter()
            settings = ProviderSettings(name="libre", url=server.url)
            second = run_translate(db, TranslateRequest(settings, tuple(ids)))
            rerun_times.append(time.perf_counter() - started)
            rerun_requests.append(server.requests)
            assert second.report.from_cache == ARTICLES, second
            db.close()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    base, fast, rerun = (statistics.median(t) for t in (base_times, engine_times, rerun_times))
    ratio = base / fast
    print(
        f"translate: {ARTICLES} articles x {PARAGRAPHS} paragraphs, "
        f"{args.latency * 1000:.0f} ms per request, medians of {args.repeats} runs"
    )
    print(
        f"  baseline (deep-translator translate() per paragraph): {base:7.2f} s  "
        f"{statistics.median(base_requests):.0f} requests"
    )
    print(
        f"  store.jobs.run_translate (concurrency 4):             {fast:7.2f} s  "
        f"{statistics.median(engine_requests):.0f} requests"
    )
    print(f"  speed-up: {ratio:.1f}x  (target >= 8x: {'met' if ratio >= 8 else 'NOT met'})")
    print(
        f"  second run over the same store: {max(rerun_requests)} requests at the server "
        f"(target 0: {'met' if max(rerun_requests) == 0 else 'NOT met'}), {rerun:.3f} s"
    )


if __name__ == "__main__":
    main()
