"""HL7 FHIR R4 renderings of public records: a Bundle of Practitioner + one PractitionerRole per practice
institution (the main one and every multi-site filing) for persons, an Organization for institutions.

Status is carried the FHIR way: `active`, and on each PractitionerRole a `period` that starts at
registration and ends on the date the record stopped being active (filed, cancelled, expired).
Only fields of the public record are used, so the FHIR output is as privacy-filtered as the record.
"""
from __future__ import annotations

IDENTIFIER_SYSTEM = "urn:medreg:identifier"
USCC_SYSTEM = "urn:oid:2.16.156.10011.1.1"
INSTITUTION_ID_SYSTEM = "urn:medreg:institution-id"
ACTIVE_STATUSES = frozenset({"registered", "operating"})
GENDERS = {"男": "male", "女": "female"}
PROFESSION_TEXT = {"physician": "医师", "nurse": "护士"}


def is_active(record: dict) -> bool:
    return record["status"] in ACTIVE_STATUSES


def period(record: dict) -> dict:
    """When the registration held: from registration to the day it stopped being active, if it has."""
    span: dict = {}
    if record.get("registered_on"):
        span["start"] = record["registered_on"]
    if not is_active(record) and record.get("status_since"):
        span["end"] = record["status_since"]
    return span


def qualification(record: dict) -> list[dict]:
    if record["kind"] == "physician" and record.get("level"):
        category = record.get("qualification_category")
        return [{"code": {"text": f"{record['level']}（{category}）" if category else record["level"]}}]
    return [{"code": {"text": PROFESSION_TEXT.get(record["kind"], record["kind"])}}]


def practitioner_resource(record: dict) -> dict:
    return {
        "resourceType": "Practitioner",
        "id": record["identifier"],
        "meta": {"versionId": str(record["version"])},
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": record["identifier"]}],
        "active": is_active(record),
        "name": [{"text": record["name"]}],
        "gender": GENDERS.get(record.get("sex") or "", "unknown"),
        "qualification": qualification(record),
    }


def organization_reference(place: dict) -> dict:
    if place.get("identifier"):
        return {"reference": f"Organization/{place['identifier']}", "display": place["name"]}
    return {"identifier": {"system": INSTITUTION_ID_SYSTEM, "value": str(place["id"])}, "display": place["name"]}


def practitioner_role(record: dict, place: dict) -> dict:
    specialties = record.get("practice_scopes") or ([record["department"]] if record.get("department") else [])
    role = {
        "resourceType": "PractitionerRole",
        "id": f"{record['identifier']}-{place['id']}",
        "meta": {"versionId": str(record["version"])},
        "active": is_active(record),
        "practitioner": {"reference": f"Practitioner/{record['identifier']}", "display": record["name"]},
        "organization": organization_reference(place),
        "code": [{"text": PROFESSION_TEXT.get(record["kind"], record["kind"])
                  + ("（主要执业机构）" if place.get("main") else "（备案执业机构）")}],
        "specialty": [{"text": text} for text in specialties],
    }
    if span := period(record):
        role["period"] = span
    return role


def practitioner(record: dict) -> dict:
    entries = [practitioner_resource(record)] + [practitioner_role(record, place) for place in record.get("institutions", [])]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:medreg:{resource['resourceType']}/{resource['id']}", "resource": resource} for resource in entries],
    }


def organization(record: dict) -> dict:
    identifiers = [{"system": IDENTIFIER_SYSTEM, "value": record["identifier"]}]
    if record.get("uscc"):
        identifiers.append({"system": USCC_SYSTEM, "value": record["uscc"]})
    resource = {
        "resourceType": "Organization",
        "id": record["identifier"],
        "meta": {"versionId": str(record["version"])},
        "identifier": identifiers,
        "active": is_active(record),
        "name": record["name"],
    }
    if record.get("type"):
        resource["type"] = [{"text": record["type"]}]
    if record.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": record["phone"], "use": "work"}]
    if record.get("address"):
        resource["address"] = [{"use": "work", "type": "physical", "text": record["address"]}]
    return resource


def render(record: dict) -> dict:
    return organization(record) if record["kind"] == "institution" else practitioner(record)
