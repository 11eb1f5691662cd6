"""Tests that attack: one module per rule of docs/security.md. Each tries what an attacker would and asserts it fails."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from webtest import TestApp


@pytest.fixture
def app_with(settings):
    """A portal over the test database with some settings changed (e.g. the default attempt limits)."""
    from portal import make_config

    def build(**changes) -> TestApp:
        return TestApp(make_config({}, dataclasses.replace(settings, **changes)).make_wsgi_app())

    return build


def sms_to(settings, mobile: str) -> list[str]:
    path = Path(settings.sms_backend.partition(":")[2])
    if not path.exists():
        return []
    return [line["text"] for line in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if line["to"] == mobile]


def client(address: str) -> dict:
    """WebTest keyword arguments for a request from `address`."""
    return {"extra_environ": {"REMOTE_ADDR": address}}
