"""Worker processes start clean, whatever the other threads of the process that starts them are doing."""

from __future__ import annotations

import threading

import pytest

from models.processes import pool

pytestmark = pytest.mark.unit

HELD = threading.Lock()  # as a library's lock, taken by a thread of the importing process (a progress bar's, a Celery thread's)


def _start() -> None:
    with HELD:  # a worker's start-up passing through the library
        pass


def _square(number: int) -> int:
    return number * number


def test_a_lock_another_thread_holds_when_the_workers_start_does_not_hang_them():
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with HELD:
            taken.set()
            done.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10)
        with pool(2, __name__, _start, ()) as workers:
            # Forked from this process, each worker would start with HELD taken for ever and never answer.
            assert workers.map_async(_square, range(6)).get(timeout=30) == [0, 1, 4, 9, 16, 25]
    finally:
        done.set()
        holder.join()

