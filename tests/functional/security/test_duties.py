"""Rule 3: separation of duties — only administrators manage accounts, a password goes to another mobile only with a
second administrator, nobody holds both ends of one application, and only the filer withdraws."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Account, Application, AuditEntry, Institution, OutboxMessage
from tests import factories
from tests.journeys import PASSWORD, institution_desk, login, staff_account, unique_username
from tests.nurse_journeys import nurse

CLERK_MOBILE = "13912345678"


@pytest.fixture
def desk(api, db):
    made = institution_desk(api, db, name=factories.unique_name("分权医院"))
    db.get(Institution, made.id).mobile = "13800000001"
    db.commit()
    return made


def commission(api, db, admin: bool, division: str = "110105") -> tuple[int, dict]:
    username = unique_username("adm" if admin else "clerk")
    account = staff_account(db, "commission", username, division=division)
    account.admin = admin
    db.commit()
    return account.id, login(api, username)


def account_id_of(db, desk) -> int:
    return db.scalar(select(Account.id).where(Account.username == desk.username))


def sms_queued_to(db, mobile: str) -> int:
    return sum(1 for row in db.scalars(select(OutboxMessage).where(OutboxMessage.task == "workers.notifications.send_sms"))
               if row.payload.get("to") == mobile)


def test_a_clerk_who_is_not_an_administrator_cannot_reset_disable_or_enable(api, db, desk):
    _, clerk = commission(api, db, admin=False)
    target = account_id_of(db, desk)
    for action, body in (("password-reset", {"mobile": CLERK_MOBILE}), ("disable", {}), ("enable", {})):
        refused = api.post_json(f"/api/v1/commission/accounts/{target}/{action}", body, headers=clerk, status=403).json
        assert refused["error"]["code"] == "forbidden"
    assert sms_queued_to(db, CLERK_MOBILE) == 0
    login(api, desk.username)  # the institution's password is unchanged


def test_another_mobile_needs_a_second_administrator_and_its_chooser_cannot_approve_the_institutions_work(api, db, desk, settings):
    _, first = commission(api, db, admin=True)
    _, second = commission(api, db, admin=True)
    target = account_id_of(db, desk)
    asked = api.post_json(f"/api/v1/commission/accounts/{target}/password-reset", {"mobile": CLERK_MOBILE}, headers=first,
                          status=202).json
    assert asked["status"] == "awaiting_second_admin" and "must_change_password" not in asked
    assert sms_queued_to(db, CLERK_MOBILE) == 0
    login(api, desk.username)  # nothing changed yet
    listed = api.get("/api/v1/commission/account-requests", headers=second).json["items"]
    assert asked["request_id"] in [item["id"] for item in listed]
    refused = api.post_json(f"/api/v1/commission/account-requests/{asked['request_id']}/approve", {}, headers=first, status=403)
    assert refused.json["error"]["code"] == "second_admin_required"
    done = api.post_json(f"/api/v1/commission/account-requests/{asked['request_id']}/approve", {}, headers=second, status=202).json
    assert done["status"] == "sent" and done["sent_to"] == "139****5678"
    assert sms_queued_to(db, CLERK_MOBILE) == 1
    api.post_json("/api/v1/login", {"username": desk.username, "password": PASSWORD}, status=401)
    api.get("/api/v1/institution/profile", headers=desk.headers, status=401)  # its sessions ended
    # The administrator who chose the mobile may not approve what that institution confirms.
    person = factories.application(db, *_person(db, settings, desk), "pending_approval", "110105")
    db.commit()
    separated = api.post_json(f"/api/v1/commission/queue/{person.id}", {"decision": "approve"}, headers=first, status=403).json
    assert separated["error"]["code"] == "separation_of_duties"
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.target == f"account:{target}")))
    assert {"reset_password_requested", "reset_password_approved", "reset_password"} <= actions


def _person(db, settings, desk) -> tuple:
    from tests.journeys import person_account

    made = person_account(db, settings, desk.id)
    return made["person_id"], made["account_id"], desk.id, made["certificate_no"]


def test_the_mobile_on_record_needs_no_second_administrator(api, db, desk):
    _, admin = commission(api, db, admin=True)
    answer = api.post_json(f"/api/v1/commission/accounts/{account_id_of(db, desk)}/password-reset", {}, headers=admin, status=202).json
    assert answer == {"id": account_id_of(db, desk), "sent_to": "138****0001", "status": "sent", "must_change_password": True}


def test_a_nurse_cannot_withdraw_the_cancellation_her_institution_filed(api, db, desk, settings):
    person = nurse(api, db, settings, desk.id)
    institution_account = account_id_of(db, desk)
    filed = Application(kind="nurse.cancellation", status="pending_approval", applicant_account_id=institution_account,
                        person_id=person["person_id"], institution_id=desk.id, commission_code="110105",
                        data={"reason": "调离本机构"})
    db.add(filed)
    filed.record("测试数据", None, "pending_approval", "机构提交")
    db.commit()
    refused = api.post_json(f"/api/v1/applications/{filed.id}/withdraw", {}, headers=person["headers"], status=403).json
    assert refused["error"]["code"] == "forbidden"
    db.refresh(filed)
    assert filed.status == "pending_approval"
    assert api.post_json(f"/api/v1/applications/{filed.id}/withdraw", {}, headers=desk.headers).json["status"] == "withdrawn"


def test_a_colleagues_password_goes_to_their_own_mobile_on_record_or_waits_for_a_second_administrator(api, db):
    _, admin = commission(api, db, admin=True)
    username = unique_username("colleague")
    created = api.post_json("/api/v1/commission/accounts", {"username": username, "password": "Colleague-2026",
                            "division": "110105", "mobile": "13700001111"}, headers=admin, status=201).json
    sent = api.post_json(f"/api/v1/commission/accounts/{created['id']}/password-reset", {}, headers=admin, status=202).json
    assert sent["status"] == "sent" and sent["sent_to"] == "137****1111"
    elsewhere = api.post_json(f"/api/v1/commission/accounts/{created['id']}/password-reset", {"mobile": CLERK_MOBILE},
                              headers=admin, status=202).json
    assert elsewhere["status"] == "awaiting_second_admin"


def test_the_second_administrator_approves_on_the_accounts_page(api, db, desk, wsgi_app):
    from webtest import TestApp

    _, first = commission(api, db, admin=True)
    username = unique_username("second")
    staff_account(db, "commission", username, division="110105").admin = True
    db.commit()
    asked = api.post_json(f"/api/v1/commission/accounts/{account_id_of(db, desk)}/password-reset", {"mobile": "13912340077"},
                          headers=first, status=202).json
    browser = TestApp(wsgi_app)
    form = browser.get("/login").forms[0]
    form["username"], form["password"] = username, PASSWORD
    form.submit()
    page = browser.get("/commission/accounts")
    assert f"#{asked['request_id']}" in page.html.select_one("#account-requests").text
    approve = next(f for f in page.forms.values() if f.action.endswith(f"/account-requests/{asked['request_id']}/approve"))
    assert approve.submit().status_int == 302
    assert sms_queued_to(db, "13912340077") == 1


def test_requests_elsewhere_never_crowd_out_the_jurisdictions_own(api, db):
    """The list stopped at the country's first 500 pending requests and then kept those of the jurisdiction: with 500
    waiting in 上海, a 北京 administrator saw none of 北京's."""
    from datetime import timedelta

    from models import AccountRequest
    from models.base import utcnow

    elsewhere = institution_desk(api, db, name=factories.unique_name("沪上医院"), division="310104")
    shanghai_admin, _ = commission(api, db, admin=True, division="310104")
    crowd = [AccountRequest(account_id=account_id_of(db, elsewhere), requested_by=shanghai_admin, mobile=CLERK_MOBILE,
                            expires_at=utcnow() + timedelta(hours=1)) for _ in range(500)]
    db.add_all(crowd)
    db.commit()
    try:
        home = institution_desk(api, db, name=factories.unique_name("京内医院"))
        _, first = commission(api, db, admin=True)
        _, second = commission(api, db, admin=True)
        asked = api.post_json(f"/api/v1/commission/accounts/{account_id_of(db, home)}/password-reset",
                              {"mobile": CLERK_MOBILE}, headers=first, status=202).json
        listed = [item["id"] for item in api.get("/api/v1/commission/account-requests", headers=second).json["items"]]
        assert asked["request_id"] in listed
        assert not {request.id for request in crowd} & set(listed)
    finally:
        for request in crowd:
            db.delete(request)
        db.commit()


