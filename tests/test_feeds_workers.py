"""The worker processes a refresh parses feeds and reads entries in (store.feeds.workers)."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from article_triage.store.feeds.workers import Workers


def test_calls_run_in_another_process_and_after_a_worker_dies_in_the_calling_one():
    workers = Workers(2)
    try:
        assert workers.run(os.getpid) != os.getpid()
        with pytest.raises(BrokenProcessPool):
            workers.run(os._exit, 3)  # a worker killed mid-call (memory, a C library)
        # The rest of the refresh goes on without workers, not into the same crash.
        assert workers.run(os.getpid) == os.getpid()
    finally:
        workers.close()


def test_one_worker_means_no_process():
    workers = Workers(1)
    assert workers.run(os.getpid) == os.getpid()
    workers.close()
