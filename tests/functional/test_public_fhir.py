"""`?format=fhir`: HL7 FHIR R4 resources that validate with fhir.resources (R4B models — R4B changed
nothing in Practitioner, PractitionerRole, Organization or Bundle), status carried in `active` and `period`."""
from __future__ import annotations

import dataclasses

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.organization import Organization

from tests import public_records

DIVISION = "650701"


@pytest.fixture(scope="module")
def records(settings):
    main = {"id": 11, "name": "阿勒泰测试医院", "identifier": public_records.identifier("institution", DIVISION)}
    branch = {"id": 12, "name": "阿勒泰测试诊所", "identifier": None}
    return public_records.store_in(settings, [
        public_records.person_record("physician", DIVISION, 1, [main, branch], status="registered"),
        public_records.person_record("nurse", DIVISION, 2, [main], status="registered"),
        public_records.institution_record(DIVISION, 3, 990_103, status="operating"),
    ])


def bundle_of(api, identifier: str) -> Bundle:
    answer = api.get(f"/api/v1/public/records/{identifier}", params={"format": "fhir"})
    assert answer.content_type == "application/fhir+json"
    return Bundle.model_validate(answer.json)


def test_a_physician_practising_at_two_sites_is_a_practitioner_with_a_role_per_site(api, records):
    record = records[0]
    bundle = bundle_of(api, record["identifier"])
    practitioner, *roles = [entry.resource for entry in bundle.entry]
    assert practitioner.get_resource_type() == "Practitioner" and practitioner.active is True
    assert practitioner.identifier[0].value == record["identifier"] and practitioner.name[0].text == record["name"]
    assert practitioner.qualification[0].code.text == "执业医师（临床）"
    assert [role.get_resource_type() for role in roles] == ["PractitionerRole", "PractitionerRole"]
    assert roles[0].organization.reference == f"Organization/{record['institutions'][0]['identifier']}"
    assert roles[1].organization.identifier.value == "12" and roles[1].organization.display == "阿勒泰测试诊所"
    assert all(role.active and role.practitioner.reference == f"Practitioner/{record['identifier']}" for role in roles)
    assert [s.text for s in roles[0].specialty] == ["内科专业"]
    assert str(roles[0].period.start) == record["registered_on"] and roles[0].period.end is None


def test_an_inactive_record_says_so_in_active_and_the_period_end(api, db, settings, records):
    from publisher.disclosure import publish_version

    record = records[1]
    publish_version(db, dataclasses.replace(settings, channels=()), {**record, "version": 2, "status": "expired", "status_label": "已过期"})
    db.commit()
    bundle = bundle_of(api, record["identifier"])
    practitioner, role = [entry.resource for entry in bundle.entry]
    assert practitioner.active is False and role.active is False and practitioner.meta.versionId == "2"
    assert role.period.end is not None and str(role.period.end) >= str(role.period.start)
    assert practitioner.qualification[0].code.text == "护士" and [s.text for s in role.specialty] == ["内科"]


def test_an_institution_is_an_organization(api, db, settings, records):
    from publisher.disclosure import publish_version

    record = records[2]
    organization = Organization.model_validate(api.get(f"/api/v1/public/records/{record['identifier']}", params={"format": "fhir"}).json)
    assert organization.active is True and organization.name == record["name"]
    assert {i.value for i in organization.identifier} == {record["identifier"], record["uscc"]}
    assert organization.type[0].text == "综合医院" and organization.address[0].text == "测试路1号"
    publish_version(db, dataclasses.replace(settings, channels=()), {**record, "version": 2, "status": "suspended", "status_label": "停业"})
    db.commit()
    suspended = Organization.model_validate(api.get(f"/api/v1/public/records/{record['identifier']}", params={"format": "fhir"}).json)
    assert suspended.active is False and suspended.meta.versionId == "2"
    api.get(f"/api/v1/public/records/{record['identifier']}", params={"format": "xml"}, status=400)
