"""The institution end 医疗机构端: its own information and history, its staff lists and department → scope map,
its queue of staff tasks (with filters and counts), its webhook, and its own licence business."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import Session, selectinload

from models import (
    Account,
    Application,
    Batch,
    DepartmentScope,
    Institution,
    InstitutionEvent,
    InstitutionWebhook,
    NurseRegistration,
    OtherStaff,
    Person,
    PhysicianPractice,
    PhysicianRegistration,
)
from models.audit import audit
from models.base import utcnow
from models.crypto import encrypt
from models.settings import Settings
from models.submission import actor_label
from pipeline import clock, codes
from pipeline.errors import ValidationFailed
from pipeline.fields import REQUIRED, UNKNOWN_FIELD, FieldError, choice, text
from pipeline.institutions import staff_title
from pipeline.kinds import KINDS, get_kind
from pipeline.lifecycle import Status
from pipeline.persons import SEX_ALIASES, SEXES
from pipeline.registers.institutions import FIELD_LABELS, PROFILE_FIELDS, STATUS_LABELS, phone
from portal.errors import invalid, not_found
from portal.services.paging import by_id, key_cursor, key_of
from publisher import egress

PROFESSIONS = ("physician", "nurse", "other")
STAFF_FIELDS = ("name", "sex", "post", "title", "phone")
MAX_LIST = 500
# The history's events a page: the API's default and most (the profile page shows HISTORY_A_PAGE).
HISTORY_MOST = 500
HISTORY_A_PAGE = 50


def own_institution(session: Session, account: Account, lock: bool = False) -> Institution:
    institution = session.get(Institution, account.institution_id, with_for_update=lock)
    if institution is None:
        raise LookupError(f"institution account {account.id} has no institution")
    return institution


# --- profile and history --------------------------------------------------------------------------


def profile(session: Session, account: Account) -> dict:
    institution = own_institution(session, account)
    return {
        "id": institution.id,
        "name": institution.name,
        "uscc": institution.uscc,
        "type": institution.type,
        "division": institution.division_code,
        "registered_by": institution.registered_by,
        "address": institution.address,
        "beds": institution.beds,
        "legal_rep": institution.legal_rep,
        "principal": institution.principal,
        "phone": institution.phone,
        "fax": institution.fax,
        "departments": institution.department_names,
        "status": institution.status,
        "status_label": STATUS_LABELS.get(institution.status, institution.status),
        "identifier": institution.identifier,
        "registered_on": institution.registered_on.isoformat() if institution.registered_on else None,
        **verification_of(institution),
        "setup": institution.setup,
        "webhook": webhook_json(session.get(InstitutionWebhook, institution.id)),
    }


def verification_of(entry: Institution) -> dict:
    """When its next verification 校验 falls due, and whether that is soon ("due") or past ("overdue")."""
    return {"next_verification_on": entry.next_verification_on.isoformat() if entry.next_verification_on else None,
            "verification_state": entry.verification_state}


def update_profile(session: Session, account: Account, body: dict) -> Institution:
    """Phone and fax change without approval; each change is kept in the institution's history."""
    unknown = {key: "只能直接修改联系电话（phone）和传真（fax）；其他登记事项请申请变更登记" for key in body if key not in PROFILE_FIELDS}
    if unknown:
        raise invalid(unknown)
    if not body:
        raise invalid({"body": "请填写要修改的 phone 或 fax"})
    clean, errors = {}, {}
    for field, value in body.items():
        try:
            clean[field] = phone(value if value is not None else "", FIELD_LABELS[field])
        except FieldError as error:
            errors[field] = str(error)
    if errors:
        raise invalid(errors)
    institution = own_institution(session, account, lock=True)
    changed = {field: [getattr(institution, field), value] for field, value in clean.items() if getattr(institution, field) != value}
    for field, (_, value) in changed.items():
        setattr(institution, field, value)
    if changed:
        summary = "；".join(f"{FIELD_LABELS[f]}由“{old or '空'}”改为“{new or '空'}”" for f, (old, new) in changed.items())
        session.add(InstitutionEvent(institution_id=institution.id, actor=actor_label(session, account), action="info_update",
                                     text=summary, detail={"changed": changed}))
        audit(session, f"account:{account.id}", "institution_info_update", f"institution:{institution.id}", changed=changed)
    return institution


