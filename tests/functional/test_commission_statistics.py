"""Statistics 统计分析 against known data: application counts by division, kind, status and month; the
registers by division and institution type; processing time per stage; the backlog; and the CSV and XLSX
exports read back."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from models import Institution, NurseRegistration, PhysicianRegistration
from tests import commission_world as cw
from tests import factories
from tests.journeys import person_account

STAGES = ["submitted", "verifying", "awaiting_institution", "pending_approval"]
# Hours after submission of each status change up to 待审批: verification 3 h, institution 4 h.
UP_TO_COMMISSION = [0, 1, 3, 7]


def history(start: datetime, commission_hours: float | None, tail: list[tuple[float, str]]) -> list[tuple[datetime, str]]:
    events = [(start + timedelta(hours=h), status) for h, status in zip(UP_TO_COMMISSION, STAGES, strict=True)]
    if commission_hours is not None:
        at = 7 + commission_hours
        events += [(start + timedelta(hours=at + h), status) for h, status in tail]
    return events


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "62")
    codes, county, sibling = world.codes, world.institutions["county"], world.institutions["sibling"]
    session.get(Institution, sibling.id).type = "专科医院"
    factories.institution(session, name=f"已注销医院{world.tag}", division=codes["county"], status="cancelled")
    factories.institution(session, name=f"未登记医院{world.tag}", division=codes["county"], with_identifier=False)
    applicant = world.person["account_id"]

    def at(month: int, day: int) -> datetime:
        return datetime(2026, month, day, 2, 0, tzinfo=UTC)

    arranged = [
        ("physician.first_registration", codes["county"], county.id, history(at(1, 10), 1, [(0, "approved"), (0.5, "issued"), (1, "published")])),
        ("physician.first_registration", codes["county"], county.id, history(at(1, 20), 2, [(0, "approved"), (0.5, "issued"), (1, "published")])),
        ("nurse.change", codes["county"], county.id, history(at(2, 5), 3, [(0, "rejected")])),
        ("nurse.change", codes["sibling"], sibling.id, history(at(2, 15), 4, [(0, "returned")])),
        ("physician.first_registration", codes["city"], county.id, history(at(2, 20), None, [])),
    ]
    for kind, commission, institution, events in arranged:
        cw.application(session, applicant, institution, kind, commission, events)
    for institution, status in ((county, "registered"), (county, "registered"), (county, "cancelled"), (sibling, "registered")):
        person = person_account(session, settings, institution.id)
        session.add(PhysicianRegistration(
            person_id=person["person_id"], certificate_no=person["certificate_no"], level="执业医师", category="临床",
            practice_category="临床", practice_scopes=["内科专业"], institution_id=institution.id,
            commission_code=institution.division_code, status=status, registered_on=date(2026, 3, 1)))
    for institution, status in ((county, "registered"), (sibling, "expired")):
        person = person_account(session, settings, institution.id, with_qualification=False)
        session.add(NurseRegistration(
            person_id=person["person_id"], certificate_no=f"N{person['person_id']:08d}", passed_year=2020,
            institution_id=institution.id, commission_code=institution.division_code, status=status,
            # Valid far ahead (or already expired), so the nurse expiry task has nothing to do with these.
            registered_on=date(2021, 3, 1), valid_until=date(2099, 3, 1) if status == "registered" else date(2021, 3, 1)))
    session.commit()
    yield world
    session.close()


def stats(api, world, level: str = "city", path: str = "", **params):
    return api.get(f"/api/v1/commission/stats{path}", params=params, headers=world.desks[level].headers).json


def counts(answer) -> dict[str, int]:
    return {row["key"]: row["count"] for row in answer["rows"]}


def test_application_counts_by_each_grouping(api, world):
    codes = world.codes
    assert counts(stats(api, world, group_by="kind")) == {"physician.first_registration": 3, "nurse.change": 2}
    assert counts(stats(api, world, group_by="status")) == {
        "published": 2, "rejected": 1, "returned": 1, "pending_approval": 1}
    by_division = stats(api, world, group_by="division")
    assert counts(by_division) == {codes["city"]: 1, codes["county"]: 3, codes["sibling"]: 1}
    assert by_division["total"] == 5 and by_division["rows"][0]["label"] == f"测试市（{codes['city']}）"
    assert counts(stats(api, world, group_by="month")) == {"2026-01": 2, "2026-02": 3}
    assert counts(stats(api, world, group_by="month", since="2026-02-01", until="2026-02-15")) == {"2026-02": 2}
    assert counts(stats(api, world, level="county", group_by="kind")) == {"physician.first_registration": 2, "nurse.change": 1}
    assert stats(api, world, level="sibling", group_by="kind")["total"] == 1


def test_registered_physicians_nurses_and_institutions_by_division_and_type(api, world):
    codes = world.codes
    answer = stats(api, world, path="/registers")
    rows = {(r["division"], r["institution_type"]): (r["physicians"], r["nurses"], r["institutions"]) for r in answer["rows"]}
    assert rows == {(codes["county"], "综合医院"): (2, 1, 1), (codes["sibling"], "专科医院"): (1, 0, 1)}
    assert answer["totals"] == {"physicians": 3, "nurses": 1, "institutions": 2} and answer["nurses_counted"] is True
    county = stats(api, world, level="county", path="/registers")
    assert county["totals"] == {"physicians": 2, "nurses": 1, "institutions": 1}


def test_processing_time_per_stage_median_and_90th_percentile(api, world):
    stages = {s["stage"]: (s["count"], s["median_hours"], s["p90_hours"]) for s in stats(api, world, path="/processing")["stages"]}
    assert stages == {
        "verification": (5, 3.0, 3.0),
        "institution": (5, 4.0, 4.0),
        "commission": (4, 2.5, 3.7),  # 1, 2, 3, 4 hours; the fifth is still waiting
        "issue": (2, 0.5, 0.5),
        "publication": (2, 0.5, 0.5),
    }
    county = {s["stage"]: s["count"] for s in stats(api, world, level="county", path="/processing")["stages"]}
    assert county["commission"] == 3


def test_the_backlog_per_commission(api, world):
    answer = stats(api, world, path="/backlog")
    assert answer == {"rows": [{"commission": world.codes["city"], "name": "测试市", "pending": 1, "due_soon": 0, "overdue": 1}],
                      "total": 1}
    assert stats(api, world, level="county", path="/backlog") == {"rows": [], "total": 0}


@pytest.mark.parametrize("params", [{"group_by": "week"}, {"since": "2026-13-01"}, {"since": "2026-03-01", "until": "2026-02-01"}])
def test_bad_statistics_parameters_are_refused(api, world, params):
    api.get("/api/v1/commission/stats", params=params, headers=world.desks["city"].headers, status=400)


# --- exports -------------------------------------------------------------------------------------------


def export(api, world, level: str = "city", **params):
    return api.get("/api/v1/commission/export", params=params, headers=world.desks[level].headers)


def test_the_csv_export_reads_back_as_the_figures(api, world):
    response = export(api, world, report="applications", group_by="kind", format="csv")
    assert response.content_type == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows == [["业务类型", "申请数"], ["护士变更注册", "2"], ["医师首次注册", "3"], ["合计", "5"]]
    by_status = export(api, world, report="applications", group_by="status", format="xlsx")
    assert [list(row) for row in load_workbook(io.BytesIO(by_status.body)).active.iter_rows(values_only=True)] == [
        ["状态", "申请数"], ["待审批", 1], ["已公示", 2], ["未批准", 1], ["已退回", 1], ["合计", 5]]


def test_the_export_without_a_report_is_the_statistics_it_stands_beside(api, world):
    """`GET /api/v1/commission/export?...` as the contract writes it, next to `stats?group_by=`: without `report` it
    exports the figures of the statistics (the applications, by the same `group_by`); it was 400 on `report`."""
    by_status = export(api, world, group_by="status", format="xlsx")
    assert [list(row) for row in load_workbook(io.BytesIO(by_status.body)).active.iter_rows(values_only=True)] == [
        ["状态", "申请数"], ["待审批", 1], ["已公示", 2], ["未批准", 1], ["已退回", 1], ["合计", 5]]
    figures = stats(api, world, group_by="kind")
    response = export(api, world)
    assert response.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"))))
    assert rows == [["业务类型", "申请数"], *[[row["label"], str(row["count"])] for row in figures["rows"]],
                    ["合计", str(figures["total"])]]


def test_the_xlsx_export_reads_back_as_the_figures(api, world):
    codes = world.codes
    response = export(api, world, report="registers", format="xlsx")
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [["行政区划代码", "行政区划", "机构类别", "注册医师数", "注册护士数", "登记机构数"],
                    [codes["county"], "测试区", "综合医院", 2, 1, 1], [codes["sibling"], "邻区", "专科医院", 1, 0, 1],
                    ["合计", None, None, 3, 1, 2]]
    processing = load_workbook(io.BytesIO(export(api, world, report="processing", format="xlsx").body)).active
    assert next(processing.iter_rows(min_row=4, max_row=4, values_only=True)) == ("卫健委审批", 4, 2.5, 3.7)
    backlog = list(csv.reader(io.StringIO(export(api, world, report="backlog", format="csv").body.decode("utf-8-sig"))))
    assert backlog[1] == [codes["city"], "测试市", "1", "0", "1"]
    # The sheet ends with its total: no empty row after it, with or without a commission waiting.
    for level, last in (("city", ("合计", None, 1, 0, 1)), ("county", ("合计", None, 0, 0, 0))):
        sheet = load_workbook(io.BytesIO(export(api, world, level=level, report="backlog", format="xlsx").body)).active
        assert list(sheet.iter_rows(values_only=True))[-1] == last and sheet.max_row == (3 if level == "city" else 2)


@pytest.mark.parametrize(("params", "field"), [({"report": "people", "format": "csv"}, "report"),
                                               ({"report": "registers", "format": "pdf"}, "format"),
                                               ({"report": "applications", "group_by": "x", "format": "csv"}, "group_by")])
def test_a_bad_export_is_refused_naming_the_field(api, world, params, field):
    answer = api.get("/api/v1/commission/export", params=params, headers=world.desks["city"].headers, status=400)
    assert field in answer.json["error"]["fields"]


def test_processing_times_in_sql_match_the_rules_in_python(db, world):
    """Random histories (returns, resubmissions, statuses outside every stage, stages still open): the SQL of
    processing_times gives exactly what pipeline.statistics gives from the same rows."""
    try:
        _random_histories_match(db, world)
    finally:
        db.rollback()


def _random_histories_match(db, world):
    import random
    from types import SimpleNamespace

    from models import Application
    from portal.services import statistics

    rng = random.Random(7)
    statuses = ["submitted", "verifying", "awaiting_institution", "pending_approval", "returned", "approved", "issued",
                "published", "rejected", "withdrawn"]
    start = datetime(2025, 6, 1, tzinfo=UTC)
    for n in range(120):
        at, events = start + timedelta(hours=n), []
        for _ in range(rng.randint(1, 9)):
            at += timedelta(minutes=rng.randint(0, 600), seconds=rng.randint(0, 59))
            events.append((at, rng.choice(statuses)))
        cw.application(db, world.person["account_id"], None, "physician.first_registration", world.codes["county"], events)
    db.flush()
    account = SimpleNamespace(division_code=world.codes["county"])
    period = statistics.Period(date(2025, 6, 1), date(2025, 6, 30))
    in_sql = statistics.processing_times(db, account, period)
    in_python = statistics._processing_times_in_python(db, (
        Application.commission_code.like(f"{world.codes['county']}%"), *statistics._in_period(period)))
    assert in_sql.pop("as_of") is None
    assert in_sql == in_python
    assert in_sql["applications"] == 120 and sum(s["count"] for s in in_sql["stages"]) > 100


def test_register_counts_come_from_the_summary_beat_refreshes(api, db, world):
    """Counted now until the summary is first refreshed; then as of the refresh (the answer says when), and the
    same figures."""
    from models import RegisterSummary, SummaryRefresh
    from models.summaries import refresh_registers

    live = stats(api, world, path="/registers")
    db.query(SummaryRefresh).delete()
    db.commit()
    assert stats(api, world, path="/registers")["as_of"] is None
    refresh_registers(db)
    db.commit()
    try:
        summarised = stats(api, world, path="/registers")
        assert summarised["as_of"] is not None
        assert {**summarised, "as_of": None} == {**live, "as_of": None}
        county = stats(api, world, level="county", path="/registers")
        assert county["totals"] == {"physicians": 2, "nurses": 1, "institutions": 1}
    finally:
        db.query(SummaryRefresh).delete()
        db.query(RegisterSummary).delete()
        db.commit()


def test_processing_times_of_the_country_and_a_province_come_from_the_histogram_beat_refreshes(api, db, world):
    """After a refresh, the national and provincial figures over whole months come from the histogram (within
    0.5 % of the exact ones, `as_of` set); a city's, or any period not made of whole months, is computed now."""
    from models import StageTimeHistogram, SummaryRefresh
    from models.summaries import PROCESSING, refresh_processing

    exact = stats(api, world, level="province", path="/processing")
    assert exact["as_of"] is None
    assert refresh_processing(db) >= 2  # every (province, month) the first time
    db.commit()
    try:
        for params in ({}, {"since": "2026-01-01", "until": "2026-02-28"}):
            summed = stats(api, world, level="province", path="/processing", **params)
            assert summed["as_of"] is not None and summed["applications"] == exact["applications"]
            for got, want in zip(summed["stages"], exact["stages"], strict=True):
                assert (got["stage"], got["count"]) == (want["stage"], want["count"])
                for key in ("median_hours", "p90_hours"):
                    assert abs(got[key] - want[key]) <= 0.006 * want[key] + 0.01, (got, want)
        assert stats(api, world, level="province", path="/processing", since="2026-01-02")["as_of"] is None  # not a whole month
        assert stats(api, world, level="city", path="/processing")["as_of"] is None
        before = stats(api, world, level="province", path="/processing")
        refresh_processing(db)  # only groups with an application changed in the last minute or so are recomputed
        db.commit()
        again = stats(api, world, level="province", path="/processing")
        assert again["stages"] == before["stages"] and again["as_of"] > before["as_of"]
    finally:
        db.query(StageTimeHistogram).delete()
        db.query(SummaryRefresh).filter(SummaryRefresh.name == PROCESSING).delete()
        db.commit()
