"""Summaries the statistics read instead of the registers and the histories: at national scale, counting 10 million
registrations joined to a million institutions, or ordering 40 million history rows to time each stage, takes longer
than a person waits. Celery beat refreshes them (`workers.summaries.refresh`, every `MEDREG_SUMMARY_INTERVAL`
seconds, default 600); until the first refresh the statistics count live (a small installation, the embedded demo).

- register_summary: the register counts by division and institution type, recounted whole (seconds).
- stage_time_histogram: per province, submission month (China time) and stage, how many stage spans fell in each
  1 %-wide duration bucket (pipeline.statistics.bucket_of), and (stage "applications") how many applications had a
  history. A refresh recomputes only the (province, month) groups with an application changed since the last one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, and_, case, delete, func, insert, literal, select, tuple_, union_all
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.applications import Application, ApplicationEvent
from models.base import Base, utcnow
from models.divisions import within
from models.registers.institutions import Institution
from models.registers.nurses import NurseRegistration
from models.registers.physicians import PhysicianRegistration
from pipeline.statistics import BUCKET_RATIO, STAGE_OF_STATUS

REGISTERS = "registers"
PROCESSING = "processing"
APPLICATIONS = "applications"  # the histogram's row of how many applications (bucket 0)


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
    in_scope = and_(*within(Institution.division_code, prefix))
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


class StageTimeHistogram(Base):
    """How many stage spans of a province's applications submitted in a month fell in each duration bucket."""

    __tablename__ = "stage_time_histogram"

    province: Mapped[str] = mapped_column(String(2), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, China time
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


def submitted_month():
    """The submission month in China's time zone, as YYYY-MM (PostgreSQL)."""
    return func.to_char(func.timezone("Asia/Shanghai", Application.submitted_at), "YYYY-MM")


def stage_spans(*scope, carry: tuple = ()):
    """(carried columns…, stage, seconds) of every completed stage span of the applications in `scope`, in SQL
    (window functions): the rules of pipeline.statistics.stage_durations. A stage's span runs over consecutive
    history rows of that stage and ends at the first row of another stage (or of none); one still open at the last
    row is not counted. PostgreSQL."""
    def stage(status):
        return case(STAGE_OF_STATUS, value=status)  # NULL for a status outside every stage

    def lead(column):
        return func.lead(column).over(partition_by=ApplicationEvent.application_id, order_by=ApplicationEvent.id)

    pairs = (
        select(*carry, ApplicationEvent.application_id, ApplicationEvent.id, ApplicationEvent.at,
               stage(ApplicationEvent.to_status).label("stage"), lead(ApplicationEvent.at).label("next_at"),
               stage(lead(ApplicationEvent.to_status)).label("next_stage"))
        .join(Application, Application.id == ApplicationEvent.application_id).where(*scope)
        .subquery()
    )
    carried = [pairs.c[column.name] for column in carry]
    ends = pairs.c.next_stage.is_distinct_from(pairs.c.stage)
    rows = (
        select(*carried, pairs.c.application_id, pairs.c.stage, ends.label("ends"),
               func.extract("epoch", pairs.c.next_at - pairs.c.at).label("seconds"),
               func.count().filter(ends).over(partition_by=pairs.c.application_id, order_by=pairs.c.id,
                                             rows=(None, -1)).label("run"))  # numbers the spans of an application
        .where(pairs.c.stage.is_not(None), pairs.c.next_at.is_not(None))
        .subquery()
    )
    return (
        select(*(rows.c[column.name] for column in carry), rows.c.stage, func.sum(rows.c.seconds).label("seconds"))
        .group_by(*(rows.c[column.name] for column in carry), rows.c.application_id, rows.c.run, rows.c.stage)
        .having(func.bool_or(rows.c.ends))
        .subquery()
    )


def _bucket(seconds):
    """pipeline.statistics.bucket_of in SQL."""
    return case((seconds < 1, -1), else_=func.floor(func.ln(seconds) / func.ln(BUCKET_RATIO)))


def refresh_processing(session: Session) -> int:
    """Recompute the stage-time histogram of every (province, month) with an application changed since the last
    refresh (all of them the first time); the number of groups recomputed."""
    started = utcnow()
    last = refreshed_at(session, PROCESSING)
    province, month = func.substr(Application.commission_code, 1, 2), submitted_month()
    changed = select(province.label("province"), month.label("month")).where(Application.commission_code.is_not(None))
    if last is not None:  # a minute's overlap: a transaction that committed late is counted again, which is harmless
        changed = changed.where(Application.updated_at >= last - timedelta(minutes=1))
    groups = [tuple(row) for row in session.execute(changed.distinct())]
    if last is None:  # everything, in one pass
        session.execute(delete(StageTimeHistogram))
        _histogram_of(session, Application.commission_code.is_not(None), province, month)
    else:
        for chunk in (groups[i:i + 200] for i in range(0, len(groups), 200)):
            session.execute(delete(StageTimeHistogram).where(
                tuple_(StageTimeHistogram.province, StageTimeHistogram.month).in_(chunk)))
            _histogram_of(session, and_(Application.commission_code.is_not(None), tuple_(province, month).in_(chunk)),
                          province, month)
    refresh = session.get(SummaryRefresh, PROCESSING) or SummaryRefresh(name=PROCESSING)
    refresh.refreshed_at = started
    refresh.seconds = (utcnow() - started).total_seconds()
    session.add(refresh)
    session.flush()
    return len(groups)


def _histogram_of(session: Session, in_groups, province, month) -> None:
    spans = stage_spans(in_groups, carry=(province.label("province"), month.label("month")))
    bucket = _bucket(spans.c.seconds)
    session.execute(insert(StageTimeHistogram).from_select(
        ["province", "month", "stage", "bucket", "count"],
        select(spans.c.province, spans.c.month, spans.c.stage, bucket, func.count())
        .group_by(spans.c.province, spans.c.month, spans.c.stage, bucket)))
    session.execute(insert(StageTimeHistogram).from_select(
        ["province", "month", "stage", "bucket", "count"],
        select(province, month, literal(APPLICATIONS), literal(0), func.count(func.distinct(Application.id)))
        .join(ApplicationEvent, ApplicationEvent.application_id == Application.id).where(in_groups)
        .group_by(province, month)))


def refreshed_at(session: Session, name: str) -> datetime | None:
    return session.scalar(select(SummaryRefresh.refreshed_at).where(SummaryRefresh.name == name))
