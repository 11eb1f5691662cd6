"""The personal end offers what fits the person: a first registration only to someone not yet on the register."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event

from models import PhysicianRegistration
from models.db import engine_for
from models.identifiers import identifier_for
from pipeline import clock
from tests import factories
from tests.journeys import institution_desk, page_session, person_account
from tests.nurse_journeys import nurse, registered

FIRST = "首次注册申请"


def test_a_registered_physician_is_not_offered_a_first_registration(wsgi_app, api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("个人页面医院"))
    newcomer = person_account(db, settings, desk.id)
    veteran = person_account(db, settings, desk.id)
    entry = PhysicianRegistration(
        person_id=veteran["person_id"], certificate_no=veteran["certificate_no"], level="执业医师", category="临床",
        practice_category="临床", practice_scopes=["内科专业"], institution_id=desk.id, commission_code="110105",
        status="registered", registered_on=date(2020, 3, 1))
    db.add(entry)
    db.flush()
    entry.identifier = identifier_for(db, "physician", entry.id, "110105")
    db.commit()

    assert FIRST in page_session(wsgi_app, newcomer["mobile"]).get("/me").text
    assert FIRST not in page_session(wsgi_app, veteran["mobile"]).get("/me").text


def test_the_nurse_page_opens_the_first_registration_only_for_a_nurse_not_yet_registered(wsgi_app, api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("护士个人页面医院"))
    newcomer, veteran = nurse(api, db, settings, desk.id), nurse(api, db, settings, desk.id)
    registered(db, veteran, desk.id, valid_until=clock.today() + timedelta(days=100))

    fresh = page_session(wsgi_app, newcomer["mobile"]).get("/me/nurse")
    assert fresh.html.select_one("#nurse-form input[name=kind]")["value"] == "nurse.first_registration"

    page = page_session(wsgi_app, veteran["mobile"]).get("/me/nurse")
    assert page.html.select_one("#nurse-form") is None and "请选择要办理的业务" in page.text
    assert "护士延续注册" in page.text and veteran["identifier"] in page.text


def test_the_me_page_asks_the_register_once_for_its_menu_and_its_page(wsgi_app, api, db, settings):
    """The menu (base.jinja2) and the page itself both offer 首次注册申请; whether to offer it is worked out once a
    request (`request.first_registration_offered`), not once for each."""
    desk = institution_desk(api, db, name=factories.unique_name("一次医院"))
    newcomer = person_account(db, settings, desk.id)
    db.commit()
    browser = page_session(wsgi_app, newcomer["mobile"])
    asked: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM physician_registrations" in statement:
            asked.append(statement)

    engine = engine_for(settings.database_url)
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = browser.get("/me")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(asked) == 1, asked
    # What is shown is as before: the menu's link and the page's button.
    assert FIRST in page.html.select_one("nav.subnav").text and FIRST in page.html.select_one("main").text
