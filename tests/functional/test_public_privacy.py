"""Privacy by construction, as a property: for any person, whatever a record builder hands the publisher,
no ID number, mobile, birth date or personal address reaches any public output — the API (JSON, FHIR,
history, search, feed), the pages, the pushes to the disclosure channels, the bulk files and the
electronic licence."""
from __future__ import annotations

import base64
import dataclasses
import itertools
import json
from datetime import date

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import text
from stdnum.cn import ric

from models import NurseRegistration, Person, PhysicianRegistration
from models.crypto import encrypt, lookup_hash
from pipeline.identifiers import format_identifier
from portal.services import licences
from publisher import bulk, fhir
from publisher.channels import encode
from publisher.disclosure import publish_version
from publisher.records import nurse_record, physician_record
from tests import factories

DIVISION = "650501"
RARE = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
_serial = itertools.count(1)

people = st.builds(
    dict,
    profession=st.sampled_from(["physician", "nurse"]),
    name=st.text(alphabet="王李张刘陈杨黄赵吴周伟芳娜敏静丽强磊军洋", min_size=2, max_size=4),
    sex=st.sampled_from(["男", "女"]),
    birth=st.dates(min_value=date(1950, 1, 1), max_value=date(2004, 12, 31)),
    area=st.sampled_from(["110105", "310104", "650102", "440305"]),
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    address=st.text(alphabet=RARE, min_size=6, max_size=12).map(lambda s: f"住{s}号"),
)


def resident_id(person: dict) -> str:
    body = f"{person['area']}{person['birth']:%Y%m%d}{next(_serial) % 999 + 1:03d}"
    return body + ric.calc_check_digit(body + "0")


def secrets_of(person: dict) -> list[str]:
    birth = person["birth"]
    return [person["id_number"], person["mobile"], person["address"], birth.isoformat(), f"{birth:%Y%m%d}",
            f"{birth:%Y年%-m月%-d日}", f"{birth:%Y/%m/%d}"]


def register(db, settings, person: dict, place) -> dict:
    """The person in the register, and the record its builder makes — then poisoned as a faulty builder would."""
    row = Person(
        profession=person["profession"], name=person["name"], sex=person["sex"], birth_date=person["birth"],
        id_type="resident_id", id_number_encrypted=encrypt(settings.secret, person["id_number"]),
        id_number_hash=lookup_hash(settings.secret, person["id_number"] + str(next(_serial))),
        mobile=person["mobile"], institution_id=place.id,
    )
    db.add(row)
    db.flush()
    identifier = format_identifier(person["profession"], DIVISION, 2098, next(_serial))
    common = {"person_id": row.id, "institution_id": place.id, "commission_code": DIVISION, "identifier": identifier,
              "registered_on": date(2024, 3, 1), "status": "registered"}
    if person["profession"] == "physician":
        entry = PhysicianRegistration(certificate_no="201100000000001", level="执业医师", category="临床",
                                      practice_category="临床", practice_scopes=["内科专业"], **common)
        build = physician_record
    else:
        entry = NurseRegistration(certificate_no="2011N0001", passed_year=2010, department="内科",
                                  valid_until=date(2029, 3, 1), **common)
        build = nurse_record
    db.add(entry)
    db.flush()
    record = build(db, entry, 1)
    leak = {"id_number": person["id_number"], "mobile": person["mobile"], "birth_date": person["birth"].isoformat(),
            "address": person["address"]}
    record.update(leak, person=dict(leak), id_type="resident_id")
    record["institutions"] = [{**place_, "contact": person["mobile"]} for place_ in record["institutions"]]
    record["registering_authority"] = {**record["registering_authority"], "note": person["address"]}
    return record


def payload_fields(payload: str) -> str:
    part = payload.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


@hypothesis_settings(max_examples=12, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(persons=st.lists(people, min_size=1, max_size=3))
def test_no_private_field_reaches_any_public_output(api, db, settings, tmp_path_factory, persons):
    factories.division(db, DIVISION, "隐私测试区", "650500")
    place = factories.institution(db, name=f"隐私测试医院{next(_serial)}", division=DIVISION)
    since = db.scalar(text("SELECT coalesce(max(id), 0) FROM public_versions"))
    quiet = dataclasses.replace(settings, channels=())
    outputs: list[str] = []
    for person in persons:
        person["id_number"] = resident_id(person)
        stored = publish_version(db, quiet, register(db, settings, person, place))
        record = stored.body
        outputs += [encode(record).decode(), encode(fhir.render(record)).decode()]  # what the channels are sent
        _, payload = licences.payload_for(db, settings, record["identifier"])
        outputs += [payload_fields(payload), licences.rendered(payload, "pdf").decode("latin-1")]
        person["record"] = record
    db.commit()

    for person in persons:
        identifier, plural = person["record"]["identifier"], person["profession"] + "s"
        outputs += [
            api.get(f"/api/v1/public/records/{identifier}").text,
            api.get(f"/api/v1/public/records/{identifier}", params={"format": "fhir"}).text,
            api.get(f"/api/v1/public/records/{identifier}/history").text,
            api.get(f"/api/v1/public/{plural}", params={"identifier": identifier}).text,
            api.get(f"/api/v1/public/{plural}", params={"name": person["name"], "division": DIVISION}).text,
            api.get(f"/public/records/{identifier}").text,
            api.get("/public", params={"kind": plural, "identifier": identifier}).text,
        ]
        _, payload = licences.payload_for(db, settings, identifier)
        outputs.append(api.get("/api/v1/public/verify-licence", params={"payload": payload}).text)
    outputs.append(api.get("/api/v1/public/feed", params={"since": since, "limit": 100}).text)
    out = tmp_path_factory.mktemp("privacy-export")
    bulk.export(db, out, since, lambda description, total: lambda count: None)
    outputs += [path.read_text(encoding="utf-8-sig") for path in sorted(out.iterdir())]

    for person in persons:
        assert person["name"] in outputs[0] or any(person["name"] in o for o in outputs)  # the public part is there
        for secret in secrets_of(person):
            leaking = [i for i, output in enumerate(outputs) if secret in output]
            assert not leaking, f"{secret!r} leaked into outputs {leaking}"
        assert set(person["record"]) <= {*json.loads(api.get(f"/api/v1/public/records/{person['record']['identifier']}").text)}
