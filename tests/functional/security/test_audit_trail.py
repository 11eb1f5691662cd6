"""Rule 8: the audit trail is complete — logins and failed logins, searches by ID number and reveals of a full ID
number, withdrawals, scope-map and webhook changes, and every worker's act are audited (tamper-evidence is in
tests/functional/test_audit_chain.py)."""
from __future__ import annotations

from sqlalchemy import select

from models import Account, AuditEntry
from tests import factories
from tests.functional.security.conftest import client
from tests.journeys import PASSWORD, active_physician, commission_desk, institution_desk, submit_first_registration, wait_for


def actions(db, **where) -> list[str]:
    db.expire_all()
    query = select(AuditEntry.action)
    for column, value in where.items():
        query = query.where(getattr(AuditEntry, column) == value)
    return list(db.scalars(query))


def test_logins_and_failed_logins_are_audited(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("审计医院"))
    api.post_json("/api/v1/login", {"username": desk.username, "password": "Wrong-passw0rd"}, status=401, **client("192.0.2.200"))
    assert "login_failed" in actions(db, actor="client:192.0.2.200")
    account_id = db.scalar(select(Account.id).where(Account.username == desk.username))
    assert "login" in actions(db, target=f"account:{account_id}")


def test_searches_by_id_number_and_reveals_are_audited_without_the_number(api, db, settings, workers):
    desk = institution_desk(api, db, name=factories.unique_name("审计医院"))
    person = active_physician(api, db, settings, desk)
    username, commission = commission_desk(api, db)
    actor = f"account:{db.scalar(select(Account.id).where(Account.username == username))}"

    def looked_up() -> list[str]:
        db.expire_all()
        return list(db.scalars(select(AuditEntry.action).where(AuditEntry.actor == actor, AuditEntry.action != "login")
                               .order_by(AuditEntry.id)))

    # The search shows the number masked: it is audited as a search by ID number, and reveals nothing.
    api.get("/api/v1/commission/search", params={"q": person["id_number"]}, headers=commission)
    assert looked_up() == ["search_by_id_number"]
    # The full number, one person at a time: the reveal of an application's page.
    person_id = db.scalar(select(Account.person_id).where(Account.id == person["account_id"]))
    item = factories.application(db, person_id, person["account_id"], desk.id, person["certificate_no"], "pending_approval",
                                 "110105")
    db.commit()
    api.post(f"/api/v1/applications/{item.id}/id-number", headers=commission)
    assert looked_up() == ["search_by_id_number", "reveal_id_number"]
    entries = db.scalars(select(AuditEntry).where(AuditEntry.actor == actor)).all()
    assert all(person["id_number"] not in str(entry.detail) for entry in entries)


def test_withdrawals_scope_maps_webhooks_and_worker_acts_are_audited(api, db, settings, workers):
    desk = institution_desk(api, db, name=factories.unique_name("审计医院"))
    person = active_physician(api, db, settings, desk)
    created = submit_first_registration(api, person, desk.id)
    target = f"application:{created['id']}"
    wait_for(lambda: "system_verifying" in actions(db, target=target))
    api.post_json(f"/api/v1/applications/{created['id']}/withdraw", {}, headers=person["headers"], status=(200, 409))
    assert {"submit", "system_verifying"} <= set(actions(db, target=target))
    api.put_json("/api/v1/institution/webhook", {"url": "https://hooks.example.cn/medreg", "secret": "s" * 20},
                 headers=desk.headers, status=(200, 400))
    api.put_json("/api/v1/institution/scope-map", {"map": {}}, headers=desk.headers)
    assert "institution_scope_map" in actions(db, target=f"institution:{desk.id}")
    assert PASSWORD not in str(db.scalars(select(AuditEntry.detail)).all())


def test_a_county_reads_the_acts_done_in_its_area_in_its_own_audit_log(api, db, settings):
    """Sign-up, activation code, activation, logins, a submission and its confirmation at an institution of the county
    are entries of the county's log — not only of the national commission's (they were written without a division)."""
    from tests import factories as f
    from tests.journeys import activate, login, person_account, physician_signup

    desk = institution_desk(api, db, name=f.unique_name("县审计医院"), division="110105")
    _, county = commission_desk(api, db, "110105")
    _, elsewhere = commission_desk(api, db, "310104")
    signed = physician_signup(api, desk.id)
    activate(api, desk.headers, signed)
    login(api, signed["mobile"])
    person = person_account(db, settings, desk.id)
    item = f.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"], "awaiting_institution")
    db.commit()
    api.post_json(f"/api/v1/institution/tasks/{item.id}", {"decision": "confirm"}, headers=desk.headers)

    def logged(headers) -> set[tuple[str, str]]:
        entries = api.get("/api/v1/commission/audit", {"limit": 500}, headers=headers).json["items"]
        return {(entry["action"], entry["target"]) for entry in entries}

    ours = {("activation_code", f"account:{signed['account_id']}"), ("activate", f"account:{signed['account_id']}"),
            ("login", f"account:{signed['account_id']}"), ("institution_confirm", f"application:{item.id}")}
    assert ours <= logged(county)
    assert not ours & logged(elsewhere)
