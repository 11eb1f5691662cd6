"""Steps of a user's journey over the JSON API, shared by the integration tests."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from webtest import TestApp

from models import Account
from models.crypto import hash_password
from tests import factories

PASSWORD = "Passw0rd-2026"


def staff_account(session, role: str, username: str, institution_id: int | None = None, division: str | None = None) -> Account:
    account = Account(
        username=username, role=role, status="active", password_hash=hash_password(PASSWORD),
        institution_id=institution_id, division_code=division,
    )
    session.add(account)
    session.flush()
    return account


def login(api: TestApp, username: str, password: str = PASSWORD) -> dict[str, str]:
    token = api.post_json("/api/v1/login", {"username": username, "password": password}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def wait_for(check: Callable[[], object], timeout: float = 30.0, every: float = 0.1):
    """Poll until `check()` is truthy (the pipeline runs in real workers, in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {check}")
        time.sleep(every)


def wait_status(api: TestApp, headers: dict, application_id: int, *statuses: str, timeout: float = 30.0) -> dict:
    def current():
        body = api.get(f"/api/v1/applications/{application_id}", headers=headers).json
        return body if body["status"] in statuses else None

    return wait_for(current, timeout)


def physician_signup(api: TestApp, institution_id: int, name: str = "张医生", birth: date = date(1988, 3, 9)) -> dict:
    id_number = factories.resident_id(birth)
    mobile = factories.unique_mobile()
    body = {
        "profession": "physician", "name": name, "sex": "男", "birth_date": birth.isoformat(),
        "id_type": "resident_id", "id_number": id_number, "mobile": mobile, "password": PASSWORD,
        "institution_id": institution_id,
    }
    answer = api.post_json("/api/v1/signup", body, status=201).json
    return {**body, "account_id": answer["account_id"], "status": answer["status"]}


def activate(api: TestApp, institution_headers: dict, person: dict) -> None:
    code = api.post_json(
        f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=institution_headers
    ).json["code"]
    api.post_json("/api/v1/activate", {"username": person["id_number"], "code": code})
