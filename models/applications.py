from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event, func, text
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from models.audit import audit
from models.base import Base, utcnow
from pipeline import lifecycle


class Application(Base):
    """One business application 业务申请; `kind` chooses its schema and route, `status` its place in the life cycle."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_person_kind_status", "person_id", "kind", "status"),
        Index("ix_applications_institution_status", "institution_id", "status"),
        Index("ix_applications_commission_status", "commission_code", "status"),
        Index("ix_applications_status_id", "status", "id"),
        # The workbench's default order (waiting longest first), paged by keyset (portal/services/workbench.py).
        Index("ix_applications_status_waiting", "status", func.coalesce(text("waiting_since"), text("submitted_at")), "id"),
        # The same order over every status ("全部"): without it the national workbench sorted all its applications
        # for each page (bench/national.py, step paging).
        Index("ix_applications_waiting", func.coalesce(text("waiting_since"), text("submitted_at")), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(30))
    applicant_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    commission_code: Mapped[str | None] = mapped_column(String(6))
    data: Mapped[dict] = mapped_column(default=dict)
    findings: Mapped[list] = mapped_column(default=list)
    identifier: Mapped[str | None] = mapped_column(String(19))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it last entered 待审批 (routing's own history row, pending → pending, does not count): how long the
    # commission has had it. Kept by `note_waiting_since` from the history rows as they are flushed.
    waiting_since: Mapped[datetime | None]

    history: Mapped[list[ApplicationEvent]] = relationship(
        order_by="ApplicationEvent.id", cascade="all, delete-orphan", back_populates="application"
    )

    def move_to(self, target: str, actor_role: str, actor: str, comment: str = "") -> None:
        """Change status if the life cycle allows it for this actor, and write the history row."""
        lifecycle.check(self.kind, self.status, target, actor_role)
        self.record(actor, self.status, target, comment)
        if actor_role == "system" and (session := object_session(self)) is not None:
            # The workers' acts (verification, issuing, publishing) are audited like a person's.
            audit(session, f"system:{actor}", f"system_{target}", f"application:{self.id}", self.commission_code,
                  kind=self.kind, **({"identifier": self.identifier} if self.identifier else {}))
        self.status = target

    def record(self, actor: str, from_status: str | None, to_status: str, comment: str = "") -> None:
        now = utcnow()
        self.updated_at = now
        # Added through the session rather than appended to `history`, which would load every
        # earlier row first; the backref still shows it in `history` once that is loaded.
        event = ApplicationEvent(at=now, actor=actor, from_status=from_status, to_status=to_status, comment=comment)
        session = object_session(self)
        if session is None:  # not yet added: its history is empty and in memory, nothing to load
            self.history.append(event)
            return
        event.application = self
        session.add(event)


class ApplicationEvent(Base):
    """One row of an application's history: who, when, from, to, comment."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="history")


WAITING = lifecycle.Status.pending_approval


@event.listens_for(Session, "before_flush")
def note_waiting_since(session: Session, flush_context, instances) -> None:
    """A new history row entering 待审批 from another status sets its application's waiting_since."""
    for item in session.new:
        if isinstance(item, ApplicationEvent) and item.to_status == WAITING and item.from_status != WAITING:
            application = item.application
            if application is not None:
                at = item.at or utcnow()
                if item.at is None:
                    item.at = at
                if application.waiting_since is None or at >= application.waiting_since:
                    application.waiting_since = at


class Notification(Base):
    """An inbox entry for an account, an institution or a commission (written by the notify worker)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    event: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    read: Mapped[int] = mapped_column(Integer, default=0)
    outbox_id: Mapped[int | None] = mapped_column(unique=True)