def history(session: Session, account: Account, cursor: str = "", limit: int = HISTORY_MOST, page: int = 1) -> dict:
    """The API's answer: a page of the history's events (history_events) with every application of the institution's
    own business (own_applications)."""
    return {**history_events(session, account, cursor, limit, page), "applications": own_applications(session, account)}


def history_events(session: Session, account: Account, cursor: str = "", limit: int = HISTORY_MOST, page: int = 1) -> dict:
    """The institution's history, newest first: `limit` events a page after `cursor` (the `next` of the page before),
    else page `page` by offset (a pager's 上一页). {"events", "next"}. Every import of the institution's row, every
    upkeep and every decision adds an event, so the history only grows: it is paged like every other list, never cut
    off without saying so."""
    query = select(InstitutionEvent).where(InstitutionEvent.institution_id == account.institution_id)
    events, following = by_id(session, query, InstitutionEvent.id, cursor, limit, page, descending=True, scalars=True)
    return {
        "events": [
            {"id": e.id, "at": clock.iso(e.at), "actor": e.actor, "action": e.action, "text": e.text, "detail": e.detail,
             "application_id": e.application_id}
            for e in events
        ],
        "next": following,
    }


def own_applications(session: Session, account: Account) -> list[dict]:
    """Every application of the institution's own licence business, newest first. All of them: one of a kind is open
    at a time, so an institution has as many as its decades of business, not a list to page."""
    institution_kinds = [name for name, kind in KINDS.items() if kind.profession == "institution"]
    applications = session.scalars(
        select(Application)
        .where(Application.institution_id == account.institution_id, Application.kind.in_(institution_kinds))
        .order_by(Application.id.desc())
    )
    return [
        {"id": a.id, "kind": a.kind, "label": get_kind(a.kind).label, "status": a.status, "identifier": a.identifier,
         "submitted_at": clock.iso(a.submitted_at), "updated_at": clock.iso(a.updated_at)}
        for a in applications
    ]


# --- own licence business --------------------------------------------------------------------------


# --- staff ---------------------------------------------------------------------------------------


BATCHES_A_PAGE = 50  # the page's
BATCHES_MOST = 100  # the API's default and most a page (the list once stopped at the newest 100, saying nothing)


def batch_list(session: Session, account: Account, cursor: str = "", limit: int = BATCHES_A_PAGE,
               page: int = 1) -> tuple[list[Batch], str | None]:
    """One page of the institution's CSV batches 批量提交, newest first, after `cursor` (the `next` of the page
    before), else page `page` by offset (a pager's 上一页): (batches, next)."""
    return by_id(session, select(Batch).where(Batch.institution_id == account.institution_id), Batch.id, cursor, limit,
                 page, descending=True, scalars=True)


STAFF_A_PAGE = 5000  # the API's default and most a page


def staff(session: Session, account: Account, profession: str | None, cursor: str = "", limit: int = STAFF_A_PAGE,
          page: int = 1) -> dict:
    """The institution's physicians or nurses by name, `limit` a page after `cursor` (the `next` of the page before;
    a large hospital has thousands of nurses), with their count per status; or the other staff it keeps itself, in
    the order entered, paged the same way (by id), counted over all of them. Without a cursor, page `page` by offset
    (a pager's 上一页)."""
    if profession not in PROFESSIONS:
        raise invalid({"profession": "应为医师（physician）、护士（nurse）或其他人员（other）"})
    if profession == "other":
        mine = OtherStaff.institution_id == account.institution_id
        rows, following = by_id(session, select(OtherStaff).where(mine), OtherStaff.id, cursor, limit, page, scalars=True)
        count = session.scalar(select(func.count()).select_from(OtherStaff).where(mine)) or 0
        return {"profession": profession, "count": count, "counts": {"active": count} if count else {},
                "items": [other_staff_json(row) for row in rows], "next": following}
    return staff_of(session, account.institution_id or 0, profession, cursor, limit, page=page)


