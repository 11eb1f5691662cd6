"""Public search at a few thousand records: by name (with division or institution), identifier and credit
code; keyset paging with no cap on depth; every status stays findable and says so; the record page with
its status history; the per-client rate limit."""
from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from webtest import TestApp

from pipeline import clock
from tests import factories, public_records

DIVISION = "650102"  # records of this module only: no other test publishes in 65
OTHER_DIVISION = "650103"
PEOPLE, NURSES, INSTITUTIONS = 2400, 600, 400


@pytest.fixture(scope="module")
def published(settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    factories.division(session, "650000", "新疆测试区", None)
    factories.division(session, DIVISION, "天山测试区", "650000")
    factories.division(session, OTHER_DIVISION, "沙依测试区", "650000")
    first = factories.institution(session, name="天山公示第一医院", division=DIVISION)
    second = factories.institution(session, name="天山公示第二医院", division=DIVISION)
    session.commit()
    places = [{"id": first.id, "name": first.name, "identifier": first.identifier},
              {"id": second.id, "name": second.name, "identifier": second.identifier}]
    records = [
        public_records.person_record("physician", DIVISION if n % 5 else OTHER_DIVISION, n, places[n % 2:] + places[: n % 2])
        for n in range(PEOPLE)
    ]
    records += [public_records.person_record("nurse", DIVISION, n, [places[n % 2]]) for n in range(NURSES)]
    records += [public_records.institution_record(DIVISION, n, 900_000 + n) for n in range(INSTITUTIONS)]
    stored = public_records.store(session, records)
    session.close()
    return {"records": stored, "first": first, "second": second}


def page_through(api, path: str, limit: int = 100, **params) -> tuple[list[dict], int]:
    items, cursor, pages = [], None, 0
    while True:
        answer = api.get(path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}).json
        items += answer["items"]
        pages += 1
        cursor = answer["next"]
        if cursor is None:
            return items, pages


def mine(records: list[dict], kind: str, **where) -> list[dict]:
    return [r for r in records if r["kind"] == kind and all(
        r["division"].startswith(value) if key == "division" else r[key] == value for key, value in where.items())]


def test_paging_reaches_every_record_in_identifier_order_with_no_cap(api, published):
    # "65010" is a prefix of both divisions of this module and of no other module's records.
    expected = mine(published["records"], "physician", division="65010")
    items, pages = page_through(api, "/api/v1/public/physicians", division="65010")
    assert [i["identifier"] for i in items] == sorted(r["identifier"] for r in expected)
    assert len(items) == PEOPLE and pages == PEOPLE // 100  # 2,400 results: far past the NPI Registry's 1,200
    deep, _ = page_through(api, "/api/v1/public/nurses", limit=7, division=DIVISION)
    assert len(deep) == NURSES and len({i["identifier"] for i in deep}) == NURSES


def test_search_by_name_with_division_or_institution(api, published):
    target = next(r for r in published["records"] if r["kind"] == "physician" and r["division"] == DIVISION)
    name = target["name"]
    in_division, _ = page_through(api, "/api/v1/public/physicians", name=name, division=DIVISION)
    assert target["identifier"] in {i["identifier"] for i in in_division}
    assert all(name in i["name"] and i["division"] == DIVISION for i in in_division)
    assert {i["identifier"] for i in in_division} == {r["identifier"] for r in mine(published["records"], "physician", division=DIVISION) if name in r["name"]}

    main = target["institutions"][0]
    by_institution_name, _ = page_through(api, "/api/v1/public/physicians", name=name, institution=main["name"][-6:])
    by_institution_id, _ = page_through(api, "/api/v1/public/physicians", name=name, institution=str(main["id"]))
    assert target["identifier"] in {i["identifier"] for i in by_institution_name}
    assert by_institution_name == by_institution_id
    assert all(i["institutions"][0]["id"] == main["id"] for i in by_institution_id)


RANKED_DIVISION = "650105"  # the ranking test's own names


