"""Rule 6: every input gets 4xx, never 5xx. Schemathesis generates requests from /api/v1/openapi.json — valid ones and,
in negative mode, ones that break the schema — for every operation, as every role (anonymous, person, institution,
commission); none may answer 5xx, and every 400 names a field. FUZZ_EXAMPLES bounds the examples per operation, mode
and role, so CI stays short (MEDREG_FUZZ_EXAMPLES raises it for a longer hunt). Then the inputs the issue measured,
one by one."""
from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import FailedHealthCheck, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core import NotSet
from webtest import TestApp

from tests import factories
from tests.conftest import CHECKS
from tests.journeys import commission_desk, institution_desk, login, person_account

FUZZ_EXAMPLES = int(os.environ.get("MEDREG_FUZZ_EXAMPLES", "6"))
ROLES = ("anonymous", "person", "institution", "commission")
# Ending the caller's tokens would leave the rest of the run anonymous: logout is fuzzed as the anonymous only.
ANONYMOUS_ONLY = {("POST", "/api/v1/logout")}


@pytest.fixture(scope="module")
def callers(wsgi_app, settings):
    from models.db import session_factory

    db = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    desk = institution_desk(api, db, name=factories.unique_name("模糊医院"))
    person = person_account(db, settings, desk.id)
    db.commit()
    _, commission = commission_desk(api, db)
    headers = {"anonymous": {}, "person": login(api, person["mobile"]), "institution": desk.headers, "commission": commission}
    yield api, headers
    db.close()


def operations(wsgi_app) -> list:
    document = TestApp(wsgi_app).get("/api/v1/openapi.json").json
    schema = schemathesis.openapi.from_dict(document)
    return [result.ok() for result in schema.get_all_operations()]


def send(api: TestApp, case, headers: dict):
    path = case.formatted_path
    if case.query:
        pairs = []
        for key, value in case.query.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append(f"{quote(str(key))}={quote(json.dumps(item) if isinstance(item, (dict, bool)) else str(item))}")
        path += "?" + "&".join(pairs)
    extra = {key: str(value) for key, value in (case.headers or {}).items() if key.lower() not in ("authorization", "content-length")}
    all_headers = {**extra, **headers}
    if case.method.upper() in ("GET", "DELETE"):
        return getattr(api, case.method.lower())(path, headers=all_headers, expect_errors=True)
    media = case.media_type or "application/json"
    body = None if isinstance(case.body, NotSet) else case.body
    if media == "application/json":
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass") if body is not None and not isinstance(body, bytes) else b""
    elif isinstance(body, (bytes, str)):
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    else:
        media, raw = "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if media.startswith("multipart/"):
        media, raw = "text/csv", b"kind\n"
    return api.request(path, method=case.method.upper(), body=raw, headers={**all_headers, "Content-Type": media}, expect_errors=True)


def check(response, case, role: str) -> list[str]:
    found = []
    where = f"{role} {case.method.upper()} {case.formatted_path} query={case.query!r} body={str(case.body)[:200]!r}"
    if response.status_int >= 500:
        found.append(f"{response.status_int} ← {where}: {response.text[:300]}")
    elif response.status_int == 400 and response.content_type == "application/json":
        error = response.json.get("error", {})
        if not error.get("fields"):
            found.append(f"400 without a field ← {where}: {response.text[:300]}")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_request_gets_a_server_error(wsgi_app, callers, role):
    api, headers = callers
    problems: list[str] = []
    for operation in operations(wsgi_app):
        if role != "anonymous" and (operation.method.upper(), operation.path) in ANONYMOUS_ONLY:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception:
                continue

            @settings(max_examples=FUZZ_EXAMPLES, database=None, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(strategy)
            def run(case):
                problems.extend(check(send(api, case, headers[role]), case, role))

            try:
                run()
            except (Unsatisfiable, FailedHealthCheck):
                continue  # nothing schemathesis could generate for this mode
    # Statuses the document does not list are problems here too. The shape of a 200 is not: other tests write public
    # records straight into the database that no API would produce, and an unfiltered search here lists them.
    problems += [v for check in CHECKS for v in check.take() if "does not list status" in v]
    assert problems == [], "\n".join(problems[:30])
