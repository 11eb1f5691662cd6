"""Account hand-out 账号分发 for institutions already in the register: one loaded by `medreg import institutions` has no
account and no mobile on record; the commission types the responsible person's mobile, the account is created, the
username and a one-time password go by SMS, and the first login must change it — over the API and on the page."""
from __future__ import annotations

import csv
import itertools
import json
import secrets

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc as uscc_number

from models import Account, AuditEntry, Institution, InstitutionEvent
from models.messages import opened
from models.outbox import OutboxMessage
from portal.cli import main
from tests import factories
from tests.institution_steps import NEW_PASSWORD, credentials_from_sms, first_login, sms_to
from tests.journeys import commission_desk, login, page_session, person_account, staff_account, unique_username, wait_for

_serial = itertools.count(1)
HEADER = ["uscc", "name", "type", "division_code", "registered_by", "address", "beds", "departments", "legal_rep",
          "principal", "phone"]


def fresh_uscc(division: str) -> str:
    body = f"12{division}{secrets.randbelow(10**8):08d}{next(_serial) % 10}"
    return body + uscc_number.calc_check_digit(body + "0")


@pytest.fixture
def imported(db, settings, tmp_path, monkeypatch, capsys):
    """`imported(division)`: an institution loaded by `medreg import institutions`, as it comes out of the register."""
    for name, value in (("MEDREG_DATABASE_URL", settings.database_url), ("MEDREG_BROKER_URL", settings.broker_url),
                        ("MEDREG_SECRET", settings.secret), ("MEDREG_LICENCE_KEYS", settings.licence_keys),
                        ("MEDREG_ALLOWED_PUSH_NETWORKS", ",".join(settings.allowed_push_networks))):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MEDREG_CHANNELS", raising=False)
    factories.divisions(db)
    db.commit()

    def load(division: str = "110105") -> Institution:
        uscc = fresh_uscc(division)
        path = tmp_path / f"institutions-{uscc}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([HEADER, [uscc, factories.unique_name("在册医院"), "综合医院", division, division,
                                                   "北京市朝阳区某路1号", "120", "内科;外科", "法人甲", "院长乙", "010-88886666"]])
        assert main(["import", "institutions", str(path)]) == 0, capsys.readouterr()
        capsys.readouterr()
        db.expire_all()
        return db.scalar(select(Institution).where(Institution.uscc == uscc))

    return load


def state(db, institution_id: int) -> tuple:
    """What a refused hand-out must leave as it was."""
    db.expire_all()
    return (db.get(Institution, institution_id).mobile,
            db.scalar(select(func.count()).select_from(Account).where(Account.institution_id == institution_id)),
            db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.target == f"institution:{institution_id}")),
            db.scalar(select(func.count()).select_from(OutboxMessage)),
            db.scalar(select(func.count()).select_from(InstitutionEvent).where(InstitutionEvent.institution_id == institution_id)))


