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
from pipeline.imports import LABELS as IMPORT_LABELS
from pipeline.kinds import KINDS
from pipeline.numbers import is_count
from pipeline.registers.institutions import FIELD_LABELS as INSTITUTION_FIELDS
from pipeline.review import ANY_SPEC, ENTRY_STATUS_LABELS
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
                errors[name] = "应为日期（如 2026-01-31），或带时区的时间（如 2026-01-31T08:00:00+08:00）"
    if result.since and result.until and result.since >= result.until:
        errors["until"] = "截止时间应晚于起始时间"
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


# --- how the page shows an entry: all in Chinese, never a code (the filter's options carry the codes as values) ------

ACTION_LABELS: dict[str, str] = {
    # accounts and logging in
    "signup": "实名注册", "signup_refused": "拒绝实名注册", "signup_rejected": "驳回实名注册", "signup_expired": "待激活注册超期作废",
    "activation_code": "发放激活码", "activate": "激活账号",
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录",
    "password_change": "修改密码", "password_reset_requested": "申请找回密码", "password_reset": "找回密码",
    "totp_enrol": "获取动态口令密钥", "totp_enrolled": "绑定动态口令",
    # applications
    "submit": "提交申请", "counter": "窗口录入", "batch_upload": "批量提交", "attach_material": "上传申请材料",
    "withdraw": "撤回申请", "resubmit": "修改后重新提交",
    "institution_confirm": "机构确认", "institution_return": "机构退回",
    "commission_approve": "批准", "commission_reject": "不予批准", "commission_return": "退回修改",
    "reveal_id_number": "查看完整证件号码",
    # the services' acts on an application (models/applications.py writes system_<status>; models/routing.py routes)
    "system_verifying": "开始核验", "system_verification_failed": "核验未通过",
    "system_awaiting_institution": "核验通过，转机构确认", "system_pending_approval": "核验通过，转卫健委审批",
    "system_routed": "分派至卫健委", "system_issued": "赋码", "system_published": "推送公示",
    # registers, publication, imports and exports
    "publish": "发布公示版本", "nurse_registration_expired": "护士注册有效期届满", "short_term_practice_lapsed": "短期行医期满",
    "institution_verification_state": "医疗机构校验到期提醒", "import": "导入数据", "upload_assessments": "上传定期考核结果",
    "export_register": "导出登记名册",
    # institutions
    "institution_handout": "分发医疗机构账号", "institution_info_update": "修改机构信息",
    "institution_scope_map": "修改诊疗科目与执业范围对照", "institution_webhook": "登记回调地址",
    "institution_webhook_removed": "删除回调地址",
    # the commission's own work and staff accounts
    "search": "综合查询", "search_by_id_number": "按证件号码查询",
    "create_account": "创建账号", "create_staff_account": "创建工作人员账号", "enable_account": "启用账号",
    "disable_account": "停用账号", "reset_password": "重置密码", "reset_password_requested": "申请重置密码（待另一名管理员批准）",
    "reset_password_approved": "批准重置密码",
}
# A target is `<prefix>:<id or identifier>`, or one of the words below for an act on no single record.
TARGET_LABELS: dict[str, str] = {"account": "账号", "application": "申请", "person": "人员", "institution": "医疗机构", "batch": "批次",
                                 "physician": "医师注册", "nurse": "护士注册"}
TARGET_WORDS: dict[str, str] = {"persons": "人员信息", "login": "登录", "assessments": IMPORT_LABELS["assessments"]}
DETAIL_LABELS: dict[str, str] = {
    "kind": "业务类型", "application_id": "申请编号", "name": "姓名", "material": "材料", "attachment_id": "材料编号",
    "sha256": "文件摘要", "size": "字节数", "account_id": "账号", "username": "用户名", "admin": "管理员", "sent_to": "发送至",
    "changed": "变更事项", "url": "回调地址", "rows": "行数", "register": "名册", "format": "文件格式",
    "identifier": "识别码", "version": "公示版本", "status": "登记状态", "state": "校验提醒", "was": "原校验提醒",
    "until": "有效期至", "reason": "原因", "via": "登录方式", "client": "来源地址", "query": "查询内容", "results": "查到条数",
    "persons": "人员", "map": "对照", "filename": "文件名", "loaded": "导入条数", "refused": "未导入条数",
    "published": "公示条数", "applied": "已写入", "request_id": "请求编号", "requested_by": "发起人", "role": "角色",
    "totp": "已设动态口令", "replaced": "替换原密钥",
}
ROLE_NAMES = {"person": "个人", "institution": "医疗机构", "commission": "卫健委"}
# Values that are codes, in Chinese, by the detail they are the value of.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "reason": {  # signup_refused: what was already taken; login_failed: the refusal's code (portal/errors.py)
        "id_number": "证件号码已注册账号", "mobile": "手机号码已被他人使用", "unauthorized": "用户名、密码或动态口令错误",
        "invalid": "未填写完整", "locked": "账号已锁定", "rate_limited": "本地址失败次数过多", "not_activated": "账号尚未激活",
        "disabled": "账号已停用", "forbidden": "无权登录"},
    "via": {"page": "网页", "api": "接口"},
    "state": {"due": "即将到期", "overdue": "已逾期", "": "无"},
    "was": {"due": "即将到期", "overdue": "已逾期", "": "无"},
    "format": {"csv": "CSV", "xlsx": "XLSX"},
    "role": ROLE_NAMES,
}
# Who acted, when not an account: a service (system:<its name>), an operator at the command line (cli:<login name>),
# a command (command:<what it is>), a visitor not logged in (client:<address>, anonymous). Most services name
# themselves in Chinese; these two do not.
SERVICE_NAMES = {"publisher": "公示服务", "expiry": "有效期服务"}
COMMAND_NAMES = {"medreg import": "数据导入"}


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


