from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.db import insert_for
from models.search import GRAMS_FUNCTION, RECORD_GRAMS_FUNCTION, record_grams_of

# Names compare by code point on PostgreSQL (collation "C", as SQLite and Python compare strings): a prefix
# is one range of the (kind, name, identifier) index, and ranked search pages in that index's order.
NAME = String(200).with_variant(String(200, collation="C"), "postgresql")


class PublicRecord(Base):
    """The newest published version of a register entry, as the public sees it (privacy-filtered)."""

    __tablename__ = "public_records"
    # Ranked name search reads (kind, name, identifier) in order; the division last lets a search within a division
    # skip other divisions' rows in the index, without reading them (models/divisions.py, within).
    __table_args__ = (Index("ix_public_records_kind_name_identifier_division", "kind", "name", "identifier", "division"),)

    identifier: Mapped[str] = mapped_column(String(19), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(NAME)
    division: Mapped[str] = mapped_column(String(6), index=True)
    # The main practice institution of a person, or the institution itself: for search by institution.
    institution_id: Mapped[int | None] = mapped_column(Integer, index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


# Search inside names (models/search.py); PostgreSQL only, where medreg_grams exists.
event.listen(Base.metadata, "before_create", DDL(GRAMS_FUNCTION).execute_if(dialect="postgresql"))
event.listen(Base.metadata, "before_create", DDL(RECORD_GRAMS_FUNCTION).execute_if(dialect="postgresql"))
Index("ix_public_records_grams", record_grams_of(PublicRecord.name, PublicRecord.division),
      postgresql_using="gin").ddl_if(dialect="postgresql")


class PublicVersion(Base):
    """Every published version, in publication order: the pull feed reads this table by id."""

    __tablename__ = "public_versions"
    __table_args__ = (UniqueConstraint("identifier", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(19))
    version: Mapped[int] = mapped_column(Integer)
    division: Mapped[str] = mapped_column(String(6))
    body: Mapped[dict]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One published version pushed to one disclosure channel; retried with back-off until a 2xx."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("version_id", "channel"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("public_versions.id"))
    channel: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class DeliveryLane(Base):
    """One lane of the delivery backlog (publisher/backlog.py): a chain of messages, each taking the next portion of
    due deliveries and queuing the one after it. `generation` and `step` let exactly one message of a lane proceed:
    a message that was delivered twice, or that belongs to a lane the sweeper has since restarted, finds its step
    taken and does nothing."""

    __tablename__ = "delivery_lanes"

    lane: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    step: Mapped[int] = mapped_column(BigInteger, default=0)
    running: Mapped[bool] = mapped_column(Boolean, default=False)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenceKeyDay(Base):
    """The first day this deployment signed with a licence key its keyring does not date (above all the key derived
    from MEDREG_SECRET, which has no file to date it): the key's validity as `GET /public/licence-keys` publishes it
    (portal/services/licences.py). A keyring's own `created` date, where it has one, is published instead."""

    __tablename__ = "licence_key_days"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_day: Mapped[date]


def licence_key_days(session: Session, kids: list[str]) -> dict[str, date]:
    """The first days recorded for these key ids (those recorded)."""
    if not kids:
        return {}
    rows = session.execute(select(LicenceKeyDay.kid, LicenceKeyDay.first_day).where(LicenceKeyDay.kid.in_(kids)))
    return {row.kid: row.first_day for row in rows}


def record_licence_key_day(session: Session, kid: str, day: date) -> None:
    """Record `day` as the key's first, unless one is recorded already (two processes may both be first)."""
    session.execute(insert_for(session, LicenceKeyDay).values(kid=kid, first_day=day).on_conflict_do_nothing(index_elements=["kid"]))