def test_an_imported_institution_gets_its_account_by_sms_and_must_change_the_password(api, db, settings, workers, imported):
    institution = imported()
    assert institution.mobile == "" and db.scalar(select(Account).where(Account.institution_id == institution.id)) is None
    username, commission = commission_desk(api, db, "110105")
    actor = db.scalar(select(Account).where(Account.username == username))
    mobile = factories.unique_mobile()
    last_outbox = db.scalar(select(func.max(OutboxMessage.id))) or 0

    answer = api.post_json(f"/api/v1/commission/institutions/{institution.id}/account", {"mobile": mobile},
                           headers=commission, status=201).json
    masked = mobile[:3] + "****" + mobile[-4:]
    assert answer == {"institution_id": institution.id, "account_id": answer["account_id"], "must_change_password": True,
                      "sms_sent_to": masked}

    db.expire_all()
    account = db.get(Account, answer["account_id"])
    assert account.role == "institution" and account.status == "active" and account.institution_id == institution.id
    assert account.must_change_password is True
    assert account.credentials_by == actor.id  # the mobile was the actor's choice: separation of duties
    assert db.get(Institution, institution.id).mobile == mobile
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.id > last_outbox)).all()
    sms = [row.payload for row in rows if row.payload.get("to") == mobile]
    assert len(sms) == 1 and sms[0]["message"] == "institution_account" and sms[0]["sealed"] == ["password"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "institution_handout",
                                               AuditEntry.target == f"institution:{institution.id}"))
    assert entry.actor == f"account:{actor.id}" and entry.division_code == "110105" and entry.detail["account_id"] == account.id
    event = db.scalar(select(InstitutionEvent).where(InstitutionEvent.institution_id == institution.id,
                                                     InstitutionEvent.action == "account_handout"))
    assert event.text == f"账号已分发（短信发送至 {masked}）"

    # The username and the one-time password arrive by SMS only; the sealed password in the outbox is the same one.
    text = wait_for(lambda: next(iter(sms_to(settings, mobile)), None))
    sent_username, password = credentials_from_sms(text)
    assert institution.name in text and "首次登录须修改密码" in text
    assert sent_username == account.username and password not in json.dumps(answer)
    assert sms[0]["params"]["password"] != password  # sealed while it waits
    assert opened(settings, sms[0]["params"], sms[0]["sealed"])["password"] == password

    first = api.post_json("/api/v1/login", {"username": sent_username, "password": password}).json
    assert first["must_change_password"] is True and first["role"] == "institution"
    refused = api.get("/api/v1/institution/profile", headers={"Authorization": f"Bearer {first['token']}"}, status=403).json
    assert refused["error"]["code"] == "password_change_required"
    headers = first_login(api, sent_username, password)
    assert api.get("/api/v1/institution/profile", headers=headers).json["name"] == institution.name
    assert api.post_json("/api/v1/login", {"username": sent_username, "password": NEW_PASSWORD}).json["must_change_password"] is False

    # A second hand-out is refused in Chinese and changes nothing.
    before = state(db, institution.id)
    again = api.post_json(f"/api/v1/commission/institutions/{institution.id}/account", {"mobile": factories.unique_mobile()},
                          headers=commission, status=409).json["error"]
    assert "已有医疗机构账号" in again["message"]
    assert state(db, institution.id) == before


def test_a_hand_out_is_refused_outside_the_jurisdiction_on_a_bad_mobile_and_for_other_roles(api, db, settings, imported):
    institution = imported("110105")
    _, commission = commission_desk(api, db, "110105")
    _, elsewhere = commission_desk(api, db, "310104")
    path = f"/api/v1/commission/institutions/{institution.id}/account"
    before = state(db, institution.id)

    # Another province's commission learns nothing: the same 404 as for an institution that does not exist.
    other = api.post_json(path, {"mobile": "13800000000"}, headers=elsewhere, status=404).json["error"]
    missing = api.post_json("/api/v1/commission/institutions/999999999/account", {"mobile": "13800000000"}, headers=elsewhere,
                            status=404).json["error"]
    assert other == missing and institution.name not in json.dumps(other, ensure_ascii=False)

    for body in ({"mobile": "12345"}, {"mobile": "1380000000a"}, {"mobile": 13800000000}, {}):
        bad = api.post_json(path, body, headers=commission, status=400).json["error"]
        assert set(bad["fields"]) == {"mobile"} and bad["codes"]["mobile"], bad
        assert any("\u4e00" <= c <= "\u9fff" for c in bad["fields"]["mobile"])
    bad = api.post_json(path, {"mobile": "12345"}, headers=commission, status=400).json["error"]
    assert bad["fields"]["mobile"] == "手机号码应为11位中国大陆手机号" and bad["codes"]["mobile"] == "format"
    api.post(path, "不是JSON", headers={**commission, "Content-Type": "application/json"}, status=400)

    # Nobody but a commission reaches it, not even the institution's neighbours in the same division.
    neighbour = factories.institution(db, name=factories.unique_name("邻院"), division="110105")
    desk = staff_account(db, "institution", unique_username("inst"), institution_id=neighbour.id)
    person = person_account(db, settings, neighbour.id)
    db.commit()
    api.post_json(path, {"mobile": "13800000000"}, status=401)
    for headers in (login(api, desk.username), login(api, person["mobile"])):
        api.post_json(path, {"mobile": "13800000000"}, headers=headers, status=403)
    assert state(db, institution.id) == before


