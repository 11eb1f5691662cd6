"""The commission's workbench 审批工作台: its jurisdiction's applications with filters, sorting, paging and
time-limit markers, and decisions on several items at once."""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, false, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session, selectinload

from models import Account, Application, Institution, Person
from models import search as name_index
from models.divisions import within
from pipeline import clock
from pipeline.applications import decision_comment
from pipeline.fields import FieldError
from pipeline.kinds import KINDS
from pipeline.lifecycle import Status
from pipeline.numbers import MAX_INT, is_count
from pipeline.routing import in_jurisdiction, jurisdiction_prefix
from pipeline.time_limits import MARKER_LABELS, Deadline, deadline, latest_start, parse_limits
from portal.errors import REFUSALS, described, invalid
from portal.services.applications import commission_decide
from portal.services.paging import BAD_CURSOR, Count, count_up_to, search_text

SORTS = {"waiting": "等待最久在前", "-waiting": "等待最短在前", "submitted": "提交早在前", "-submitted": "提交晚在前",
         "id": "编号升序", "-id": "编号降序"}
MAX_PER_PAGE = 500
MAX_BATCH = 200


def time_limits(ini: Mapping[str, str] | None = None) -> dict[str, int]:
    """Per-kind limits: the defaults, with MEDREG_TIME_LIMITS (or medreg.time_limits in the .ini) over them."""
    return parse_limits(os.environ.get("MEDREG_TIME_LIMITS") or (ini or {}).get("medreg.time_limits", ""))


@dataclass
class QueueFilter:
    status: str | None = Status.pending_approval  # None: every status
    kind: str | None = None
    division: str | None = None
    institution_id: int | None = None
    waiting_min: int | None = None  # working days waited at the commission, at least
    marker: str | None = None
    sort: str = "waiting"
    page: int = 1
    per_page: int = MAX_PER_PAGE
    after: tuple | None = None  # the sort key of the previous page's last item (`cursor`): keyset paging

    def query_args(self) -> dict[str, str]:
        """The filter as query parameters (for the page's links), without the page number."""
        shown = {"status": self.status or "all", "kind": self.kind, "division": self.division,
                 "institution": self.institution_id, "waiting_min": self.waiting_min, "marker": self.marker,
                 "sort": self.sort, "per_page": self.per_page}
        return {key: str(value) for key, value in shown.items() if value not in (None, "")}


def _int(params: Mapping[str, str], name: str, errors: dict[str, str], low: int, high: int | None = None) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not is_count(raw) or int(raw) < low or (high is not None and int(raw) > high):
        errors[name] = f"应为{low}{'至' + str(high) if high else '及以上'}的整数"
        return None
    return int(raw)


def parse_queue_filter(params: Mapping[str, str], account: Account, default_per_page: int = MAX_PER_PAGE) -> QueueFilter:
    """The workbench filter from query parameters; 400 naming each bad one."""
    errors: dict[str, str] = {}
    result = QueueFilter(per_page=default_per_page)
    status = (params.get("status") or Status.pending_approval).strip()
    if status == "all":
        result.status = None
    elif status in Status.__members__:
        result.status = status
    else:
        errors["status"] = "未知的状态"
    kind = (params.get("kind") or "").strip()
    if kind and kind not in KINDS:
        errors["kind"] = "未知的业务类型"
    result.kind = kind or None
    division = (params.get("division") or "").strip()
    if division:
        if not (len(division) == 6 and is_count(division)):
            errors["division"] = "行政区划代码应为6位数字"
        elif not in_jurisdiction(account.division_code, division):
            errors["division"] = f"{division} 不在本辖区内：请填写本辖区（{account.division_code}）或其下级的行政区划代码"
        result.division = division
    result.institution_id = _int(params, "institution", errors, 1)
    result.waiting_min = _int(params, "waiting_min", errors, 0, 3650)
    marker = (params.get("marker") or "").strip()
    if marker and marker not in MARKER_LABELS:
        errors["marker"] = "应为 on_time、due_soon 或 overdue"
    result.marker = marker or None
    sort = (params.get("sort") or "waiting").strip()
    if sort not in SORTS:
        errors["sort"] = "应为 " + "、".join(SORTS)
    result.sort = sort
    result.page = _int(params, "page", errors, 1) or 1
    result.per_page = _int(params, "per_page", errors, 1, MAX_PER_PAGE) or default_per_page
    cursor = (params.get("cursor") or "").strip()
    if cursor and "sort" not in errors:
        result.after = parse_cursor(cursor, sort)
        if result.after is None:
            errors["cursor"] = f"{BAD_CURSOR}（排序须相同）"
    if errors:
        raise invalid(errors)
    return result


