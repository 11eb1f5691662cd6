"""The API lists that stopped at a fixed number without saying so — a person's or an institution's inbox
(`GET /api/v1/me/notifications`, the newest 200), an institution's CSV batches (`GET /api/v1/institution/batches`,
the newest 100), an account's own applications (`GET /api/v1/applications`, the newest 500) and an institution's
physicians' assessment results (`GET /api/v1/institution/assessments`, 2000) — page by cursor like the pages do: `limit`, `cursor`, `next`; every item once, to the end."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from webtest import TestApp

from models import Account, AssessmentResult, Batch, Notification
from models.base import utcnow
from portal.services.applications import OWN_MOST
from portal.services.institution_desk import BATCHES_MOST
from portal.services.notifications import API_MOST
from portal.services.practice_records import ASSESSMENTS_MOST
from tests import factories
from tests.journeys import institution_desk, login, page_session, person_account

MESSAGES = API_MOST + 13  # more than the API once answered
BATCHES = BATCHES_MOST + 9
FILINGS = OWN_MOST + 11


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    desk = institution_desk(api, session)
    person = person_account(session, settings, desk.id)
    other = person_account(session, settings, desk.id)
    start = utcnow() - timedelta(days=1)
    mine = [Notification(account_id=person["account_id"], event="returned", text=f"个人第{n}条",
                         at=start + timedelta(seconds=n)) for n in range(MESSAGES)]
    theirs = [Notification(institution_id=desk.id, event="staff.expiring", text=f"机构第{n}条",
                           at=start + timedelta(seconds=n)) for n in range(MESSAGES)]
    session.add_all([*mine, *theirs, Notification(account_id=other["account_id"], event="published", text="别人的", at=start)])
    account_id = session.scalar(select(Account.id).where(Account.username == desk.username))
    uploads = [Batch(institution_id=desk.id, account_id=account_id, filename=f"批次{n}.csv", status="done")
               for n in range(BATCHES)]
    session.add_all(uploads)
    filed_for = person_account(session, settings, desk.id)
    filings = [factories.application(session, filed_for["person_id"], account_id, desk.id, filed_for["certificate_no"],
                                     "published") for _ in range(FILINGS)]
    own = [factories.application(session, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "returned") for _ in range(3)]
    session.commit()
    yield {"person": login(api, person["mobile"]), "desk": desk.headers, "mine": [n.id for n in reversed(mine)],
           "theirs": [n.id for n in reversed(theirs)], "batches": [b.id for b in reversed(uploads)],
           "filings": [a.id for a in reversed(filings)], "own": [a.id for a in reversed(own)]}
    session.close()


def follow(api: TestApp, path: str, headers: dict, limit: int | None) -> tuple[list[int], int]:
    """Every id of the list, following `next` to the end: (ids in order, pages read)."""
    seen, cursor, pages = [], None, 0
    while True:
        params = {**({"limit": str(limit)} if limit else {}), **({"cursor": cursor} if cursor else {})}
        answer = api.get(path, params=params, headers=headers).json
        pages += 1
        assert set(answer) == {"items", "next"}
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            return seen, pages


@pytest.mark.parametrize("limit", [None, 37])
def test_a_persons_inbox_pages_to_its_end_every_message_once(api, world, limit):
    seen, pages = follow(api, "/api/v1/me/notifications", world["person"], limit)
    assert seen == world["mine"]  # newest first, none twice, none lost, nobody else's
    assert pages == -(-MESSAGES // (limit or API_MOST))


@pytest.mark.parametrize("limit", [None, 50])
def test_an_institutions_inbox_pages_to_its_end_every_message_once(api, world, limit):
    seen, pages = follow(api, "/api/v1/me/notifications", world["desk"], limit)
    assert seen == world["theirs"]
    assert pages == -(-MESSAGES // (limit or API_MOST))


@pytest.mark.parametrize("limit", [None, 40])
def test_an_institutions_batches_page_to_their_end_every_batch_once(api, world, limit):
    seen, pages = follow(api, "/api/v1/institution/batches", world["desk"], limit)
    assert seen == world["batches"]
    assert pages == -(-BATCHES // (limit or BATCHES_MOST))


@pytest.mark.parametrize("limit", [None, 200])
def test_an_institutions_own_filings_page_to_their_end_every_one_once(api, world, limit):
    seen, pages = follow(api, "/api/v1/applications", world["desk"], limit)
    assert seen == world["filings"]
    assert pages == -(-FILINGS // (limit or OWN_MOST))


def test_a_persons_own_applications_come_on_one_page_and_in_pages_of_one(api, world):
    assert follow(api, "/api/v1/applications", world["person"], None) == (world["own"], 1)
    assert follow(api, "/api/v1/applications", world["person"], 1) == (world["own"], 3)


@pytest.mark.parametrize(("path", "who", "most"), [("/api/v1/me/notifications", "person", API_MOST),
                                                   ("/api/v1/institution/batches", "desk", BATCHES_MOST),
                                                   ("/api/v1/applications", "person", OWN_MOST)])
def test_a_bad_cursor_or_limit_is_400_on_its_field(api, world, path, who, most):
    for bad in ({"cursor": "garbage"}, {"cursor": "1.5"}, {"cursor": "-3"}, {"limit": "0"}, {"limit": str(most + 1)},
                {"limit": "x"}):
        error = api.get(path, params=bad, headers=world[who], status=400).json["error"]
        assert list(error["fields"]) == list(bad), (path, bad)
        assert error["code"] == "invalid"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][next(iter(bad))])


@pytest.fixture(scope="module")
def assessed(wsgi_app, settings):
    """Three physicians of one institution, two of them namesakes, with more results between them than the API once
    answered; a physician elsewhere with results of the same periods."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    desk, other = institution_desk(api, session), institution_desk(api, session)
    name = factories.unique_name()
    doctors = [person_account(session, settings, desk.id, name=n) for n in (name, name, factories.unique_name())]
    stranger = person_account(session, settings, other.id)
    results = set()
    for number, (person, institution) in enumerate([*((d, desk) for d in doctors), (stranger, other)]):
        item = factories.application(session, person["person_id"], person["account_id"], institution.id,
                                     person["certificate_no"], "approved", "110105")
        factories.issued(session, item)
        periods = ASSESSMENTS_MOST + 4 if number == 0 else 5
        for n in range(periods):
            session.add(AssessmentResult(certificate_no=person["certificate_no"], period=f"P{n:05d}", result="合格",
                                         assessed_on=date(2024, 11, 30), assessor="朝阳区医师定期考核委员会"))
            if institution is desk:
                results.add((person["certificate_no"], f"P{n:05d}"))
    session.commit()
    yield {"desk": desk.headers, "username": desk.username, "results": results}
    session.close()


