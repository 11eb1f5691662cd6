"""Rule 6 for query parameters: every documented query parameter of every GET operation, as every role, with values
a hand types or forges — out-of-range numbers, impossible dates, long text, LIKE wildcards, and cursors that decode
to something no page handed out — answers 4xx or 2xx, never 5xx. Schemathesis (test_fuzz.py) generates values from
each parameter's schema; a cursor's schema is "a string", so what is inside it is tried here."""
from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

from webtest import TestApp

from tests.conftest import CHECKS
from tests.functional.security.test_fuzz import callers  # noqa: F401  (the fixture: a caller per role)


def forged(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


VALUES = [
    "99999999999999999999", "-1", "0", "1e5", "1.5", "１２３", " ", "null", "[]", "{}", "%", "_", "\\", "'",
    "x" * 3000, "王" * 300, "2026-02-30", "9999-12-31", "0000-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+99:00",
    "nurse:99999999999999999", "physician:-1", "a:b:c",
    forged([1, 2]), forged(["x", 10**30]), forged([2, "a", 10**30]), forged({"a": 1}), forged(["waiting", "2026-01-01", 10**30]),
    forged([10**30, "a", "b"]), forged(["a"] * 1000), forged(["王\u0000", 1]), forged([2, "王\u0000", "X"]),
]


def test_no_query_value_gets_a_server_error(wsgi_app, callers):  # noqa: F811
    api, headers = callers
    document = TestApp(wsgi_app).get("/api/v1/openapi.json").json
    failures, sent, answered = [], 0, 0
    for template, methods in document["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        path = re.sub(r"\{[^}]+\}", "1", template)
        names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
        for role, role_headers in headers.items():
            for name in names:
                for value in VALUES:
                    answer = api.get(f"{path}?{quote(name)}={quote(value)}", headers=role_headers, expect_errors=True)
                    sent += 1
                    answered += answer.status_int in (200, 400)  # reached the operation (not 401, 403, 404)
                    if answer.status_int >= 500:
                        failures.append(f"{answer.status_int} {role} {path}?{name}={value[:60]}")
    assert sent > 5000 and answered > sent // 4  # every documented parameter was tried, most of them by a caller it serves
    # Statuses the document does not list are failures too. The shape of a 200 is not (as in test_fuzz.py): other
    # tests write public records straight into the database that no API would produce, and unfiltered searches here
    # list them.
    failures += [v for check in CHECKS for v in check.take() if "does not list status" in v]
    assert failures == [], "\n".join(failures[:30])


def test_a_value_no_list_knows_is_refused_on_its_parameter_not_answered_with_an_empty_list(api, db):
    """An account status the institution's list does not have, and an audit window that ends before it starts, were
    answered 200 with nothing in them: a typo looked like an empty list."""
    from tests.journeys import commission_desk, institution_desk

    desk = institution_desk(api, db)
    refused = api.get("/api/v1/institution/accounts", {"status": "bogus"}, headers=desk.headers, status=400).json["error"]
    assert refused["codes"] == {"status": "choice"} and "待激活" in refused["fields"]["status"]
    for status in ("pending_activation", "active", "disabled"):
        api.get("/api/v1/institution/accounts", {"status": status}, headers=desk.headers, status=200)
    _, commission = commission_desk(api, db, "110105")
    backwards = api.get("/api/v1/commission/audit", {"since": "2025-01-01", "until": "2024-01-01"}, headers=commission,
                        status=400).json["error"]
    assert backwards["fields"] == {"until": "截止时间应晚于起始时间"}
