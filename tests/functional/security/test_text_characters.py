"""Text a person or an institution types reaches pages, the public record, the licence, SMS and exports: a name
with a right-to-left override (U+202E) was accepted and displayed reversed everywhere ("Trojan Source"), with a
vertical tab or an escape too. Every text field (pipeline.fields.text) now refuses control characters, line
separators and bidirectional controls, naming the field in Chinese; free-text reasons keep their line breaks."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import Account
from tests import factories
from tests.journeys import PASSWORD, institution_desk


@pytest.mark.parametrize("name", ["张\u202e三丰", "李\u2066四", "王\x0b五", "赵\x1b[31m六", "钱\u2028七"])
def test_sign_up_refuses_a_name_with_control_or_direction_characters(api, db, name):
    desk = institution_desk(api, db, name=factories.unique_name("字符检查"))
    before = db.scalar(select(func.count()).select_from(Account))
    body = {"profession": "physician", "name": name, "sex": "男", "birth_date": "1988-03-09", "id_type": "resident_id",
            "id_number": factories.resident_id(date(1988, 3, 9)), "mobile": factories.unique_mobile(), "password": PASSWORD,
            "institution_id": desk.id}
    refused = api.post_json("/api/v1/signup", body, status=400).json["error"]
    assert refused["fields"] == {"name": "姓名不能含有控制字符、换行符或改变文字方向的字符"}
    assert refused["codes"] == {"name": "format"}
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Account)) == before


def test_an_institution_cannot_enter_them_in_a_staff_post_either(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("字符检查"))
    body = {"name": "孙八", "sex": "女", "post": "药剂\u202e科"}
    refused = api.post_json("/api/v1/institution/staff", body, headers=desk.headers, status=400).json["error"]
    assert refused["fields"]["post"] == "岗位不能含有控制字符、换行符或改变文字方向的字符"


@pytest.mark.parametrize("comment", ["原因\x1b[31m红", "材料\u202e不全", "不符合\u2028条件", "原因\x07"])
def test_a_decision_or_withdrawal_comment_refuses_them_and_changes_nothing(api, db, settings, comment):
    """A comment reaches the applicant's inbox and SMS; the history keeps it."""
    from models import Application
    from tests.journeys import login, waiting_for_decisions

    items = waiting_for_decisions(api, db, settings, "意见检查")
    desk, waiting, pending, commission = items["desk"], items["waiting"], items["pending"], items["commission"]
    person = items["applicant"]
    for path, body, headers in (
        (f"/api/v1/institution/tasks/{waiting.id}", {"decision": "return", "comment": comment}, desk.headers),
        (f"/api/v1/commission/queue/{pending.id}", {"decision": "reject", "comment": comment}, commission),
        (f"/api/v1/applications/{waiting.id}/withdraw", {"comment": comment}, login(api, person["mobile"])),
    ):
        refused = api.post_json(path, body, headers=headers, status=400).json["error"]
        assert refused["codes"] == {"comment": "format"} and "不能含有控制字符或改变文字方向的字符" in refused["fields"]["comment"]
    db.expire_all()
    assert [(db.get(Application, item.id).status, len(db.get(Application, item.id).history)) for item in (waiting, pending)] == [
        ("awaiting_institution", 1), ("pending_approval", 1)]
