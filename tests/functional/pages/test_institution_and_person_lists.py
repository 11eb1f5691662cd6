"""The lists of the inbox 消息 and of the institution's batches 批量提交 as their readers meet them: a person (a nurse on a phone told her registration nears its end, a physician
told of a decision) reads their own at /me/notifications, linked from every page of the personal end — before, only
the API showed them; the institution's inbox held the newest 200 and no more. Both page by cursor, newest first,
each message leading to its application."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from webtest import TestApp

from models import Account, Batch, Notification
from models.base import utcnow
from portal.pages.institution_end import BATCHES_A_PAGE
from portal.services.notifications import A_PAGE
from tests import factories
from tests.functional.pages.test_no_raw_codes import leaks
from tests.journeys import institution_desk, page_session, person_account

MANY = A_PAGE + 7


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    desk = institution_desk(TestApp(wsgi_app), session)
    person = person_account(session, settings, desk.id)
    other = person_account(session, settings, desk.id)
    item = factories.application(session, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "returned")
    start = utcnow() - timedelta(days=1)
    session.add_all(Notification(account_id=person["account_id"], application_id=item.id if n == MANY - 1 else None,
                                 event="returned", text=f"第{n:02d}条：您的申请已退回，请补正。", at=start + timedelta(minutes=n))
                    for n in range(MANY))
    session.add(Notification(account_id=other["account_id"], event="published", text="别人的消息", at=start))
    session.add_all(Notification(institution_id=desk.id, application_id=item.id, event="staff.expiring",
                                 text=f"机构第{n:02d}条", at=start + timedelta(minutes=n)) for n in range(MANY))
    institution_account = session.scalar(select(Account.id).where(Account.username == desk.username))
    session.add_all(Batch(institution_id=desk.id, account_id=institution_account, filename=f"批次{n:02d}.csv", status="done")
                    for n in range(MANY))
    session.commit()
    yield {"person": person, "desk": desk, "application": item.id}
    session.close()


def texts(page) -> list[str]:
    return [td.text for td in page.html.select('#inbox td[data-label="内容"]')]


def test_a_person_reads_their_own_inbox_newest_first_a_page_at_a_time(wsgi_app, world):
    app = page_session(wsgi_app, world["person"]["mobile"])
    home = app.get("/me")
    first = home.click(href="/me/notifications$")
    assert texts(first) == [f"第{n:02d}条：您的申请已退回，请补正。" for n in range(MANY - 1, MANY - 1 - A_PAGE, -1)]
    assert "别人的消息" not in first.text
    # China Standard Time, never a machine's time.
    shown = first.html.select_one('#inbox td[data-label="时间"]').text
    assert "T" not in shown and "Z" not in shown
    assert first.click(description="查看申请").request.path == f"/me/applications/{world['application']}"
    second = first.click(description="下一页")
    assert texts(second) == [f"第{n:02d}条：您的申请已退回，请补正。" for n in range(MANY - 1 - A_PAGE, -1, -1)]
    assert texts(second.click(description="上一页")) == texts(first)
    app.get("/me/notifications", params={"cursor": "x"}, status=400)
    page_session(wsgi_app, world["desk"].username).get("/me/notifications", status=403)


def test_the_institution_reads_every_message_not_only_the_newest_200(wsgi_app, world):
    app = page_session(wsgi_app, world["desk"].username)
    first = app.get("/institution/notifications")
    assert texts(first) == [f"机构第{n:02d}条" for n in range(MANY - 1, MANY - 1 - A_PAGE, -1)]
    rest = first.click(description="下一页")
    assert texts(rest) == [f"机构第{n:02d}条" for n in range(MANY - 1 - A_PAGE, -1, -1)]
    assert rest.click(description="查看申请", index=0).request.path == f"/institution/tasks/{world['application']}"


def test_the_institution_reads_every_batch_it_uploaded_a_page_at_a_time(wsgi_app, world):
    """The list held the newest 100 uploads and no more."""
    assert BATCHES_A_PAGE < MANY
    app = page_session(wsgi_app, world["desk"].username)
    first = app.get("/institution/batches")
    files = [td.text for td in first.html.select('td[data-label="文件"]')]
    assert files == [f"批次{n:02d}.csv" for n in range(MANY - 1, MANY - 1 - BATCHES_A_PAGE, -1)]
    rest = first.click(description="下一页")
    assert [td.text for td in rest.html.select('td[data-label="文件"]')] == [
        f"批次{n:02d}.csv" for n in range(MANY - 1 - BATCHES_A_PAGE, -1, -1)]


def test_a_batch_names_its_state_and_each_refused_column_in_chinese(wsgi_app, world, db):
    """It showed `submitting` while the valid rows went in, and a refused column by its header alone (identifier)."""
    account = db.scalar(select(Account.id).where(Account.username == world["desk"].username))
    batch = Batch(institution_id=world["desk"].id, account_id=account, filename="四行.csv", status="submitting", total=4,
                  checked=4, results=[
                      {"row": 2, "status": "valid", "errors": []},
                      {"row": 3, "status": "refused", "errors": [{"field": "identifier", "reason": "必填"},
                                                                 {"field": "id_number", "reason": "与第2行重复"}]},
                      {"row": 4, "status": "refused", "errors": [{"field": "kind", "reason": "不支持的业务类型：x"}]},
                      {"row": 5, "kind": "nurse.first_registration", "status": "refused",
                       "errors": [{"field": "certificate_no", "reason": "必填"}]}])
    db.add(batch)
    db.commit()
    page = page_session(wsgi_app, world["desk"].username).get(f"/institution/batches/{batch.id}")
    assert page.html.select_one("#batch-status").text.startswith("正在提交：")
    reasons = [td.text for td in page.html.select('#batch-rows td[data-label="原因"]')]
    assert reasons == ["—", "电子化注册识别码（identifier）：必填；证件号码（id_number）：与第2行重复",
                       "业务类型（kind）：不支持的业务类型：x",
                       # A nurse's certificate is her exam certificate, not the physician's qualification certificate.
                       "护士执业资格考试合格证明编号（certificate_no）：必填"]
    assert not leaks(page.text)
