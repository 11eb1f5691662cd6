"""One's own application page and its print: withdrawing asks for 确认撤回 (a box the server checks too, so it holds
without JavaScript; the API withdraws as before), and the receipt 受理回执 says where the application stands —
accepted and in progress (asking for missing materials), failed verification (with the reasons) or finished."""
from __future__ import annotations

import io
import uuid

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from webtest import TestApp

from models import Application, AuditEntry
from portal.pages.person import WITHDRAW_UNCONFIRMED
from tests import factories
from tests.journeys import login, page_session, person_account

FINDING = "证件号码与资格库记录不一致"


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    institution = factories.institution(session, name=f"回执测试医院{uuid.uuid4().hex[:6]}")
    person = person_account(session, settings, institution.id)
    session.commit()
    yield {"session": session, "institution": institution.id, "person": person, "app": page_session(wsgi_app, person["mobile"])}
    session.close()


def own_application(world, status: str, **changes) -> int:
    """A physician first registration of the world's person at `status`, with no materials; no worker moves it."""
    session, person = world["session"], world["person"]
    item = factories.application(session, person["person_id"], person["account_id"], world["institution"], person["certificate_no"],
                                 status, "110105" if status != "verification_failed" else None)
    for name, value in changes.items():
        setattr(item, name, value)
    session.commit()
    return item.id


def statuses(db, application_id: int) -> list[str]:
    db.expire_all()
    return [event.to_status for event in db.get(Application, application_id).history]


def test_withdrawing_on_the_page_needs_the_confirmation_box(world, db):
    application_id = own_application(world, "pending_approval")
    page = world["app"].get(f"/me/applications/{application_id}")
    form = page.forms["withdraw-form"]
    box = page.html.select_one("#withdraw-form input[name=confirm]")
    assert box["type"] == "checkbox" and box.has_attr("required") and "确认撤回" in box.parent.text
    refused = form.submit(status=400)
    assert refused.html.select_one("#confirm-error").text == WITHDRAW_UNCONFIRMED
    assert "withdraw-form" in refused.forms and statuses(db, application_id) == ["pending_approval"]
    form = refused.forms["withdraw-form"]
    form["confirm"].checked = True
    done = form.submit().follow()
    assert "已撤回" in done.html.select_one(".status-line").text and "withdraw-form" not in done.forms
    assert statuses(db, application_id) == ["pending_approval", "withdrawn"]
    audited = db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "withdraw", AuditEntry.target == f"application:{application_id}"))
    assert audited == 1  # the refused attempt wrote nothing


def test_the_api_withdraws_as_before(wsgi_app, world, db):
    application_id = own_application(world, "pending_approval")
    headers = login(TestApp(wsgi_app), world["person"]["mobile"])
    answer = TestApp(wsgi_app).post_json(f"/api/v1/applications/{application_id}/withdraw", {}, headers=headers).json
    assert answer["status"] == "withdrawn" and statuses(db, application_id) == ["pending_approval", "withdrawn"]


def receipt_text(world, application_id: int) -> str:
    body = world["app"].get(f"/applications/{application_id}/receipt.pdf").body
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())  # lines rejoined


ASKS_FOR_MATERIALS = "尚缺材料"


@pytest.mark.parametrize(("status", "says", "asks"), [
    ("awaiting_institution", ["你的申请已由系统受理", "等待执业机构确认"], True),
    ("pending_approval", ["你的申请已由系统受理", "等待卫生健康委审批"], True),
    ("returned", ["已被退回修改", "重新提交"], True),
    ("verification_failed", ["未通过系统核验", "办理已终止", f"未通过的原因：{FINDING}。"], False),
    ("approved", ["已获批准", "无需再上传材料"], False),
    ("published", ["你的申请已办结", "结果已公示"], False),
    ("rejected", ["你的申请已办结", "不予批准", "不予注册决定书"], False),
    ("withdrawn", ["你的申请已撤回"], False),
])
def test_the_receipt_says_where_the_application_stands(world, status, says, asks):
    text = receipt_text(world, own_application(world, status, findings=[FINDING] if status == "verification_failed" else []))
    for words in says:
        assert words in text, (status, words)
    assert (ASKS_FOR_MATERIALS in text) is asks and ("以免影响审核" in text) is asks, status
    if status in ("verification_failed", "approved", "published", "rejected", "withdrawn"):
        assert "已由系统受理" not in text, status
