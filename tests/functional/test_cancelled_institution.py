"""A cancelled institution (注销: after an approved cancellation, or imported so) keeps accounts that may log in and
read — its history, staff lists, applications, inbox — but every state-changing request answers 403
`institution_cancelled` in Chinese and changes nothing, on the API and on the pages (portal/security.py). Before,
its clerk still changed the phone, handed out activation codes, confirmed tasks and filed applications. An
operating or a suspended (停业) institution, and the persons registered at a cancelled one, are not affected."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from models import (
    Account,
    ActivationCode,
    Application,
    AuditEntry,
    Batch,
    DepartmentScope,
    Institution,
    InstitutionEvent,
    InstitutionWebhook,
    OtherStaff,
)
from portal.errors import INSTITUTION_CANCELLED
from tests import factories
from tests.journeys import institution_desk, login, page_session, person_account

CSV = "kind,id_number,reason\nphysician.departure_filing,110105198506010012,调离\n".encode()


def arrange(api: TestApp, session, settings, status: str) -> dict:
    """An institution of `status` with its clerk logged in, a staff account waiting for activation, an application
    waiting for its confirmation, one of its own filings, a webhook and an other staff member."""
    desk = institution_desk(api, session, status=status)
    waiting = person_account(session, settings, desk.id, status="pending_activation")
    person = person_account(session, settings, desk.id)
    task = factories.application(session, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "awaiting_institution")
    own_task = factories.application(session, person["person_id"], person["account_id"], desk.id,
                                     person["certificate_no"], "returned")
    clerk_account = session.scalar(select(Account).where(Account.username == desk.username))
    filed = factories.application(session, person["person_id"], clerk_account.id, desk.id, person["certificate_no"],
                                  "returned")
    staff = OtherStaff(institution_id=desk.id, name="钱保洁", sex="男", post="保洁")
    session.add(staff)
    session.add(InstitutionWebhook(institution_id=desk.id, url="http://127.0.0.1:9/hook", secret_encrypted="x"))
    session.commit()
    return {"desk": desk, "clerk": clerk_account.id, "waiting": waiting["account_id"], "task": task.id, "filed": filed.id,
            "staff": staff.id, "person": login(api, person["mobile"]), "own": own_task.id}


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    yield {status: arrange(api, session, settings, status) for status in ("cancelled", "operating", "suspended")}
    session.close()


def changes(world: dict) -> list[tuple[str, str, object]]:
    """(method, path, body) of every state-changing request an institution's clerk can make over the API."""
    return [
        ("PATCH", "/api/v1/institution/profile", {"phone": "010-88886666"}),
        ("POST", "/api/v1/institution/staff", {"name": "赵护工", "sex": "女", "post": "护工"}),
        ("PATCH", f"/api/v1/institution/staff/{world['staff']}", {"title": "主管"}),
        ("DELETE", f"/api/v1/institution/staff/{world['staff']}", None),
        ("PUT", "/api/v1/institution/scope-map", {"map": {"内科": ["内科专业"]}}),
        ("PUT", "/api/v1/institution/webhook", {"url": "http://127.0.0.1:9/other", "secret": "s" * 20}),
        ("DELETE", "/api/v1/institution/webhook", None),
        ("POST", "/api/v1/institution/batches", CSV),
        ("POST", f"/api/v1/institution/accounts/{world['waiting']}/activation-code", {}),
        ("POST", f"/api/v1/institution/tasks/{world['task']}", {"decision": "confirm"}),
        ("POST", "/api/v1/applications", {"kind": "institution.verification", "data": {}}),
        ("POST", f"/api/v1/applications/{world['filed']}/withdraw", {}),
        ("POST", f"/api/v1/applications/{world['filed']}/resubmit", {"data": {}}),
        ("POST", f"/api/v1/applications/{world['task']}/attachments", None),
        ("POST", f"/api/v1/applications/{world['task']}/id-number", {}),
    ]