def staff_of(session: Session, institution_id: int, profession: str, cursor: str = "", limit: int = STAFF_A_PAGE,
             counted: bool = True, page: int = 1) -> dict:
    """`staff` of physicians or nurses, for an institution by its id (`counted`: with the count per status)."""
    after = key_of(cursor, str, int)
    model, here = _registered_here(institution_id, profession)
    query = select(model, Person).join(Person, Person.id == model.person_id).where(here)
    if after is not None:
        query = query.where(tuple_(Person.name, model.id) > tuple_(literal(after[0]), literal(after[1])))
    else:
        query = query.offset((page - 1) * limit)
    rows = session.execute(query.order_by(Person.name, model.id).limit(limit + 1)).all()
    items = [_staff_item(entry, person, institution_id, profession) for entry, person in rows[:limit]]
    counts = {str(status): int(count) for status, count in
              session.execute(select(model.status, func.count()).where(here).group_by(model.status))} if counted else {}
    last = rows[limit - 1] if len(rows) > limit else None
    return {"profession": profession, "count": sum(counts.values()), "counts": counts, "items": items,
            "next": key_cursor(last[1].name, last[0].id) if last else None}


def _registered_here(institution_id: int, profession: str) -> tuple[Any, Any]:
    """The register entry model and the condition for its entries here: those the institution is the main institution
    of, and physicians practising here by a multi-site filing (多机构执业备案)."""
    model: Any = PhysicianRegistration if profession == "physician" else NurseRegistration
    here = model.institution_id == institution_id
    if profession == "physician":
        filed_here = select(PhysicianPractice.registration_id).where(
            PhysicianPractice.institution_id == institution_id, PhysicianPractice.until.is_(None))
        here = here | model.id.in_(filed_here)
    return model, here


ROLL_MOST = 2000  # a longer list is no help to choose from: the form takes the identifier typed instead


def roll(session: Session, institution_id: int, profession: str) -> list[tuple[str, str]] | None:
    """(identifier, name) by name of the registered physicians or nurses practising at the institution, its roll 在册人员,
    for a form's choice of a colleague; None when there are more than ROLL_MOST (a big hospital's), never the first few."""
    model, here = _registered_here(institution_id, profession)
    rows = session.execute(
        select(model.identifier, Person.name).join(Person, Person.id == model.person_id)
        .where(here, model.status == "registered", model.identifier.is_not(None))
        .order_by(Person.name, model.id).limit(ROLL_MOST + 1)
    ).all()
    return None if len(rows) > ROLL_MOST else [(str(identifier), name) for identifier, name in rows]


def _staff_item(entry: Any, person: Person, institution_id: int, profession: str) -> dict:
    item = {
        "registration_id": entry.id, "person_id": person.id, "name": person.name, "sex": person.sex,
        "identifier": entry.identifier, "status": entry.status, "registered_on": entry.registered_on.isoformat(),
    }
    if profession == "physician":
        item.update(level=entry.level, practice_category=entry.practice_category, practice_scopes=list(entry.practice_scopes),
                    main=entry.institution_id == institution_id)
    else:
        item.update(department=entry.department, valid_until=entry.valid_until.isoformat())
    return item


def other_staff_json(row: OtherStaff) -> dict:
    return {"id": row.id, "name": row.name, "sex": row.sex, "post": row.post, "title": row.title, "phone": row.phone,
            "status": "active"}


def clean_other_staff(body: dict, partial: bool = False) -> dict:
    cleaners = {
        "name": lambda v: text(v, 2, 30, "姓名"),
        "sex": lambda v: choice(v, {**SEXES, **SEX_ALIASES}, "性别"),
        "post": lambda v: text(v, 1, 50, "岗位"),
        "title": staff_title,
        "phone": lambda v: phone(v, "联系电话"),
    }
    errors = {key: UNKNOWN_FIELD for key in body if key not in cleaners}
    error_codes = dict.fromkeys(errors, "unknown_field")
    clean = {}
    for field, cleaner in cleaners.items():
        if field not in body:
            if not partial and field in ("name", "sex", "post"):
                errors[field], error_codes[field] = REQUIRED, "required"
            continue
        try:
            clean[field] = cleaner(body[field] if body[field] is not None else "")
        except FieldError as error:
            errors[field], error_codes[field] = str(error), error.code
    if errors:
        raise ValidationFailed(errors, error_codes)
    return clean


