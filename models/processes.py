"""Worker processes for CPU-bound work on a file or a snapshot (imports, the bulk export)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any


def pool(workers: int, module: str, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> Pool:
    """`workers` processes started by `initializer(*initargs)`, forked from a clean server process that has imported
    `module` (the one holding the work's functions), never from this one: a fork copies only the forking thread, and
    a lock another thread held at that moment (OpenSSL's, a console's, as in a command with a progress bar or a test
    run with Celery threads) stays held in the child for ever, which hung an import's workers. What they are given
    is pickled, so it must not rely on this process's module state."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([module])
    return context.Pool(workers, initializer=initializer, initargs=initargs)
