"""Statistics 统计分析 of a commission's jurisdiction: applications by division, kind, status or month;
the registers by division and institution type; processing time per stage; the backlog per commission.
Every report is also a table (headers + rows) for the CSV and XLSX exports."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Account, Application, ApplicationEvent, Division, Institution, NurseRegistration, PhysicianRegistration
from pipeline import clock
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS, Status
from pipeline.routing import jurisdiction_prefix
from pipeline.statistics import stage_durations, summarise
from pipeline.time_limits import deadline
from portal.errors import invalid
from portal.services.workbench import entered_commission

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
        errors["until"] = "不能早于开始日期"
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
        .where(Application.commission_code.like(f"{jurisdiction_prefix(account.division_code)}%"), *_in_period(period))
        .group_by(column).order_by(column)
    ).all()
    names = division_names(session, {r.key for r in rows}) if group_by == "division" else {}
    labels = {"kind": lambda k: KINDS[k].label if k in KINDS else k, "status": lambda s: STATUS_LABELS.get(s, s),
              "division": lambda d: f"{names.get(d, '')}（{d}）", "month": lambda m: m}[group_by]
    items = [{"key": r.key, "label": labels(r.key), "count": r.count} for r in rows]
    return {"group_by": group_by, "rows": items, "total": sum(r["count"] for r in items)}


def register_counts(session: Session, account: Account) -> dict:
    """Registered physicians and nurses (status registered) and registered institutions (holding an identifier,
    not cancelled), by the institution's division and type."""
    prefix = jurisdiction_prefix(account.division_code)
    in_scope = Institution.division_code.like(f"{prefix}%")
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"physicians": 0, "nurses": 0, "institutions": 0})
    people: list[tuple[str, Any]] = [
        ("physicians", PhysicianRegistration), ("nurses", NurseRegistration)]
    for column, model in people:
        for division, kind, count in session.execute(
            select(Institution.division_code, Institution.type, func.count())
            .join(model, model.institution_id == Institution.id)
            .where(in_scope, model.status == "registered").group_by(Institution.division_code, Institution.type)
        ):
            table[(division, kind)][column] = count
    for division, kind, count in session.execute(
        select(Institution.division_code, Institution.type, func.count())
        .where(in_scope, Institution.identifier.is_not(None), Institution.status != "cancelled")
        .group_by(Institution.division_code, Institution.type)
    ):
        table[(division, kind)]["institutions"] = count
    names = division_names(session, {division for division, _ in table})
    rows = [{"division": division, "division_name": names.get(division, ""), "institution_type": kind, **counts}
            for (division, kind), counts in sorted(table.items())]
    totals = {key: sum(counts[key] for counts in table.values()) for key in ("physicians", "nurses", "institutions")}
    return {"rows": rows, "totals": totals, "nurses_counted": True}


def processing_times(session: Session, account: Account, period: Period) -> dict:
    """Median and 90th percentile of the time spent in each stage, from the history of the jurisdiction's
    applications (submitted in the period)."""
    events = session.execute(
        select(ApplicationEvent.application_id, ApplicationEvent.at, ApplicationEvent.to_status)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(Application.commission_code.like(f"{jurisdiction_prefix(account.division_code)}%"), *_in_period(period))
        .order_by(ApplicationEvent.application_id, ApplicationEvent.id)
    ).all()
    by_application: dict[int, list] = defaultdict(list)
    for application_id, at, status in events:
        by_application[application_id].append((at, status))
    durations = [span for history in by_application.values() for span in stage_durations(history)]
    return {"stages": summarise(durations), "applications": len(by_application)}


def backlog(session: Session, account: Account, limits: dict[str, int], today: date | None = None) -> dict:
    """Applications waiting for each commission of the jurisdiction, and how many of them are near or past
    their time limit."""
    today = today or clock.today()
    entered = entered_commission()
    rows = session.execute(
        select(Application.commission_code, Application.kind, func.coalesce(entered.c.since, Application.submitted_at))
        .outerjoin(entered, entered.c.application_id == Application.id)
        .where(Application.commission_code.like(f"{jurisdiction_prefix(account.division_code)}%"),
               Application.status == Status.pending_approval)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"pending": 0, "due_soon": 0, "overdue": 0})
    for code, kind, since in rows:
        marker = deadline(kind, clock.day_of(since), today, limits).marker
        counts[code]["pending"] += 1
        if marker != "on_time":
            counts[code][marker] += 1
    names = division_names(session, set(counts))
    items = [{"commission": code, "name": names.get(code, code), **c} for code, c in sorted(counts.items())]
    return {"rows": items, "total": sum(r["pending"] for r in items)}


# --- reports as tables, for the exports ---------------------------------------------------------


def report_table(session: Session, account: Account, report: str, params: Mapping[str, str],
                 limits: dict[str, int]) -> tuple[str, list[str], list[list]]:
    """(title, headers, rows) of one report."""
    if report == "applications":
        group = parse_group(params.get("group_by"))
        data = application_counts(session, account, group, parse_period(params))
        rows = [[r["key"], r["label"], r["count"]] for r in data["rows"]] + [["合计", "", data["total"]]]
        return f"{REPORTS[report]}（按{GROUPS[group]}）", [GROUPS[group], "名称", "申请数"], rows
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