def add_other_staff(session: Session, account: Account, body: dict) -> OtherStaff:
    row = OtherStaff(institution_id=account.institution_id, **clean_other_staff(body))
    session.add(row)
    session.flush()
    return row


def own_other_staff(session: Session, account: Account, staff_id: int) -> OtherStaff:
    row = session.get(OtherStaff, staff_id)
    if row is None or row.institution_id != account.institution_id:
        raise not_found("人员")
    return row


def edit_other_staff(session: Session, account: Account, staff_id: int, body: dict) -> OtherStaff:
    row = own_other_staff(session, account, staff_id)
    for field, value in clean_other_staff(body, partial=True).items():
        setattr(row, field, value)
    row.updated_at = utcnow()
    return row


def remove_other_staff(session: Session, account: Account, staff_id: int) -> None:
    session.delete(own_other_staff(session, account, staff_id))


# --- clinical department → practice scope map ----------------------------------------------------


def scope_map(session: Session, account: Account) -> dict:
    institution = own_institution(session, account)
    mapped: dict[str, list[str]] = {name: [] for name in institution.department_names}
    for row in institution.scope_map:
        mapped.setdefault(row.department, []).append(row.scope)
    national = codes.default_scope_map()
    return {
        "departments": institution.department_names,
        "map": {department: sorted(scopes) for department, scopes in mapped.items()},
        "scopes": codes.practice_scopes(),
        "allowed": {department: sorted(national.get(department, ())) for department in institution.department_names},
    }


def replace_scope_map(session: Session, account: Account, body: dict) -> dict:
    institution = own_institution(session, account, lock=True)
    wanted = body.get("map")
    if not isinstance(wanted, dict):
        raise invalid({"map": "应为对象：诊疗科目 → 执业范围列表"})
    known_scopes = set(codes.practice_scopes())
    national = codes.default_scope_map()
    licensed = set(institution.department_names)
    errors: dict[str, str] = {}
    clean: dict[str, list[str]] = {}
    for department, scopes in wanted.items():
        if department not in licensed:
            errors[f"map.{department}"] = "不是本机构登记的诊疗科目"
            continue
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            errors[f"map.{department}"] = "应为执业范围名称的列表"
            continue
        unknown = [s for s in scopes if s not in known_scopes]
        if unknown:
            errors[f"map.{department}"] = f"不支持的执业范围：{'、'.join(unknown)}"
            continue
        # An institution may narrow the national department → scope map (《关于医师执业注册中执业范围的暂行规定》), never widen it.
        wider = sorted(set(scopes) - national.get(department, frozenset()))
        if wider:
            errors[f"map.{department}"] = (f"执业范围{'、'.join(wider)}不在全国诊疗科目与执业范围对照中“{department}”"
                                           "对应的范围内，只能缩小，不能扩大")
            continue
        clean[department] = sorted(set(scopes))
    if errors:
        raise invalid(errors)
    institution.scope_map[:] = [row for row in institution.scope_map if row.department not in clean]
    session.flush()  # the replaced rows go before their successors come, or the unique constraint would see both
    institution.scope_map.extend(
        DepartmentScope(department=department, scope=scope) for department, scopes in clean.items() for scope in scopes
    )
    session.add(InstitutionEvent(institution_id=institution.id, actor=actor_label(session, account), action="scope_map",
                                 text="修改诊疗科目与执业范围对照：" + "、".join(clean), detail={"map": clean}))
    audit(session, f"account:{account.id}", "institution_scope_map", f"institution:{institution.id}", map=clean)
    session.flush()
    return scope_map(session, account)


# --- staff tasks and accounts, with filters and counts ----------------------------------------------


