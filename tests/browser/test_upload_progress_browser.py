"""A form that sends a file says, once sent, that the upload is under way: the button cannot be pressed twice and a
progress bar shows — on a phone's connection a file takes a while, and a page that seems to do nothing invites a
second tap (a second batch)."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests import factories
from tests.browser.support import PHONE, log_in
from tests.journeys import staff_account


def test_the_batch_upload_shows_its_progress_and_takes_one_tap(portal_url, browser, db, tmp_path):
    tag = uuid.uuid4().hex[:6]
    institution = factories.institution(db, name=f"上传进度{tag}医院")
    staff_account(db, "institution", f"br-upload-{tag}", institution_id=institution.id)
    db.commit()
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN").new_page()
    log_in(page, f"{portal_url}/institution/batches", f"br-upload-{tag}")
    page.goto(f"{portal_url}/institution/batches")
    csv = tmp_path / "批次.csv"
    csv.write_text("kind,id_number,certificate_no\n", encoding="utf-8")
    page.set_input_files("#batch-form input[type=file]", str(csv))

    # The page stays where it is once the form is sent (as on a slow connection, before the answer comes): a listener
    # added after upload.js's stops the navigation, so what the page shows meanwhile can be read.
    page.evaluate("document.querySelector('#batch-form').addEventListener('submit', event => event.preventDefault())")
    expect(page.locator("#batch-form .upload-progress")).to_be_hidden()
    page.click("#batch-form button[type=submit]")
    expect(page.locator("#batch-form button[type=submit]")).to_be_disabled()
    expect(page.locator("#batch-form button[type=submit]")).to_have_text("正在上传，请稍候…")
    expect(page.locator("#batch-form .upload-progress")).to_be_visible()
