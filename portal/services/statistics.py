"""Statistics 统计分析 of a commission's jurisdiction: applications by division, kind, status or month;
the registers by division and institution type; processing time per stage; the backlog per commission.
Every report is also a table (headers + rows) for the CSV and XLSX exports."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from models import Account, Application, ApplicationEvent, Division, RegisterSummary, StageTimeHistogram, summaries
from models.divisions import within
from pipeline import clock
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS, Status
from pipeline.routing import jurisdiction_prefix
from pipeline.statistics import STAGE_LABELS, stage_durations, summarise, summarise_histograms
from portal.errors import invalid
from portal.services.workbench import marker_condition, waiting_since

GROUPS = {"division": "受理机关（行政区划）", "kind": "业务类型", "status": "状态", "month": "提交月份"}
REPORTS = {"applications": "业务申请统计", "registers": "注册人员与机构统计", "processing": "各环节办理时长",
           "backlog": "各卫健委待审批积压"}


@dataclass
class Period:
    since: date | None = None
    until: date | None = None


MIN_DAY, MAX_DAY = date(1900, 1, 1), date(9998, 12, 31)  # a day past the last still makes a date


def parse_period(params: Mapping[str, str]) -> Period:
    errors, period = {}, Period()
    for name in ("since", "until"):
        raw = (params.get(name) or "").strip()
        if raw:
            try:
                setattr(period, name, date.fromisoformat(raw))
            except ValueError:
                errors[name] = "日期格式应为YYYY-MM-DD"
    for name in ("since", "until"):
        moment = getattr(period, name)
        if moment is not None and not MIN_DAY <= moment <= MAX_DAY:
            errors[name] = f"日期应在 {MIN_DAY.isoformat()} 至 {MAX_DAY.isoformat()} 之间"
    if not errors and period.since and period.until and period.since > period.until:
        errors["until"] = f"不能早于开始日期（{period.since.isoformat()}）"
    if errors:
        raise invalid(errors)
    return period


def parse_group(value: str | None) -> str:
    group = (value or "kind").strip()
    if group not in GROUPS:
        raise invalid({"group_by": "应为 division、kind、status 或 month"})
    return group


def _in_period(period: Period) -> list:
    conditions = []
    if period.since:
        conditions.append(Application.submitted_at >= clock.start_of_day(period.since))
    if period.until:
        conditions.append(Application.submitted_at < clock.start_of_day(period.until + timedelta(days=1)))
    return conditions


def _month(session: Session):
    """The submission month in China's time zone, as YYYY-MM."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", Application.submitted_at), "YYYY-MM")
    return func.strftime("%Y-%m", Application.submitted_at, "+8 hours")


def division_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(Division.code, Division.name).where(Division.code.in_(codes))).all())


def application_counts(session: Session, account: Account, group_by: str, period: Period) -> dict:
    column = {"division": Application.commission_code, "kind": Application.kind, "status": Application.status,
              "month": _month(session)}[group_by]
    rows = session.execute(
        select(column.label("key"), func.count().label("count"))
        .where(*within(Application.commission_code, jurisdiction_prefix(account.division_code)), *_in_period(period))
        .group_by(column).order_by(column)
    ).all()
    names = division_names(session, {r.key for r in rows}) if group_by == "division" else {}
    labels = {"kind": lambda k: KINDS[k].label if k in KINDS else "其他业务", "status": lambda s: STATUS_LABELS.get(s, "其他状态"),
              "division": lambda d: f"{names.get(d, '')}（{d}）", "month": lambda m: m}[group_by]
    items = [{"key": r.key, "label": labels(r.key), "count": r.count} for r in rows]
    return {"group_by": group_by, "rows": items, "total": sum(r["count"] for r in items)}


