"""The public end: search the published registers, read one record, follow the feed. No login."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Institution, PublicRecord, PublicVersion
from pipeline.numbers import is_count
from portal.errors import invalid, not_found

KINDS = {"physicians": "physician", "nurses": "nurse", "institutions": "institution"}
MAX_LIMIT = 100


def page_limit(raw: str | None, default: int = 20) -> int:
    if raw in (None, ""):
        return default
    if not is_count(str(raw), MAX_LIMIT) or int(str(raw)) < 1:
        raise invalid({"limit": f"必须是 1 到 {MAX_LIMIT} 之间的整数"})
    return int(raw)


def search(session: Session, plural_kind: str, params: dict[str, str]) -> dict:
    """Keyset paging on the identifier: any page is as cheap as the first, and there is no cap on depth."""
    limit = page_limit(params.get("limit"))
    query = select(PublicRecord).where(PublicRecord.kind == KINDS[plural_kind])
    if name := (params.get("name") or "").strip():
        query = query.where(PublicRecord.name.contains(name, autoescape=True))
    if division := (params.get("division") or "").strip():
        if not is_count(division) or len(division) > 6:
            raise invalid({"division": "行政区划代码应为不超过 6 位的数字"})
        query = query.where(PublicRecord.division.startswith(division.rstrip("0") if len(division) == 6 else division))
    if institution := (params.get("institution") or "").strip():
        if is_count(institution):
            query = query.where(PublicRecord.institution_id == int(institution))
        else:
            ids = select(Institution.id).where(Institution.name.contains(institution, autoescape=True))
            query = query.where(PublicRecord.institution_id.in_(ids))
    if uscc := (params.get("uscc") or "").strip():
        query = query.where(PublicRecord.uscc == uscc.upper())
    if identifier := (params.get("identifier") or "").strip():
        query = query.where(PublicRecord.identifier == identifier.upper())
    if cursor := (params.get("cursor") or "").strip():
        query = query.where(PublicRecord.identifier > cursor)
    rows = list(session.scalars(query.order_by(PublicRecord.identifier).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [row.body for row in rows], "next": rows[-1].identifier if more else None}


def record(session: Session, identifier: str) -> dict:
    row = session.get(PublicRecord, identifier.strip().upper())
    if row is None:
        raise not_found("公示记录")
    return row.body


def feed(session: Session, since: str | None, limit_raw: str | None) -> dict:
    since_id = 0
    if since not in (None, ""):
        if not is_count(str(since)):
            raise invalid({"since": "游标应为非负整数"})
        since_id = int(since)
    limit = page_limit(limit_raw, default=100)
    rows = list(
        session.scalars(select(PublicVersion).where(PublicVersion.id > since_id).order_by(PublicVersion.id).limit(limit))
    )
    return {
        "items": [{"cursor": str(row.id), "published_at": row.published_at.isoformat(), "record": row.body} for row in rows],
        "next": str(rows[-1].id) if rows else str(since_id),
    }


STATUS_LABELS = {
    "registered": "注册", "filed": "备案（非在册）", "cancelled": "注销", "expired": "已过期", "suspended": "停业",
    "operating": "执业", "revoked": "吊销",
}


def status_label(record: dict) -> str:
    status = record.get("status", "")
    return record.get("status_label") or STATUS_LABELS.get(status, status)


def history(session: Session, identifier: str) -> dict:
    """Every published version of one record, oldest first: its status over time, with dates."""
    identifier = identifier.strip().upper()
    if session.get(PublicRecord, identifier) is None:
        raise not_found("公示记录")
    rows = session.scalars(
        select(PublicVersion).where(PublicVersion.identifier == identifier).order_by(PublicVersion.version)
    ).all()
    return {
        "identifier": identifier,
        "items": [
            {
                "version": row.version,
                "status": row.body.get("status", ""),
                "status_label": status_label(row.body),
                "status_since": row.body.get("status_since"),
                "published_at": row.published_at.isoformat(),
            }
            for row in rows
        ],
    }
