"""A clerk reviews a nurse's change of institution on a phone (390 px): the ID number masked, revealed once (and
audited), the before/after table, the materials, and the page printed without its navigation."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from models import AuditEntry
from tests import nurse_journeys as nj
from tests.browser.support import PHONE, log_in
from tests.journeys import commission_desk, institution_desk, wait_routed, wait_status

PDF = b"%PDF-1.4\n%%EOF\n"


def test_a_clerk_reviews_on_a_phone_reveals_the_id_and_prints(portal_url, browser, api, db, settings, workers):
    old, new = institution_desk(api, db), institution_desk(api, db)
    username, commission = commission_desk(api, db, "110105")
    nurse = nj.nurse(api, db, settings, old.id)
    nj.registered(db, nurse, old.id, department="内科")
    application = nj.submit(api, nurse, "nurse.change", {"institution_id": new.id, "department": "外科"})["id"]
    wait_status(api, nurse["headers"], application, "awaiting_institution")
    api.post(f"/api/v1/applications/{application}/attachments", {"material": "employment_proof"},
             upload_files=[("file", "聘用证明.pdf", PDF)], headers=nurse["headers"], status=201)
    api.post_json(f"/api/v1/institution/tasks/{application}", {"decision": "confirm"}, headers=new.headers)
    wait_routed(api, commission, application)

    number = nurse["id_number"]
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, f"{portal_url}/commission", username)
    page.goto(f"{portal_url}/commission/queue/{application}")
    expect(page.locator("#id-number-masked")).to_have_text(number[:6] + "********" + number[-4:])
    assert number not in page.content()
    changes = page.locator("#changes tbody tr")
    expect(changes.filter(has_text="执业科室")).to_contain_text("内科")
    expect(changes.filter(has_text="执业科室")).to_contain_text("外科")
    expect(page.locator("#attachments")).to_contain_text("拟执业机构聘用证明")
    expect(page.locator("#attachments a")).to_have_text("聘用证明.pdf")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # nothing wider than the phone

    page.click("#reveal-form button")
    expect(page.locator("#id-number-full")).to_have_text(number)
    db.expire_all()
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_id_number",
                                               AuditEntry.target == f"person:{nurse['person_id']}")).first() is not None
    page.goto(f"{portal_url}/commission/queue/{application}")  # shown once: a new look is masked again
    expect(page.locator("#id-number-masked")).to_be_visible()

    expect(page.locator("header.masthead")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.masthead", "nav.subnav", "footer.footer", "#decision-form", "#reveal-form", "#print-links"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#changes")).to_be_visible()
    expect(page.locator("#identity")).to_be_visible()
    colours = page.evaluate("[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    assert page.pdf(format="A4")[:5] == b"%PDF-"
