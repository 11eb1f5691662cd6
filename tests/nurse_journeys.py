"""Arranging nurses for the tests: a nurse with an account and an exam record, a registered nurse written
directly, and the steps that walk a nurse application through the pipeline."""
from __future__ import annotations

import base64
import itertools
from datetime import date, timedelta

from webtest import TestApp

from models import Account, NurseExamRecord, NurseRegistration, Person
from models.crypto import encrypt, lookup_hash
from models.identifiers import identifier_for
from pipeline import clock
from pipeline.registers.nurses import first_valid_until
from tests import factories
from tests.journeys import InstitutionDesk, _password_hash, login, wait_for, wait_routed, wait_status

_serial = itertools.count(1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def photo_base64(raw: bytes = PNG) -> str:
    return base64.b64encode(raw).decode("ascii")


def exam_record(session, settings, name: str, id_number: str, passed_year: int = 2015) -> str:
    certificate_no = f"N{passed_year}{next(_serial):09d}"
    session.add(NurseExamRecord(certificate_no=certificate_no, name=name, passed_year=passed_year,
                                id_number_hash=lookup_hash(settings.secret, id_number)))
    session.flush()
    return certificate_no


def nurse(api: TestApp, session, settings, institution_id: int, passed_year: int = 2015, name: str | None = None) -> dict:
    """A nurse with an active account at the institution and an exam record, logged in (commits)."""
    # A birth date of its own: resident_id's sequence number wraps, so a shared date could repeat an ID number.
    birth = date(1970, 1, 1) + timedelta(days=next(_serial))
    name = name or factories.unique_name("李")
    id_number = factories.resident_id(birth, sex="女")
    person = Person(
        profession="nurse", name=name, sex="女", birth_date=birth, id_type="resident_id",
        id_number_encrypted=encrypt(settings.secret, id_number), id_number_hash=lookup_hash(settings.secret, id_number),
        mobile=factories.unique_mobile(), institution_id=institution_id,
    )
    session.add(person)
    session.flush()
    account = Account(role="person", status="active", person_id=person.id, institution_id=institution_id,
                      password_hash=_password_hash())
    session.add(account)
    certificate_no = exam_record(session, settings, name, id_number, passed_year)
    session.commit()
    return {"name": name, "id_number": id_number, "mobile": person.mobile, "birth_date": birth.isoformat(),
            "person_id": person.id, "account_id": account.id, "certificate_no": certificate_no,
            "headers": login(api, person.mobile)}


def registered(session, person: dict, institution_id: int, valid_until: date | None = None, status: str = "registered",
               commission: str = "110105", department: str = "内科") -> NurseRegistration:
    """A nurse register entry with an identifier, written directly (as if registered years ago)."""
    valid_until = valid_until or first_valid_until(clock.today())
    entry = NurseRegistration(
        person_id=person["person_id"], certificate_no=person["certificate_no"], passed_year=2015,
        institution_id=institution_id, department=department, commission_code=commission, status=status,
        registered_on=valid_until - timedelta(days=5 * 365), valid_until=valid_until,
    )
    session.add(entry)
    session.flush()
    entry.identifier = identifier_for(session, "nurse", entry.id, commission)
    entry.record("测试数据", "测试", "直接写入")
    session.commit()
    person["identifier"] = entry.identifier
    return entry


def submit(api: TestApp, person: dict, kind: str, data: dict, status: int = 201) -> dict:
    return api.post_json("/api/v1/applications", {"kind": kind, "data": data}, headers=person["headers"], status=status).json


def confirm(api: TestApp, desk: InstitutionDesk, person: dict, application_id: int) -> dict:
    wait_status(api, person["headers"], application_id, "awaiting_institution")
    return api.post_json(f"/api/v1/institution/tasks/{application_id}", {"decision": "confirm"}, headers=desk.headers).json


def approve(api: TestApp, commission: dict, application_id: int) -> dict:
    wait_routed(api, commission, application_id)
    return api.post_json(f"/api/v1/commission/queue/{application_id}", {"decision": "approve"}, headers=commission).json


def through_pipeline(api: TestApp, desk: InstitutionDesk, commission: dict, person: dict, kind: str, data: dict) -> dict:
    """Submit, confirm at the institution, approve at the commission; the published application."""
    application_id = submit(api, person, kind, data)["id"]
    confirm(api, desk, person, application_id)
    approve(api, commission, application_id)
    return wait_status(api, person["headers"], application_id, "published")


def entered_at_counter(api: TestApp, institution_id: int, commission: dict, birth: date, surname: str = "柳") -> dict:
    """A nurse who passed before 2008, registered at the counter of the commission (`commission`: its headers) and
    published: on the register with a mobile, no account. The data entered (name, ID number, mobile …)."""
    data = {"name": factories.unique_name(surname), "sex": "女", "birth_date": birth.isoformat(), "id_type": "resident_id",
            "id_number": factories.resident_id(birth, sex="女"), "mobile": factories.unique_mobile(),
            "certificate_no": f"N{birth.year + 25}{factories.unique_mobile()[-6:]}", "passed_year": birth.year + 25,
            "institution_id": institution_id, "department": "内科"}
    entered = api.post_json("/api/v1/commission/counter", {"kind": "nurse.pre2008_first_registration", "data": data},
                            headers=commission, status=201).json
    wait_for(lambda: api.get(f"/api/v1/commission/queue/{entered['id']}", headers=commission).json["status"] == "published")
    return data
