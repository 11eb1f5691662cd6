"""The institution register 医疗机构注册库: each institution with its licensed departments, its department →
practice scope map and its history; and what each approved institution application changes in it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.applications import Application
from models.base import Base, utcnow
from models.follow_ups import StaffFollowUp
from models.persons import Person
from models.registers import applies
from models.search import grams_of
from pipeline import clock
from pipeline.codes import default_scope_map
from pipeline.kinds import (
    institution_cancellation,
    institution_change,
    institution_practice_registration,
    institution_resumption,
    institution_suspension,
    institution_verification,
)
from pipeline.registers.institutions import REGISTER_FIELDS, InstitutionFacts, next_verification

REGISTRAR = "登记服务"


class Institution(Base):
    """A medical institution in the institution register."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(50))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    registered_by: Mapped[str] = mapped_column(ForeignKey("commissions.division_code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    beds: Mapped[int] = mapped_column(Integer, default=0)
    legal_rep: Mapped[str] = mapped_column(String(50), default="")
    principal: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    fax: Mapped[str] = mapped_column(String(30), default="")
    # setup (设置审批 entered, not yet registered) | operating | suspended | cancelled
    status: Mapped[str] = mapped_column(String(20), default="operating")
    identifier: Mapped[str | None] = mapped_column(String(19), unique=True)
    # The responsible person's mobile, where the commission sent the account (never public).
    mobile: Mapped[str] = mapped_column(String(20), default="")
    # The set-up approval 设置审批 as the commission entered it; practice registration is pre-filled from it.
    setup: Mapped[dict] = mapped_column(default=dict)
    registered_on: Mapped[date | None]
    next_verification_on: Mapped[date | None] = mapped_column(index=True)
    # "" | due | overdue: set by the periodic verification check 校验提醒.
    verification_state: Mapped[str] = mapped_column(String(20), default="")
    public_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[InstitutionDepartment]] = relationship(
        cascade="all, delete-orphan", order_by="InstitutionDepartment.department"
    )
    scope_map: Mapped[list[DepartmentScope]] = relationship(cascade="all, delete-orphan")

    @property
    def department_names(self) -> list[str]:
        return [d.department for d in self.departments]


Index("ix_institutions_name_grams", grams_of(Institution.name), postgresql_using="gin").ddl_if(dialect="postgresql")


class InstitutionDepartment(Base):
    """A clinical department 诊疗科目 the institution is licensed for."""

    __tablename__ = "institution_departments"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(50), primary_key=True)


