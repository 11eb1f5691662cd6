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
        raise invalid({"status": f"只能是{'、'.join(STATUSES.values())}之一"})
    return status


def error_text(raw: str | None) -> str:
    """A push's last error (publisher.egress: "HTTP 503", "已拒绝：…", or the network error's own English words) as a
    clerk reads it: in Chinese, the receiver's answer or what kept the push from reaching it."""
    raw = (raw or "").strip()
    if not raw or raw.startswith("已拒绝"):
        return raw
    if raw.startswith("HTTP "):
        status, _, rest = raw.removeprefix("HTTP ").partition("（")
        return f"接收方答复 HTTP {status}" + ("，未跟随其重定向" if rest else "（接收方未接收）")
    if "timed out" in raw.lower() or "timeout" in raw.lower():
        return "连接接收方超时"
    if "refused" in raw.lower():
        return "接收方拒绝连接（可能未启动）"
    return "无法连接接收方（网络错误）"


def jurisdiction_deliveries(session: Session, account: Account, status: str, cursor: str = "",
                            limit: int = MAX_SHOWN, page: int = 1) -> tuple[list[dict], str | None]:
    """Deliveries of versions whose record lies in the commission's jurisdiction, oldest first, `limit` a page after
    `cursor` (the `next` of the page before; a national load delivers millions), else page `page` by offset (a
    pager's 上一页, which has no cursor); (items, next)."""
    prefix = jurisdiction_prefix(account.division_code)
    query = (select(Delivery, PublicVersion).join(PublicVersion, PublicVersion.id == Delivery.version_id)
             .where(Delivery.status == status, *within(PublicVersion.division, prefix)))
    rows, following = by_id(session, query, Delivery.id, cursor, limit, page)
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
