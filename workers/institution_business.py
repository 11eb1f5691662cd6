"""The institution's own licence business in the pipeline: its verification facts, what an approval changes
in the institution register, and the institution's public record."""
from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import (
    Application, Commission, DepartmentScope, Institution, InstitutionDepartment, InstitutionEvent, PhysicianRegistration,
    PublicRecord, StaffFollowUp,
)
from models import NurseRegistration, Person
from pipeline.codes import default_scope_map
from pipeline.institution_rules import (
    REGISTER_FIELDS, InstitutionState, institution_business_reasons, next_verification,
)
from pipeline.kinds import get_kind
from pipeline.lifecycle import OPEN_STATUSES
from publisher.records import institution_record

REGISTRAR = "登记服务"


# --- verification -------------------------------------------------------------------------------


def has_open_institution_duplicate(session: Session, application: Application) -> bool:
    return session.scalar(
        select(
            exists().where(
                Application.institution_id == application.institution_id,
                Application.kind == application.kind,
                Application.person_id.is_(None),
                Application.status.in_([str(s) for s in OPEN_STATUSES]),
                Application.id != application.id,
            )
        )
    )


def uscc_holder(session: Session, application: Application) -> str | None:
    code = application.data.get("uscc")
    if not code:
        return None
    return session.scalar(select(Institution.name).where(Institution.uscc == code, Institution.id != application.institution_id))


def institution_business_reasons_for(session: Session, application: Application) -> list[str]:
    institution = session.get(Institution, application.institution_id)
    state = InstitutionState(name=institution.name, identifier=institution.identifier, status=institution.status)
    return institution_business_reasons(
        application.kind, application.data, state, has_open_institution_duplicate(session, application), uscc_holder(session, application)
    )


# --- the institution register ---------------------------------------------------------------------


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


def apply_practice_registration(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    data = application.data
    apply_register_fields(institution, data)
    institution.uscc = data["uscc"]
    for field in ("phone", "fax"):
        if data.get(field):
            setattr(institution, field, data[field])
    institution.status = "operating"
    institution.registered_on = date.today()
    institution.next_verification_on = next_verification(date.today(), institution.beds)
    institution.verification_state = ""
    history(session, institution, "practice_registration", "执业登记获准", application)
    session.flush()
    return institution


def apply_change(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    changed = apply_register_fields(institution, application.data)
    history(session, institution, "change", "变更登记获准：" + ("、".join(changed) or "无实际变化"), application, changed=changed)
    session.flush()
    return institution


def apply_verification(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    institution.next_verification_on = next_verification(date.today(), institution.beds)
    institution.verification_state = ""
    history(session, institution, "verification", f"校验合格，下次校验日期 {institution.next_verification_on.isoformat()}", application)
    session.flush()
    return institution


def apply_suspension(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    institution.status = "suspended"
    history(session, institution, "suspension", f"停业获准：{application.data.get('reason', '')}", application)
    session.flush()
    return institution


def apply_resumption(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    institution.status = "operating"
    history(session, institution, "resumption", "解除停业获准", application)
    session.flush()
    return institution


def apply_cancellation(session: Session, application: Application) -> Institution:
    institution = session.get(Institution, application.institution_id, with_for_update=True)
    institution.status = "cancelled"
    flagged = flag_staff_for_follow_up(session, institution, application.commission_code or institution.registered_by)
    history(session, institution, "cancellation", f"注销登记获准；{flagged}名在册人员转卫生健康委跟进", application)
    session.flush()
    return institution


def flag_staff_for_follow_up(session: Session, institution: Institution, commission_code: str) -> int:
    """Every live staff registration of a cancelled institution becomes a follow-up item for the commission."""
    flagged = 0
    for profession, model in (("physician", PhysicianRegistration), ("nurse", NurseRegistration)):
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


INSTITUTION_APPLY = {
    "institution.practice_registration": apply_practice_registration,
    "institution.change": apply_change,
    "institution.verification": apply_verification,
    "institution.suspension": apply_suspension,
    "institution.resumption": apply_resumption,
    "institution.cancellation": apply_cancellation,
}


# --- publication --------------------------------------------------------------------------------


def institution_public_record(session: Session, institution: Institution, version: int) -> dict:
    """The institution's public record as version `version` — or past the version already public, since an
    institution loaded by `medreg import` was published before it kept a count of its own."""
    current = session.get(PublicRecord, institution.identifier)
    if current is not None and current.version >= version:
        version = institution.public_version = current.version + 1
    return institution_record(institution, session.get(Commission, institution.registered_by), version)


def is_institution_kind(kind: str) -> bool:
    return get_kind(kind).profession == "institution"