def call(api: TestApp, method: str, path: str, body, headers: dict):
    if method == "DELETE":
        return api.delete(path, headers=headers, status="*")
    if body is CSV:
        return api.post(path, body, headers={**headers, "Content-Type": "text/csv"}, status="*")
    if body is None:
        return api.post(path, {"material": "photo"}, headers=headers, status="*",
                        upload_files=[("file", "a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)])
    return getattr(api, f"{method.lower()}_json")(path, body, headers=headers, status="*")


def state(db, world: dict) -> dict:
    """What any of the requests could change."""
    db.expire_all()
    institution_id = world["desk"].id
    institution = db.get(Institution, institution_id)
    mine = Application.institution_id == institution_id
    return {
        "institution": (institution.phone, institution.fax, institution.status),
        "events": db.scalar(select(func.count()).select_from(InstitutionEvent).where(InstitutionEvent.institution_id == institution_id)),
        "staff": sorted((s.id, s.name, s.title) for s in db.scalars(select(OtherStaff).where(OtherStaff.institution_id == institution_id))),
        "scopes": sorted(db.execute(select(DepartmentScope.department, DepartmentScope.scope)
                                    .where(DepartmentScope.institution_id == institution_id)).all()),
        "webhooks": sorted(db.scalars(select(InstitutionWebhook.url).where(InstitutionWebhook.institution_id == institution_id))),
        "batches": db.scalar(select(func.count()).select_from(Batch).where(Batch.institution_id == institution_id)),
        "applications": sorted(db.execute(select(Application.id, Application.status, Application.updated_at).where(mine)).all()),
        "codes": db.scalar(select(func.count()).select_from(ActivationCode).where(ActivationCode.account_id == world["waiting"])),
        "audit": db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.actor == f"account:{world['clerk']}")),
    }


def test_every_change_a_cancelled_institutions_clerk_asks_for_is_403_and_changes_nothing(api, world, db):
    closed = world["cancelled"]
    before = state(db, closed)
    for method, path, body in changes(closed):
        answer = call(api, method, path, body, closed["desk"].headers)
        assert answer.status_int == 403, (method, path, answer.status_int, answer.text)
        assert answer.json["error"]["code"] == "institution_cancelled", (method, path)
        assert answer.json["error"]["message"] == INSTITUTION_CANCELLED
    assert state(db, closed) == before


def test_a_cancelled_institutions_clerk_still_reads_everything(api, world):
    closed = world["cancelled"]
    headers = closed["desk"].headers
    for path in ("/api/v1/institution/profile", "/api/v1/institution/history", "/api/v1/institution/staff?profession=other",
                 "/api/v1/institution/staff", "/api/v1/institution/tasks", "/api/v1/institution/accounts",
                 "/api/v1/institution/batches", "/api/v1/institution/scope-map", "/api/v1/me/notifications",
                 "/api/v1/applications", f"/api/v1/applications/{closed['task']}", "/api/v1/institution/assessments",
                 "/api/v1/verify/institutions?name=%E5%8C%BB%E9%99%A2"):
        assert api.get(path, headers=headers).status_int == 200, path
    assert api.get("/api/v1/institution/profile", headers=headers).json["status"] == "cancelled"
    assert [s["name"] for s in api.get("/api/v1/institution/staff?profession=other", headers=headers).json["items"]] == ["钱保洁"]
    # Its own account's security stays its own: a wrong old password is refused as such, not as a closed institution.
    refused = api.post_json("/api/v1/password", {"old_password": "wrong-password", "new_password": "Another-Pass-2026"},
                            headers=headers, status="*")
    assert refused.json["error"]["code"] != "institution_cancelled"
    enrol = api.post_json("/api/v1/totp/enrol", {"password": "wrong-password"}, headers=headers, status="*")
    assert enrol.json["error"]["code"] != "institution_cancelled"
    # What no institution may do stays refused as before, not as a closed institution's.
    assert api.post_json("/api/v1/commission/institutions", {}, headers=headers, status=403).json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("status", ["operating", "suspended"])
def test_an_operating_or_suspended_institution_still_does_its_business(api, world, db, status):
    open_ = world[status]
    headers = open_["desk"].headers
    for method, path, body in changes(open_):
        answer = call(api, method, path, body, headers)
        assert answer.status_int < 500, (method, path, answer.text)
        if answer.status_int >= 400:
            assert answer.json["error"]["code"] != "institution_cancelled", (method, path)
    assert db.get(Institution, open_["desk"].id).phone == "010-88886666"


def test_the_persons_of_a_cancelled_institution_are_not_affected(api, world, db):
    closed = world["cancelled"]
    answer = api.post_json(f"/api/v1/applications/{closed['own']}/withdraw", {}, headers=closed["person"], status="*")
    assert answer.status_int == 200, answer.text
    assert answer.json["status"] == "withdrawn"


POSTS = re.compile(r'<form method="post"(?! id="logout-form")')


def test_the_pages_read_but_offer_no_form_and_refuse_a_change_with_the_message(wsgi_app, world):
    closed = world["cancelled"]
    app = page_session(wsgi_app, closed["desk"].username)
    for path in ("/institution", "/institution/profile", "/institution/staff?profession=other", "/institution/scope-map",
                 "/institution/batches", "/institution/business", "/institution/staff-business/departure_filing",
                 "/institution/nurse-cancellation", f"/institution/tasks/{closed['task']}", "/institution/notifications",
                 "/institution/verify"):
        page = app.get(path)
        assert page.status_int == 200, path
        assert INSTITUTION_CANCELLED in page.text, path
        assert not POSTS.search(page.text), path  # no form that cannot work
    token = app.get("/institution").html.select_one('#logout-form input[name="csrf_token"]')["value"]
    for path, fields in ((f"/institution/accounts/{closed['waiting']}/activation-code", {}),
                         (f"/institution/tasks/{closed['task']}", {"decision": "confirm"}),
                         ("/institution/profile", {"form": "contact", "phone": "010-66667777"}),
                         ("/institution/staff", {"remove": str(closed["staff"]), "confirm": "1"}),
                         ("/institution/business", {"kind": "institution.verification"})):
        refused = app.post(path, {"csrf_token": token, **fields}, status=403)
        assert INSTITUTION_CANCELLED in refused.text and "返回机构工作台" in refused.text, path
    assert app.get("/institution/profile").html.find(string=re.compile("010-66667777")) is None
    # The operating institution's pages keep their forms.
    assert POSTS.search(page_session(wsgi_app, world["operating"]["desk"].username).get("/institution/profile").text)
