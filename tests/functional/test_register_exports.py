"""Register exports 导出登记名册: a commission exports the physician, nurse or institution register of its jurisdiction
as CSV or XLSX — Chinese headers and status labels, only its jurisdiction's entries (the national commission every
one), never an ID number or a mobile, formulas neutralised, one audit entry per export, streamed from a connection of
its own after the request's transaction has ended."""
from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from webob import Request

from models import AuditEntry, Institution, NurseRegistration, PhysicianRegistration
from models.identifiers import identifier_for
from models.registers.physicians import PhysicianPractice
from portal.services import register_exports
from tests import commission_world as cw
from tests import factories
from tests.journeys import login, page_session, person_account

PROVINCE = "23"  # a province no other test module builds in: the assertions count every entry of it
PHYSICIAN_HEADERS = ["姓名", "性别", "电子化注册识别码", "执业级别", "执业类别", "执业范围", "主要执业机构", "其他执业机构",
                     "行政区划", "注册状态", "注册日期", "有效期至"]
NURSE_HEADERS = ["姓名", "性别", "电子化注册识别码", "执业机构", "科室", "行政区划", "注册状态", "注册日期", "有效期至"]
INSTITUTION_HEADERS = ["机构名称", "统一社会信用代码", "电子化注册识别码", "机构类别", "行政区划", "登记机关", "地址", "床位数",
                       "法定代表人", "主要负责人", "联系电话", "诊疗科目", "登记状态", "执业登记日期", "下次校验日期"]
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'
FORMULA_DEPARTMENT = "@SUM(1+1)"


def physician(session, settings, institution, status: str, name: str | None = None) -> dict:
    person = person_account(session, settings, institution.id, name=name)
    entry = PhysicianRegistration(
        person_id=person["person_id"], certificate_no=person["certificate_no"], level="执业医师", category="临床",
        practice_category="临床", practice_scopes=["内科专业", "外科专业"], institution_id=institution.id,
        commission_code=institution.division_code, status=status, registered_on=date(2026, 3, 1))
    session.add(entry)
    session.flush()
    entry.identifier = identifier_for(session, "physician", entry.id, institution.division_code)
    return {**person, "entry": entry}


def nurse(session, settings, institution, status: str, department: str = "内科") -> dict:
    person = person_account(session, settings, institution.id, with_qualification=False)
    entry = NurseRegistration(
        person_id=person["person_id"], certificate_no=f"N{person['person_id']:08d}", passed_year=2020,
        institution_id=institution.id, department=department, commission_code=institution.division_code, status=status,
        registered_on=date(2021, 3, 1), valid_until=date(2099, 3, 1) if status == "registered" else date(2021, 3, 1))
    session.add(entry)
    session.flush()
    entry.identifier = identifier_for(session, "nurse", entry.id, institution.division_code)
    return {**person, "entry": entry}


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    """The test province's city with two counties: physicians (one practising at both, one named like a formula),
    nurses and institutions in each; and a physician, a nurse and an institution in Beijing, outside it."""
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, PROVINCE)
    county, sibling = world.institutions["county"], world.institutions["sibling"]
    session.get(Institution, county.id).mobile = "13900065001"  # the responsible person's: never exported
    world.cancelled = factories.institution(session, name=f"已注销医院{world.tag}", division=world.codes["sibling"],
                                            status="cancelled")
    elsewhere = factories.institution(session, name=f"外省医院{world.tag}", division="110105")
    world.elsewhere = elsewhere
    world.physicians = {
        "county": physician(session, settings, county, "registered"),
        "cancelled": physician(session, settings, county, "cancelled"),
        "sibling": physician(session, settings, sibling, "registered"),
        "formula": physician(session, settings, sibling, "filed", name=FORMULA_NAME),
        "elsewhere": physician(session, settings, elsewhere, "registered"),
    }
    multi = world.physicians["county"]["entry"]
    session.add(PhysicianPractice(registration_id=multi.id, institution_id=county.id, main=True, since=date(2026, 3, 1)))
    session.add(PhysicianPractice(registration_id=multi.id, institution_id=sibling.id, main=False, since=date(2026, 4, 1)))
    world.nurses = {
        "county": nurse(session, settings, county, "registered"),
        "sibling": nurse(session, settings, sibling, "expired", department=FORMULA_DEPARTMENT),
        "elsewhere": nurse(session, settings, elsewhere, "registered"),
    }
    session.commit()
    world.person_headers = login(TestApp(wsgi_app), world.person["mobile"])
    yield world
    session.close()


def export(api, world, level: str = "city", status: int = 200, **params):
    return api.get("/api/v1/commission/registers/export", params=params, headers=world.desks[level].headers, status=status)