def find_institution(session: Session, account: Account, text: str) -> int:
    """The 执业机构 filter as a clerk types it, when it is not an institution id: an institution of the jurisdiction
    by its unified social credit code or its name (the whole name, or a part only one institution's name holds).
    Refused naming the field when there is none, or more than one (or the text is longer than any search string)."""
    text = search_text(text, "institution", "执业机构")
    scope = within(Institution.division_code, jurisdiction_prefix(account.division_code))
    found = session.scalar(select(Institution.id).where(Institution.uscc == text.upper(), *scope))
    if found is not None:
        return found
    exact = session.scalars(select(Institution.id).where(Institution.name == text, *scope).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    named = session.execute(select(Institution.id, Institution.name)
                            .where(name_index.contains(session, Institution.name, text), *scope)
                            .order_by(Institution.name, Institution.id).limit(4)).all()
    if len(named) == 1:
        return named[0].id
    if not named:
        raise invalid({"institution": f"本辖区内没有名称或统一社会信用代码为“{text}”的医疗机构"})
    examples = "、".join(dict.fromkeys(row.name for row in named[:3]))
    raise invalid({"institution": f"名称含“{text}”的机构不止一家（如{examples}），请填写完整名称或统一社会信用代码"})


def waiting_since():
    """When the commission got it: when it last entered 待审批 (Application.waiting_since), else its submission."""
    return func.coalesce(Application.waiting_since, Application.submitted_at)


@dataclass
class QueueItem:
    application: Application
    since: datetime | None
    deadline: Deadline | None
    applicant: str | None
    institution: str | None


@dataclass
class QueuePage:
    items: list[QueueItem]
    count: Count
    filter: QueueFilter
    limits: dict[str, int] = field(default_factory=dict)
    next: str | None = None  # the cursor of the next page (keyset), None on the last

    @property
    def total(self) -> int:
        return self.count.total

    @property
    def pages(self) -> int | None:
        """None when the count stopped at its cap (paging.COUNT_CAP)."""
        return self.count.pages(self.filter.per_page)


ORDERS = {  # sort → (key expressions, descending)
    "waiting": ((waiting_since(), Application.id), False), "-waiting": ((waiting_since(), Application.id), True),
    "submitted": ((Application.submitted_at, Application.id), False),
    "-submitted": ((Application.submitted_at, Application.id), True),
    "id": ((Application.id,), False), "-id": ((Application.id,), True),
}


def queue_page(session: Session, account: Account, filt: QueueFilter, limits: dict[str, int], today: date | None = None) -> QueuePage:
    today = today or clock.today()
    since = waiting_since()
    conditions: list[ColumnElement[bool]] = within(Application.commission_code, jurisdiction_prefix(account.division_code))
    if filt.status:
        conditions.append(Application.status == filt.status)
    if filt.kind:
        conditions.append(Application.kind == filt.kind)
    if filt.division:
        conditions += within(Application.commission_code, jurisdiction_prefix(filt.division))
    if filt.institution_id:
        conditions.append(Application.institution_id == filt.institution_id)
    if filt.waiting_min is not None:
        latest = _latest_start_for(today, filt.waiting_min)
        conditions.append(since < clock.start_of_day(latest + timedelta(days=1)))
    if filt.marker:
        conditions.append(Application.status == Status.pending_approval)
        conditions.append(marker_condition(since, filt.marker, limits, today))
    count = count_up_to(session, Application, conditions)
    keys, descending = ORDERS[filt.sort]
    page = select(Application).where(*conditions)
    if filt.after is not None:
        # keyset: strictly after the last item of the previous page, in the page's order
        bound = tuple_(*(literal(value) for value in filt.after))
        page = page.where(tuple_(*keys) < bound if descending else tuple_(*keys) > bound)
    else:
        page = page.offset((filt.page - 1) * filt.per_page)
    page = page.order_by(*(key.desc() if descending else key.asc() for key in keys)).limit(filt.per_page + 1)
    applications = list(session.scalars(page.options(selectinload(Application.history))))
    more = len(applications) > filt.per_page
    applications = applications[:filt.per_page]
    persons = _names(session, Person, {a.person_id for a in applications})
    institutions = _names(session, Institution, {a.institution_id for a in applications})
    items = [
        QueueItem(
            application=application,
            since=application.waiting_since,
            deadline=deadline(application.kind, clock.day_of(application.waiting_since or application.submitted_at), today, limits)
            if application.status == Status.pending_approval else None,
            applicant=persons.get(application.person_id) if application.person_id else None,
            institution=institutions.get(application.institution_id) if application.institution_id else None,
        )
        for application in applications
    ]
    last = applications[-1] if applications else None
    return QueuePage(items, count, filt, limits, next=cursor_of(filt.sort, last) if more and last else None)


def cursor_of(sort: str, application: Application) -> str:
    """The page's last item as an opaque cursor: its sort key."""
    key: list = [application.id]
    if sort.lstrip("-") == "waiting":
        key.insert(0, (application.waiting_since or application.submitted_at).isoformat())
    elif sort.lstrip("-") == "submitted":
        key.insert(0, application.submitted_at.isoformat())
    raw = json.dumps([sort, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_cursor(raw: str, sort: str) -> tuple | None:
    """The sort key a cursor holds, or None if it is not one of ours for this sort."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        cursor_sort, *key = decoded
        if cursor_sort != sort or not key or type(key[-1]) is not int or not 0 <= key[-1] <= MAX_INT:
            return None  # (an id beyond the column's range failed in the database)
        if len(key) == 2:
            return datetime.fromisoformat(key[0]), key[1]
        return (key[0],) if len(key) == 1 else None
    except (ValueError, TypeError):
        return None


def _latest_start_for(today: date, working_days: int) -> date:
    from pipeline.working_days import mainland_calendar

    return mainland_calendar().subtract_working_days(today, working_days)


def marker_condition(since, marker: str, limits: dict[str, int], today: date):
    """Per kind: the start days whose deadline shows `marker` today, as ranges of `since`."""
    clauses = []
    for kind in KINDS:
        limit = limits.get(kind, 20)
        due_soon_by = clock.start_of_day(latest_start(today, limit, "due_soon") + timedelta(days=1))
        overdue_by = clock.start_of_day(latest_start(today, limit, "overdue") + timedelta(days=1))
        window = {
            "overdue": since < overdue_by,
            "due_soon": and_(since < due_soon_by, since >= overdue_by),
            "on_time": since >= due_soon_by,
        }[marker]
        clauses.append(and_(Application.kind == kind, window))
    return or_(*clauses) if clauses else false()


def _names(session: Session, model, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def deadline_json(item: QueueItem) -> dict | None:
    if item.deadline is None:
        return None
    d = item.deadline
    return {"limit": d.limit, "started": d.started.isoformat(), "due": d.due.isoformat(), "elapsed": d.elapsed,
            "remaining": d.remaining, "marker": d.marker, "label": d.label}


# --- decisions on several items ---------------------------------------------------------------


def parse_batch(body: Mapping) -> tuple[list[int], str, str]:
    ids, decision, comment = body.get("ids"), body.get("decision"), body.get("comment") or ""
    errors: dict[str, str] = {}
    if not isinstance(ids, list) or not ids:
        errors["ids"] = "应为非空的申请编号列表"
    elif len(ids) > MAX_BATCH:
        errors["ids"] = f"一次最多{MAX_BATCH}件"
    elif not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_INT for i in ids):
        errors["ids"] = "申请编号应为正整数"
    if decision not in ("approve", "reject", "return"):
        errors["decision"] = "只能是 approve、reject 或 return"
    codes = dict.fromkeys(errors, "invalid")
    try:
        comment = decision_comment(comment)
    except FieldError as error:
        errors["comment"], codes["comment"] = str(error), error.code
    else:
        if decision in ("reject", "return") and not comment:
            errors["comment"], codes["comment"] = "不予批准或退回时必须填写原因", "invalid"
    if errors or not isinstance(ids, list) or not isinstance(decision, str):
        raise invalid(errors, codes)
    return sorted(set(ids)), decision, comment


def decide_many(session: Session, account: Account, ids: list[int], decision: str, comment: str) -> list[dict]:
    """Each item on its own savepoint: one refused item leaves the others decided. In id order, so two
    batches over the same items lock them in the same order."""
    results = []
    for application_id in ids:
        try:
            with session.begin_nested():
                application = commission_decide(session, account, application_id, decision, comment)
            results.append({"id": application_id, "ok": True, "status": application.status})
        except REFUSALS as refusal:
            _, code, message, _, _ = described(refusal)
            results.append({"id": application_id, "ok": False, "error": {"code": code, "message": message}})
    return results
