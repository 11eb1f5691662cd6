"""A nurse's change of institution, reviewed as a clerk would: materials uploaded, checked by content and scoped like
the application; the review pages with the ID number masked, an audited reveal and the before/after table; the
receipt and the decision as PDF with the right Chinese text."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from webtest import TestApp

from models import AuditEntry
from pipeline import clock
from tests import nurse_journeys as nj
from tests.journeys import commission_desk, institution_desk, login, page_session, wait_routed, wait_status

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
EMPLOYMENT = "拟执业机构聘用证明"


def pdf_text(body: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def upload(api: TestApp, headers: dict, application_id: int, raw: bytes, name: str = "聘用证明.pdf",
           material: str = "employment_proof", status: int = 201):
    return api.post(f"/api/v1/applications/{application_id}/attachments", {"material": material},
                    upload_files=[("file", name, raw)], headers=headers, status=status)


@pytest.fixture(scope="module")
def world(wsgi_app, workers, settings):
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    api = TestApp(wsgi_app)
    old, new = institution_desk(api, session), institution_desk(api, session)
    stranger_desk = institution_desk(api, session)
    commission_user, commission = commission_desk(api, session, "110105")
    _, far_commission = commission_desk(api, session, "310104")
    nurse = nj.nurse(api, session, settings, old.id)
    nj.registered(session, nurse, old.id, department="内科")
    other_nurse = nj.nurse(api, session, settings, old.id)
    application = nj.submit(api, nurse, "nurse.change", {"institution_id": new.id, "department": "外科"})["id"]
    wait_status(api, nurse["headers"], application, "awaiting_institution")
    yield {"api": api, "session": session, "old": old, "new": new, "stranger_desk": stranger_desk, "commission": commission,
           "commission_user": commission_user, "far_commission": far_commission, "nurse": nurse, "other_nurse": other_nurse, "application": application}
    session.close()


def test_the_applicant_uploads_and_everyone_who_sees_the_application_lists_and_downloads(world):
    api, application = world["api"], world["application"]
    before = api.get(f"/api/v1/applications/{application}/attachments", headers=world["nurse"]["headers"]).json
    assert [m["label"] for m in before["missing"]] == [EMPLOYMENT]
    done = upload(api, world["nurse"]["headers"], application, PDF, name="..\\evil/聘用 证明.PDF").json
    assert done["content_type"] == "application/pdf" and done["size"] == len(PDF) and done["material_label"] == EMPLOYMENT
    assert done["name"] == "聘用 证明.pdf" and len(done["sha256"]) == 64
    for headers in (world["nurse"]["headers"], world["new"].headers):  # the commission: once routed to it (below)
        listed = api.get(f"/api/v1/applications/{application}/attachments", headers=headers).json
        assert [a["id"] for a in listed["items"]] == [done["id"]] and listed["missing"] == []
        file = api.get(f"/api/v1/applications/{application}/attachments/{done['id']}", headers=headers)
        assert file.body == PDF and file.content_type == "application/pdf"
        assert "filename*=UTF-8''" in file.headers["Content-Disposition"] and file.headers["X-Content-Type-Options"] == "nosniff"


def test_anyone_else_gets_404_and_only_the_applicant_uploads(world):
    api, application = world["api"], world["application"]
    attachment = api.get(f"/api/v1/applications/{application}/attachments", headers=world["nurse"]["headers"]).json["items"]
    strangers = [login(api, world["other_nurse"]["mobile"]), world["stranger_desk"].headers, world["far_commission"]]
    for headers in strangers:
        api.get(f"/api/v1/applications/{application}/attachments", headers=headers, status=404)
        if attachment:
            api.get(f"/api/v1/applications/{application}/attachments/{attachment[0]['id']}", headers=headers, status=404)
        upload(api, headers, application, PDF, status=404)
    upload(api, world["new"].headers, application, PDF, status=404)  # the confirming institution sees, never attaches
    api.get(f"/api/v1/applications/{application}/attachments/999999", headers=world["nurse"]["headers"], status=404)


def test_a_renamed_executable_a_file_too_big_and_an_unknown_material_are_refused_naming_the_material(world):
    api, application, headers = world["api"], world["application"], world["nurse"]["headers"]
    count = len(api.get(f"/api/v1/applications/{application}/attachments", headers=headers).json["items"])
    refused = upload(api, headers, application, EXE, name="聘用证明.pdf", status=400).json["error"]
    assert refused["codes"] == {"file": "file_type"} and EMPLOYMENT in refused["fields"]["file"] and "PDF" in refused["fields"]["file"]
    big = upload(api, headers, application, PDF + b"0" * (5 * 1024 * 1024), status=400).json["error"]
    assert big["codes"] == {"file": "too_large"} and EMPLOYMENT in big["fields"]["file"] and "5MB" in big["fields"]["file"]
    unknown = upload(api, headers, application, PDF, material="diploma", status=400).json["error"]
    assert unknown["codes"] == {"material": "choice"} and EMPLOYMENT in unknown["fields"]["material"]
    empty = api.post(f"/api/v1/applications/{application}/attachments", {"material": "employment_proof"}, headers=headers,
                     status=400).json["error"]
    assert empty["codes"] == {"file": "required"}
    assert len(api.get(f"/api/v1/applications/{application}/attachments", headers=headers).json["items"]) == count


def test_the_upload_form_on_the_applicants_page_takes_a_file_and_shows_a_refusal_in_chinese(wsgi_app, world):
    page = page_session(wsgi_app, world["nurse"]["mobile"])
    form = page.get(f"/me/applications/{world['application']}").forms["upload-form"]
    form["material"] = "employment_proof"
    form["file"] = ("照片.png", nj.PNG)
    done = form.submit().follow()
    assert "已上传：照片.png" in done.text and "照片.png" in done.html.select_one("#attachments").text
    form = done.forms["upload-form"]
    form["file"] = ("程序.pdf", EXE)
    refused = form.submit(status=400)
    assert EMPLOYMENT in refused.html.select_one("#file-error").text
    # A file too big for another material: the page comes back with that material still chosen, the reason naming it
    # and saying the limit, not a size it never measured.
    form = refused.forms["upload-form"]
    value, _, label = form["material"].options[-1]
    form["material"] = value
    form["file"] = ("扫描件.pdf", PDF + b"0" * (5 * 1024 * 1024))
    too_big = form.submit(status=400)
    assert too_big.forms["upload-form"]["material"].value == value
    reason = too_big.html.select_one("#file-error").text
    assert label.split("（")[0] in reason and "超过5MB" in reason and "约" not in reason


def test_the_institution_and_the_commission_review_with_the_id_masked_a_reveal_audited_and_the_change_shown(wsgi_app, world, db):
    api, application, nurse = world["api"], world["application"], world["nurse"]
    number = nurse["id_number"]
    masked = number[:6] + "********" + number[-4:]
    task = page_session(wsgi_app, world["new"].username).get(f"/institution/tasks/{application}")
    assert task.html.select_one("#id-number-masked").text == masked and number not in task.text
    # The masked digits are the birth date: the page gives only its year until the audited reveal.
    birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    assert birth not in task.text and task.html.select_one("#birth-date").text.startswith(f"{number[6:10]}年")
    changes = {row.select("td")[0].text: (row.select("td")[1].text, row.select("td")[2].text) for row in task.html.select("#changes tbody tr")}
    assert changes["执业科室"] == ("内科", "外科")
    assert changes["执业机构"] == (world["old"].institution.name, world["new"].institution.name)
    assert "护士执业资格考试" in task.html.select_one("#record").text and "证件号码一致" in task.text
    assert task.html.select_one("#identity img.photo") is None and "未上传照片" in task.text
    revealed = task.forms["reveal-form"].submit()
    assert revealed.html.select_one("#id-number-full").text == number
    assert revealed.html.select_one("#birth-date").text == birth
    api.post_json(f"/api/v1/institution/tasks/{application}", {"decision": "confirm"}, headers=world["new"].headers)
    wait_routed(api, world["commission"], application)
    item = page_session(wsgi_app, world["commission_user"]).get(f"/commission/queue/{application}")
    assert item.html.select_one("#id-number-masked").text == masked and number not in item.text and birth not in item.text
    assert item.html.select_one("#deadline") is not None
    assert EMPLOYMENT in item.html.select_one("#attachments").text and item.html.select_one("#missing-materials") is None
    listed = api.get(f"/api/v1/applications/{application}/attachments", headers=world["commission"]).json["items"]
    assert api.get(f"/api/v1/applications/{application}/attachments/{listed[0]['id']}", headers=world["commission"]).body == PDF
    assert item.forms["reveal-form"].submit().html.select_one("#id-number-full").text == number
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_id_number",
                                                  AuditEntry.target == f"person:{nurse['person_id']}")).all()
    assert len(entries) == 2 and all(e.detail["application_id"] == application for e in entries)
    assert {e.actor.split(":")[0] for e in entries} == {"account"}
    # Not for the person themself, nor for anyone who cannot see the application.
    api.post(f"/api/v1/applications/{application}/id-number", headers=nurse["headers"], status=404)
    api.post(f"/api/v1/applications/{application}/id-number", headers=world["far_commission"], status=404)
    assert api.post(f"/api/v1/applications/{application}/id-number", headers=world["commission"]).json["id_number"] == number


def test_the_receipt_and_the_decision_are_pdfs_with_the_right_chinese_text(world):
    api, application, nurse = world["api"], world["application"], world["nurse"]
    receipt = api.get(f"/api/v1/applications/{application}/receipt", headers=nurse["headers"])
    assert receipt.content_type == "application/pdf"
    text = pdf_text(receipt.body)
    for expected in ("受理回执", "护士变更注册", f"第{application}号", EMPLOYMENT, "7个工作日", "北京时间"):
        assert expected in text, expected
    api.get(f"/api/v1/applications/{application}/decision", headers=nurse["headers"], status=409)
    api.get(f"/api/v1/applications/{application}/receipt", headers=world["stranger_desk"].headers, status=404)
    wait_routed(api, world["commission"], application)
    api.post_json(f"/api/v1/commission/queue/{application}", {"decision": "reject", "comment": "聘用证明未加盖公章"},
                  headers=world["commission"])
    decision = api.get(f"/api/v1/applications/{application}/decision", headers=nurse["headers"])
    text = pdf_text(decision.body)
    today = clock.today()
    for expected in ("不予注册决定书", f"卫注决〔{today.year}〕第{application}号", "聘用证明未加盖公章", nurse["name"],
                     "护士变更注册", "朝阳区卫生健康委员会", f"{today.year}年{today.month}月{today.day}日", "行政复议"):
        assert expected in text, expected
    for headers in (world["new"].headers, world["commission"]):
        assert api.get(f"/api/v1/applications/{application}/decision", headers=headers).content_type == "application/pdf"
    api.get(f"/api/v1/applications/{application}/decision", headers=world["far_commission"], status=404)
    # Closed: nothing more is attached.
    upload(api, nurse["headers"], application, PDF, status=409)


def test_an_approval_gives_a_decision_to_register_on_the_page_too(wsgi_app, world, settings):
    api, session = world["api"], world["session"]
    nurse = nj.nurse(api, session, settings, world["old"].id)
    nj.registered(session, nurse, world["old"].id)
    done = nj.through_pipeline(api, world["new"], world["commission"], nurse, "nurse.change",
                               {"institution_id": world["new"].id, "department": "儿科"})
    page = page_session(wsgi_app, nurse["mobile"])
    link = page.get(f"/me/applications/{done['id']}").html.select_one("#print-links a[href$='decision.pdf']")
    assert link is not None and "准予注册决定书" in link.text
    text = pdf_text(page.get(link["href"]).body)
    assert "准予注册决定书" in text and f"第{done['id']}号" in text and "决定准予注册" in text
    receipt = page.get(f"/applications/{done['id']}/receipt.pdf")
    assert "受理回执" in pdf_text(receipt.body)
    page_session(wsgi_app, world["other_nurse"]["mobile"]).get(link["href"], status=404)
