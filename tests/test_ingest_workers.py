"""The worker processes stay ahead of the writer, within a bounded amount of work.

The calling process hands tasks to the workers only between the batches it writes;
the window of tasks handed over ahead must outlast a batch, or both workers sit idle
while the writer stores it, and must stay bounded in bytes so that large pages do
not pile up in memory.
"""

from __future__ import annotations

import time

import loopback_server
import pytest

from article_triage.store.ingest import ImportOptions, import_sources, pipeline

loopback = loopback_server.loopback  # the fixture, served on 127.0.0.1

# Over SMALL_INPUT_BYTES: each page travels to the workers as a task of its own.
PADDING = "<!-- " + "x" * (pipeline.SMALL_INPUT_BYTES + 1024) + " -->"


def _pages(folder, count: int) -> None:
    folder.mkdir()
    for i in range(count):
        (folder / f"{i:04d}.html").write_text(
            f"<html><head><title>Page {i}</title></head><body>{PADDING}"
            f"<article><p>Page number {i} says something of its own, sentence {i}.</p>"
            "</article></body></html>",
            encoding="utf-8",
        )


def _import_counting_ahead(db, folder, monkeypatch) -> tuple[list[int], int]:
    """Import *folder* with two workers; for each batch the writer stores, how many
    inputs the workers had been handed beyond what the writer had taken so far."""
    handed = [0]
    iter_inputs = pipeline.iter_inputs

    def counted(*args, **kwargs):
        for inp in iter_inputs(*args, **kwargs):
            handed[0] += 1
            yield inp

    monkeypatch.setattr(pipeline, "iter_inputs", counted)
    ahead: list[int] = []
    write_results = pipeline.write_results
    written = [0]

    def writing(db, results, *args, **kwargs):
        ahead.append(handed[0] - written[0] - len(results))
        written[0] += len(results)
        return write_results(db, results, *args, **kwargs)

    monkeypatch.setattr(pipeline, "write_results", writing)
    report = import_sources(db, [str(folder)], ImportOptions(workers=2))
    return ahead, report.imported


def test_workers_are_handed_a_whole_batch_ahead_of_the_writer(db, tmp_path, monkeypatch):
    count = 3 * pipeline.BATCH_SIZE
    _pages(tmp_path / "pages", count)
    ahead, imported = _import_counting_ahead(db, tmp_path / "pages", monkeypatch)
    assert imported == count
    # when the writer starts on its first batch, the next batch is already the
    # workers' (a window of 16 tasks left them idle while it wrote)
    assert ahead[0] >= pipeline.BATCH_SIZE


def test_work_handed_ahead_is_bounded_in_bytes(db, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "WINDOW_BYTES", 4 * len(PADDING))
    _pages(tmp_path / "pages", 40)
    ahead, imported = _import_counting_ahead(db, tmp_path / "pages", monkeypatch)
    assert imported == 40
    # at most the tasks that fit in WINDOW_BYTES, plus the one that crossed it
    assert max(ahead) <= 5


def test_writer_stores_what_it_holds_while_the_workers_finish(db, tmp_path, loopback, monkeypatch):
    # The last input is a page that takes a second and a half to arrive: the writer stores the
    # twenty before it while a worker waits for it, not in one batch with it at the end.
    _pages(tmp_path / "pages", 20)
    slow = loopback.add(
        "/slow.html",
        "<html><body><article><p>The last page to arrive, slowly, with its own words.</p>"
        "</article></body></html>",
        delay=1.5,
    )
    batches: list[list[str]] = []
    write_results = pipeline.write_results

    def writing(db, results, *args, **kwargs):
        batches.append([r.source for r in results])
        return write_results(db, results, *args, **kwargs)

    monkeypatch.setattr(pipeline, "write_results", writing)
    report = import_sources(
        db,
        [str(tmp_path / "pages"), slow],
        ImportOptions(workers=2, allow_private_addresses=True),
    )
    assert report.imported == 21
    assert batches[-1] == [slow]


def test_the_writers_language_models_load_before_the_workers_fork(db, tmp_path, monkeypatch):
    """lingua loads on the core the start-up leaves idle, and its thread has ended before
    the fork (forking a process with threads is unsafe): the workers start from one thread."""
    import threading

    from article_triage.store.ingest import language

    events: list[str] = []
    load_models = language.load_models

    def loading(languages):
        load_models(languages)
        events.append("models loaded")

    submit = pipeline.ProcessPoolExecutor.submit

    def submitting(self, *args, **kwargs):
        events.append(f"submit with {threading.active_count()} thread(s)")  # the first forks
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(pipeline, "load_models", loading)
    monkeypatch.setattr(pipeline.ProcessPoolExecutor, "submit", submitting)
    _pages(tmp_path / "pages", 3)
    # The import forks only from a process with one thread; an earlier test's threads
    # (a server shutting down, an app's workers) may still be ending.
    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    others = [th.name for th in threading.enumerate() if th is not threading.current_thread()]
    if others:
        pytest.skip(f"threads left by earlier tests keep the import off the fork path: {others}")
    report = import_sources(db, [str(tmp_path / "pages")], ImportOptions(workers=2))
    assert report.imported == 3
    assert events[:2] == ["models loaded", "submit with 1 thread(s)"]
    assert {row[0] for row in db.execute("SELECT language FROM articles")} == {"en"}


def test_lingua_failing_to_load_ahead_prints_no_thread_traceback(db, tmp_path, monkeypatch):
    """The models load in a thread; what goes wrong there is said once, where detection
    runs (the run's error line), not as a thread's traceback on the terminal."""
    import threading

    from article_triage.store.ingest import language

    def broken(languages):
        raise RuntimeError("lingua's models are missing")

    tracebacks: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: tracebacks.append(args.exc_value))
    monkeypatch.setattr(pipeline, "load_models", broken)
    _pages(tmp_path / "pages", 2)
    report = import_sources(db, [str(tmp_path / "pages")], ImportOptions(workers=2))
    assert tracebacks == []
    assert report.imported == 2  # detection loads the models itself when it runs
    assert language._detector(language.DEFAULT_LANGUAGES) is not None
