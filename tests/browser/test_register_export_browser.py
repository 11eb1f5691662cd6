"""A county commission on a phone exports its nurse register from the statistics page: the form fits the screen,
and the download — streamed by waitress from the export's own database connection — holds the county's nurse."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from models import NurseRegistration
from tests import commission_world as cw
from tests import factories
from tests.browser.support import PHONE, log_in
from tests.journeys import person_account

COUNTY = "150102"


def test_a_commission_exports_its_nurse_register_on_a_phone(portal_url, browser, wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    factories.division(session, "150000", "内蒙古自治区", None)
    factories.division(session, "150100", "呼和浩特市", "150000")
    factories.division(session, COUNTY, "新城区", "150100")
    institution = factories.institution(session, name=f"名册导出医院{uuid.uuid4().hex[:6]}", division=COUNTY)
    nurse = person_account(session, settings, institution.id, with_qualification=False)
    session.add(NurseRegistration(
        person_id=nurse["person_id"], certificate_no=f"N{nurse['person_id']:08d}", passed_year=2020,
        institution_id=institution.id, department="儿科", commission_code=COUNTY, status="registered",
        registered_on=date(2024, 5, 1), valid_until=date(2099, 5, 1)))
    session.commit()
    desk = cw.commission(TestApp(wsgi_app), session, COUNTY)
    session.close()

    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
                               accept_downloads=True).new_page()
    log_in(page, f"{portal_url}/commission", desk.username)
    page.goto(f"{portal_url}/commission/stats")
    form = page.locator("#register-export-form")
    expect(form).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.select_option("#f-register", "nurses")
    page.select_option("#f-format", "csv")
    with page.expect_download() as download:
        form.locator("button[type=submit]").tap()
    assert download.value.suggested_filename == "护士注册名册.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["姓名", "性别", "电子化注册识别码", "执业机构"]
    mine = next(row for row in rows[1:] if row[0] == nurse["name"])
    assert mine[3:] == [institution.name, "儿科", "新城区", "注册", "2024-05-01", "2099-05-01"]
    assert nurse["mobile"] not in "".join(",".join(row) for row in rows)
    page.select_option("#f-format", "xlsx")
    with page.expect_download() as download:
        form.locator("button[type=submit]").tap()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert any(row[0] == nurse["name"] for row in sheet.iter_rows(min_row=2, values_only=True))