def csv_rows(response) -> list[list[str]]:
    assert response.body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))


def secrets_of(world) -> list[str]:
    """What must never be in an export: every ID number and mobile of the world's persons, the institution's mobile."""
    people = [world.person, *world.physicians.values(), *world.nurses.values()]
    return [p["id_number"] for p in people] + [p["mobile"] for p in people] + ["13900065001"]


def test_the_physician_register_of_the_city_as_csv(api, world):
    response = export(api, world, register="physicians", format="csv")
    assert response.content_type == "text/csv" and response.charset == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"] and "physicians.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == PHYSICIAN_HEADERS
    p, county, sibling = world.physicians, world.institutions["county"], world.institutions["sibling"]
    assert rows[1:] == [
        [p["county"]["name"], "男", p["county"]["entry"].identifier, "执业医师", "临床", "内科专业、外科专业", county.name,
         sibling.name, "测试区", "注册", "2026-03-01", ""],
        [p["cancelled"]["name"], "男", p["cancelled"]["entry"].identifier, "执业医师", "临床", "内科专业、外科专业", county.name,
         "", "测试区", "注销", "2026-03-01", ""],
        [p["sibling"]["name"], "男", p["sibling"]["entry"].identifier, "执业医师", "临床", "内科专业、外科专业", sibling.name,
         "", "邻区", "注册", "2026-03-01", ""],
        # A name a spreadsheet would run as a formula arrives as text.
        ["'" + FORMULA_NAME, "男", p["formula"]["entry"].identifier, "执业医师", "临床", "内科专业、外科专业", sibling.name,
         "", "邻区", "备案（非在册）", "2026-03-01", ""],
    ]
    assert response.headers["X-Medreg-Rows"] == "4"
    text = response.body.decode("utf-8-sig")
    assert not [secret for secret in secrets_of(world) if secret in text]


def test_only_the_jurisdiction_the_county_its_own_the_nation_everything(api, world):
    p = world.physicians
    county = {row[0] for row in csv_rows(export(api, world, level="county", register="physicians"))[1:]}
    assert county == {p["county"]["name"], p["cancelled"]["name"]}
    national = {row[0] for row in csv_rows(export(api, world, level="national", register="physicians"))[1:]}
    assert {p[key]["name"] for key in ("county", "cancelled", "sibling", "elsewhere")} <= national
    province = {row[0] for row in csv_rows(export(api, world, level="province", register="physicians"))[1:]}
    assert p["elsewhere"]["name"] not in province and p["sibling"]["name"] in province


def test_the_nurse_register_as_xlsx_opens_with_its_rows(api, world):
    response = export(api, world, register="nurses", format="xlsx")
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.body))
    sheet = book.active
    assert sheet.title == "护士注册名册"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    n, county, sibling = world.nurses, world.institutions["county"], world.institutions["sibling"]
    assert rows == [
        NURSE_HEADERS,
        [n["county"]["name"], "男", n["county"]["entry"].identifier, county.name, "内科", "测试区", "注册", "2021-03-01",
         "2099-03-01"],
        [n["sibling"]["name"], "男", n["sibling"]["entry"].identifier, sibling.name, "'" + FORMULA_DEPARTMENT, "邻区", "已过期",
         "2021-03-01", "2021-03-01"],
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    flat = " ".join(str(value) for row in rows for value in row)
    assert not [secret for secret in secrets_of(world) if secret in flat]


def test_the_institution_register_with_licence_fields_and_chinese_status(api, world):
    rows = csv_rows(export(api, world, register="institutions", format="csv"))
    assert rows[0] == INSTITUTION_HEADERS
    by_name = {row[0]: row for row in rows[1:]}
    county = world.institutions["county"]
    assert set(by_name) == {county.name, world.institutions["sibling"].name, world.cancelled.name}
    row = by_name[county.name]
    assert row[2] == county.identifier and row[3:8] == ["综合医院", "测试区", "测试区卫生健康委员会", "北京市", "200"]
    assert row[8:11] == ["王法人", "李院长", "010-12345678"]
    assert set(row[11].split("、")) == {"内科", "外科", "儿科"} and row[12] == "执业中"
    assert by_name[world.cancelled.name][12] == "已注销"
    assert "13900065001" not in "".join(",".join(row) for row in rows)
    xlsx = load_workbook(io.BytesIO(export(api, world, register="institutions", format="xlsx").body)).active
    assert xlsx.max_row == 4 and next(xlsx.iter_rows(max_row=1, values_only=True)) == tuple(INSTITUTION_HEADERS)


def test_every_export_is_audited_with_register_format_and_rows(api, db, world):
    export(api, world, level="county", register="nurses", format="xlsx")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.actor == f"account:{world.desks['county'].account_id}",
                                                AuditEntry.action == "export_register")
                       .order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.target == "register:nurses" and entry.division_code == world.codes["county"]
    assert entry.detail == {"register": "nurses", "format": "xlsx", "rows": 1}


