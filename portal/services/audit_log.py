"""The audit log 审计日志 of a commission's jurisdiction, filtered by actor, action and time."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Account, AuditEntry
from pipeline import clock
from pipeline.numbers import is_count
from pipeline.routing import jurisdiction_prefix
from portal.errors import invalid

PER_PAGE = 100


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1


def parse_moment(raw: str, end_of_day: bool) -> datetime:
    """YYYY-MM-DD (China's day; `until` takes the whole day) or an ISO 8601 time with its zone."""
    if len(raw) == 10:
        day = date.fromisoformat(raw)
        return clock.start_of_day(day + timedelta(days=1) if end_of_day else day)
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def parse_audit_filter(params: Mapping[str, str]) -> AuditFilter:
    errors: dict[str, str] = {}
    result = AuditFilter(actor=(params.get("actor") or "").strip()[:100], action=(params.get("action") or "").strip()[:60])
    for name in ("since", "until"):
        raw = (params.get(name) or "").strip()
        if raw:
            try:
                setattr(result, name, parse_moment(raw, end_of_day=name == "until"))
            except (ValueError, OverflowError):
                errors[name] = "应为YYYY-MM-DD，或带时区的ISO 8601时间"
    page = (params.get("page") or "1").strip()
    if not is_count(page) or int(page) < 1:
        errors["page"] = "应为正整数"
    else:
        result.page = int(page)
    if errors:
        raise invalid(errors)
    return result


def audit_page(session: Session, account: Account, filt: AuditFilter) -> tuple[list[AuditEntry], int]:
    """Entries of the jurisdiction (by the division each was written for), newest first. The national
    commission also sees entries written for no division."""
    prefix = jurisdiction_prefix(account.division_code)
    scope = AuditEntry.division_code.like(f"{prefix}%")
    conditions = [or_(scope, AuditEntry.division_code.is_(None)) if prefix == "" else scope]
    if filt.actor:
        conditions.append(AuditEntry.actor.contains(filt.actor))
    if filt.action:
        conditions.append(AuditEntry.action == filt.action)
    if filt.since:
        conditions.append(AuditEntry.at >= filt.since)
    if filt.until:
        conditions.append(AuditEntry.at < filt.until)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    entries = session.scalars(
        select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc()).limit(PER_PAGE).offset((filt.page - 1) * PER_PAGE)
    ).all()
    return list(entries), total


def entry_json(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action, "target": entry.target,
            "division": entry.division_code, "detail": entry.detail or {}, "sealed": entry.seq is not None, "seq": entry.seq}
