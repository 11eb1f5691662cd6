"""Commission search 信息查询 keeps what docs/security.md says it keeps: nothing it records or answers depends on
persons outside the clerk's jurisdiction (the audit entry included); lists show ID numbers and mobiles masked, and a
full number only comes from the audited reveal of one application; an institution's list of accounts to activate
shows mobiles masked too. And a person found by ID number or mobile lists the same register entries and
applications as found by name; a refused query stays in the box with its reason beside it."""
from __future__ import annotations

import pytest
from webtest import TestApp

from models import Person
from models.crypto import encrypt, lookup_hash
from pipeline.review import mask_id_number
from tests import commission_world as cw
from tests import factories
from tests.journeys import page_session, person_account


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    """The commission world of province 43 (no other module builds there); the physician at the county holds a register entry and the application
    that made it."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "43")
    person = world.person
    item = factories.application(session, person["person_id"], person["account_id"], world.institutions["county"].id,
                                 person["certificate_no"], "approved", world.codes["county"])
    factories.issued(session, item)
    session.commit()
    world.application = item.id
    yield world
    session.close()


def masked_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:]


def with_passport(db, settings, institution_id: int, number: str) -> int:
    """A person whose ID document is a passport (the counter registers such physicians)."""
    person = db.get(Person, person_account(db, settings, institution_id, with_qualification=False)["person_id"])
    person.id_type, person.id_number_encrypted = "passport", encrypt(settings.secret, number)
    person.id_number_hash = lookup_hash(settings.secret, number)
    db.commit()
    return person.id


def searched(api, world, q: str) -> tuple[dict, dict]:
    """The county clerk's search for `q`, and the audit entry it wrote as the clerk reads it back."""
    desk = world.desks["county"]
    answer = api.get("/api/v1/commission/search", params={"q": q}, headers=desk.headers).json
    entry = api.get("/api/v1/commission/audit", params={"actor": f"account:{desk.account_id}"}, headers=desk.headers).json["items"][0]
    return answer, entry


def test_what_a_search_records_does_not_depend_on_persons_outside_the_jurisdiction(api, db, settings, world):
    elsewhere = person_account(db, settings, world.institutions["sibling"].id, with_qualification=False)
    db.commit()
    nobody = factories.resident_id()  # a valid number no one holds
    empty = {"persons": [], "institutions": [], "registrations": [], "applications": []}
    seen = []
    for q in (elsewhere["id_number"], nobody):
        answer, entry = searched(api, world, q)
        assert {name: answer[name] for name in empty} == empty, q
        seen.append((entry["action"], entry["target"], entry["division"], entry["detail"]["results"]))
    # A valid resident ID number is a search by ID number by its shape alone, whoever holds it.
    assert seen == [("search_by_id_number", "persons", world.codes["county"], 0)] * 2
    # A passport number cannot be told by its shape: it counts as an ID number only when a person of the jurisdiction
    # holds it, never because someone elsewhere does.
    tag = world.tag.upper()
    with_passport(db, settings, world.institutions["sibling"].id, f"EA{tag}01")
    with_passport(db, settings, world.institutions["county"].id, f"EB{tag}01")
    assert searched(api, world, f"EA{tag}01")[1]["action"] == "search"  # held outside the jurisdiction
    assert searched(api, world, f"EC{tag}01")[1]["action"] == "search"  # held by no one
    assert searched(api, world, f"EB{tag}01")[1]["action"] == "search_by_id_number"  # held inside


def test_search_lists_id_numbers_and_mobiles_masked_and_the_reveal_is_one_person_at_a_time(api, db, settings, world, wsgi_app):
    name = f"遮蔽{world.tag}"
    made = [person_account(db, settings, world.institutions["county"].id, name=f"{name}某{n}", with_qualification=False)
            for n in range(3)]
    db.commit()
    desk = world.desks["county"]
    answer = api.get("/api/v1/commission/search", params={"q": name, "limit": 200}, headers=desk.headers)
    found = {p["id"]: p for p in answer.json["persons"]}
    assert set(found) == {p["person_id"] for p in made}
    for person in made:
        shown = found[person["person_id"]]
        assert shown["id_number"] == mask_id_number(person["id_number"]) and shown["mobile"] == masked_mobile(person["mobile"])
        assert "birth_date" not in shown  # the masked digits of a resident ID number are the birth date
        assert person["id_number"] not in answer.text and person["mobile"] not in answer.text
    page = page_session(wsgi_app, desk.username).get("/commission/search", params={"q": name})
    for person in made:
        assert mask_id_number(person["id_number"]) in page.text and masked_mobile(person["mobile"]) in page.text
        assert person["id_number"] not in page.text and person["mobile"] not in page.text
        assert person["birth_date"] not in page.text
    actions = [e["action"] for e in api.get("/api/v1/commission/audit", params={"actor": f"account:{desk.account_id}"},
                                            headers=desk.headers).json["items"]]
    assert "reveal_id_number" not in actions  # a list reveals nothing
    # The responsible person's mobile of an institution is masked in the list as well.
    institution = world.institutions["county"]
    listed = api.get("/api/v1/commission/search", params={"q": institution.name}, headers=desk.headers).json["institutions"]
    assert [i["mobile"] for i in listed] == [masked_mobile(institution.mobile) if institution.mobile else ""]