def test_name_search_ranks_exact_then_prefix_then_inside_and_pages_at_any_depth(api, db, published):
    factories.division(db, RANKED_DIVISION, "乌鲁木齐排序测试区", "650000")
    db.commit()
    place = [{"id": published["first"].id, "name": published["first"].name, "identifier": published["first"].identifier}]
    names = ["天明"] * 5 + ["天明远", "天明志", "天明远"] + ["李天明", "王天明辉", "欧阳天明"] + ["天亮", "明天", "天"]
    records = []
    for number, name in enumerate(names):
        record = public_records.person_record("physician", RANKED_DIVISION, number, place)
        records.append({**record, "name": name})
    stored = public_records.store(db, records)
    expected = sorted((r for r in stored if "天明" in r["name"]),
                      key=lambda r: (0 if r["name"] == "天明" else 1 if r["name"].startswith("天明") else 2, r["name"], r["identifier"]))
    for limit in (1, 2, 3, 4, 100):
        items, pages = page_through(api, "/api/v1/public/physicians", limit=limit, name="天明", division=RANKED_DIVISION)
        assert [i["identifier"] for i in items] == [r["identifier"] for r in expected], limit
        assert pages == max(1, -(-len(expected) // limit))
    assert [i["name"] for i in items] == ["天明"] * 5 + ["天明志", "天明远", "天明远", "李天明", "欧阳天明", "王天明辉"]
    # one character: every name holding it, the one equal to it first
    single, _ = page_through(api, "/api/v1/public/physicians", limit=4, name="天", division=RANKED_DIVISION)
    assert [i["name"] for i in single][:1] == ["天"] and len(single) == len(names)
    # a cursor that is not one we handed out is refused, naming the field
    assert api.get("/api/v1/public/physicians", params={"name": "天明", "cursor": "garbage!"}, status=400).json["error"]["fields"] == {
        "cursor": "无效的游标：请使用上一页返回的 next"}
    # so is one without a name, whose cursor is an identifier: a garbage one was an empty last page (200, next null)
    for cursor in ("garbage!", "zzz", items[0]["identifier"][:-1]):
        refused = api.get("/api/v1/public/physicians", params={"division": RANKED_DIVISION, "cursor": cursor}, status=400)
        assert refused.json["error"]["fields"] == {"cursor": "无效的游标：请使用上一页返回的 next"}
    first = api.get("/api/v1/public/physicians", params={"division": RANKED_DIVISION, "limit": 2}).json
    after = api.get("/api/v1/public/physicians", params={"division": RANKED_DIVISION, "limit": 2,
                                                         "cursor": first["next"].lower()}).json
    assert after["items"] and after["items"][0]["identifier"] > first["next"]
    # the page: a "next" link that carries the ranked cursor
    page = api.get("/public", params={"kind": "physicians", "name": "天明", "division": RANKED_DIVISION, "limit": 2})
    assert page.status_int == 200


def test_search_by_identifier_and_credit_code(api, published):
    nurse = mine(published["records"], "nurse")[5]
    found = api.get("/api/v1/public/nurses", params={"identifier": nurse["identifier"].lower()}).json["items"]
    assert [i["identifier"] for i in found] == [nurse["identifier"]]
    hospital = mine(published["records"], "institution")[17]
    found = api.get("/api/v1/public/institutions", params={"uscc": hospital["uscc"]}).json["items"]
    assert [(i["identifier"], i["institution_id"]) for i in found] == [(hospital["identifier"], hospital["institution_id"])]
    # a physician's identifier is not a nurse
    physician = mine(published["records"], "physician")[0]
    assert api.get("/api/v1/public/nurses", params={"identifier": physician["identifier"]}).json["items"] == []


@pytest.mark.parametrize(("plural", "status", "label"), [
    ("physicians", "filed", "备案（非在册）"), ("physicians", "cancelled", "注销"),
    ("nurses", "expired", "已过期"), ("institutions", "suspended", "停业"), ("institutions", "cancelled", "注销"),
])
def test_records_no_longer_active_stay_findable_and_say_so(api, published, plural, status, label):
    kind = plural[:-1]
    record = next(r for r in published["records"] if r["kind"] == kind and r["status"] == status)
    found = api.get(f"/api/v1/public/{plural}", params={"identifier": record["identifier"]}).json["items"]
    assert found[0]["status"] == status
    page = api.get(f"/public/records/{record['identifier']}")
    assert page.html.select_one("#record-status").text.strip() == label
    assert label in page.html.select_one("#inactive-notice").text
    assert page.html.select_one("#licence-links") is None


def test_record_history_lists_every_version_with_its_status_and_dates(api, db, settings, published):
    from publisher.disclosure import publish_version

    record = dict(next(r for r in published["records"] if r["kind"] == "physician" and r["status"] == "registered"))
    for version, status in ((2, "registered"), (3, "cancelled")):
        record = {**record, "version": version, "status": status, "status_label": public_records.LABELS[status]}
        publish_version(db, dataclasses.replace(settings, channels=()), record)
    db.commit()
    history = api.get(f"/api/v1/public/records/{record['identifier']}/history").json
    assert [(i["version"], i["status"]) for i in history["items"]] == [(1, "registered"), (2, "registered"), (3, "cancelled")]
    assert history["items"][1]["status_since"] == history["items"][0]["status_since"] == record["registered_on"]
    # The day the status changed, in Beijing (published_at is the UTC moment, with its offset).
    assert history["items"][2]["status_since"] == clock.day_of(datetime.fromisoformat(history["items"][2]["published_at"])).isoformat()
    rows = api.get(f"/public/records/{record['identifier']}").html.select("#status-history tbody tr")
    assert [row.select("td")[1].text for row in rows] == ["注销", "注册", "注册"]
    api.get("/api/v1/public/records/D65010220990999999X/history", status=404)


def test_bad_search_input_is_refused_naming_the_field(api, published):
    assert api.get("/api/v1/public/physicians", params={"division": "65a"}, status=400).json["error"]["fields"] == {
        "division": "行政区划代码应为不超过 6 位的数字"}
    assert "limit" in api.get("/api/v1/public/physicians", params={"limit": "1000"}, status=400).json["error"]["fields"]
    assert "since" in api.get("/api/v1/public/feed", params={"since": "x"}, status=400).json["error"]["fields"]


def test_public_end_is_rate_limited_per_client_with_retry_after(settings):
    from models.settings import load_settings
    from portal import make_config

    limited = dataclasses.replace(settings, public_rate_per_second=0.5, public_burst=3)
    app = make_config({}, limited).make_wsgi_app()
    client = TestApp(app, extra_environ={"REMOTE_ADDR": "203.0.113.7"})
    neighbour = TestApp(app, extra_environ={"REMOTE_ADDR": "203.0.113.8"})
    for _ in range(3):
        client.get("/api/v1/public/physicians", params={"division": DIVISION, "limit": 1})
    refused = client.get("/api/v1/public/physicians", params={"division": DIVISION}, status=429)
    assert refused.json["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    assert client.get("/public", status=429).headers["Retry-After"]
    neighbour.get("/api/v1/public/physicians", params={"division": DIVISION, "limit": 1})  # its own bucket
    client.get("/login")  # only the public end is limited
    assert load_settings(require=False).public_rate_per_second == 20.0  # what a deployment gets without configuring it


def test_a_name_searched_within_a_county_city_or_province_is_found_there_only(api, db, published):
    # 650110 ends in 0 like many county codes: it must not stand for 65011x.
    places = [{"id": published["first"].id, "name": published["first"].name, "identifier": published["first"].identifier}]
    where = {"650110": ("测程甲", "大测程甲"), "650111": ("测程甲",), "652301": ("大测程甲",)}
    records = []
    for division, names in where.items():
        for name in names:
            record = public_records.person_record("physician", division, 1, places)
            records.append({**record, "name": name})
    stored = {r["identifier"]: r for r in public_records.store(db, records)}

    def found(division: str) -> set[tuple[str, str]]:
        items, _ = page_through(api, "/api/v1/public/physicians", limit=1, name="测程甲", division=division)
        return {(i["division"], i["name"]) for i in items if i["identifier"] in stored}

    assert found("650110") == {("650110", "测程甲"), ("650110", "大测程甲")}
    assert found("650100") == {("650110", "测程甲"), ("650110", "大测程甲"), ("650111", "测程甲")}
    assert found("650000") == {("650110", "测程甲"), ("650110", "大测程甲"), ("650111", "测程甲"), ("652301", "大测程甲")}
    assert found("652301") == {("652301", "大测程甲")}


def test_the_record_index_holds_the_name_grams_and_the_division_prefixes(db):
    from sqlalchemy import text

    from pipeline.search import division_grams, division_prefix, grams

    held = db.execute(text("SELECT medreg_record_grams('大测程甲', '650110')")).scalar_one()
    prefixes = [division_prefix(code) for code in ("650000", "650100", "650110")]
    assert set(held) == set(grams("大测程甲") + [g for p in prefixes for g in division_grams(p)])
