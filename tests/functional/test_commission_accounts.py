"""Accounts and query at the commission end: an administrator creates staff accounts for its own and lower
divisions; institution accounts of the jurisdiction are listed, disabled, re-enabled and given a new password by
SMS; persons, institutions, register entries and applications are found with the private fields a commission sees."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Account, AccountRequest, AuditEntry, Institution
from models.base import utcnow
from pipeline.review import mask_id_number
from tests import commission_world as cw
from tests import factories
from tests.journeys import PASSWORD, institution_desk, login, page_session, staff_account, unique_username, wait_for

NEW_PASSWORD = "Newpass-2026x"


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "64")
    institution = session.get(Institution, world.institutions["county"].id)
    institution.mobile, institution.uscc = "13800000064", f"12640102MB{world.tag.upper()[:6]}00"[:18]
    world.application = cw.pending_since(session, world.person["account_id"], institution.id, "physician.change",
                                         world.codes["county"], cw.working_days_ago(1), person_id=world.person["person_id"]).id
    session.commit()
    yield world
    session.close()


def login_status(api, username: str, password: str) -> int:
    return api.post_json("/api/v1/login", {"username": username, "password": password}, expect_errors=True).status_int


# --- staff accounts --------------------------------------------------------------------------------


def test_an_administrator_creates_a_staff_account_for_a_lower_division(api, world, db):
    username = f"staff-{world.tag}"
    answer = api.post_json("/api/v1/commission/accounts", {"username": username, "password": NEW_PASSWORD,
                           "division": world.codes["county"]}, headers=world.desks["admin"].headers, status=201).json
    assert answer["division"] == world.codes["county"] and answer["must_change_password"] is True and not answer["admin"]
    assert NEW_PASSWORD not in json.dumps(answer)
    created = db.scalar(select(Account).where(Account.username == username))
    assert created.role == "commission" and created.status == "active"
    assert login_status(api, username, NEW_PASSWORD) == 200
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "create_staff_account", AuditEntry.target == f"account:{created.id}"))
    assert entry.actor == f"account:{world.desks['admin'].account_id}" and entry.division_code == world.codes["county"]
    listed = api.get("/api/v1/commission/accounts", params={"role": "commission"}, headers=world.desks["admin"].headers).json
    assert username in {item["username"] for item in listed["items"]}


@pytest.mark.parametrize(("body", "field"), [
    ({"division": "640000"}, "division"),  # the parent
    ({"division": "110105"}, "division"),  # elsewhere
    ({"division": "64010"}, "division"),
    ({"username": "1abc"}, "username"),
    ({"password": "short1"}, "password"),
    ({"password": "onlyletters"}, "password"),
    ({"admin": "yes"}, "admin"),
])
def test_a_bad_staff_account_is_refused_naming_the_field(api, world, db, body, field):
    username = f"bad-{world.tag}-{field}"
    full = {"username": username, "password": NEW_PASSWORD, "division": world.codes["county"], **body}
    error = api.post_json("/api/v1/commission/accounts", full, headers=world.desks["admin"].headers, status=400).json["error"]
    assert field in error["fields"]
    assert db.scalar(select(Account.id).where(Account.username == full["username"])) is None


def test_a_taken_username_is_a_conflict_and_staff_who_are_not_administrators_are_refused(api, world):
    body = {"username": world.desks["county"].username, "password": NEW_PASSWORD}
    api.post_json("/api/v1/commission/accounts", body, headers=world.desks["admin"].headers, status=409)
    body = {"username": f"nope-{world.tag}", "password": NEW_PASSWORD}
    api.post_json("/api/v1/commission/accounts", body, headers=world.desks["city"].headers, status=403)
    api.get("/api/v1/commission/accounts", params={"role": "commission"}, headers=world.desks["city"].headers, status=403)


# --- institution accounts -------------------------------------------------------------------------


def test_institution_accounts_are_listed_in_the_jurisdiction_only(api, world):
    mine = world.institution_desk.account_id
    for level in ("county", "city", "province", "national"):
        listed = api.get("/api/v1/commission/accounts", headers=world.desks[level].headers).json["items"]
        assert mine in {item["id"] for item in listed}, level
    sibling = api.get("/api/v1/commission/accounts", headers=world.desks["sibling"].headers).json["items"]
    assert mine not in {item["id"] for item in sibling}
    api.get("/api/v1/commission/accounts", params={"role": "person"}, headers=world.desks["county"].headers, status=400)


def test_disable_and_re_enable_an_institution_account(api, world, db):
    account_id, username = world.institution_desk.account_id, world.institution_desk.username
    base = f"/api/v1/commission/accounts/{account_id}"
    # Only an administrator manages accounts (docs/security.md): other staff get 403, whatever the account.
    api.post_json(f"{base}/disable", {}, headers=world.desks["sibling"].headers, status=403)
    api.post_json(f"{base}/disable", {}, headers=world.desks["county"].headers, status=403)
    admin = world.desks["admin"].headers
    assert api.post_json(f"{base}/disable", {}, headers=admin).json == {"id": account_id, "status": "disabled"}
    assert login_status(api, username, PASSWORD) == 403
    api.get("/api/v1/institution/tasks", headers=world.institution_desk.headers, status=401)  # its token no longer works
    api.post_json(f"{base}/disable", {}, headers=admin, status=409)
    assert api.post_json(f"{base}/enable", {}, headers=admin).json["status"] == "active"
    assert login_status(api, username, PASSWORD) == 200
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.target == f"account:{account_id}")).all()
    assert {"disable_account", "enable_account"} <= set(actions)


def test_a_commission_cannot_disable_itself_persons_or_accounts_outside(api, world):
    admin = world.desks["admin"].headers
    for target in (world.desks["admin"].account_id, world.person["account_id"], world.desks["province"].account_id):
        api.post_json(f"/api/v1/commission/accounts/{target}/disable", {}, headers=admin, status=404)


def test_a_password_reset_sends_a_one_time_password_by_sms_and_never_shows_it(api, world, db, settings, workers):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    username = f"reset-{world.tag}"
    account = cw.staff_account(session, "institution", username, institution_id=world.institutions["county"].id)
    session.commit()
    session.close()
    answer = api.post_json(f"/api/v1/commission/accounts/{account.id}/password-reset", {},
                           headers=world.desks["admin"].headers, status=202).json
    assert answer == {"id": account.id, "sent_to": "138****0064", "status": "sent", "must_change_password": True}
    sms = Path(settings.sms_backend.removeprefix("file:"))

    def message():
        lines = sms.read_text(encoding="utf-8").splitlines() if sms.exists() else []
        return next((json.loads(line) for line in lines if username in line), None)

    text = wait_for(message)
    assert text["to"] == "13800000064"
    password = text["text"].split("新密码为 ")[1].split("，")[0]
    assert password not in json.dumps(answer)
    assert login_status(api, username, PASSWORD) == 401
    assert login_status(api, username, password) == 200
    db.expire_all()
    assert db.get(Account, account.id).must_change_password is True


def test_a_password_reset_needs_a_good_mobile(api, world, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    account = cw.staff_account(session, "institution", f"nomobile-{world.tag}", institution_id=world.institutions["county"].id)
    session.commit()
    session.close()
    url = f"/api/v1/commission/accounts/{account.id}/password-reset"
    error = api.post_json(url, {"mobile": "12345"}, headers=world.desks["admin"].headers, status=400).json["error"]
    assert "mobile" in error["fields"]
    api.post_json(url, {}, headers=world.desks["sibling"].headers, status=403)


# --- query -------------------------------------------------------------------------------------------


def search(api, world, q: str, level: str = "county"):
    return api.get("/api/v1/commission/search", params={"q": q}, headers=world.desks[level].headers).json


def test_a_person_is_found_by_name_id_number_or_mobile_with_both_masked(api, world):
    person = world.person
    for q in (person["name"], person["id_number"], person["id_number"].lower(), person["mobile"]):
        found = search(api, world, q)["persons"]
        assert [p["id"] for p in found] == [person["person_id"]], q
        assert found[0]["id_number"] == mask_id_number(person["id_number"])
        assert found[0]["mobile"] == person["mobile"][:3] + "****" + person["mobile"][-4:]
        assert "birth_date" not in found[0]  # with the masked number, it would be the whole number
    assert search(api, world, person["id_number"], level="sibling")["persons"] == []


def test_institutions_are_found_by_name_credit_code_or_identifier(api, world, db):
    institution = db.get(Institution, world.institutions["county"].id)
    for q in (institution.name, institution.uscc, institution.identifier):
        assert [i["id"] for i in search(api, world, q)["institutions"]] == [institution.id], q
    assert search(api, world, institution.uscc, level="sibling")["institutions"] == []
    assert search(api, world, institution.uscc, level="national")["institutions"][0]["mobile"] == "138****0064"


def test_applications_are_found_by_number_or_applicant(api, world):
    found = search(api, world, f"#{world.application}")["applications"]
    assert [a["id"] for a in found] == [world.application] and found[0]["applicant"] == world.person["name"]
    assert world.application in {a["id"] for a in search(api, world, world.person["name"], level="city")["applications"]}
    assert search(api, world, str(world.application), level="sibling")["applications"] == []


def test_register_entries_are_found_by_identifier(api, world, settings):
    from models.db import session_factory
    from tests import factories

    session = session_factory(settings.database_url)()
    item = factories.application(session, world.person["person_id"], world.person["account_id"], world.institutions["county"].id,
                                 world.person["certificate_no"], "approved", world.codes["county"])
    factories.issued(session, item)
    session.commit()
    identifier = item.identifier
    session.close()
    found = search(api, world, identifier)["registrations"]
    assert [(r["profession"], r["identifier"], r["name"]) for r in found] == [("physician", identifier, world.person["name"])]
    assert search(api, world, identifier, level="sibling")["registrations"] == []


def test_an_empty_query_is_refused(api, world):
    api.get("/api/v1/commission/search", params={"q": " "}, headers=world.desks["county"].headers, status=400)


def test_search_pages_through_every_result_of_each_section(api, world, db, settings):
    """61 people whose names hold the query (more than a page): `next` per section, `section` + `cursor` fetch the
    rest, each once."""
    from tests.journeys import person_account

    name = f"翻页{world.tag}"
    made = [person_account(db, settings, world.institutions["county"].id, name=f"{name}某{n}")["person_id"] for n in range(61)]
    db.commit()
    headers = world.desks["county"].headers
    first = api.get("/api/v1/commission/search", params={"q": name}, headers=headers).json
    assert [p["id"] for p in first["persons"]] == sorted(made)[:50]
    assert first["next"]["persons"] == str(sorted(made)[49]) and first["next"]["institutions"] is None
    seen, cursor, pages = [p["id"] for p in first["persons"]], first["next"]["persons"], 1
    while cursor:
        page = api.get("/api/v1/commission/search", params={"q": name, "section": "persons", "cursor": cursor, "limit": 7},
                       headers=headers).json
        assert page["institutions"] == page["applications"] == page["registrations"] == []
        seen += [p["id"] for p in page["persons"]]
        cursor, pages = page["next"]["persons"], pages + 1
    assert seen == sorted(made) and pages == 3
    # applications newest first, paged the same way
    apps = api.get("/api/v1/commission/search", params={"q": name, "section": "applications", "limit": 1}, headers=headers).json
    assert apps["next"]["applications"] is None or apps["next"]["applications"].isdigit()
    for params, field in (({"section": "nobody"}, "section"), ({"cursor": "5"}, "cursor"), ({"section": "persons", "cursor": "x"}, "cursor"),
                          ({"section": "registrations", "cursor": "vet:3"}, "cursor"), ({"limit": "0"}, "limit")):
        answer = api.get("/api/v1/commission/search", params={"q": name, **params}, headers=headers, status=400).json
        assert field in answer["error"]["fields"]


@pytest.mark.parametrize("role", ["institution", "commission"])
def test_account_lists_page_by_cursor_to_their_end(api, world, role):
    headers = world.desks["admin"].headers
    whole = [item["id"] for item in api.get("/api/v1/commission/accounts", params={"role": role}, headers=headers).json["items"]]
    seen, cursor, pages = [], None, 0
    while True:
        answer = api.get("/api/v1/commission/accounts", params={"role": role, "limit": "1", **({"cursor": cursor} if cursor else {})},
                         headers=headers).json
        seen += [item["id"] for item in answer["items"]]
        pages += 1
        cursor = answer["next"]
        if cursor is None:
            break
    assert seen == whole and pages == len(whole) >= 2
    for bad in ({"cursor": "x"}, {"limit": "0"}, {"limit": "501"}):
        error = api.get("/api/v1/commission/accounts", params={"role": role, **bad}, headers=headers, status=400).json["error"]
        assert list(bad) == list(error["fields"])


def test_follow_ups_page_by_cursor_to_their_end(api, world, db):
    from models import StaffFollowUp

    county = world.institutions["county"]
    for n in range(3):
        db.add(StaffFollowUp(institution_id=county.id, commission_code=world.codes["county"], entry_type="nurse",
                             entry_id=900_000 + n, identifier=None, name=f"跟进{n}", reason="institution_cancelled"))
    db.commit()
    headers = world.desks["county"].headers
    whole = [item["id"] for item in api.get("/api/v1/commission/follow-ups", headers=headers).json["items"]]
    seen, cursor = [], None
    while True:
        answer = api.get("/api/v1/commission/follow-ups", params={"limit": "1", **({"cursor": cursor} if cursor else {})},
                         headers=headers).json
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            break
    assert seen == whole and len(whole) >= 3
    assert api.get("/api/v1/commission/follow-ups", params={"limit": "x"}, headers=headers, status=400).json["error"]["fields"]


# --- how a mobile is shown ----------------------------------------------------------------------------------


def test_a_mobile_is_shown_masked_the_same_way_by_every_answer_and_page(api, db, wsgi_app):
    """One helper masks a mobile (pipeline/persons.py mask_mobile): 11 digits show their first three and last four;
    a number kept in an older form (legacy data, before mobiles were checked) shows none of its digits — the reset
    requests used to show 13800138 as 138****0138, the whole number."""
    desk = institution_desk(api, db, name=factories.unique_name("手机医院"))
    admin = unique_username("admin")
    staff_account(db, "commission", admin, division="110105").admin = True
    account = db.scalar(select(Account).where(Account.username == desk.username))
    db.get(Institution, desk.id).mobile = "13800000077"
    db.commit()
    headers = login(api, admin)
    answer = api.post_json(f"/api/v1/commission/accounts/{account.id}/password-reset", {"mobile": "13911112222"},
                           headers=headers).json
    assert answer["sent_to"] == "139****2222" and answer["status"] == "awaiting_second_admin"
    legacy = AccountRequest(account_id=account.id, requested_by=db.scalar(select(Account.id).where(Account.username == admin)),
                            mobile="13800138", expires_at=utcnow() + timedelta(hours=1))
    db.add(legacy)
    db.commit()
    shown = {item["id"]: item["sent_to"] for item in api.get("/api/v1/commission/account-requests", headers=headers).json["items"]}
    assert (shown[answer["request_id"]], shown[legacy.id]) == ("139****2222", "****")
    page = page_session(wsgi_app, admin).get("/commission/accounts")
    assert "139****2222" in page.text and "138****0138" not in page.text and "13800138" not in page.text
    institution_page = page_session(wsgi_app, admin).get(f"/commission/institutions/{desk.id}")
    assert "138****0077" in institution_page.text and "13800000077" not in institution_page.text
