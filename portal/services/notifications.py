"""The inbox 消息 of an account as its pages show it: a person's own notifications (decisions on their applications,
a nurse's registration nearing its end), or those of the institution an institution account works for; newest
first, a page at a time by cursor (portal/services/paging.py), each with the application it is about."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Notification
from portal.services.paging import by_id

A_PAGE = 50  # the page's
API_MOST = 200  # the API's default and most a page (the list once stopped at the newest 200, saying nothing)


def inbox(session: Session, account: Account, cursor: str = "", limit: int = A_PAGE,
          page: int = 1) -> tuple[list[Notification], str | None]:
    """One page of the account's inbox, newest first, after `cursor` (the `next` of the page before), else page
    `page` by offset (a pager's 上一页): (notifications, next)."""
    mine = (Notification.institution_id == account.institution_id if account.role == "institution"
            else Notification.account_id == account.id)
    return by_id(session, select(Notification).where(mine), Notification.id, cursor, limit, page, descending=True,
                 scalars=True)
