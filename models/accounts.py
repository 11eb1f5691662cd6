from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.persons import Person


class Account(Base):
    """A login. role is person, institution or commission; the scope columns say whose data it may see."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Persons log in with their ID number or mobile, so their username stays empty.
    username: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), default="active")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    division_code: Mapped[str | None] = mapped_column(ForeignKey("commissions.division_code"), index=True)
    # A commission administrator creates staff accounts for its own and lower divisions.
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # An account handed out with a one-time password (机构账号分发) must set its own before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every token and page session carries the epoch it was issued under; raising it ends them all at once
    # (a password change or reset, a logout, disabling the account: end_sessions).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A staff account's own mobile on record: where an administrator may send it a new password without a second one.
    mobile: Mapped[str | None] = mapped_column(String(20))
    # The commission account that last set this account's password (hand-out, reset): it may not approve what this
    # account confirmed, so nobody holds both ends of one application (docs/security.md, separation of duties).
    credentials_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # The second factor of a staff account (pipeline/totp.py): its TOTP secret, encrypted like an ID number
    # (models/crypto.py; `medreg rotate-secret` re-encrypts it). Without one the account logs in with its password.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(300))
    # The last time-step a code was accepted in: a code of an earlier step is refused, and one of that step too,
    # except from the client that used it (no replay from elsewhere; a script may log in twice within 30 s).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # A keyed hash of that client's address (models/crypto.py keyed_digest), never the address itself.
    totp_last_client: Mapped[str | None] = mapped_column(String(64))
    # A secret handed out by self-enrolment, waiting for its first code before it replaces totp_secret_encrypted.
    totp_pending_encrypted: Mapped[str | None] = mapped_column(String(300))

    def end_sessions(self) -> None:
        """End every bearer token and page session of this account, now."""
        self.session_epoch = (self.session_epoch or 0) + 1


class ActivationCode(Base):
    """A single-use code the institution issues so a staff member can activate their account."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Wrong codes typed against it; at ACTIVATION_MAX_ATTEMPTS it is spent.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AccountRequest(Base):
    """An administrator's request that needs a second administrator: a new password sent to a mobile other than the
    one on record. It expires after a day; the second administrator's approval carries it out."""

    __tablename__ = "account_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    mobile: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


def person_works_at(session: Session, person_id: int, institution_id: int) -> None:
    """A register entry now has the person practising (mainly) at `institution_id`: the person and their account follow,
    so the commission of that institution and the institution itself are the ones that see them as theirs (search, the
    ID number shown to staff, the staff's accounts and batches), and the institution they left no longer does."""
    with session.no_autoflush:  # called while the entry is being filled in: it is flushed whole, later
        person = session.get(Person, person_id)
        if person is not None:
            person.institution_id = institution_id
        session.execute(update(Account).where(Account.person_id == person_id, Account.role == "person")
                        .values(institution_id=institution_id).execution_options(synchronize_session="fetch"))


LINE_MOST = 32  # hops followed up a line of credentials: more than any commission's levels of administrators


def credential_line(session: Session, account: Account) -> set[int]:
    """The account and every account whose holder set its password, or set the password of one that did, and so on
    (`credentials_by`): whoever is in the line can act as the account. An administrator who creates a staff account
    sets its first password, so an administrator and the accounts they created — and those these created — are one
    line, which separation of duties treats as one person."""
    line = {account.id}
    above = account.credentials_by
    while above is not None and above not in line and len(line) < LINE_MOST:
        line.add(above)
        above = session.scalar(select(Account.credentials_by).where(Account.id == above))
    return line
