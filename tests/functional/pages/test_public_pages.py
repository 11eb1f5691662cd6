"""The public end's pages in Chinese for records as the publisher writes them: the search names an institution's
status as its record page does (an institution's record carries no status label, a person's does), and a nurse's
record shows 有效期至, on the record and on each published version, so that a renewal is seen."""
from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import date

import pytest
from webtest import TestApp

from pipeline.registers.institutions import STATUS_LABELS as INSTITUTION_STATUSES
from publisher.disclosure import publish_entry
from tests import factories
from tests import nurse_journeys as nj

CODE = re.compile(r"[a-z_]{3,}")


@pytest.fixture(scope="module")
def published(wsgi_app, settings):
    """One published institution in each status of the register, and a nurse published twice: registered until
    2030, then renewed until 2035 (no channels: nothing is pushed)."""
    from models.db import session_factory

    quiet = dataclasses.replace(settings, channels=())
    session = session_factory(settings.database_url)()
    name = f"武清{uuid.uuid4().hex[:6]}"
    institutions = [factories.institution(session, name=f"{name}第{n}医院", status=status)
                    for n, status in enumerate(INSTITUTION_STATUSES, start=1)]
    for institution in institutions:
        publish_entry(session, quiet, "institution", institution)
    session.commit()
    nurse = nj.nurse(TestApp(wsgi_app), session, settings, institutions[1].id, name=factories.unique_name("韩"))
    entry = nj.registered(session, nurse, institutions[1].id, valid_until=date(2030, 1, 1))
    publish_entry(session, quiet, "nurse", entry)
    entry.valid_until = date(2035, 1, 1)  # a renewal 延续注册: the same status, a later end
    publish_entry(session, quiet, "nurse", entry)
    session.commit()
    yield {"name": name, "institutions": {i.identifier: i.status for i in institutions}, "nurse": entry.identifier,
           "nurse_name": nurse["name"]}
    session.close()


def status_cells(page) -> dict[str, str]:
    return {row.select("td")[1].text: row.select_one("td[data-label='状态']").text for row in page.html.select("table.results tbody tr")}


def test_the_institution_search_names_each_status_as_the_record_page_does(wsgi_app, published):
    app = TestApp(wsgi_app)
    for identifier, status in published["institutions"].items():  # the API's record stays as it was: no label added
        body = app.get(f"/api/v1/public/records/{identifier}").json
        assert body["status"] == status and "status_label" not in body
    shown = status_cells(app.get("/public", {"kind": "institutions", "name": published["name"]}))
    assert set(shown) == set(published["institutions"])
    for identifier, label in shown.items():
        assert not CODE.search(label), label
        assert label == app.get(f"/public/records/{identifier}").html.select_one("#record-status").text.strip()
    assert {shown[i] for i, status in published["institutions"].items() if status == "operating"} == {"执业"}


def test_the_nurse_search_names_the_status_too(wsgi_app, published):
    shown = status_cells(TestApp(wsgi_app).get("/public", {"kind": "nurses", "name": published["nurse_name"]}))
    assert shown == {published["nurse"]: "注册"}


def test_a_nurse_record_shows_its_validity_and_a_renewal_in_the_versions(wsgi_app, published):
    page = TestApp(wsgi_app).get(f"/public/records/{published['nurse']}")
    assert page.html.select_one("#record-valid-until").text == "2035-01-01"
    facts = dict(zip((dt.text for dt in page.html.select("dl.facts dt")), (dd.text for dd in page.html.select("dl.facts dd")), strict=True))
    assert facts["有效期至"] == "2035-01-01"
    history = page.html.select_one("#status-history")
    assert [th.text for th in history.select("thead th")] == ["版本", "状态", "状态起始日期", "有效期至", "公示时间"]
    rows = [[td.text for td in row.select("td")] for row in history.select("tbody tr")]
    assert [(row[0], row[1], row[3]) for row in rows] == [("第 2 版", "注册", "2035-01-01"), ("第 1 版", "注册", "2030-01-01")]


def test_an_institution_record_has_no_validity_column(wsgi_app, published):
    operating = next(i for i, status in published["institutions"].items() if status == "operating")
    page = TestApp(wsgi_app).get(f"/public/records/{operating}")
    assert page.html.select_one("#record-valid-until") is None
    assert "有效期至" not in page.html.select_one("#status-history").text
