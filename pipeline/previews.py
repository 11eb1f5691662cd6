"""What an approval sets in a register entry beyond the application's own fields, for the review page's
before/after table (pipeline/review.py): each function is a kind's `preview` (pipeline/kinds/__init__.py,
`Preview`). It gets the entry as it is now (None before a first registration) and the data in the entry's terms
(`institution` is a name), and returns the fields to set. The register effects in models/registers/ are what
really happens; these say it beforehand, in the same words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pipeline.registers.nurses import renewed_until


def registered(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": "registered"}


def filed(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": "filed"}


def cancelled(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": "cancelled"}


def operating(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": "operating"}


def suspended(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    return {"status": "suspended"}


def renewed(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """A renewal adds five years to the validity the entry has."""
    valid_until = (entry or {}).get("valid_until")
    if isinstance(valid_until, str):
        valid_until = date.fromisoformat(valid_until)
    return {"valid_until": renewed_until(valid_until)} if isinstance(valid_until, date) else {}


def added_site(entry: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """A multi-site filing adds an institution beside the main one, which stays."""
    now = dict(entry or {})
    sites = list(now.get("institutions") or [])
    if given.get("institution") and given["institution"] not in sites:
        sites.append(given["institution"])
    return {"institution": now.get("institution"), "institutions": sites}
