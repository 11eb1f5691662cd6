"""The `issue` stage: the national issuer gives every approved register entry its identifier, once."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Application, IdentifierSerial, IssuedIdentifier
from models.outbox import enqueue
from pipeline.identifiers import KIND_LETTERS, format_identifier
from pipeline.kinds import get_kind
from pipeline.lifecycle import Actor, Status
from workers.alerts import alert_for_status
from workers.app import app, settings_of
from workers.batches import for_each_application
from workers.registers import apply_to_register

ISSUER = "国家赋码服务"


def next_serial(session: Session, letter: str, division_code: str, year: int) -> int:
    """Take the next serial with one upsert: the row lock makes concurrent issuers queue, never collide."""
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(IdentifierSerial)
        .values(kind=letter, division_code=division_code, year=year, last=1)
        .on_conflict_do_update(
            index_elements=["kind", "division_code", "year"],
            set_={"last": IdentifierSerial.last + 1},
        )
        .returning(IdentifierSerial.last)
    )
    return session.execute(statement).scalar_one()


def lock_entry(session: Session, entry_type: str, entry_id: int) -> None:
    """Queue issuers of one entry behind each other until commit, so a second one finds the first one's identifier
    instead of spending a serial and then failing on the one-identifier-per-entry constraint."""
    if session.bind.dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(entry_type), entry_id)))


def identifier_for(session: Session, entry_type: str, entry_id: int, division_code: str) -> str:
    """The entry's identifier: the one it already holds, or a new one recorded against it."""
    lock_entry(session, entry_type, entry_id)
    held = session.scalar(
        select(IssuedIdentifier.value).where(IssuedIdentifier.entry_type == entry_type, IssuedIdentifier.entry_id == entry_id)
    )
    if held:
        return held
    year = date.today().year
    value = format_identifier(entry_type, division_code, year, next_serial(session, KIND_LETTERS[entry_type], division_code, year))
    session.add(IssuedIdentifier(value=value, entry_type=entry_type, entry_id=entry_id))
    session.flush()
    return value


def issue_application(session: Session, application: Application) -> None:
    entry = apply_to_register(session, application)
    if entry is None:  # reference data only (a qualification record): no register entry to identify or publish
        application.move_to(Status.issued, Actor.system, ISSUER, "已录入医师资格库，资格记录不赋注册识别码")
        application.move_to(Status.published, Actor.system, ISSUER, "资格记录已生效，可用于注册核验")
        return
    if entry.identifier is None:
        entry.identifier = identifier_for(session, get_kind(application.kind).profession, entry.id, application.commission_code)
    application.identifier = entry.identifier
    # Every approval that changes a staff registration tells its institution (inbox, and its webhook if any).
    alert_for_status(session, entry)
    application.move_to(Status.issued, Actor.system, ISSUER, f"电子化注册识别码 {entry.identifier}")
    enqueue(session, "workers.publication.publish", application_id=application.id)


@app.task(name="workers.identifiers.issue", bind=True)
def issue(self, items: list[dict]) -> int:
    return for_each_application(
        settings_of(self.app), items, {Status.approved}, issue_application, claim=Application.status == Status.approved
    )
