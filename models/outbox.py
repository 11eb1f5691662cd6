from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

# The broker's queues, one per stage of the pipeline (workers/app.py routes every task to one of them); named here so
# the portal's `medreg status` and /readyz can look at them without importing the workers.
STAGE_QUEUES = ("verify", "notify", "route", "issue", "publish")


class OutboxMessage(Base):
    """A task to send, written in the same transaction as the change that causes it.

    The relay publishes unsent rows (coalescing rows of one task into one message) and marks them sent.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        # Pruning reads sent rows by age.
        Index("ix_outbox_unsent", "sent_at", "id"),
        # The relay reads the unsent rows in id order, several times a second. Only they are in this index, so the
        # read costs what is unsent, not the millions of sent rows a national import leaves for a day, whatever
        # the table's statistics say (with (sent_at, id) alone, stale statistics had it read every sent row).
        Index("ix_outbox_pending", "id", postgresql_where=text("sent_at IS NULL"), sqlite_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def enqueue(session: Session, task: str, **payload: object) -> None:
    """Queue `task(payload)` to be published once the current transaction commits."""
    session.add(OutboxMessage(task=task, payload=payload))
