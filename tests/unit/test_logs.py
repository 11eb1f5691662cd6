"""models/logs.py: one JSON object per line, with the bound context, and never a task's arguments."""
from __future__ import annotations

import json
import logging

from models.logs import JsonFormatter, bound
from portal.observe import request_id_of


def formatted(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def record(message: str, *args: object, level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("portal.views", level, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_line_is_json_with_time_level_logger_event_and_extra_fields():
    line = formatted(record("审批 %s 条", 3, route="api.application", status=200))
    assert line["event"] == "审批 3 条" and line["level"] == "info" and line["logger"] == "portal.views"
    assert line["route"] == "api.application" and line["status"] == 200 and line["ts"].endswith("Z")


def test_the_bound_request_id_is_on_every_line_until_unbound():
    with bound(request_id="abc"):
        assert formatted(record("inside"))["request_id"] == "abc"
    assert "request_id" not in formatted(record("outside"))


def test_celery_task_data_keeps_only_id_name_and_runtime():
    data = {"id": "t-1", "name": "workers.notifications.send_sms", "args": "([{'to': '13800138000'}],)", "kwargs": "{}",
            "runtime": 0.5}
    line = formatted(record("Task received", data=data))
    assert line["task_id"] == "t-1" and line["task"] == "workers.notifications.send_sms" and line["runtime_s"] == 0.5
    assert "13800138000" not in json.dumps(line)


def test_an_exception_is_one_line():
    try:
        raise ValueError("坏了")
    except ValueError:
        import sys

        made = logging.LogRecord("portal", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = JsonFormatter().format(made)
    assert "\n" not in text and "ValueError: 坏了" in json.loads(text)["exception"]


def test_request_ids_are_taken_when_sane_and_made_otherwise():
    assert request_id_of("proxy-1.2_3") == "proxy-1.2_3"
    for bad in (None, "", "x" * 129, "a b", "ä", "a/b"):
        made = request_id_of(bad)
        assert len(made) == 32 and made != bad
