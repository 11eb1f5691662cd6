"""The national level (spec: 国家、省、市、县四级卫生健康委): a national commission, division 000000 above every
province, is set up with `medreg create-user`, sees every application in the country, approves what is routed to
it, and its statistics cover the country."""
from __future__ import annotations

import re
import secrets

import pyotp
import pytest

from models import Institution
from tests.functional.portal.test_cli import run
from tests.journeys import (
    active_physician,
    commission_desk,
    institution_desk,
    login,
    submit_first_registration,
    wait_routed,
    wait_status,
)

pytestmark = pytest.mark.usefixtures("workers")


def test_a_national_commission_sees_the_country_and_approves_what_is_routed_to_it(env, db, api, monkeypatch, capsys):
    username = f"national{secrets.token_hex(3)}"
    monkeypatch.setenv("MEDREG_PASSWORD", "National2026ok")
    code, out, _ = run(capsys, "create-user", "--role", "commission", "--division", "000000", "--username", username)
    assert code == 0 and username in out
    secret = re.search(r"^TOTP: ([A-Z2-7]+)$", out, re.MULTILINE).group(1)  # create-user enrols the second factor
    national = login(api, username, "National2026ok", otp=pyotp.TOTP(secret).now())

    # Applications in two provinces, each waiting for its own commission.
    _, beijing = commission_desk(api, db, "110105")
    _, shanghai = commission_desk(api, db, "310104")
    waiting = {}
    for division, headers in (("110105", beijing), ("310104", shanghai)):
        desk = institution_desk(api, db, division=division)
        waiting[division] = confirmed(api, db, env, desk)
        wait_routed(api, headers, waiting[division])
    seen = {item["id"] for item in api.get("/api/v1/commission/queue", headers=national).json["items"]}
    assert set(waiting.values()) <= seen
    # Above the routed commission, the national level views but does not decide.
    api.post_json(f"/api/v1/commission/queue/{waiting['310104']}", {"decision": "approve"}, headers=national, status=403)

    # An institution registered by the national commission (委属委管): its staff's business is routed to it.
    desk = institution_desk(api, db, division="110105")
    db.get(Institution, desk.id).registered_by = "000000"
    db.commit()
    person = active_physician(api, db, env, desk)
    application_id = confirmed(api, db, env, desk, person)
    assert wait_routed(api, national, application_id)["commission"] == "000000"
    api.post_json(f"/api/v1/commission/queue/{application_id}", {"decision": "approve"}, headers=national)
    assert wait_status(api, person["headers"], application_id, "published")["identifier"].startswith("D000000")

    by_division = api.get("/api/v1/commission/stats", params={"group_by": "division"}, headers=national).json
    provinces = {row["key"][:2] for row in by_division["rows"]}
    assert {"11", "31"} <= provinces


def confirmed(api, db, settings, desk, person: dict | None = None) -> int:
    """A physician's first registration at `desk`, verified and confirmed by the institution: its id."""
    person = person or active_physician(api, db, settings, desk)
    application = submit_first_registration(api, person, desk.id)
    wait_status(api, person["headers"], application["id"], "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{application['id']}", {"decision": "confirm"}, headers=desk.headers)
    return application["id"]
