"""Rule 10: the permission table generated from the route table — every operation of the API that names an object by
id, called by every role on an object of somebody else (another institution, another person, another commission's
jurisdiction), is refused (401, 403 or 404; 400 only where the body is checked first) and shows nothing of it.

tests/functional/test_permissions.py holds the hand-written table of what each role may do; this one is derived from
portal/api/spec.py's operations, so a new route with an id is covered without writing anything here."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from webtest import TestApp

from models import AccountRequest, Batch, OtherStaff
from models.base import utcnow
from portal.api.spec import OPERATIONS
from tests import factories
from tests.journeys import login, person_account, staff_account, unique_username

ROLES = ("anonymous", "person", "institution", "clerk", "admin", "superior_admin")
REFUSED = {401, 403, 404}
REFUSED_AFTER_BODY_CHECK = REFUSED | {400}
BY_ID = [op for op in OPERATIONS if "{id}" in op.path]


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    db = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    mine = factories.institution(db, name=factories.unique_name("本方医院"), division="110105")
    theirs = factories.institution(db, name=factories.unique_name("他方医院"), division="310104")
    me, them = person_account(db, settings, mine.id), person_account(db, settings, theirs.id)
    names = {role: unique_username(role) for role in ROLES if role not in ("anonymous", "person")}
    staff_account(db, "institution", names["institution"], institution_id=mine.id)
    their_institution = staff_account(db, "institution", unique_username("their"), institution_id=theirs.id)
    staff_account(db, "commission", names["clerk"], division="110105")
    staff_account(db, "commission", names["admin"], division="110105").admin = True
    staff_account(db, "commission", names["superior_admin"], division="110000").admin = True
    their_admin = staff_account(db, "commission", unique_username("their-admin"), division="310104")
    application = factories.application(db, them["person_id"], them["account_id"], theirs.id, them["certificate_no"],
                                        "pending_approval", "310104")
    other = OtherStaff(institution_id=theirs.id, name="他方职员", sex="女", post="收费员")
    batch = Batch(institution_id=theirs.id, account_id=their_institution.id, filename="x.csv")
    db.add_all([other, batch])
    db.flush()
    request = AccountRequest(account_id=their_institution.id, requested_by=their_admin.id, mobile="13912340000",
                             expires_at=utcnow() + timedelta(hours=1))
    db.add(request)
    db.commit()
    objects = {"申请": application.id, "账号": them["account_id"], "人员": other.id, "批次": batch.id, "请求": request.id,
               "机构": theirs.id}
    # The institution account of the other side too, for the account operations (disable, enable, reset).
    institution_objects = {**objects, "账号": their_institution.id}
    headers = {"anonymous": {}, "person": login(api, me["mobile"]), **{role: login(api, name) for role, name in names.items()}}
    markers = [them["name"], them["mobile"], them["id_number"], theirs.name, "他方职员", "13912340000"]
    yield {"api": api, "headers": headers, "objects": objects, "institution_objects": institution_objects, "markers": markers}
    db.close()


def test_every_operation_with_an_id_is_in_the_table():
    assert {op.id_of for op in BY_ID} <= {"申请", "账号", "人员", "批次", "请求", "机构"}, "a new kind of object: add it to the world"
    assert len(BY_ID) >= 14


@pytest.mark.parametrize("op", BY_ID, ids=[f"{op.method} {op.path}" for op in BY_ID])
def test_nobody_reaches_an_object_of_somebody_else(world, op):
    api, wrong = world["api"], []
    objects = world["institution_objects"] if op.path.startswith("/commission/accounts") else world["objects"]
    path = "/api/v1" + op.path.replace("{id}", str(objects[op.id_of]))
    allowed = REFUSED if op.method in ("GET", "DELETE") else REFUSED_AFTER_BODY_CHECK
    for role in ROLES:
        headers = world["headers"][role]
        if op.method == "GET":
            response = api.get(path, headers=headers, expect_errors=True)
        elif op.method == "DELETE":
            response = api.delete(path, headers=headers, expect_errors=True)
        else:
            send = {"POST": api.post_json, "PUT": api.put_json, "PATCH": api.patch_json}[op.method]
            response = send(path, {}, headers=headers, expect_errors=True)
        if response.status_int not in allowed:
            wrong.append(f"{role}: {response.status_int} {response.text[:200]}")
        text = json.dumps(response.json, ensure_ascii=False) if response.content_type == "application/json" else response.text
        wrong += [f"{role} sees {marker}" for marker in world["markers"] if marker in text]
    assert wrong == []