@pytest.mark.parametrize(("params", "fields"), [
    ({}, {"register"}),
    ({"register": "persons", "format": "csv"}, {"register"}),
    ({"register": "nurses", "format": "pdf"}, {"format"}),
    ({"register": "x", "format": "y"}, {"register", "format"}),
])
def test_bad_parameters_are_refused_naming_each_field_in_chinese(api, world, params, fields):
    answer = export(api, world, status=400, **params).json["error"]
    assert set(answer["fields"]) == fields and all("应为" in reason for reason in answer["fields"].values())


def test_an_xlsx_beyond_the_worksheet_limit_is_refused(api, world, monkeypatch, wsgi_app):
    monkeypatch.setattr(register_exports, "XLSX_MAX_ROWS", 2)
    answer = export(api, world, register="physicians", format="xlsx", status=400).json["error"]
    assert "CSV" in answer["fields"]["format"]
    assert export(api, world, register="nurses", format="xlsx").status_int == 200  # two rows: within
    # From the statistics page's form the clerk reads why and how on a page, not a line of plain text.
    page = page_session(wsgi_app, world.desks["province"].username).get("/commission/stats")
    form = page.forms["register-export-form"]
    form["register"], form["format"] = "physicians", "xlsx"
    refused = form.submit(status=400)
    assert refused.content_type == "text/html" and "返回统计分析" in refused.text
    assert refused.html.select_one(".alert").text.startswith("未能导出。文件格式：共 ") and "请导出 CSV" in refused.text


def test_no_one_but_a_commission_may_export(api, world):
    path = "/api/v1/commission/registers/export?register=physicians"
    api.get(path, status=401)
    api.get(path, headers=world.institution_desk.headers, status=403)
    api.get(path, headers=world.person_headers, status=403)


def test_the_body_is_read_after_the_request_from_a_connection_of_its_own(wsgi_app, world):
    """The app returns an iterator, not a body: it is read after pyramid_tm has ended the request's transaction, and
    closing it (read or not) gives its connection back."""
    router = wsgi_app.app  # the Pyramid app under the OpenAPI check

    def call(**params):
        request = Request.blank(f"/api/v1/commission/registers/export?{urlencode(params)}", headers=world.desks["city"].headers)
        status, _, body = request.call_application(router)
        assert status.startswith("200")
        return body

    body = call(register="physicians", format="csv")
    assert isinstance(body, register_exports.Download) and body.stream.connection is not None
    chunks = list(body)
    body.close()
    assert body.stream.connection is None
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert len(rows) == 5 and rows[0] == PHYSICIAN_HEADERS
    unread = call(register="nurses", format="xlsx")
    assert isinstance(unread, register_exports.Download)
    unread.close()  # the client went away before the first byte
    assert unread.stream.connection is None


def test_the_statistics_page_exports_a_register(wsgi_app, world):
    app = page_session(wsgi_app, world.desks["city"].username)
    page = app.get("/commission/stats")
    section = page.html.select_one("#stats-register-export")
    assert section is not None and "导出登记名册" in section.text and "style" not in str(section)
    assert [o["value"] for o in section.select("#f-register option")] == ["physicians", "nurses", "institutions"]
    assert [o["value"] for o in section.select("#f-format option")] == ["csv", "xlsx"]
    form = page.forms["register-export-form"]
    form["register"], form["format"] = "nurses", "csv"
    download = form.submit()
    assert download.content_type == "text/csv"
    assert {row[0] for row in csv_rows(download)[1:]} == {world.nurses["county"]["name"], world.nurses["sibling"]["name"]}
    form["format"] = "xlsx"
    assert load_workbook(io.BytesIO(form.submit().body)).active.max_row == 3
    # A refused download is a page in Chinese naming the field, with the way back to the statistics page.
    refused = app.get("/commission/registers/export", params={"register": "everyone"}, status=400)
    assert refused.content_type == "text/html" and refused.html.select_one(".alert").text.startswith("未能导出。名册：应为")
    assert refused.click(linkid="back").request.path == "/commission/stats"
    audit = app.get("/commission/audit", params={"action": "export_register"})
    assert "导出登记名册" in audit.text and "护士注册名册" in audit.text
    page_session(wsgi_app, world.institution_desk.username).get("/commission/registers/export?register=nurses", status=403)