def test_an_administrator_and_the_accounts_they_created_count_as_one_for_the_second_administrator_and_the_duties(api, db, desk, settings):
    """An administrator sets the first password of a staff account they create, so they can act as it: a second
    administrator they made (or one that one made) cannot approve their request, nor approve what the institution
    whose password went to their chosen mobile confirms."""
    _, first = commission(api, db, admin=True)
    puppet_name, grandchild_name = unique_username("puppet"), unique_username("grandchild")
    body = {"password": "Puppet-Admin-2026", "admin": True}

    def made_by(headers: dict, username: str) -> dict:
        """Created, then logged into with the password its creator set, and that changed as the first login asks."""
        api.post_json("/api/v1/commission/accounts", {**body, "username": username}, headers=headers, status=201)
        first_login = login(api, username, body["password"])
        api.post_json("/api/v1/password", {"old_password": body["password"], "new_password": "Changed-By-Creator-2026"},
                      headers=first_login)
        return login(api, username, "Changed-By-Creator-2026")

    puppet = made_by(first, puppet_name)
    grandchild = made_by(puppet, grandchild_name)
    target, chosen = account_id_of(db, desk), factories.unique_mobile()
    asked = api.post_json(f"/api/v1/commission/accounts/{target}/password-reset", {"mobile": chosen}, headers=first,
                          status=202).json
    for made in (puppet, grandchild):
        refused = api.post_json(f"/api/v1/commission/account-requests/{asked['request_id']}/approve", {}, headers=made, status=403)
        assert refused.json["error"]["code"] == "second_admin_required"
    assert sms_queued_to(db, chosen) == 0
    login(api, desk.username)  # the institution's password is unchanged

    # Approved by an administrator of their own, the mobile's chooser and the accounts they made stay off its work.
    _, other = commission(api, db, admin=True)
    assert api.post_json(f"/api/v1/commission/account-requests/{asked['request_id']}/approve", {}, headers=other,
                         status=202).json["status"] == "sent"
    item = factories.application(db, *_person(db, settings, desk), "pending_approval", "110105")
    db.commit()
    for made in (first, puppet, grandchild):
        separated = api.post_json(f"/api/v1/commission/queue/{item.id}", {"decision": "approve"}, headers=made, status=403).json
        assert separated["error"]["code"] == "separation_of_duties"
    assert api.post_json(f"/api/v1/commission/queue/{item.id}", {"decision": "approve"}, headers=other).json["status"] == "approved"
