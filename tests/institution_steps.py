"""Steps of the institution end's journeys over the JSON API: hand-out, first login, licence business."""
from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

from stdnum.cn import uscc as stdnum_uscc
from webtest import TestApp

from tests import factories
from tests.journeys import commission_desk, unique_username, wait_for, wait_status

NEW_PASSWORD = "NewPassw0rd-2026"
_serial = itertools.count(1)


def valid_uscc() -> str:
    body = f"9111010{random.randrange(10**10):010d}"
    return body + stdnum_uscc.calc_check_digit(body)


def sms_to(settings, mobile: str) -> list[str]:
    path = Path(settings.sms_backend.removeprefix("file:"))
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line["text"] for line in lines if line["to"] == mobile]


def setup_approval(division: str = "110105", **overrides) -> dict:
    return {
        "name": unique_username("机构测试医院"), "type": "综合医院", "division_code": division,
        "address": "北京市朝阳区测试路1号", "departments": ["内科", "外科", "儿科"], "beds": 120,
        "legal_rep": "王法人", "principal": "李院长", "mobile": factories.unique_mobile(),
        "approval_no": f"京卫设〔2026〕{next(_serial)}号", **overrides,
    }


def credentials_from_sms(text: str) -> tuple[str, str]:
    match = re.search(r"用户名：(\S+?)，初始密码：(\S+?)。", text)
    assert match, text
    return match.group(1), match.group(2)


def hand_out(api: TestApp, settings, commission_headers: dict, **overrides) -> dict:
    """The commission enters a set-up approval; the SMS is sent by the worker. Returns what the SMS said."""
    body = setup_approval(**overrides)
    answer = api.post_json("/api/v1/commission/institutions", body, headers=commission_headers, status=201).json
    text = wait_for(lambda: next(iter(sms_to(settings, body["mobile"])), None))
    username, password = credentials_from_sms(text)
    return {**body, **answer, "username": username, "one_time_password": password, "sms": text}


def first_login(api: TestApp, username: str, one_time_password: str) -> dict:
    token = api.post_json("/api/v1/login", {"username": username, "password": one_time_password}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    changed = api.post_json("/api/v1/password", {"old_password": one_time_password, "new_password": NEW_PASSWORD}, headers=headers)
    return {"Authorization": f"Bearer {changed.json['token']}"}  # the change ended the old token


def submit(api: TestApp, headers: dict, kind: str, data: dict, status: int = 201) -> dict:
    return api.post_json("/api/v1/applications", {"kind": kind, "data": data}, headers=headers, status=status).json


def approve(api: TestApp, commission_headers: dict, application_id: int) -> None:
    def routed():
        answer = api.get(f"/api/v1/commission/queue/{application_id}", headers=commission_headers, expect_errors=True)
        return answer.status_int == 200 and answer.json["status"] == "pending_approval" and answer.json["commission"]

    wait_for(routed)
    api.post_json(f"/api/v1/commission/queue/{application_id}", {"decision": "approve"}, headers=commission_headers)


def through_pipeline(api: TestApp, headers: dict, commission_headers: dict, kind: str, data: dict) -> dict:
    """Submit an institution kind, let the commission approve it, wait until it is published."""
    created = submit(api, headers, kind, data)
    approve(api, commission_headers, created["id"])
    return wait_status(api, headers, created["id"], "published")


def registered_institution(api: TestApp, db, settings, division: str = "110105", **overrides) -> dict:
    """Hand-out, first login and an approved practice registration: an operating institution with an identifier."""
    _, commission = commission_desk(api, db, division)
    handed = hand_out(api, settings, commission, division=division, **overrides)
    headers = first_login(api, handed["username"], handed["one_time_password"])
    code = valid_uscc()
    done = through_pipeline(api, headers, commission, "institution.practice_registration", {"uscc": code})
    return {**handed, "headers": headers, "commission": commission, "uscc": code, "identifier": done["identifier"]}
