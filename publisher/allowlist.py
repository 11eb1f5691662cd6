"""Privacy by construction: a public record carries the allow-listed fields and nothing else.

The record builders (publisher/records.py) pick fields by name; this is the second wall. Every version
goes through `public_only` before it is stored, served, pushed, exported or printed on a licence, so a
field a builder adds by mistake (an ID number, a mobile, a birth date, an address of a person) never
leaves: it is not on the list, so it is dropped.
"""
from __future__ import annotations

import logging
from datetime import date

log = logging.getLogger(__name__)

COMMON_FIELDS = frozenset(
    {"identifier", "kind", "version", "name", "status", "status_label", "division", "registering_authority",
     "registered_on", "status_since"}
)
PERSON_FIELDS = COMMON_FIELDS | {"sex", "institutions"}

PUBLIC_FIELDS: dict[str, frozenset[str]] = {
    "physician": PERSON_FIELDS | {"level", "qualification_category", "practice_category", "practice_scopes", "valid_until"},
    "nurse": PERSON_FIELDS | {"department", "departments", "valid_until", "exam_year"},
    # An institution is not a person: its address, legal representative, principal and phone are on its
    # public licence 医疗机构执业许可证.
    "institution": COMMON_FIELDS
    | {"institution_id", "uscc", "type", "address", "departments", "beds", "legal_rep", "principal", "phone", "fax",
       "valid_until", "next_verification_on"},
}

# Nested objects are allow-listed too: an institution a person practises at, the registering authority.
NESTED_FIELDS: dict[str, frozenset[str]] = {
    "institutions": frozenset({"id", "name", "identifier", "main"}),
    "registering_authority": frozenset({"division", "name"}),
}

SCALARS = (str, int, float, bool, type(None))


def _nested(name: str, value: object) -> object:
    allowed = NESTED_FIELDS[name]
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key in allowed and isinstance(item, SCALARS)}
    if isinstance(value, list):
        return [_nested(name, item) for item in value if isinstance(item, dict)]
    return None


def _plain(value: object) -> bool:
    """A scalar or a list of scalars: nothing structured slips through under an allowed name."""
    return isinstance(value, SCALARS) or (isinstance(value, list) and all(isinstance(v, SCALARS) for v in value))


def public_only(record: dict) -> dict:
    """The record with only its kind's allow-listed fields (nested objects filtered the same way)."""
    allowed = PUBLIC_FIELDS.get(record.get("kind", ""), COMMON_FIELDS)
    kept: dict = {}
    for key, value in record.items():
        if key not in allowed:
            log.warning("public record %s: field %r is not on the allow-list, dropped", record.get("identifier"), key)
        elif key in NESTED_FIELDS:
            kept[key] = _nested(key, value)
        elif _plain(value):
            kept[key] = value
    return kept


def with_status_since(record: dict, previous: dict | None, today: date) -> dict:
    """Stamp the date the record's current status began: kept from the previous version while unchanged."""
    if previous is not None and previous.get("status") == record["status"] and previous.get("status_since"):
        since = previous["status_since"]
    elif previous is None and record.get("registered_on"):
        since = record["registered_on"]
    else:
        since = today.isoformat()
    return {**record, "status_since": since}


PUBLISHER_FIELDS = frozenset({"status_since"})


def unchanged(stored: dict, record: dict) -> bool:
    """Whether a freshly built record says what the stored version says (the publisher's own stamps aside),
    so a caller can skip publishing a version nobody would see a difference in."""
    def seen(body: dict) -> dict:
        return {key: value for key, value in body.items() if key not in PUBLISHER_FIELDS}

    return seen(stored) == seen(public_only(record))
