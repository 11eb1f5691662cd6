"""The commission's workbench: filters, sorting, paging and time-limit markers; the level rules (the routed
commission acts, the ones above only look, the ones beside and below see nothing); decisions on several items."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Application
from tests import commission_world as cw


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    """Four applications at the county (on time, nearly due, overdue for a nurse change; one rejected),
    one overdue at the sibling county, one waiting at the city."""
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "54")
    applicant, county, sibling = world.person["account_id"], world.institutions["county"], world.institutions["sibling"]
    codes, person = world.codes, {"person_id": world.person["person_id"]}
    items = {
        "on_time": cw.pending_since(session, applicant, county.id, "physician.first_registration", codes["county"], cw.working_days_ago(1), **person),
        "due_soon": cw.pending_since(session, applicant, county.id, "nurse.change", codes["county"], cw.working_days_ago(6), **person),
        "overdue": cw.pending_since(session, applicant, county.id, "nurse.change", codes["county"], cw.working_days_ago(9), **person),
        "sibling": cw.pending_since(session, applicant, sibling.id, "physician.first_registration", codes["sibling"], cw.working_days_ago(25), **person),
        "city": cw.pending_since(session, applicant, county.id, "physician.change", codes["city"], cw.working_days_ago(0), **person),
    }
    # Decided already (rejected: a status no worker or sweeper picks up again).
    items["decided"] = cw.application(session, applicant, county.id, "physician.re_registration", codes["county"],
                                      [(cw.working_days_ago(3), "submitted"), (cw.working_days_ago(2), "pending_approval"),
                                       (cw.working_days_ago(1), "rejected")])
    session.commit()
    world.items = {name: item.id for name, item in items.items()}
    yield world
    session.close()


def queue(api, world, desk: str = "city", expect: int = 200, **params):
    return api.get("/api/v1/commission/queue", params=params, headers=world.desks[desk].headers, status=expect).json


def ids(answer) -> list[int]:
    return [item["id"] for item in answer["items"]]


def named(world, *names: str) -> list[int]:
    return [world.items[name] for name in names]


def test_the_city_sees_what_waits_in_its_counties_longest_waiting_first_with_markers(api, world):
    answer = queue(api, world)
    assert ids(answer) == named(world, "sibling", "overdue", "due_soon", "on_time", "city")
    assert answer["total"] == 5
    marks = {item["id"]: item["deadline"] for item in answer["items"]}
    assert marks[world.items["due_soon"]] | {"started": None, "due": None} == {
        "limit": 7, "elapsed": 6, "remaining": 1, "marker": "due_soon", "label": "临近时限", "started": None, "due": None}
    assert marks[world.items["overdue"]]["marker"] == "overdue" and marks[world.items["overdue"]]["remaining"] == -2
    assert marks[world.items["sibling"]]["limit"] == 20 and marks[world.items["sibling"]]["marker"] == "overdue"
    assert marks[world.items["on_time"]]["marker"] == "on_time" and marks[world.items["city"]]["elapsed"] == 0
    first = answer["items"][0]
    assert first["applicant"] == world.person["name"] and first["institution"] == world.institutions["sibling"].name


@pytest.mark.parametrize(("params", "expected"), [
    ({"kind": "nurse.change"}, ("overdue", "due_soon")),
    ({"division": "540103"}, ("sibling",)),
    ({"division": "540102"}, ("overdue", "due_soon", "on_time")),
    ({"waiting_min": "7"}, ("sibling", "overdue")),
    ({"waiting_min": "6"}, ("sibling", "overdue", "due_soon")),
    ({"marker": "overdue"}, ("sibling", "overdue")),
    ({"marker": "due_soon"}, ("due_soon",)),
    ({"marker": "on_time"}, ("on_time", "city")),
    ({"sort": "-waiting"}, ("city", "on_time", "due_soon", "overdue", "sibling")),
    ({"sort": "id"}, ("on_time", "due_soon", "overdue", "sibling", "city")),
    ({"status": "rejected"}, ("decided",)),
    ({"per_page": "2", "page": "2"}, ("due_soon", "on_time")),
    ({"per_page": "2", "page": "4"}, ()),
])
def test_filters_sorting_and_paging(api, world, params, expected):
    answer = queue(api, world, **params)
    assert ids(answer) == named(world, *expected)


@pytest.mark.parametrize("sort", ["waiting", "-waiting", "submitted", "-submitted", "id", "-id"])
@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_keyset_paging_by_cursor_gives_the_same_order_as_one_page(api, world, sort, per_page):
    whole = ids(queue(api, world, status="all", sort=sort))
    seen, cursor, pages = [], None, 0
    while True:
        answer = queue(api, world, status="all", sort=sort, per_page=str(per_page), **({"cursor": cursor} if cursor else {}))
        seen += ids(answer)
        pages += 1
        assert answer["total"] == 6
        cursor = answer["next"]
        if cursor is None:
            break
    assert seen == whole and pages == -(-len(whole) // per_page)
    assert "cursor" in queue(api, world, expect=400, cursor="garbage")["error"]["fields"]
    first = queue(api, world, status="all", sort=sort, per_page="1")
    other = "id" if sort != "id" else "-id"
    assert "cursor" in queue(api, world, expect=400, status="all", sort=other, cursor=first["next"])["error"]["fields"]


def test_the_institution_filter_and_every_status(api, world):
    assert set(ids(queue(api, world, institution=str(world.institutions["county"].id)))) == set(
        named(world, "on_time", "due_soon", "overdue", "city"))
    assert queue(api, world, status="all")["total"] == 6


def test_a_site_may_set_its_own_limit_per_kind(api, world, monkeypatch):
    monkeypatch.setenv("MEDREG_TIME_LIMITS", "nurse.change=10")
    marks = {item["id"]: item["deadline"]["marker"] for item in queue(api, world, kind="nurse.change")["items"]}
    assert marks == {world.items["overdue"]: "due_soon", world.items["due_soon"]: "on_time"}


def test_bad_filters_are_refused_naming_each_field(api, world):
    error = queue(api, world, expect=400, **{"status": "late", "kind": "x", "division": "110105", "marker": "late",
                                             "sort": "name", "page": "0", "per_page": "501", "waiting_min": "-1"})["error"]
    assert set(error["fields"]) == {"status", "kind", "division", "marker", "sort", "page", "per_page", "waiting_min"}


# --- levels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["national", "province", "city"])
def test_the_commissions_above_see_the_county_item_but_may_not_act(api, world, db, level):
    item = world.items["on_time"]
    headers = world.desks[level].headers
    assert item in ids(queue(api, world, desk=level))
    assert api.get(f"/api/v1/commission/queue/{item}", headers=headers).json["status"] == "pending_approval"
    refused = api.post_json(f"/api/v1/commission/queue/{item}", {"decision": "approve"}, headers=headers, status=403)
    assert refused.json["error"]["code"] == "forbidden"
    assert db.get(Application, item).status == "pending_approval"


def test_the_stats_of_a_level_include_its_lower_levels(api, world):
    def total(level):
        return api.get("/api/v1/commission/stats", params={"group_by": "status"}, headers=world.desks[level].headers).json

    county, city = total("county"), total("city")
    assert {row["key"]: row["count"] for row in county["rows"]} == {"pending_approval": 3, "rejected": 1}
    assert {row["key"]: row["count"] for row in city["rows"]} == {"pending_approval": 5, "rejected": 1}
    assert total("province")["total"] >= city["total"] == 6


def test_a_county_sees_nothing_of_its_sibling_or_its_parent(api, world, db):
    county = world.desks["county"].headers
    assert set(ids(queue(api, world, desk="county"))) == set(named(world, "overdue", "due_soon", "on_time"))
    for name in ("sibling", "city"):
        item = world.items[name]
        api.get(f"/api/v1/commission/queue/{item}", headers=county, status=404)
        api.post_json(f"/api/v1/commission/queue/{item}", {"decision": "approve"}, headers=county, status=404)
        api.get(f"/api/v1/applications/{item}", headers=county, status=404)
        assert db.get(Application, item).status == "pending_approval"
    queue(api, world, desk="county", expect=400, division=world.codes["city"])


# --- decisions on several items ----------------------------------------------------------------------


def test_several_items_returned_at_once_with_a_result_for_each(api, world, db, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    applicant, county = world.person["account_id"], world.institutions["county"].id
    mine = [cw.pending_since(session, applicant, county, "nurse.renewal", world.codes["county"], cw.working_days_ago(2)).id
            for _ in range(2)]
    session.commit()
    session.close()
    body = {"ids": [*mine, world.items["sibling"], world.items["decided"], world.items["city"]], "decision": "return",
            "comment": "请补充学历证明"}
    answer = api.post_json("/api/v1/commission/queue/decisions", body, headers=world.desks["county"].headers).json
    results = {r["id"]: r for r in answer["results"]}
    assert answer["decided"] == 2 and answer["refused"] == 3
    assert all(results[i] == {"id": i, "ok": True, "status": "returned"} for i in mine)
    assert results[world.items["sibling"]]["error"]["code"] == "not_found"
    assert results[world.items["city"]]["error"]["code"] == "not_found"
    assert results[world.items["decided"]]["error"]["code"] == "conflict"
    db.expire_all()
    returned = db.scalars(select(Application).where(Application.id.in_(mine))).all()
    assert {a.status for a in returned} == {"returned"}
    assert all(a.history[-1].comment == "请补充学历证明" for a in returned)
    assert db.get(Application, world.items["sibling"]).status == "pending_approval"


def test_the_city_may_not_decide_county_items_in_a_batch(api, world, db):
    answer = api.post_json("/api/v1/commission/queue/decisions", {"ids": [world.items["on_time"]], "decision": "reject",
                           "comment": "不符合条件"}, headers=world.desks["city"].headers).json
    assert answer["results"][0]["error"]["code"] == "forbidden"
    assert db.get(Application, world.items["on_time"]).status == "pending_approval"


@pytest.mark.parametrize(("body", "field"), [
    ({"ids": [], "decision": "approve"}, "ids"),
    ({"ids": ["1"], "decision": "approve"}, "ids"),
    ({"ids": list(range(1, 202)), "decision": "approve"}, "ids"),
    ({"ids": [1], "decision": "maybe"}, "decision"),
    ({"ids": [1], "decision": "reject"}, "comment"),
    ({"ids": [1], "decision": "return", "comment": "  "}, "comment"),
])
def test_a_bad_batch_is_refused_and_changes_nothing(api, world, db, body, field):
    body = {**body, "ids": body["ids"] if body["ids"] != [1] else [world.items["overdue"]]}
    error = api.post_json("/api/v1/commission/queue/decisions", body, headers=world.desks["county"].headers, status=400).json["error"]
    assert field in error["fields"]
    assert db.get(Application, world.items["overdue"]).status == "pending_approval"


def test_a_queue_longer_than_the_count_cap_says_so_and_pages_to_its_end(api, world, monkeypatch):
    """The count stops at paging.COUNT_CAP (a national queue is millions long); the cursor still reaches every item."""
    from portal.services import paging

    whole = ids(queue(api, world, status="all"))
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    seen, cursor = [], None
    while True:
        answer = queue(api, world, status="all", per_page="4", **({"cursor": cursor} if cursor else {}))
        assert (answer["total"], answer["total_capped"]) == (4, True)
        seen += ids(answer)
        cursor = answer["next"]
        if cursor is None:
            break
    assert seen == whole and len(whole) > 4
    exact = queue(api, world, status="all", kind="nurse.change")
    assert (exact["total"], exact["total_capped"]) == (2, False)
