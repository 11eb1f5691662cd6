"""The audit log 审计日志 of a commission's jurisdiction, filtered by actor, action and time."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import Account, AuditEntry
from models.divisions import within
from pipeline import clock
from pipeline.errors import ValidationFailed
from pipeline.numbers import is_count
from pipeline.routing import jurisdiction_prefix
from portal.errors import invalid
from portal.services.paging import Count, by_id, count_up_to, id_cursor
from portal.services.register_exports import REGISTERS

PER_PAGE = 100


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    cursor: str = ""  # the `next` of the page before: the id of its last entry (keyset, newest first)


def parse_moment(raw: str, end_of_day: bool) -> datetime:
    """YYYY-MM-DD (China's day; `until` takes the whole day) or an ISO 8601 time with its zone."""
    if len(raw) == 10:
        day = date.fromisoformat(raw)
        return clock.start_of_day(day + timedelta(days=1) if end_of_day else day)
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def parse_audit_filter(params: Mapping[str, str]) -> AuditFilter:
    errors: dict[str, str] = {}
    result = AuditFilter(actor=(params.get("actor") or "").strip()[:100], action=(params.get("action") or "").strip()[:60])
    for name in ("since", "until"):
        raw = (params.get(name) or "").strip()
        if raw:
            try:
                setattr(result, name, parse_moment(raw, end_of_day=name == "until"))
            except (ValueError, OverflowError):
                errors[name] = "应为YYYY-MM-DD，或带时区的ISO 8601时间"
    page = (params.get("page") or "1").strip()
    if not is_count(page) or int(page) < 1:
        errors["page"] = "应为正整数"
    else:
        result.page = int(page)
    result.cursor = (params.get("cursor") or "").strip()
    try:
        id_cursor(result.cursor)
    except ValidationFailed as failed:
        errors.update(failed.fields)
    if errors:
        raise invalid(errors)
    return result


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    count: Count
    next: str | None  # the cursor of the next page, None on the last


def audit_page(session: Session, account: Account, filt: AuditFilter) -> AuditPage:
    """Entries of the jurisdiction (by the division each was written for), newest first. The national
    commission also sees entries written for no division. Paged by `cursor` (keyset on the id, as cheap at any
    depth as the first page) or by page number; counted up to paging.COUNT_CAP."""
    prefix = jurisdiction_prefix(account.division_code)
    scope = and_(*within(AuditEntry.division_code, prefix))
    conditions = [or_(scope, AuditEntry.division_code.is_(None)) if prefix == "" else scope]
    if filt.actor:
        conditions.append(AuditEntry.actor.contains(filt.actor))
    if filt.action:
        conditions.append(AuditEntry.action == filt.action)
    if filt.since:
        conditions.append(AuditEntry.at >= filt.since)
    if filt.until:
        conditions.append(AuditEntry.at < filt.until)
    count = count_up_to(session, AuditEntry, conditions)
    entries, following = by_id(session, select(AuditEntry).where(*conditions), AuditEntry.id, filt.cursor, PER_PAGE,
                               filt.page, descending=True, scalars=True)
    return AuditPage(entries, count, following)


def entry_json(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": clock.iso(entry.at), "actor": entry.actor, "action": entry.action, "target": entry.target,
            "division": entry.division_code, "detail": entry.detail or {}, "sealed": entry.seq is not None, "seq": entry.seq}


# --- how the page shows an entry: in Chinese, the codes beside it only where a filter takes them ----------------

ACTION_LABELS: dict[str, str] = {
    "signup": "实名注册", "activation_code": "发放激活码", "activate": "激活账号", "submit": "提交申请", "counter": "窗口录入",
    "batch_upload": "批量提交", "attach_material": "上传申请材料", "reveal_id_number": "查看完整证件号码",
    "institution_confirm": "机构确认", "institution_return": "机构退回",
    "commission_approve": "批准", "commission_reject": "不予批准", "commission_return": "退回修改",
    "institution_handout": "分发医疗机构账号", "institution_info_update": "修改机构信息", "institution_webhook": "登记回调地址",
    "password_change": "修改密码", "password_reset_requested": "申请找回密码", "password_reset": "找回密码",
    "create_staff_account": "创建工作人员账号", "enable_account": "启用账号", "disable_account": "停用账号", "reset_password": "重置密码",
    "export_register": "导出登记名册",
    "totp_enrol": "获取动态口令密钥", "totp_enrolled": "绑定动态口令",
}
TARGET_LABELS: dict[str, str] = {"account": "账号", "application": "申请", "person": "人员", "institution": "医疗机构", "batch": "批次"}
DETAIL_LABELS: dict[str, str] = {
    "kind": "业务类型", "application_id": "申请编号", "name": "姓名", "material": "材料", "attachment_id": "材料编号",
    "sha256": "文件摘要", "size": "字节数", "account_id": "账号编号", "username": "用户名", "admin": "管理员", "sent_to": "发送至",
    "changed": "变更事项", "url": "回调地址", "rows": "行数", "register": "名册", "format": "文件格式",
}
ROLE_NAMES = {"person": "个人", "institution": "医疗机构", "commission": "卫健委"}


@dataclass(frozen=True)
class Shown:
    """An audit entry as the page shows it."""

    entry: AuditEntry
    actor: str
    action: str
    target: str
    detail: list[tuple[str, str]]


def _ref(text: str) -> tuple[str, int | None]:
    prefix, _, number = text.partition(":")
    return prefix, int(number) if number.isdigit() else None


def _detail_value(key: str, value: object) -> str:
    from pipeline.kinds import KINDS
    from pipeline.registers.institutions import FIELD_LABELS
    from pipeline.review import ANY_SPEC

    if key == "kind" and isinstance(value, str):
        return KINDS[value].label if value in KINDS else "其他业务"
    if key == "material" and isinstance(value, str):
        return next((m.label for kind in KINDS.values() for m in kind.materials if m.name == value), "其他材料")
    if key == "changed" and isinstance(value, list | dict):
        names = value if isinstance(value, list) else list(value)
        return "、".join(FIELD_LABELS.get(str(n)) or (ANY_SPEC[str(n)].title if str(n) in ANY_SPEC else "其他事项") for n in names)
    if key == "register" and isinstance(value, str):
        return REGISTERS.get(value, "其他名册")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def shown(session: Session, entries: list[AuditEntry]) -> list[Shown]:
    """Each entry with its actor and target named (accounts by role and user name or person), the action and the
    details in Chinese. An action the table does not know keeps its code."""
    from models import Institution, Person

    ids = {n for e in entries for text in (e.actor, e.target) for p, n in [_ref(text)] if n is not None
           and p in ("account", "person", "institution")}
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}

    def account_text(number: int | None) -> str:
        found = accounts.get(number) if number is not None else None
        if found is None:
            return f"账号 #{number}"
        who = found.username
        if found.role == "person" and found.person_id is not None:
            person = session.get(Person, found.person_id)
            who = person.name if person else who
        elif found.role == "institution" and found.institution_id is not None and not who:
            institution = session.get(Institution, found.institution_id)
            who = institution.name if institution else who
        return f"{ROLE_NAMES.get(found.role, '')}账号 {who or '#' + str(number)}"

    def target_text(text: str) -> str:
        prefix, number = _ref(text)
        if prefix == "account":
            return account_text(number)
        if prefix == "person" and number is not None:
            person = session.get(Person, number)
            return f"人员 {person.name}" if person else f"人员 #{number}"
        if prefix == "institution" and number is not None:
            institution = session.get(Institution, number)
            return institution.name if institution else f"医疗机构 #{number}"
        if prefix == "register":
            return REGISTERS.get(text.partition(":")[2], "登记名册")
        return f"{TARGET_LABELS.get(prefix, '对象')} #{number}" if number is not None else text

    result = []
    for entry in entries:
        prefix, number = _ref(entry.actor)
        # Sign-up and activation name the account under the role that acted (person:ID, institution:ID).
        actor = account_text(number) if prefix in ("account", "person", "institution") else entry.actor
        detail = [(DETAIL_LABELS.get(k, "其他"), _detail_value(k, v)) for k, v in (entry.detail or {}).items()]
        result.append(Shown(entry, actor, ACTION_LABELS.get(entry.action, "其他操作"), target_text(entry.target), detail))
    return result
