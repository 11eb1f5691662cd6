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
    """Record an act. Without `division_code`, the entry takes the division of what it is about, else of who acted:
    a commission's audit log shows the entries of its jurisdiction only, and submissions, confirmations, activation
    codes and logins written without one were seen by the national commission alone."""
    division_code = division_code or division_of(session, target, actor)
    session.add(AuditEntry(actor=actor, action=action, target=target, division_code=division_code, detail=detail))


def division_of(session: Session, target: str, actor: str) -> str | None:
    """The division an entry belongs to: of the target (an application: its commission, else its institution; an
    institution; a person's or an account's institution or commission), else of the acting account. An actor is
    always an account ("account:", "person:" and "institution:" name account ids); a target names its own kind."""
    from models.accounts import Account  # the models audit records acts on import this module
    from models.applications import Application
    from models.persons import Person
    from models.registers.institutions import Institution

    def institution_division(institution_id: int | None) -> str | None:
        institution = session.get(Institution, institution_id) if institution_id else None
        return institution.division_code if institution is not None else None

    def account_division(account_id: int) -> str | None:
        account = session.get(Account, account_id)
        return None if account is None else account.division_code or institution_division(account.institution_id)

    kind, _, number = target.partition(":")
    if number.isdigit():
        found = int(number)
        if kind == "application":
            application = session.get(Application, found)
            if application is not None:
                return application.commission_code or institution_division(application.institution_id)
        elif kind == "institution":
            return institution_division(found)
        elif kind == "person":
            person = session.get(Person, found)
            return institution_division(person.institution_id) if person is not None else None
        elif kind == "account":
            return account_division(found)
    kind, _, number = actor.partition(":")
    if kind in ("account", "person", "institution") and number.isdigit():
        return account_division(int(number))
    return None
