"""Steps of a user's journey over the JSON API, shared by the integration tests."""
from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

from webtest import TestApp

from models import Account, Institution, Person
from models.crypto import encrypt, hash_password, lookup_hash
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


def login(api: TestApp, username: str, password: str = PASSWORD, otp: str | None = None) -> dict[str, str]:
    """Bearer headers of a logged-in account; `otp`: the current code of an account with a second factor."""
    body = {"username": username, "password": password, **({"otp": otp} if otp else {})}
    token = api.post_json("/api/v1/login", body).json["token"]
    return {"Authorization": f"Bearer {token}"}


def page_session(wsgi_app, username: str | None = None, password: str = PASSWORD) -> TestApp:
    """A WebTest client for the pages, logged in through the login form (anonymous without a username)."""
    app = TestApp(wsgi_app)
    if username:
        form = app.get("/login").forms[0]
        form["username"], form["password"] = username, password
        assert form.submit().status_int == 302
    return app


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
    return {**body, "account_id": account_of(api, id_number), "status": answer["status"]}


def account_of(api: TestApp, id_number: str) -> int:
    """The account a sign-up made: the answer no longer says (it is the same whether or not the ID number was taken)."""
    from sqlalchemy import select

    from models import Account, Person
    from models.crypto import lookup_hash
    from models.db import session_scope

    settings = api.app.registry.settings["medreg"]
    with session_scope(settings.database_url) as session:
        person_id = session.scalar(select(Person.id).where(Person.id_number_hash == lookup_hash(settings.secret, id_number)))
        account_id = session.scalar(select(Account.id).where(Account.person_id == person_id))
    assert account_id is not None, "the sign-up made no account"
    return account_id


def activate(api: TestApp, institution_headers: dict, person: dict) -> None:
    code = api.post_json(
        f"/api/v1/institution/accounts/{person['account_id']}/activation-code", {}, headers=institution_headers
    ).json["code"]
    api.post_json("/api/v1/activate", {"username": person["id_number"], "code": code})


# --- arranging the parties of a journey (fresh names, so tests never share an account) ----------------------


def unique_username(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class InstitutionDesk:
    """An institution in the register and its staff account, logged in."""

    institution: Institution
    username: str
    headers: dict[str, str]

    @property
    def id(self) -> int:
        return self.institution.id


def institution_desk(api: TestApp, session, name: str | None = None, division: str = "110105", **institution_kwargs) -> InstitutionDesk:
    """Arrange an institution with an account and log it in (commits, so the portal sees it)."""
    item = factories.institution(session, name=name or unique_username("测试医院"), division=division, **institution_kwargs)
    username = unique_username("inst")
    staff_account(session, "institution", username, institution_id=item.id)
    session.commit()
    return InstitutionDesk(item, username, login(api, username))


def commission_desk(api: TestApp, session, division: str = "110105") -> tuple[str, dict[str, str]]:
    """A logged-in commission staff account of `division`: (username, headers)."""
    factories.divisions(session)
    username = unique_username(f"com{division}")
    staff_account(session, "commission", username, division=division)
    session.commit()
    return username, login(api, username)


def active_physician(api: TestApp, session, settings, desk: InstitutionDesk, name: str | None = None) -> dict:
    """Sign up over the API, get a qualification record, be activated by the institution, log in."""
    person = physician_signup(api, desk.id, name=name or factories.unique_name())
    person["certificate_no"] = factories.qualification(session, settings, person["name"], person["id_number"])
    session.commit()
    activate(api, desk.headers, person)
    person["headers"] = login(api, person["mobile"])
    return person


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def person_account(session, settings, institution_id: int, name: str | None = None, status: str = "active",
                   with_qualification: bool = True) -> dict:
    """A physician and their account written directly (no API round trips); logs in with `mobile` and PASSWORD."""
    birth = date(1985, 6, 1)
    name = name or factories.unique_name()
    id_number = factories.resident_id(birth)
    person = Person(
        profession="physician", name=name, sex="男", birth_date=birth, id_type="resident_id",
        id_number_encrypted=encrypt(settings.secret, id_number), id_number_hash=lookup_hash(settings.secret, id_number),
        mobile=factories.unique_mobile(), institution_id=institution_id,
    )
    session.add(person)
    session.flush()
    account = Account(role="person", status=status, person_id=person.id, institution_id=institution_id,
                      password_hash=_password_hash())
    session.add(account)
    session.flush()
    certificate_no = factories.qualification(session, settings, name, id_number) if with_qualification else None
    return {"name": name, "id_number": id_number, "mobile": person.mobile, "birth_date": birth.isoformat(),
            "person_id": person.id, "account_id": account.id, "certificate_no": certificate_no}


def first_registration(certificate_no: str, institution_id: int, scope: str | list[str] = "内科专业") -> dict:
    return {"certificate_no": certificate_no, "practice_category": "临床", "practice_scope": scope,
            "institution_id": institution_id}


def submit_first_registration(api: TestApp, person: dict, institution_id: int, status: int = 201, **data) -> dict:
    body = {"kind": "physician.first_registration", "data": {**first_registration(person["certificate_no"], institution_id), **data}}
    return api.post_json("/api/v1/applications", body, headers=person["headers"], status=status).json


def wait_routed(api: TestApp, commission_headers: dict, application_id: int, timeout: float = 30.0) -> dict:
    """Wait until the application is in the commission's approval queue (routing runs in a worker)."""
    def routed():
        items = api.get("/api/v1/commission/queue", headers=commission_headers).json["items"]
        return next((item for item in items if item["id"] == application_id), None)

    return wait_for(routed, timeout)


def portal_with(settings, **changes) -> TestApp:
    """A portal over the test database with some settings changed (licence keys, attempt limits, a bulk directory …)."""
    from portal import make_config

    return TestApp(make_config({}, dataclasses.replace(settings, **changes)).make_wsgi_app())


def look_up_institution(form, text: str, field: str = "institution_id"):
    """The page after a form's institution field is looked up by `text` (its 查找 button, kind_form.jinja2
    institution_field): the same form again, everything typed kept (but a password), the institutions found its
    field's choices — chosen, when there is exactly one."""
    form[f"{field}-find"] = text
    found = form.submit("lookup", value=field)
    assert found.status_int == 200, found.status
    return found


def waiting_for_decisions(api: TestApp, session, settings, name: str = "决定医院") -> dict:
    """An application awaiting its institution's confirmation and one awaiting the commission of 110105, each its own
    applicant's, written directly (no worker moves them): {"desk", "waiting", "pending", "commission", "applicant"}, the
    applicant being the waiting one's (commits)."""
    desk = institution_desk(api, session, name=factories.unique_name(name))
    first, second = person_account(session, settings, desk.id), person_account(session, settings, desk.id)
    waiting = factories.application(session, first["person_id"], first["account_id"], desk.id, first["certificate_no"],
                                    "awaiting_institution")
    pending = factories.application(session, second["person_id"], second["account_id"], desk.id, second["certificate_no"],
                                    "pending_approval", "110105")
    session.commit()
    _, commission = commission_desk(api, session, "110105")
    return {"desk": desk, "waiting": waiting, "pending": pending, "commission": commission, "applicant": first}
