"""A person's own page links to their electronic licence 电子证照 once their identifier is published and active."""
from __future__ import annotations

from sqlalchemy import update

from models import PublicRecord
from tests import factories, public_records
from tests.journeys import institution_desk, page_session
from tests.nurse_journeys import nurse, registered


def test_my_registration_page_links_to_my_licence_only_while_published_and_active(wsgi_app, api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("证照链接医院"))
    person = nurse(api, db, settings, desk.id)
    registered(db, person, desk.id)
    browser = page_session(wsgi_app, person["mobile"])

    assert browser.get("/me/registration").html.select_one("#licence-links") is None  # not published yet

    place = [{"id": desk.id, "name": "证照链接医院", "identifier": None}]
    record = public_records.person_record("nurse", "110105", 1, place, status="registered")
    public_records.store(db, [{**record, "identifier": person["identifier"], "name": person["name"]}])
    links = {a.text: a["href"] for a in browser.get("/me/registration").html.select("#licence-links a")}
    assert links == {
        "电子证照（PDF）": f"http://localhost/api/v1/public/records/{person['identifier']}/licence?format=pdf",
        "电子证照（图片）": f"http://localhost/api/v1/public/records/{person['identifier']}/licence?format=png",
        "电子证照（OFD）": f"http://localhost/api/v1/public/records/{person['identifier']}/licence?format=ofd",
    }
    assert browser.get(links["电子证照（图片）"]).content_type == "image/png"
    assert browser.get(links["电子证照（OFD）"]).content_type == "application/ofd"

    db.execute(update(PublicRecord).where(PublicRecord.identifier == person["identifier"]).values(status="cancelled"))
    db.commit()
    assert browser.get("/me/registration").html.select_one("#licence-links") is None
