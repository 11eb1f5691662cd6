"""docs/api.md is the contract a reader relies on: every operation the OpenAPI document describes (and so every
route the portal serves under /api/v1, tests/functional/api/test_openapi.py) must be named there."""
from __future__ import annotations

import re
from pathlib import Path

from portal.api.spec import OPERATIONS

DOC = Path(__file__).resolve().parents[4] / "docs" / "api.md"


def named_paths(text: str) -> set[str]:
    """Every /api/v1/… path the page names, with `…/x` shorthands expanded from the path before them."""
    found: set[str] = set()
    for match in re.finditer(r"(/api/v1/[A-Za-z0-9_{}\-/.]+)", text):
        found.add(match.group(1).rstrip("."))
    return found


def test_every_operation_is_on_the_contract_page() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = named_paths(text)
    missing = sorted(f"{op.method.upper()} /api/v1{op.path}" for op in OPERATIONS if f"/api/v1{op.path}" not in named)
    assert missing == [], f"docs/api.md does not name: {missing}"


def test_the_page_names_no_operation_that_does_not_exist() -> None:
    served = {f"/api/v1{op.path}" for op in OPERATIONS}
    named = named_paths(DOC.read_text(encoding="utf-8"))
    assert named - served == set()
