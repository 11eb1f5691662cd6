"""A commission uploads periodic assessment results in the pages (and over the API), by the rules of
`medreg import assessments`: a file with a bad row loads nothing and says why, row by row; a good one loads."""
from __future__ import annotations

from sqlalchemy import select
from webtest import Upload

from models import AssessmentResult
from tests import factories
from tests.functional.pages.test_no_raw_codes import leaks
from tests.journeys import commission_desk, login, page_session

HEADER = "certificate_no,period,result,assessed_on,assessor\n"


def test_a_commission_uploads_assessment_results_in_the_pages_and_over_the_api(wsgi_app, api, db, settings):
    username, _ = commission_desk(api, db, "110105")
    certificate_no = factories.qualification(db, settings, factories.unique_name("考"), factories.resident_id())
    db.commit()
    page = page_session(wsgi_app, username)
    form = page.get("/commission/assessments").forms["assessments-form"]
    form["file"] = Upload("bad.csv", (HEADER + f"{certificate_no},2024,合格,2024-12-01,朝阳区卫健委\n"
                                       "NOSUCHCERT01,2024,优秀,2099-01-01,x\n").encode(), "text/csv")
    refused = form.submit(status=400)
    result = refused.html.select_one("#result").text
    assert "文件未导入" in result and "第3行" in result and "result" in result
    # The column is named in Chinese (the header's own name beside it, as a reference, not as the words to read).
    columns = {row.select_one('td[data-label="列"]').text for row in refused.html.select("#result tbody tr")}
    assert "考核结果（result）" in columns and not {c for c in columns if not c.startswith(("医师资格证书编号", "考核", "—"))}
    assert not leaks(refused.text)
    assert db.scalar(select(AssessmentResult).where(AssessmentResult.certificate_no == certificate_no)) is None

    form = refused.forms["assessments-form"]
    form["file"] = Upload("good.csv", (HEADER + f"{certificate_no},2024,合格,2024-12-01,朝阳区卫健委\n").encode(), "text/csv")
    assert "已导入 1 行" in form.submit().html.select_one("#result").text
    db.expire_all()
    assert db.scalar(select(AssessmentResult.result).where(AssessmentResult.certificate_no == certificate_no)) == "合格"

    answer = api.post("/api/v1/commission/assessments", (HEADER + f"{certificate_no},2024,不合格,2024-12-02,朝阳区卫健委\n").encode(),
                      headers={**login(api, username), "Content-Type": "text/csv"}).json
    assert answer == {"loaded": 1, "refused": 0, "applied": True, "errors": []}
    db.expire_all()
    assert db.scalar(select(AssessmentResult.result).where(AssessmentResult.certificate_no == certificate_no)) == "不合格"
