"""An institution's long lists — its staff accounts waiting for activation, the applications waiting for its
confirmation, the progress of what it confirmed — page to their end by cursor, through the API and on the page,
each list on the page with its own pager (a hospital signs up thousands of nurses at once)."""
from __future__ import annotations

import pytest

from models import Institution
from portal.pages import institution as institution_pages
from portal.pages import institution_end as institution_end_pages
from tests import factories
from tests.functional.test_register_exports import nurse as registered_nurse
from tests.journeys import institution_desk, page_session, person_account


@pytest.fixture(scope="module")
def hospital(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    desk = institution_desk(TestApp(wsgi_app), session)
    waiting, confirming, following = [], [], []
    for _ in range(3):
        waiting.append(person_account(session, settings, desk.id, status="pending_activation")["account_id"])
        person = person_account(session, settings, desk.id)
        item = factories.application(session, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                     "awaiting_institution")
        confirming.append(item.id)
        registered_nurse(session, settings, session.get(Institution, desk.id), "registered")
        person = person_account(session, settings, desk.id)
        following.append(factories.application(session, person["person_id"], person["account_id"], desk.id,
                                               person["certificate_no"], "pending_approval").id)
    session.commit()
    yield desk, waiting, confirming, following
    session.close()


def follow(api, path: str, headers: dict, **params) -> list[int]:
    seen, cursor = [], None
    while True:
        answer = api.get(path, params={**params, "limit": "1", **({"cursor": cursor} if cursor else {})}, headers=headers).json
        seen += [item.get("id", item.get("registration_id")) for item in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            return seen


def test_the_api_pages_both_lists_to_their_end(api, hospital):
    desk, waiting, confirming, _ = hospital
    assert follow(api, "/api/v1/institution/accounts", desk.headers) == waiting
    assert follow(api, "/api/v1/institution/tasks", desk.headers) == confirming
    whole = api.get("/api/v1/institution/tasks", headers=desk.headers).json
    assert [item["id"] for item in whole["items"]] == confirming and whole["next"] is None
    for path in ("/api/v1/institution/accounts", "/api/v1/institution/tasks"):
        for bad in ({"cursor": "1.5"}, {"limit": "0"}, {"limit": "501"}):
            error = api.get(path, params=bad, headers=desk.headers, status=400).json["error"]
            assert list(bad) == list(error["fields"]), (path, bad)


@pytest.mark.parametrize(("section", "prefix", "expected"), [(0, "", 1), (1, "task_", 2), (2, "progress_", 3)])
def test_each_list_on_the_page_has_its_own_pager(wsgi_app, hospital, monkeypatch, section, prefix, expected):
    desk, waiting, confirming, following = hospital
    monkeypatch.setattr(institution_pages, "A_PAGE", 1)
    app = page_session(wsgi_app, desk.username)
    page, seen = app.get("/institution", params={"status": "pending_approval"}), []
    while True:
        panel = page.html.select("section.panel")[section]
        row = panel.select_one("tbody tr")
        seen.append(int(row.select_one("form")["id"].removeprefix("issue-")) if section == 0 else int(row.td.text.lstrip("#")))
        link = panel.select_one("p.pager") and panel.select_one("p.pager").find("a", string="下一页")
        if not link:
            break
        assert f"{prefix}cursor=" in link["href"] and f"{prefix}page={len(seen) + 1}" in link["href"]
        if section == 2:
            assert "status=pending_approval" in link["href"]  # the progress tab stays on its status
        page = app.get(link["href"])
    assert seen == [waiting, confirming, following][expected - 1]


def test_the_staff_list_pages_by_name_with_the_whole_count(api, wsgi_app, hospital, monkeypatch):
    desk, _, _, _ = hospital
    whole = api.get("/api/v1/institution/staff", params={"profession": "nurse"}, headers=desk.headers).json
    assert whole["count"] == len(whole["items"]) == 3 and whole["next"] is None
    # `?profession=` as the contract writes it, empty: the physicians, as without it (was 400 on profession)
    physicians = api.get("/api/v1/institution/staff", headers=desk.headers).json
    assert api.get("/api/v1/institution/staff", params={"profession": ""}, headers=desk.headers).json == physicians
    assert physicians["profession"] == "physician"
    assert [item["name"] for item in whole["items"]] == sorted(item["name"] for item in whole["items"])
    assert follow(api, "/api/v1/institution/staff", desk.headers, profession="nurse") == [item["registration_id"] for item in whole["items"]]
    one = api.get("/api/v1/institution/staff", params={"profession": "nurse", "limit": "1"}, headers=desk.headers).json
    assert (one["count"], one["counts"], len(one["items"])) == (3, {"registered": 3}, 1)
    bad = api.get("/api/v1/institution/staff", params={"profession": "nurse", "cursor": "eyJ4IjoxfQ"}, headers=desk.headers, status=400)
    assert list(bad.json["error"]["fields"]) == ["cursor"]

    monkeypatch.setattr(institution_end_pages, "STAFF_A_PAGE", 1)
    app = page_session(wsgi_app, desk.username)
    page, names = app.get("/institution/staff", params={"profession": "nurse"}), []
    while True:
        assert "护士（3人）" in page.html.select_one("h1").text
        names += [row.td.text for row in page.html.select("section.panel tbody tr")]
        link = page.html.select_one("p.pager") and page.html.select_one("p.pager").find("a", string="下一页")
        if not link:
            break
        page = app.get(link["href"])
    assert names == [item["name"] for item in whole["items"]]
