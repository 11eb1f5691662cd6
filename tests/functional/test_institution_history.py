"""An institution's history only grows (every import of its row, every upkeep, every decision adds an event): the API
and the profile page page through all of it, newest first, and never stop without saying so."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from webtest import TestApp

from models import InstitutionEvent
from models.base import utcnow
from tests.journeys import institution_desk, page_session

EVENTS = 120


@pytest.fixture(scope="module")
def desk(wsgi_app, settings):
    """An institution with EVENTS events of its own (numbered in its text, oldest first) and another institution's."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    own, other = institution_desk(api, session), institution_desk(api, session)
    start = utcnow() - timedelta(days=1)
    session.add_all(InstitutionEvent(institution_id=own.id, actor="测试", action="info_update", text=f"第{n}次变更",
                                     at=start + timedelta(minutes=n)) for n in range(1, EVENTS + 1))
    session.add(InstitutionEvent(institution_id=other.id, actor="测试", action="info_update", text="别家的变更"))
    session.commit()
    yield {"api": api, "own": own, "pages": page_session(wsgi_app, own.username)}
    session.close()


def test_the_api_pages_through_every_event_newest_first(desk):
    api, headers = desk["api"], desk["own"].headers
    texts, cursor, pages = [], "", 0
    while True:
        answer = api.get("/api/v1/institution/history", {"limit": 50, "cursor": cursor}, headers=headers).json
        assert len(answer["events"]) <= 50
        texts += [event["text"] for event in answer["events"]]
        pages += 1
        if answer["next"] is None:
            break
        cursor = answer["next"]
    assert pages == 3
    assert texts == [f"第{n}次变更" for n in range(EVENTS, 0, -1)]
    assert answer["applications"] == []


def test_without_a_limit_a_page_holds_up_to_five_hundred(desk):
    answer = desk["api"].get("/api/v1/institution/history", headers=desk["own"].headers).json
    assert len(answer["events"]) == EVENTS and answer["next"] is None


@pytest.mark.parametrize(("query", "field"), [({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"),
                                              ({"limit": "十"}, "limit"), ({"cursor": "abc"}, "cursor")])
def test_a_bad_limit_or_cursor_is_refused_naming_it(desk, query, field):
    answer = desk["api"].get("/api/v1/institution/history", query, headers=desk["own"].headers, status=400).json
    assert field in answer["error"]["fields"]


def test_the_profile_page_shows_fifty_a_page_with_next_and_previous(desk):
    pages = desk["pages"]
    first = pages.get("/institution/profile")
    shown = re.findall(r"第(\d+)次变更", first.text)
    assert shown == [str(n) for n in range(EVENTS, EVENTS - 50, -1)]
    assert "别家的变更" not in first.text and "上一页" not in first.text
    second = first.click("下一页")
    assert re.findall(r"第(\d+)次变更", second.text) == [str(n) for n in range(EVENTS - 50, EVENTS - 100, -1)]
    assert "第 2 页" in second.text
    third = second.click("下一页")
    assert re.findall(r"第(\d+)次变更", third.text) == [str(n) for n in range(EVENTS - 100, 0, -1)]
    assert "下一页" not in third.text
    back = third.click("上一页")
    assert re.findall(r"第(\d+)次变更", back.text) == re.findall(r"第(\d+)次变更", second.text)


def test_a_forged_cursor_on_the_page_shows_the_first_page(desk):
    page = desk["pages"].get("/institution/profile", {"cursor": "not-ours", "page": "3"})
    assert re.findall(r"第(\d+)次变更", page.text)[0] == str(EVENTS)
