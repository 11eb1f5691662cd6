"""Tests that attack: one module per rule of docs/security.md. Each tries what an attacker would and asserts it fails."""
from __future__ import annotations

import json
from pathlib import Path


def sms_to(settings, mobile: str) -> list[str]:
    path = Path(settings.sms_backend.partition(":")[2])
    if not path.exists():
        return []
    return [line["text"] for line in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if line["to"] == mobile]


def client(address: str) -> dict:
    """WebTest keyword arguments for a request from `address`."""
    return {"extra_environ": {"REMOTE_ADDR": address}}
