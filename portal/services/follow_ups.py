"""Staff registrations flagged for the commission to follow up (e.g. their institution was cancelled)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Institution, StaffFollowUp
from models.divisions import within
from pipeline import clock
from pipeline.routing import jurisdiction_prefix
from portal.services.paging import by_id

REASONS = {"institution_cancelled": "执业机构已注销"}


A_PAGE = 1000  # the default and most a page


def follow_ups(session: Session, account: Account, cursor: str = "", limit: int = A_PAGE) -> tuple[list[dict], str | None]:
    """Open follow-ups of the jurisdiction in id order, `limit` a page after `cursor` (a cancelled hospital leaves
    thousands); (items, next)."""
    prefix = jurisdiction_prefix(account.division_code)
    query = (select(StaffFollowUp, Institution.name).join(Institution, Institution.id == StaffFollowUp.institution_id)
             .where(*within(StaffFollowUp.commission_code, prefix), StaffFollowUp.resolved_at.is_(None)))
    rows, following = by_id(session, query, StaffFollowUp.id, cursor, limit)
    return [
        {"id": row.id, "profession": row.entry_type, "name": row.name, "identifier": row.identifier,
         "institution_id": row.institution_id, "institution": name, "reason": row.reason,
         "reason_label": REASONS.get(row.reason, row.reason), "created_at": clock.iso(row.created_at)}
        for row, name in rows
    ], following
