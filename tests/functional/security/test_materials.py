"""Uploaded materials as an attacker sends them: an application holds at most MAX_ATTACHMENTS files. Nothing deletes
an attachment, and there was no bound: one applicant could store 5 MB after 5 MB in the database without end."""
from __future__ import annotations

from pipeline.materials import MAX_ATTACHMENTS
from tests.functional.test_review_and_materials import PDF, upload, world  # noqa: F401  (the fixture: a nurse's application)
from tests.journeys import page_session


def listed(world) -> list[dict]:  # noqa: F811
    return world["api"].get(f"/api/v1/applications/{world['application']}/attachments",
                            headers=world["nurse"]["headers"]).json["items"]


def test_an_application_holds_at_most_max_attachments_files(world):  # noqa: F811
    api, headers, application = world["api"], world["nurse"]["headers"], world["application"]
    for _ in range(MAX_ATTACHMENTS - len(listed(world))):
        upload(api, headers, application, PDF)
    assert len(listed(world)) == MAX_ATTACHMENTS
    refused = upload(api, headers, application, PDF, status=400).json["error"]
    assert refused["codes"] == {"file": "out_of_range"}
    assert f"最多上传{MAX_ATTACHMENTS}个" in refused["fields"]["file"] and "拟执业机构聘用证明" in refused["fields"]["file"]
    assert len(listed(world)) == MAX_ATTACHMENTS
    # The page's form goes through the same service: refused in Chinese, nothing stored.
    page = page_session(api.app, world["nurse"]["mobile"])
    token = page.get(f"/me/applications/{application}").html.select_one("input[name=csrf_token]")["value"]
    answer = page.post(f"/applications/{application}/attachments", {"material": "employment_proof", "csrf_token": token},
                       upload_files=[("file", "a.pdf", PDF)], status=400)
    assert f"最多上传{MAX_ATTACHMENTS}个" in answer.text
    assert len(listed(world)) == MAX_ATTACHMENTS