def test_the_commission_hands_the_account_out_on_the_institution_page(wsgi_app, api, db, settings, imported):
    institution = imported("110105")
    username, _ = commission_desk(api, db, "110105")
    app = page_session(wsgi_app, username)
    found = app.get("/commission/search", params={"q": institution.name})
    assert f"/commission/institutions/{institution.id}" in found.text  # reached from 信息查询
    page = app.get(f"/commission/institutions/{institution.id}")
    assert "尚无账号" in page.text and "分发账号" in page.text and "style=" not in page.text and "<script" not in page.text

    form = page.forms["handout-form"]
    form["mobile"] = "138abc"
    refused = form.submit(status=400)
    assert refused.html.select_one("#mobile-error").text == "手机号码应为11位中国大陆手机号"
    assert refused.forms["handout-form"]["mobile"].value == "138abc"
    db.expire_all()
    assert db.scalar(select(Account).where(Account.institution_id == institution.id)) is None

    mobile = factories.unique_mobile()
    form = refused.forms["handout-form"]
    form["mobile"] = mobile
    done = form.submit(status=302).follow()
    masked = mobile[:3] + "****" + mobile[-4:]
    assert f"已为“{institution.name}”分发账号，用户名和初始密码已短信发送至 {masked}" in done.html.select_one(".flash").text
    assert "handout-form" not in done.forms and "不能重复分发" in done.text
    db.expire_all()
    account = db.scalar(select(Account).where(Account.institution_id == institution.id))
    assert account.must_change_password and account.username in done.text and mobile not in done.text

    # Another province's commission gets the same 404 page as for an institution that does not exist.
    other, _ = commission_desk(api, db, "310104")
    elsewhere = page_session(wsgi_app, other)
    assert elsewhere.get(f"/commission/institutions/{institution.id}", status=404).text.count(institution.name) == 0
    elsewhere.get("/commission/institutions/999999999", status=404)
    neighbour = factories.institution(db, name=factories.unique_name("邻院"), division="110105")
    institution_desk = staff_account(db, "institution", unique_username("inst"), institution_id=neighbour.id)
    db.commit()
    page_session(wsgi_app, institution_desk.username).get(f"/commission/institutions/{institution.id}", status=403)


def test_a_set_up_approval_entered_twice_is_refused_and_hands_out_nothing_more(api, db, settings):
    """A retried request or a double click: the same approval again, or another with its approval number or the name of
    an institution of the division, is 409 — no second institution, no second account, no second password by SMS."""
    from tests.institution_steps import setup_approval

    _, commission = commission_desk(api, db, "110105")
    body = setup_approval()
    api.post_json("/api/v1/commission/institutions", body, headers=commission, status=201)
    for again in (body, {**body, "name": factories.unique_name("另名医院")}, {**body, "approval_no": "京卫设〔2026〕99999号"}):
        refused = api.post_json("/api/v1/commission/institutions", again, headers=commission, status=409).json["error"]
        assert refused["code"] == "conflict" and "设置审批不能重复录入" in refused["message"]
    db.expire_all()
    made = db.scalars(select(Institution.id).where(Institution.division_code == "110105", Institution.name == body["name"])).all()
    assert len(made) == 1
    assert db.scalar(select(func.count()).select_from(Account).where(Account.institution_id == made[0])) == 1
    # Another institution of the division, with its own name and number, is entered as ever.
    api.post_json("/api/v1/commission/institutions", setup_approval(), headers=commission, status=201)
