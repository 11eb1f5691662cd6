"""JSON log lines for every process: the portal (`medreg serve`, `pserve`), the Celery workers and beat, the relay and
the commands. One line per event, through the standard library's logging, so every `logging.getLogger(__name__)`
keeps working; structlog's ProcessorFormatter renders each record as

    {"ts": "2026-12-03T04:05:06.789Z", "level": "info", "logger": "medreg.access", "event": "request",
     "request_id": "…", "method": "GET", "route": "api.application", "status": 200, "duration_ms": 3.1}

Fields given with `extra={…}` become keys of the line; what is bound with `bind()` (the portal binds `request_id`
for the length of a request, the workers `task_id` and `task` for the length of a task) is added to every line
logged meanwhile. Never log an ID number, a mobile, a password or a code (docs/security.md): log row ids and
route names, never request paths with query strings or request bodies.

The .ini files use `JsonFormatter` by name (`[formatter_json] class = models.logs.JsonFormatter`), so pserve
writes the same lines; everything else calls `configure_logging()`.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

import structlog

# Our own loggers and Celery's at the chosen level; everything else (SQLAlchemy would log statements and their
# parameters at INFO, which may hold personal data) only from WARNING.
OWN_LOGGERS = ("portal", "workers", "publisher", "models", "medreg", "celery")
QUIET_LOGGERS = ("sqlalchemy", "alembic", "kombu", "amqp", "waitress.queue", "urllib3", "faker", "PIL", "fontTools")
_MARK = "_medreg_json"


def task_fields_only(logger: object, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Celery hands its task lines a `data` extra holding the task's arguments and result; the arguments may hold a
    mobile (an SMS in the outbox), so only the task's id, name and run time are kept."""
    data = event_dict.pop("data", None)
    if isinstance(data, Mapping):
        for key, field in (("id", "task_id"), ("name", "task"), ("runtime", "runtime_s")):
            if key in data:
                event_dict.setdefault(field, data[key])
    return event_dict


def pre_chain() -> list:
    """What every line gets: the bound context, level, logger name, `extra` fields and the time (UTC)."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        task_fields_only,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
    ]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """A logging.Formatter writing one JSON object per line. It takes (and ignores) the arguments logging.config
    hands a formatter class (format, datefmt, style), so an .ini file can name it."""

    def __init__(self, *_: object, **__: object) -> None:
        super().__init__(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.StackInfoRenderer(),
                structlog.processors.JSONRenderer(serializer=_dumps),
            ],
            foreign_pre_chain=pre_chain(),
        )


def _dumps(value: Mapping[str, Any], **_: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def level_of(level: int | str | None, default: str = "INFO") -> int:
    if level in (None, "", 0):
        level = os.environ.get("MEDREG_LOG_LEVEL") or default
    if isinstance(level, int):
        return level
    return logging.getLevelNamesMapping().get(str(level).upper(), logging.INFO)


class StdStreamHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout or sys.stderr is when a line is logged (pytest swaps them; a handler holding the
    stream of its set-up would write to a closed file later)."""

    def __init__(self, name: str = "stderr") -> None:
        self.name_of_stream = name
        super().__init__()

    @property
    def stream(self) -> IO[str]:
        current = getattr(sys, self.name_of_stream)
        if current is None or type(current).__name__ == "LoggingProxy":  # Celery's redirect into the log itself
            return getattr(sys, f"__{self.name_of_stream}__")
        return current

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def json_handler(stream: str = "stderr") -> logging.Handler:
    handler = StdStreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _MARK, True)
    return handler


def configure_logging(level: int | str | None = None, stream: str = "stderr") -> None:
    """JSON lines on `stream` ("stderr" or "stdout") for every logger, at `level` (MEDREG_LOG_LEVEL, else INFO) for
    ours and Celery's. Called again, it replaces the handler it added before and leaves any other alone (pytest's)."""
    chosen = level_of(level)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
    root.addHandler(json_handler(stream))
    logging.captureWarnings(True)  # Python's warnings too (Celery's, as root), as lines of the logger py.warnings
    sys.excepthook = log_uncaught  # and an exception that ends the process, rather than a bare traceback
    root.setLevel(min(chosen, logging.WARNING))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(chosen)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(chosen, logging.WARNING))


def log_uncaught(kind: type[BaseException], value: BaseException, trace: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, trace)
        return
    logging.getLogger("medreg").critical("uncaught %s: %s", kind.__name__, value, exc_info=(kind, value, trace))


def bind(**values: object) -> Mapping[str, Any]:
    """Add `values` to every line logged in this context (thread or task) until `unbind(tokens)`."""
    return structlog.contextvars.bind_contextvars(**values)


def unbind(tokens: Mapping[str, Any]) -> None:
    structlog.contextvars.reset_contextvars(**tokens)


@contextmanager
def bound(**values: object) -> Iterator[None]:
    tokens = bind(**values)
    try:
        yield
    finally:
        unbind(tokens)
