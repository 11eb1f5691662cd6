"""Every JSON answer of the portal is UTF-8 with Chinese as is — no \\uXXXX escapes — and says so:
`application/json; charset=utf-8` (portal/renderers.py, portal/errors.py:error_response)."""
from __future__ import annotations

import re

from tests import public_records

DIVISION = "650901"  # records of this module only
JSON_UTF8 = "application/json; charset=utf-8"


def assert_raw_utf8(answer, word: str) -> None:
    assert word.encode("utf-8") in answer.body, answer.body[:300]
    assert b"\\u" not in answer.body, answer.body[:300]


def test_a_refusal_is_raw_utf8(api):
    answer = api.get("/api/v1/public/institutions", params={"limit": "0"}, status=400)
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json["error"]["code"] == "invalid" and answer.json["error"]["message"].startswith("提交的内容有误：")
    assert_raw_utf8(answer, "提交的内容有误")


def test_errors_outside_any_view_are_raw_utf8_too(api):
    missing = api.get("/api/v1/no-such-thing", status=404)
    assert missing.headers["Content-Type"] == JSON_UTF8
    assert_raw_utf8(missing, "资源不存在")
    unauthorized = api.get("/api/v1/applications", status=401)
    assert unauthorized.headers["Content-Type"] == JSON_UTF8
    assert_raw_utf8(unauthorized, "请先登录")


def test_a_record_with_chinese_is_raw_utf8_as_json_and_as_fhir(api, db):
    place = {"id": 21, "name": "伊宁测试医院", "identifier": public_records.identifier("institution", DIVISION)}
    record = public_records.store(db, [public_records.person_record("physician", DIVISION, 5, [place], status="registered")])[0]

    answer = api.get(f"/api/v1/public/records/{record['identifier']}")
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert answer.json["name"] == record["name"]
    assert_raw_utf8(answer, "伊宁测试医院")

    fhir = api.get(f"/api/v1/public/records/{record['identifier']}", params={"format": "fhir"})
    assert fhir.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert_raw_utf8(fhir, "伊宁测试医院")


def test_the_openapi_document_is_raw_utf8(api):
    answer = api.get("/api/v1/openapi.json")
    assert answer.headers["Content-Type"] == JSON_UTF8
    assert_raw_utf8(answer, answer.json["info"]["title"])


def test_a_refusals_message_calls_every_field_by_its_chinese_name(api, db, settings):
    """The message a person reads never shows a raw key (institution_id, decision, id_type …), wherever the refusal
    was raised."""
    from tests.journeys import commission_desk, institution_desk, login, person_account

    desk = institution_desk(api, db)
    person = person_account(db, settings, desk.id)
    _, commission = commission_desk(api, db, "110105")
    data = {"certificate_no": person["certificate_no"], "practice_category": "临床", "practice_scope": ["内科专业"],
            "institution_id": 2147483647}
    answers = [
        api.post_json("/api/v1/applications", {"kind": "physician.first_registration", "data": data},
                      headers=login(api, person["mobile"]), status=400).json,
        api.post_json("/api/v1/commission/counter", {"kind": "nurse.renewal", "data": {}}, headers=commission, status=400).json,
        api.post_json("/api/v1/institution/tasks/1", {"decision": "maybe"}, headers=desk.headers, status="*").json,
    ]
    messages = [answer["error"]["message"] for answer in answers if answer["error"]["code"] == "invalid"]
    assert messages[0] == "提交的内容有误：执业机构：执业机构不存在"
    assert "证件类型：" in messages[1] and "证件号码：" in messages[1] and "姓名：" in messages[1]
    for message in messages:
        assert not re.search(r"[a-z_]{3,}：", message), message


def test_a_return_or_rejection_without_its_reason_is_refused_as_a_missing_field(api, db, settings):
    from tests.journeys import waiting_for_decisions

    items = waiting_for_decisions(api, db, settings)
    desk, waiting, pending, commission = items["desk"], items["waiting"], items["pending"], items["commission"]
    for path, decision, headers in ((f"/api/v1/institution/tasks/{waiting.id}", "return", desk.headers),
                                    (f"/api/v1/commission/queue/{pending.id}", "reject", commission),
                                    (f"/api/v1/commission/queue/{pending.id}", "return", commission)):
        for comment in ("", "   "):
            refused = api.post_json(path, {"decision": decision, "comment": comment}, headers=headers, status=400).json["error"]
            assert refused["codes"] == {"comment": "required"} and "原因" in refused["fields"]["comment"]
