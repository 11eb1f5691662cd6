from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class AuditEntry(Base):
    """An append-only record of an administrative act or a decision.

    seq/prev_hash/hash form a chain; the sealer (models/audit_chain.py) fills them after commit, in the order
    it finds entries committed (see docs/architecture.md, "The audit chain").
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str | None] = mapped_column(String(6), index=True)
    detail: Mapped[dict] = mapped_column(default=dict)
    # Position in the hash chain, given by the sealer (models/audit_chain.py); NULL until sealed.
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


def audit(session: Session, actor: str, action: str, target: str, division_code: str | None = None, **detail: object) -> None:
    session.add(AuditEntry(actor=actor, action=action, target=target, division_code=division_code, detail=detail))
