"""Worker processes for CPU-bound work on a file or a snapshot (imports, the bulk export)."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from multiprocessing import forkserver
from multiprocessing.pool import Pool
from typing import Any


def pool(workers: int, module: str, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> Pool:
    """`workers` processes started by `initializer(*initargs)`, forked from a clean server process that has imported
    `module` (the one holding the work's functions), never from this one: a fork copies only the forking thread, and
    a lock another thread held at that moment (OpenSSL's, a console's, as in a command with a progress bar or a test
    run with Celery threads) stays held in the child for ever, which hung an import's workers. What they are given
    is pickled, so it must not rely on this process's module state.

    Ctrl-C is the command's to handle: the server and the workers ignore it (the command stops them when it leaves),
    and one (or a SIGTERM) that comes while they start is taken once they have, then they are stopped — interrupted
    half-way, the server or a worker still unpacking what it was sent would fail with a traceback."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([module])
    with _stops_deferred() as stops:
        with _interrupt_ignored():  # inherited by the server through its exec, and by every worker from it
            forkserver.ensure_running()
        started = context.Pool(workers, initializer=initializer, initargs=initargs)
    try:
        for number in stops:
            signal.raise_signal(number)  # as it would have been taken: KeyboardInterrupt, as a rule
    except BaseException:
        started.terminate()
        raise
    return started


STOPS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and `kill` (which portal.cli takes as Ctrl-C)


@contextmanager
def handling(handlers: dict[int, Any]) -> Iterator[None]:
    """Within: these signal handlers, the previous ones after. Only the main thread may set them: elsewhere, nothing
    changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _stops_deferred() -> Iterator[list[int]]:
    """Within: SIGINT and SIGTERM are noted (in the list yielded), not taken."""
    caught: list[int] = []
    with handling({number: lambda signum, _frame: caught.append(signum) for number in STOPS}):
        yield caught


def _interrupt_ignored() -> AbstractContextManager[None]:
    """Within: SIGINT ignored, as a process started here then ignores it (a handled signal is reset by exec, an ignored
    one is not). A Ctrl-C of these few microseconds is lost."""
    return handling({signal.SIGINT: signal.SIG_IGN})
