"""Summaries the statistics read instead of the registers: at national scale, counting 10 million registrations
joined to a million institutions takes longer than a person waits. Celery beat refreshes them
(`workers.summaries.refresh`, every `MEDREG_SUMMARY_INTERVAL` seconds, default 600); until the first refresh the
statistics count live (a small installation, the embedded demo)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.registers.institutions import Institution
from models.registers.nurses import NurseRegistration
from models.registers.physicians import PhysicianRegistration

REGISTERS = "registers"


class RegisterSummary(Base):
    """Registered physicians and nurses (status registered) by the division and type of their institution, and
    registered institutions (holding an identifier, not cancelled): as of the refresh in summary_refreshes."""

    __tablename__ = "register_summary"

    division_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    institution_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    physicians: Mapped[int] = mapped_column(Integer)
    nurses: Mapped[int] = mapped_column(Integer)
    institutions: Mapped[int] = mapped_column(Integer)


class SummaryRefresh(Base):
    """When each summary was last refreshed, and how long it took."""

    __tablename__ = "summary_refreshes"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
    seconds: Mapped[float]


def register_count_rows(prefix: str = ""):
    """(division_code, institution_type, physicians, nurses, institutions) of every group with any count, in SQL."""
    in_scope = Institution.division_code.like(f"{prefix}%")
    parts = [
        select(Institution.division_code.label("division"), Institution.type.label("type"),
               func.count().label("physicians"), literal(0).label("nurses"), literal(0).label("institutions"))
        .join(PhysicianRegistration, PhysicianRegistration.institution_id == Institution.id)
        .where(in_scope, PhysicianRegistration.status == "registered").group_by(Institution.division_code, Institution.type),
        select(Institution.division_code, Institution.type, literal(0), func.count(), literal(0))
        .join(NurseRegistration, NurseRegistration.institution_id == Institution.id)
        .where(in_scope, NurseRegistration.status == "registered").group_by(Institution.division_code, Institution.type),
        select(Institution.division_code, Institution.type, literal(0), literal(0), func.count())
        .where(in_scope, Institution.identifier.is_not(None), Institution.status != "cancelled")
        .group_by(Institution.division_code, Institution.type),
    ]
    each = union_all(*parts).subquery()
    return (
        select(each.c.division, each.c.type, func.sum(each.c.physicians).label("physicians"),
               func.sum(each.c.nurses).label("nurses"), func.sum(each.c.institutions).label("institutions"))
        .group_by(each.c.division, each.c.type)
    )


def refresh_registers(session: Session) -> int:
    """Recount the registers into register_summary (one transaction: readers see the old figures until it commits)."""
    started = utcnow()
    session.execute(delete(RegisterSummary))
    rows = register_count_rows().subquery()
    session.execute(insert(RegisterSummary).from_select(
        ["division_code", "institution_type", "physicians", "nurses", "institutions"],
        select(rows.c.division, rows.c.type, rows.c.physicians, rows.c.nurses, rows.c.institutions)))
    count = session.scalar(select(func.count()).select_from(RegisterSummary)) or 0
    refresh = session.get(SummaryRefresh, REGISTERS) or SummaryRefresh(name=REGISTERS)
    refresh.refreshed_at = utcnow()
    refresh.seconds = (refresh.refreshed_at - started).total_seconds()
    session.add(refresh)
    session.flush()
    return count


def refreshed_at(session: Session, name: str) -> datetime | None:
    return session.scalar(select(SummaryRefresh.refreshed_at).where(SummaryRefresh.name == name))
