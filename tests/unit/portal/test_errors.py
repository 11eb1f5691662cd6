"""Which requests may be run again after a lost race (portal/errors.py), and what counts as one (models/db.py)."""
from __future__ import annotations

import pytest
from psycopg import errors
from pyramid.request import Request
from sqlalchemy.exc import IntegrityError, OperationalError

from models.db import conflicting_write
from portal.errors import RETRY_BODY_MOST, retry_attempts


def posted(length: int | None, **headers: str) -> Request:
    request = Request.blank("/api/v1/commission/accounts", method="POST", headers=headers)
    request.content_length = length
    return request


@pytest.mark.parametrize(("length", "headers", "attempts"), [
    (0, {}, None), (200, {}, None), (RETRY_BODY_MOST, {}, None),
    (RETRY_BODY_MOST + 1, {}, 1), (50 << 20, {}, 1),
    (None, {"Transfer-Encoding": "chunked"}, 1),
    (2000, {"Content-Type": "multipart/form-data; boundary=x"}, 1),
    (2000, {"Content-Type": "application/x-www-form-urlencoded"}, None),
    (2000, {"Content-Type": "application/json"}, None),
])
def test_small_json_and_forms_may_be_run_again_an_upload_is_not(length, headers, attempts):
    assert retry_attempts(posted(length, **headers)) == attempts


@pytest.mark.parametrize(("error", "lost"), [
    (IntegrityError("INSERT", {}, errors.UniqueViolation()), True),
    (OperationalError("UPDATE", {}, errors.SerializationFailure()), True),
    (OperationalError("UPDATE", {}, errors.DeadlockDetected()), True),
    (IntegrityError("INSERT", {}, errors.ForeignKeyViolation()), False),
    (IntegrityError("INSERT", {}, errors.NotNullViolation()), False),
    (OperationalError("SELECT", {}, errors.AdminShutdown()), False),
    (ValueError("not a database error"), False),
])
def test_a_lost_race_is_a_unique_key_taken_meanwhile_a_serialization_failure_or_a_deadlock(error, lost):
    assert conflicting_write(error) is lost