def tasks(session: Session, account: Account, status: str | None, kind: str | None, profession: str | None,
          cursor: str = "", limit: int = MAX_LIST, page: int = 1, counted: bool = True) -> dict:
    """Applications of the institution's staff (and its own), filtered, in id order: `limit` a page after `cursor`
    (the `next` of the page before), else page `page`; counts per status over the same filters (`counted`: a list
    shown without its tabs does without that query)."""
    if status and status not in Status.__members__:
        raise invalid({"status": "未知的状态"})
    if kind and kind not in KINDS:
        raise invalid({"kind": "未知的业务类型"})
    if profession and profession not in ("physician", "nurse", "institution"):
        raise invalid({"profession": "应为 physician、nurse 或 institution"})
    conditions = [Application.institution_id == account.institution_id,
                  # The institution sees a staff application once verification has handed it on.
                  (Application.status != Status.submitted) | (Application.person_id.is_(None))]
    if kind:
        conditions.append(Application.kind == kind)
    if profession:
        conditions.append(Application.kind.in_([n for n, k in KINDS.items() if k.profession == profession]))
    counts = dict(session.execute(select(Application.status, func.count()).where(*conditions).group_by(Application.status)
                                  ).all()) if counted else {}
    chosen = status or Status.awaiting_institution
    query = (select(Application).where(*conditions, Application.status == chosen)
             .options(selectinload(Application.history)))  # the list shows each history: one query, not one per item
    items, following = by_id(session, query, Application.id, cursor, limit, page, scalars=True)
    return {"items": items, "counts": counts, "next": following}


# The statuses of a staff member's account the institution lists (a rejected sign-up has left the institution's list).
STAFF_ACCOUNT_STATUSES = {"pending_activation": "待激活", "active": "正常", "disabled": "已停用"}


def staff_accounts(session: Session, account: Account, status: str, profession: str | None, cursor: str = "",
                   limit: int = MAX_LIST, page: int = 1, counted: bool = True) -> tuple[list, dict, str | None]:
    """(account, person) of the institution's staff in `status`, paged as `tasks`; counts per status (as `tasks`);
    next."""
    if profession and profession not in ("physician", "nurse"):
        raise invalid({"profession": "应为 physician 或 nurse"})
    if status not in STAFF_ACCOUNT_STATUSES:
        raise invalid({"status": "应为以下之一：" + "、".join(f"{code}（{label}）" for code, label in STAFF_ACCOUNT_STATUSES.items())},
                      {"status": "choice"})
    conditions = [Account.institution_id == account.institution_id, Account.role == "person"]
    if profession:
        conditions.append(Person.profession == profession)
    base = select(Account, Person).join(Person, Person.id == Account.person_id).where(*conditions)
    counts = dict(session.execute(
        select(Account.status, func.count()).join(Person, Person.id == Account.person_id).where(*conditions).group_by(Account.status)
    ).all()) if counted else {}
    rows, following = by_id(session, base.where(Account.status == status), Account.id, cursor, limit, page)
    return [(a, p) for a, p in rows], counts, following


# --- webhook -------------------------------------------------------------------------------------


def webhook_json(hook: InstitutionWebhook | None) -> dict | None:
    if hook is None:
        return None
    return {"url": hook.url, "updated_at": clock.iso(hook.updated_at)}


def set_webhook(session: Session, settings: Settings, account: Account, body: dict) -> InstitutionWebhook:
    """Register the webhook; its address must resolve to public addresses only (publisher.egress), checked again at
    every delivery."""
    url, hook_secret = body.get("url"), body.get("secret")
    errors = {}
    try:
        egress.check_url(url, settings.allowed_push_networks)
    except egress.Blocked as blocked:
        errors["url"] = str(blocked)
    if not isinstance(hook_secret, str) or not 16 <= len(hook_secret) <= 200 or not re.fullmatch(r"\S+", hook_secret):
        errors["secret"] = "签名密钥应为16至200个非空白字符"
    errors.update({key: "不支持的字段" for key in body if key not in ("url", "secret")})
    if errors or not isinstance(url, str) or not isinstance(hook_secret, str):
        raise invalid(errors)
    hook = session.get(InstitutionWebhook, account.institution_id)
    if hook is None:
        hook = InstitutionWebhook(institution_id=account.institution_id)
        session.add(hook)
    hook.url, hook.secret_encrypted, hook.updated_at = url, encrypt(settings.secret, hook_secret), utcnow()
    audit(session, f"account:{account.id}", "institution_webhook", f"institution:{account.institution_id}", url=url)
    session.flush()
    return hook


def remove_webhook(session: Session, account: Account) -> None:
    hook = session.get(InstitutionWebhook, account.institution_id)
    if hook is None:
        raise not_found("回调地址")
    session.delete(hook)
    audit(session, f"account:{account.id}", "institution_webhook_removed", f"institution:{account.institution_id}")
