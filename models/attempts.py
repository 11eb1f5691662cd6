"""Failed attempts at a secret a person types (password, reset code, activation code, old password), counted in the
database so every portal process sees the same counts, and kept however often a new code is asked for.

A counter is one row per (purpose, key): `key` is a keyed digest of what is counted — a login name, a client
address, or the pair — never the name or address itself. Only failures count; a success clears the name's and the
pair's counters (never the client's). The limits themselves are portal policy (portal/services/attempts.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import db
from models.base import Base, as_utc, utcnow


class AttemptCounter(Base):
    __tablename__ = "attempt_counters"
    __table_args__ = (UniqueConstraint("purpose", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(64))
    # The name's own key, on the name's row and on every pair of it: what `clear` finds them by.
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(index=True)


def _counter(session: Session, purpose: str, key: str, subject: str | None) -> AttemptCounter:
    """The counter row, created if missing, locked for this transaction (PostgreSQL) so concurrent failures add up."""
    dialect = session.get_bind().dialect.name
    session.execute(db.insert_for(session, AttemptCounter).values(purpose=purpose, key=key, subject=subject, failures=0,
                                                           window_start=utcnow())
                    .on_conflict_do_nothing(index_elements=["purpose", "key"]))
    query = select(AttemptCounter).where(AttemptCounter.purpose == purpose, AttemptCounter.key == key)
    if dialect == "postgresql":
        query = query.with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one()


def hold(session: Session, purpose: str, key: str) -> None:
    """Wait until no other transaction is making an attempt under (purpose, key), then keep others waiting until this
    one ends (PostgreSQL: a transaction-scoped advisory lock; nothing is written). Taken before reading the counters,
    so an attempt sees every failure counted before it: concurrent attempts at one name cannot all pass the check of
    the lock before any of them is counted. SQLite (the demo) has one writer at a time and no such lock."""
    db.hold(session, f"attempts:{purpose}", key)


def _row(session: Session, purpose: str, key: str) -> AttemptCounter | None:
    """The counter as committed now (not as an earlier read of this session left it)."""
    return session.scalar(select(AttemptCounter).where(AttemptCounter.purpose == purpose, AttemptCounter.key == key)
                          .execution_options(populate_existing=True))


def locked_until(session: Session, purpose: str, key: str, now: datetime | None = None) -> datetime | None:
    """Until when the counter is locked, if it is now."""
    row = _row(session, purpose, key)
    if row is None or row.locked_until is None or as_utc(row.locked_until) <= (now or utcnow()):
        return None
    return as_utc(row.locked_until)


def failures_within(session: Session, purpose: str, key: str, window: timedelta, now: datetime | None = None) -> int:
    row = _row(session, purpose, key)
    if row is None or as_utc(row.window_start) <= (now or utcnow()) - window:
        return 0
    return row.failures


def count_failure(session: Session, purpose: str, key: str, limit: int, window: timedelta, lock: timedelta,
                  subject: str | None = None, now: datetime | None = None) -> datetime | None:
    """Count one failure; when it reaches `limit` within `window`, lock for `lock` and return until when."""
    now = now or utcnow()
    row = _counter(session, purpose, key, subject)
    if as_utc(row.window_start) <= now - window:
        row.failures, row.window_start = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.failures, row.window_start, row.locked_until = 0, now, now + lock
        session.flush()
        return as_utc(row.locked_until)
    session.flush()
    return None


def clear(session: Session, purpose: str, *subjects: str) -> None:
    """Forget the failures of these names for `purpose`: their own counters and those of every pair with them."""
    session.execute(delete(AttemptCounter).where(AttemptCounter.purpose == purpose, AttemptCounter.subject.in_(subjects)))


def prune(session: Session, older_than: timedelta = timedelta(days=2)) -> int:
    """Counters with nothing left to say (window and lock long past); the sweeper may call this."""
    cutoff = utcnow() - older_than
    result = session.execute(delete(AttemptCounter).where(
        AttemptCounter.window_start < cutoff,
        (AttemptCounter.locked_until.is_(None)) | (AttemptCounter.locked_until < cutoff)))
    return int(getattr(result, "rowcount", 0) or 0)