class DepartmentScope(Base):
    """The institution's map from a clinical department to a physician practice scope."""

    __tablename__ = "department_scopes"
    __table_args__ = (UniqueConstraint("institution_id", "department", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department: Mapped[str] = mapped_column(String(50))
    scope: Mapped[str] = mapped_column(String(50))


class InstitutionEvent(Base):
    """One row of an institution's history: set-up approval, registration, change, phone/fax upkeep, suspension …"""

    __tablename__ = "institution_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(default=dict)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))


# --- reading and keeping an entry ---------------------------------------------------------------------------------


def institution_facts(session: Session, institution_id: int | None) -> InstitutionFacts | None:
    institution = session.get(Institution, institution_id) if institution_id else None
    if institution is None:
        return None
    scope_map: dict[str, set[str]] = {}
    for row in institution.scope_map:
        scope_map.setdefault(row.department, set()).add(row.scope)
    return InstitutionFacts(
        id=institution.id,
        name=institution.name,
        identifier=institution.identifier,
        status=institution.status,
        division_code=institution.division_code,
        registered_by=institution.registered_by,
        departments=frozenset(institution.department_names),
        scope_map={department: frozenset(scopes) for department, scopes in scope_map.items()},
    )


def history(session: Session, institution: Institution, action: str, text: str, application: Application | None = None,
            actor: str = REGISTRAR, **detail: object) -> None:
    session.add(InstitutionEvent(
        institution_id=institution.id, actor=actor, action=action, text=text, detail=detail,
        application_id=application.id if application else None,
    ))


def set_departments(institution: Institution, names: list[str]) -> None:
    """The licensed departments; the scope map keeps rows of departments still licensed and gains defaults for new ones."""
    current = set(institution.department_names)
    wanted = set(names)
    institution.departments[:] = [d for d in institution.departments if d.department in wanted]
    defaults = default_scope_map()
    for name in sorted(wanted - current):
        institution.departments.append(InstitutionDepartment(department=name))
        for scope in sorted(defaults.get(name, ())):
            institution.scope_map.append(DepartmentScope(department=name, scope=scope))
    institution.scope_map[:] = [row for row in institution.scope_map if row.department in wanted]


def apply_register_fields(institution: Institution, data: dict) -> dict:
    """Write the register fields present in `data`; returns {field: [old, new]} of what changed."""
    changed = {}
    for field in REGISTER_FIELDS:
        if field not in data:
            continue
        old = institution.department_names if field == "departments" else getattr(institution, field)
        new = data[field]
        if old == new:
            continue
        if field == "departments":
            set_departments(institution, list(new))
        else:
            setattr(institution, field, new)
        changed[field] = [old, new]
    return changed


# --- what each approval changes ----------------------------------------------------------------------------------


def clear_verification(entry: Institution, on: date) -> date:
    """Verified (or newly registered) on `on`: the next verification falls due by the bed count, nothing is due now."""
    entry.next_verification_on = due = next_verification(on, entry.beds)
    entry.verification_state = ""
    return due


def _locked(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    assert institution is not None, "an institution's own application names it"
    return institution


@applies(institution_practice_registration.KIND)
def register(session: Session, application: Application) -> Institution:
    institution = _locked(session, application)
    data = application.data
    apply_register_fields(institution, data)
    institution.uscc = data["uscc"]
    for field in ("phone", "fax"):
        if data.get(field):
            setattr(institution, field, data[field])
    institution.status = "operating"
    institution.registered_on = clock.today()
    clear_verification(institution, clock.today())
    history(session, institution, "practice_registration", "执业登记获准", application)
    session.flush()
    return institution


@applies(institution_change.KIND)
def change(session: Session, application: Application) -> Institution:
    institution = _locked(session, application)
    changed = apply_register_fields(institution, application.data)
    history(session, institution, "change", "变更登记获准：" + ("、".join(changed) or "无实际变化"), application, changed=changed)
    session.flush()
    return institution


@applies(institution_verification.KIND)
def verify(session: Session, application: Application) -> Institution:
    institution = _locked(session, application)
    due = clear_verification(institution, clock.today())
    history(session, institution, "verification", f"校验合格，下次校验日期 {due.isoformat()}", application)
    session.flush()
    return institution


@applies(institution_suspension.KIND)
def suspend(session: Session, application: Application) -> Institution:
    institution = _locked(session, application)
    institution.status = "suspended"
    history(session, institution, "suspension", f"停业获准：{application.data.get('reason', '')}", application)
    session.flush()
    return institution


@applies(institution_resumption.KIND)
def resume(session: Session, application: Application) -> Institution:
    institution = _locked(session, application)
    institution.status = "operating"
    history(session, institution, "resumption", "解除停业获准", application)
    session.flush()
    return institution


@applies(institution_cancellation.KIND)
def cancel(session: Session, application: Application) -> Institution:
    institution = _locked(session, application)
    institution.status = "cancelled"
    flagged = flag_staff_for_follow_up(session, institution, application.commission_code or institution.registered_by)
    history(session, institution, "cancellation", f"注销登记获准；{flagged}名在册人员转卫生健康委跟进", application)
    session.flush()
    return institution


def flag_staff_for_follow_up(session: Session, institution: Institution, commission_code: str) -> int:
    """Every live staff registration of a cancelled institution becomes a follow-up item for the commission."""
    from models.registers.nurses import NurseRegistration
    from models.registers.physicians import PhysicianRegistration

    flagged = 0
    tables: tuple[tuple[str, Any], ...] = (("physician", PhysicianRegistration), ("nurse", NurseRegistration))
    for profession, model in tables:
        rows = session.execute(
            select(model, Person.name).join(Person, Person.id == model.person_id)
            .where(model.institution_id == institution.id, model.status == "registered")
        )
        for entry, name in rows:
            already = session.scalar(select(exists().where(
                StaffFollowUp.entry_type == profession, StaffFollowUp.entry_id == entry.id,
                StaffFollowUp.reason == "institution_cancelled",
            )))
            if already:
                continue
            session.add(StaffFollowUp(
                institution_id=institution.id, commission_code=commission_code, entry_type=profession, entry_id=entry.id,
                identifier=entry.identifier, name=name, reason="institution_cancelled",
            ))
            flagged += 1
    return flagged
