"""What an institution sees of its own work: the progress of every application it confirmed or filed, physicians
practising there by a multi-site filing on its staff list, and a scope map it may narrow but never widen."""
from __future__ import annotations

import pytest

from models import PhysicianPractice, PhysicianRegistration
from pipeline import clock
from pipeline.codes import default_scope_map
from tests.functional.test_physician_business import registered_physician
from tests.journeys import (
    active_physician,
    institution_desk,
    page_session,
    submit_first_registration,
    wait_status,
)

pytestmark = pytest.mark.usefixtures("workers")


def test_a_physician_filed_to_a_further_institution_is_on_its_staff_list(api, db, settings):
    main, further = institution_desk(api, db), institution_desk(api, db)
    physician = registered_physician(api, db, settings, main)
    entry = db.query(PhysicianRegistration).filter_by(person_id=physician["person_id"]).one()
    db.add(PhysicianPractice(registration_id=entry.id, institution_id=further.id, main=False, since=clock.today()))
    db.commit()
    staff = {item["identifier"]: item for item in
             api.get("/api/v1/institution/staff", params={"profession": "physician"}, headers=further.headers).json["items"]}
    assert staff[physician["identifier"]]["main"] is False
    mine = api.get("/api/v1/institution/staff", params={"profession": "physician"}, headers=main.headers).json["items"]
    assert next(item for item in mine if item["identifier"] == physician["identifier"])["main"] is True


def test_the_scope_map_narrows_the_national_map_and_never_widens_it(api, db):
    desk = institution_desk(api, db)
    national = default_scope_map()
    shown = api.get("/api/v1/institution/scope-map", headers=desk.headers).json
    assert shown["allowed"]["内科"] == sorted(national["内科"])
    wider = api.put_json("/api/v1/institution/scope-map", {"map": {"内科": ["内科专业", "外科专业"]}}, headers=desk.headers,
                         status=400).json["error"]["fields"]
    assert "外科专业" in wider["map.内科"] and "只能缩小" in wider["map.内科"]
    narrowed = api.put_json("/api/v1/institution/scope-map", {"map": {"内科": ["内科专业"]}}, headers=desk.headers).json
    assert narrowed["map"]["内科"] == ["内科专业"]


def test_the_institution_follows_every_application_it_confirmed(api, db, settings, wsgi_app):
    desk = institution_desk(api, db)
    person = active_physician(api, db, settings, desk)
    application = submit_first_registration(api, person, desk.id)["id"]
    wait_status(api, person["headers"], application, "awaiting_institution")
    api.post_json(f"/api/v1/institution/tasks/{application}", {"decision": "confirm"}, headers=desk.headers)
    page = page_session(wsgi_app, desk.username).get("/institution", params={"status": "pending_approval"})
    progress = page.html.select_one("#progress")
    assert f"#{application}" in progress.text and person["name"] in progress.text and "待审批" in progress.text