def test_a_person_found_by_id_number_or_mobile_lists_their_entries_and_applications_as_by_name(api, world, wsgi_app):
    person, desk = world.person, world.desks["county"]
    by_name = api.get("/api/v1/commission/search", params={"q": person["name"]}, headers=desk.headers).json
    assert [a["id"] for a in by_name["applications"]] == [world.application] and len(by_name["registrations"]) == 1
    for q in (person["id_number"], person["id_number"].lower(), person["mobile"]):
        found = api.get("/api/v1/commission/search", params={"q": q}, headers=desk.headers).json
        for section in ("persons", "registrations", "applications"):
            assert found[section] == by_name[section], (q, section)
    # Outside the jurisdiction the number finds nothing in any section.
    sibling = api.get("/api/v1/commission/search", params={"q": person["id_number"]}, headers=world.desks["sibling"].headers).json
    assert sibling["persons"] == sibling["registrations"] == sibling["applications"] == []
    # On the page: the counts agree, and the application found by number leads to the one audited reveal.
    app = page_session(wsgi_app, desk.username)
    page = app.get("/commission/search", params={"q": person["id_number"]})
    counts = {section: page.html.select_one(f"#{section} h2 small").text for section in ("persons", "registrations", "applications")}
    assert counts == {"persons": "1 人", "registrations": "1 条", "applications": "1 件"}
    item = page.click(href=f"/commission/queue/{world.application}$")
    assert person["id_number"] not in item.text
    assert item.forms["reveal-form"].submit().html.select_one("#id-number-full").text == person["id_number"]


def test_a_too_long_query_stays_in_the_box_with_its_reason_beside_it(world, wsgi_app):
    app = page_session(wsgi_app, world.desks["county"].username)
    typed = "王" * 500
    page = app.get("/commission/search", params={"q": typed}, status=400)
    box = page.html.select_one("#f-q")
    assert box["value"] == typed and box["aria-describedby"] == "q-error"
    assert page.html.select_one("#q-error").text == "查询内容过长：最多100个字，现有500个"
    assert page.html.select_one("#persons") is None
    # A forged paging field is named in Chinese, never by its code.
    page = app.get("/commission/search", params={"q": "王", "section": "nobody"}, status=400)
    assert page.html.select_one("#section-error").text.startswith("查询类别：")


def test_an_institution_lists_the_mobiles_of_accounts_to_activate_masked(api, db, settings, world, wsgi_app):
    waiting = person_account(db, settings, world.institutions["county"].id, status="pending_activation", with_qualification=False)
    db.commit()
    desk = world.institution_desk
    answer = api.get("/api/v1/institution/accounts", params={"status": "pending_activation", "limit": 500}, headers=desk.headers)
    listed = {item["id"]: item for item in answer.json["items"]}
    assert listed[waiting["account_id"]]["mobile"] == masked_mobile(waiting["mobile"])
    assert waiting["mobile"] not in answer.text
    page = page_session(wsgi_app, desk.username).get("/institution")
    assert masked_mobile(waiting["mobile"]) in page.text and waiting["mobile"] not in page.text


def test_a_person_without_an_application_is_revealed_from_the_search_once_and_audited(api, db, settings, world, wsgi_app):
    """A person imported from a legacy register has no application page: the clerk reveals the number from the
    person's row of the search, audited as the application's reveal is; outside the jurisdiction there is no such row."""
    person = person_account(db, settings, world.institutions["county"].id, name=f"旧册{world.tag}", with_qualification=False)
    db.commit()
    desk = world.desks["county"]
    app = page_session(wsgi_app, desk.username)
    found = app.get("/commission/search", params={"q": person["name"]})
    assert person["id_number"] not in found.text and found.html.select_one("#applications .empty") is not None
    shown = found.forms[f"reveal-{person['person_id']}"].submit()
    assert shown.html.select_one("#id-number-full").text == person["id_number"]
    assert person["name"] in shown.html.select_one("#revealed").text
    assert shown.click(href="/commission/search\\?q=").html.select_one("#persons") is not None  # back to the results
    entries = api.get("/api/v1/commission/audit", params={"actor": f"account:{desk.account_id}", "action": "reveal_id_number"},
                      headers=desk.headers).json["items"]
    mine = [e for e in entries if e["target"] == f"person:{person['person_id']}"]
    assert [(e["division"], e["detail"]) for e in mine] == [(world.codes["county"], {"name": person["name"]})]
    # The sibling county's clerk has no such row, and a forged post is refused as for no one, revealing and auditing nothing.
    sibling = page_session(wsgi_app, world.desks["sibling"].username)
    token = sibling.get("/commission/search", params={"q": "某"}).html.select_one('input[name="csrf_token"]')
    refused = sibling.post(f"/commission/persons/{person['person_id']}/reveal",
                           {"q": person["name"], "csrf_token": token["value"] if token else ""}, status=404)
    assert person["id_number"] not in refused.text and "人员不存在或无权查看" in refused.text
    assert api.get("/api/v1/commission/audit", params={"actor": f"account:{world.desks['sibling'].account_id}",
                                                       "action": "reveal_id_number"}, headers=world.desks["sibling"].headers).json["items"] == []


def test_an_institution_found_shows_its_division_by_name(world, wsgi_app, db):
    from models.divisions import Division

    institution = world.institutions["county"]
    page = page_session(wsgi_app, world.desks["county"].username).get("/commission/search", params={"q": institution.name})
    cells = [td.text for td in page.html.select('#institutions td[data-label="行政区划"]')]
    name = db.get(Division, institution.division_code).name
    assert cells == [f"{name}（{institution.division_code}）"]
