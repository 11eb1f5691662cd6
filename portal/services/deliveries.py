"""Disclosure deliveries as the commission sees them: the ones of its jurisdiction, e.g. those parked."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Delivery, PublicVersion
from models.divisions import within
from pipeline import clock
from pipeline.routing import jurisdiction_prefix
from portal.errors import invalid
from portal.services.paging import by_id

STATUSES = {"pending": "待推送", "retrying": "重试中", "parked": "已暂停（需人工处理）", "delivered": "已送达"}
MAX_SHOWN = 500


def delivery_status(raw: str | None) -> str:
    status = (raw or "parked").strip()
    if status not in STATUSES:
        raise invalid({"status": f"只能是 {'、'.join(STATUSES)} 之一"})
    return status


def jurisdiction_deliveries(session: Session, account: Account, status: str, cursor: str = "",
                            limit: int = MAX_SHOWN) -> tuple[list[dict], str | None]:
    """Deliveries of versions whose record lies in the commission's jurisdiction, oldest first, `limit` a page after
    `cursor` (the `next` of the page before; a national load delivers millions); (items, next)."""
    prefix = jurisdiction_prefix(account.division_code)
    query = (select(Delivery, PublicVersion).join(PublicVersion, PublicVersion.id == Delivery.version_id)
             .where(Delivery.status == status, *within(PublicVersion.division, prefix)))
    rows, following = by_id(session, query, Delivery.id, cursor, limit)
    return [_shown(delivery, version) for delivery, version in rows], following


def _shown(delivery: Delivery, version: PublicVersion) -> dict:
    return {
        "id": delivery.id,
        "channel": delivery.channel,
        "status": delivery.status,
        "status_label": STATUSES[delivery.status],
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "next_attempt_at": clock.iso(delivery.next_attempt_at),
        "delivered_at": clock.iso(delivery.delivered_at),
        "identifier": version.identifier,
        "version": version.version,
        "division": version.division,
        "name": version.body.get("name", ""),
        "cursor": str(version.id),
    }
