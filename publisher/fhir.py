"""HL7 FHIR R4 renderings of public records: Practitioner (+ PractitionerRole) and Organization."""
from __future__ import annotations

IDENTIFIER_SYSTEM = "urn:medreg:identifier"


def practitioner(record: dict) -> dict:
    active = record["status"] == "registered"
    bundle_entries = [
        {
            "resource": {
                "resourceType": "Practitioner",
                "id": record["identifier"],
                "meta": {"versionId": str(record["version"])},
                "identifier": [{"system": IDENTIFIER_SYSTEM, "value": record["identifier"]}],
                "active": active,
                "name": [{"text": record["name"]}],
                "gender": {"男": "male", "女": "female"}.get(record.get("sex"), "unknown"),
                "qualification": [
                    {"code": {"text": f'{record["level"]}（{record["qualification_category"]}）'}}
                ],
            }
        }
    ]
    for institution in record.get("institutions", []):
        bundle_entries.append(
            {
                "resource": {
                    "resourceType": "PractitionerRole",
                    "id": f'{record["identifier"]}-{institution["id"]}',
                    "active": active,
                    "practitioner": {"reference": f'Practitioner/{record["identifier"]}'},
                    "organization": {"reference": f'Organization/{institution["identifier"]}', "display": institution["name"]},
                    "specialty": [{"text": scope} for scope in record.get("practice_scopes", [])],
                    "period": {"start": record["registered_on"]},
                }
            }
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": bundle_entries}


def organization(record: dict) -> dict:
    return {
        "resourceType": "Organization",
        "id": record["identifier"],
        "meta": {"versionId": str(record["version"])},
        "identifier": [
            {"system": IDENTIFIER_SYSTEM, "value": record["identifier"]},
            {"system": "urn:oid:2.16.156.10011.1.1", "value": record.get("uscc") or ""},
        ],
        "active": record["status"] == "operating",
        "name": record["name"],
        "type": [{"text": record.get("type", "")}],
    }


def render(record: dict) -> dict:
    return organization(record) if record["kind"] == "institution" else practitioner(record)