def register_counts(session: Session, account: Account) -> dict:
    """Registered physicians and nurses (status registered) and registered institutions (holding an identifier,
    not cancelled), by the institution's division and type: from register_summary as of its last refresh
    (models/summaries.py), or counted now where it was never refreshed. `as_of` says which."""
    prefix = jurisdiction_prefix(account.division_code)
    as_of = summaries.refreshed_at(session, summaries.REGISTERS)
    if as_of is not None:
        found = session.execute(
            select(RegisterSummary.division_code, RegisterSummary.institution_type, RegisterSummary.physicians,
                   RegisterSummary.nurses, RegisterSummary.institutions)
            .where(*within(RegisterSummary.division_code, prefix))
            .order_by(RegisterSummary.division_code, RegisterSummary.institution_type)).all()
    else:
        counted = summaries.register_count_rows(prefix).subquery()
        found = session.execute(select(counted).order_by(counted.c.division, counted.c.type)).all()
    names = division_names(session, {row[0] for row in found})
    rows: list[dict[str, Any]] = [
        {"division": division, "division_name": names.get(division, ""), "institution_type": kind,
         "physicians": int(physicians), "nurses": int(nurses), "institutions": int(institutions)}
        for division, kind, physicians, nurses, institutions in found]
    totals = {key: sum(row[key] for row in rows) for key in ("physicians", "nurses", "institutions")}
    return {"rows": rows, "totals": totals, "nurses_counted": True, "as_of": clock.iso(as_of)}


def processing_times(session: Session, account: Account, period: Period) -> dict:
    """Median and 90th percentile of the time spent in each stage, from the history of the jurisdiction's
    applications (submitted in the period).

    The country and a province over whole months read the stage-time histogram beat refreshes (models/summaries.py;
    percentiles within 0.5 %, `as_of` says when); anything else is computed now, in SQL on PostgreSQL (window
    functions and percentile_cont, which interpolates as pipeline.statistics.percentile does) — a city's or county's
    applications are few enough. SQLite (the embedded demo) reads the history rows."""
    prefix = jurisdiction_prefix(account.division_code)
    scope = (*within(Application.commission_code, prefix), *_in_period(period))
    if session.get_bind().dialect.name != "postgresql":
        return {**_processing_times_in_python(session, scope), "as_of": None}
    months = _whole_months(period)
    as_of = summaries.refreshed_at(session, summaries.PROCESSING) if len(prefix) <= 2 and months is not None else None
    if as_of is not None and months is not None:
        return _processing_times_from_histogram(session, prefix, months, as_of)
    spans = summaries.stage_spans(*scope)
    hours = spans.c.seconds / 3600
    figures = {
        row.stage: row for row in session.execute(
            select(spans.c.stage, func.count().label("count"),
                   func.percentile_cont(0.5).within_group(hours).label("median"),
                   func.percentile_cont(0.9).within_group(hours).label("p90"))
            .group_by(spans.c.stage))
    }
    applications = session.scalar(
        select(func.count(func.distinct(ApplicationEvent.application_id)))
        .join(Application, Application.id == ApplicationEvent.application_id).where(*scope)) or 0
    stages = []
    for name, label in STAGE_LABELS.items():
        row = figures.get(name)
        stages.append({"stage": name, "label": label, "count": row.count if row else 0,
                       "median_hours": _hours(row.median) if row else None, "p90_hours": _hours(row.p90) if row else None})
    return {"stages": stages, "applications": applications, "as_of": None}


def _whole_months(period: Period) -> tuple[str | None, str | None] | None:
    """(first month, last month) as YYYY-MM when the period is made of whole months (open ends allowed), else None."""
    if period.since and period.since.day != 1:
        return None
    if period.until and (period.until + timedelta(days=1)).day != 1:
        return None
    return (period.since.strftime("%Y-%m") if period.since else None, period.until.strftime("%Y-%m") if period.until else None)