def _other_actor(actor: str) -> str:
    prefix, _, name = actor.partition(":")
    if prefix == "system":
        return f"系统（{SERVICE_NAMES.get(name, name)}）"
    if prefix == "cli":
        return f"命令行（{name}）"
    if prefix == "command":
        return f"命令行（{COMMAND_NAMES.get(name, '其他命令')}）"
    if prefix == "client":
        return f"未登录访问者（{name}）"
    return "未登录访问者" if actor == "anonymous" else "其他"


def _register_name(name: str) -> str:
    return REGISTERS.get(name) or IMPORT_LABELS.get(name, "登记名册")


def _detail_value(key: str, value: object, register: str, account_text, person_text) -> str:
    """`register`: the register an entry's target is in (physician, nurse, institution), for a status of it."""
    if key in VALUE_LABELS:
        return VALUE_LABELS[key].get(str(value), "其他")
    if key == "kind" and isinstance(value, str):
        return KINDS[value].label if value in KINDS else "其他业务"
    if key == "material" and isinstance(value, str):
        return next((m.label for kind in KINDS.values() for m in kind.materials if m.name == value), "其他材料")
    if key == "changed" and isinstance(value, list | dict):
        names = value if isinstance(value, list) else list(value)
        return "、".join(INSTITUTION_FIELDS.get(str(n)) or (ANY_SPEC[str(n)].title if str(n) in ANY_SPEC else "其他事项") for n in names)
    if key == "register" and isinstance(value, str):
        return _register_name(value)
    if key == "status" and isinstance(value, str):
        return ENTRY_STATUS_LABELS.get(register, {}).get(value, "其他状态")
    if key in ("account_id", "requested_by") and isinstance(value, int):
        return account_text(value)
    if key == "persons" and isinstance(value, list):
        return "、".join(person_text(n) for n in value)
    if key == "map" and isinstance(value, dict):
        return "，".join(f"{department}（{'、'.join(map(str, scopes))}）" for department, scopes in value.items())
    if key == "version" and isinstance(value, int):
        return f"第 {value} 版"
    if key == "sha256" and isinstance(value, str):
        return value.upper()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def shown(session: Session, entries: list[AuditEntry]) -> list[Shown]:
    """Each entry with its actor and target named (accounts by role and user name or person), the action and the
    details in Chinese. What the tables do not know reads 其他 (其他操作, 其他对象, …), never its code."""
    from models import Institution, Person

    ids = {n for e in entries for text in (e.actor, e.target) for p, n in [_ref(text)] if n is not None
           and p in ("account", "person", "institution")}
    ids |= {v for e in entries for k, v in (e.detail or {}).items() if k in ("account_id", "requested_by") and isinstance(v, int)}
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

    def person_text(number: object) -> str:
        person = session.get(Person, number) if isinstance(number, int) else None
        return person.name if person else f"#{number}"

    def target_text(text: str) -> str:
        prefix, number = _ref(text)
        rest = text.partition(":")[2]
        if prefix == "account":
            return account_text(number)
        if prefix == "person" and number is not None:
            return f"人员 {person_text(number)}"
        if prefix == "institution" and number is not None:
            institution = session.get(Institution, number)
            return institution.name if institution else f"医疗机构 #{number}"
        if prefix == "register":
            return _register_name(rest)
        if text in TARGET_WORDS:
            return TARGET_WORDS[text]
        if prefix in TARGET_LABELS and rest:  # an id (#12), or a register entry's identifier
            return f"{TARGET_LABELS[prefix]} {'#' + rest if number is not None else rest}"
        return "其他对象"

    result = []
    for entry in entries:
        prefix, number = _ref(entry.actor)
        # Sign-up and activation name the account under the role that acted (person:ID, institution:ID).
        actor = account_text(number) if prefix in ("account", "person", "institution") else _other_actor(entry.actor)
        register = entry.target.partition(":")[0]
        detail = [(DETAIL_LABELS.get(k, "其他"), _detail_value(k, v, register, account_text, person_text))
                  for k, v in (entry.detail or {}).items()]
        result.append(Shown(entry, actor, ACTION_LABELS.get(entry.action, "其他操作"), target_text(entry.target), detail))
    return result