def follow_assessments(api: TestApp, headers: dict, limit: int | None, **params) -> tuple[list[tuple[str, str]], int]:
    seen, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"limit": str(limit)} if limit else {}), **({"cursor": cursor} if cursor else {})}
        answer = api.get("/api/v1/institution/assessments", params=query, headers=headers).json
        pages += 1
        assert set(answer) == {"items", "next"}
        seen += [(item["certificate_no"], item["period"]) for item in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            return seen, pages


def test_an_institutions_assessments_page_to_their_end_every_result_once(api, assessed):
    whole, pages = follow_assessments(api, assessed["desk"], None)
    assert len(whole) == len(set(whole)) and set(whole) == assessed["results"]  # none twice, none lost, nobody else's
    assert pages == 2
    periods = [period for _, period in whole]
    assert periods == sorted(periods, reverse=True)  # the newest period first
    # Small pages cross the namesakes and the periods at every point, and come in the same order.
    assert follow_assessments(api, assessed["desk"], 7) == (whole, -(-len(whole) // 7))
    one_period, _ = follow_assessments(api, assessed["desk"], 1, period="P00003")
    assert sorted(one_period) == sorted(r for r in assessed["results"] if r[1] == "P00003") and len(one_period) == 3
    for bad in ({"cursor": "garbage"}, {"cursor": "1"}, {"limit": "0"}, {"limit": str(ASSESSMENTS_MOST + 1)}):
        error = api.get("/api/v1/institution/assessments", params=bad, headers=assessed["desk"], status=400).json["error"]
        assert list(error["fields"]) == list(bad)


def test_the_assessments_page_shows_them_a_page_at_a_time(wsgi_app, assessed):
    from portal.services.practice_records import ASSESSMENTS_A_PAGE

    app = page_session(wsgi_app, assessed["username"])
    shown = []
    page = app.get("/institution/assessments")
    while True:
        rows = page.html.select('td[data-label="考核周期"]')
        assert 0 < len(rows) <= ASSESSMENTS_A_PAGE
        shown += [row.text for row in rows]
        if "下一页" not in page.text:
            break
        page = page.click(description="下一页")
    assert len(shown) == len(assessed["results"]) and shown == sorted(shown, reverse=True)
    assert app.get("/institution/assessments", params={"cursor": "garbage"}, status=400).html.select_one(".alert")