def _processing_times_from_histogram(session: Session, prefix: str, months: tuple[str | None, str | None], as_of) -> dict:
    conditions: list[ColumnElement[bool]] = within(StageTimeHistogram.province, prefix)
    if months[0]:
        conditions.append(StageTimeHistogram.month >= months[0])
    if months[1]:
        conditions.append(StageTimeHistogram.month <= months[1])
    rows = session.execute(
        select(StageTimeHistogram.stage, StageTimeHistogram.bucket, func.sum(StageTimeHistogram.count))
        .where(*conditions).group_by(StageTimeHistogram.stage, StageTimeHistogram.bucket)).all()
    histograms: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for stage, bucket, count in rows:  # at most a few thousand buckets, whatever the number of applications
        histograms[stage].append((int(bucket), int(count)))
    applications = sum(count for _, count in histograms.pop(summaries.APPLICATIONS, []))
    return {"stages": summarise_histograms(histograms), "applications": applications, "as_of": clock.iso(as_of)}


def _hours(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _processing_times_in_python(session: Session, scope) -> dict:
    events = session.execute(
        select(ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.to_status)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(*scope)
        .order_by(ApplicationEvent.application_id, ApplicationEvent.id)
    ).all()
    by_application: dict[int, list] = defaultdict(list)
    for application_id, at, status in events:
        by_application[application_id].append((at, status))
    durations = [span for history in by_application.values() for span in stage_durations(history)]
    return {"stages": summarise(durations), "applications": len(by_application)}


def backlog(session: Session, account: Account, limits: dict[str, int], today: date | None = None) -> dict:
    """Applications waiting for each commission of the jurisdiction, and how many of them are near or past
    their time limit: counted in SQL, a time-limit marker being a range of waiting_since per kind."""
    today = today or clock.today()
    since = waiting_since()
    rows = session.execute(
        select(Application.commission_code, func.count(),
               func.count().filter(marker_condition(since, "due_soon", limits, today)),
               func.count().filter(marker_condition(since, "overdue", limits, today)))
        .where(*within(Application.commission_code, jurisdiction_prefix(account.division_code)),
               Application.status == Status.pending_approval)
        .group_by(Application.commission_code).order_by(Application.commission_code)
    ).all()
    names = division_names(session, {str(row[0]) for row in rows})
    items = [{"commission": code, "name": names.get(str(code), code), "pending": pending, "due_soon": due_soon, "overdue": overdue}
             for code, pending, due_soon, overdue in rows]
    return {"rows": items, "total": sum(r["pending"] for r in items)}


# --- reports as tables, for the exports ---------------------------------------------------------


def report_table(session: Session, account: Account, report: str, params: Mapping[str, str],
                 limits: dict[str, int]) -> tuple[str, list[str], list[list]]:
    """(title, headers, rows) of one report."""
    if report == "applications":
        group = parse_group(params.get("group_by"))
        data = application_counts(session, account, group, parse_period(params))
        # The label only (a division's names its code too): a kind or a status is read in Chinese, never as its code.
        rows = [[r["label"], r["count"]] for r in data["rows"]] + [["合计", data["total"]]]
        return f"{REPORTS[report]}（按{GROUPS[group]}）", [GROUPS[group], "申请数"], rows
    if report == "registers":
        data = register_counts(session, account)
        rows = [[r["division"], r["division_name"], r["institution_type"], r["physicians"], r["nurses"], r["institutions"]]
                for r in data["rows"]]
        rows.append(["合计", "", "", data["totals"]["physicians"], data["totals"]["nurses"], data["totals"]["institutions"]])
        return REPORTS[report], ["行政区划代码", "行政区划", "机构类别", "注册医师数", "注册护士数", "登记机构数"], rows
    if report == "processing":
        data = processing_times(session, account, parse_period(params))
        rows = [[s["label"], s["count"], s["median_hours"], s["p90_hours"]] for s in data["stages"]]
        return REPORTS[report], ["环节", "件数", "中位数（小时）", "第90百分位（小时）"], rows
    if report == "backlog":
        data = backlog(session, account, limits)
        rows = [[r["commission"], r["name"], r["pending"], r["due_soon"], r["overdue"]] for r in data["rows"]]
        rows.append(["合计", "", data["total"], sum(r[3] for r in rows), sum(r[4] for r in rows)])
        return REPORTS[report], ["卫健委（行政区划代码）", "名称", "待审批", "临近时限", "已超时限"], rows
    raise invalid({"report": "应为 " + "、".join(REPORTS)})
