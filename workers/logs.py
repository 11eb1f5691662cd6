"""JSON log lines from the workers and beat (models/logs.py): Celery's own lines as well as ours.

Connecting `setup_logging` tells Celery to leave logging to us (it installs no handler of its own); each task's lines
carry `task_id` and `task` (bound from task_prerun to task_postrun). Celery prints a text banner on stdout when a worker
or beat starts; they are made quiet and log one JSON line instead, so every line a process writes is JSON.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any

import click
from celery import Celery, signals
from celery.apps import worker as celery_worker
from celery.apps.beat import Beat

from models.logs import bind, configure_logging, unbind

log = logging.getLogger(__name__)

_bound: dict[str, Mapping[str, Any]] = {}
_lock = threading.Lock()


def chosen_level(loglevel: int | str | None) -> int | str | None:
    """The level a worker or beat logs at: its `--loglevel` when the command line (or CELERY_*_LOGLEVEL) gave one;
    otherwise None, i.e. MEDREG_LOG_LEVEL, else INFO, as the portal and the relay. Celery's own default, WARNING,
    would leave `celery -A workers beat` without a single line and a worker with its warnings only."""
    context = click.get_current_context(silent=True)
    left_to_default = (context is not None and "loglevel" in context.params
                       and context.get_parameter_source("loglevel") in (None, click.core.ParameterSource.DEFAULT))
    return None if left_to_default else loglevel


@signals.setup_logging.connect
def json_lines(loglevel: int | str | None = None, **_: object) -> None:
    configure_logging(chosen_level(loglevel))


@signals.celeryd_init.connect
def worker_without_banner(sender: str | None = None, instance=None, options: dict | None = None, **_: object) -> None:
    """Before the worker checks its privileges (a warning when run as root) and before Celery sets up logging."""
    configure_logging(chosen_level((options or {}).get("loglevel")))
    if instance is not None:
        instance.quiet = True
        log.info("celery worker starting", extra={"hostname": sender})


def say_as_json(message: str, f: object = None) -> None:
    """Celery's worker writes its shutdown notices ("worker: Warm shutdown (MainProcess)") from a signal handler with
    a raw os.write; this writes the same notice as a JSON line, with no lock taken (safe in a signal handler)."""
    from datetime import UTC, datetime

    line = {"event": message.strip(), "level": "warning", "logger": "celery.apps.worker",
            "ts": datetime.now(UTC).isoformat().replace("+00:00", "Z")}
    try:
        os.write(sys.__stderr__.fileno() if sys.__stderr__ else 2, (json.dumps(line, ensure_ascii=False) + "\n").encode())
    except (OSError, ValueError):
        pass


if hasattr(celery_worker, "safe_say"):
    celery_worker.safe_say = say_as_json


@signals.task_prerun.connect
def bind_task(task_id: str | None = None, task=None, **_: object) -> None:
    if task_id:
        tokens = bind(task_id=task_id, task=getattr(task, "name", None))
        with _lock:
            _bound[task_id] = tokens


@signals.task_postrun.connect
def unbind_task(task_id: str | None = None, **_: object) -> None:
    with _lock:
        tokens = _bound.pop(task_id or "", None)
    if tokens is not None:
        try:
            unbind(tokens)
        except ValueError:  # bound in another context (a pool that moved the task): nothing to undo here
            pass


class QuietBeat(Beat):
    """`celery beat` without its text banner (one JSON line says it started) and without Celery's redirection of
    standard output into the log (our JSON handler writes there)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["quiet"] = True
        kwargs["redirect_stdouts"] = False
        super().__init__(*args, **kwargs)


@signals.beat_init.connect
def beat_started(sender=None, **_: object) -> None:
    log.info("celery beat started", extra={"schedule": str(getattr(sender, "schedule_filename", "") or "")})


def use_quiet_beat(app: Celery) -> None:
    app.Beat = app.subclass_with_self(QuietBeat)
