"""What every page shares: template globals, form errors, the landing page of each role."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender
from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request

from models import Account, Commission, Person
from models.divisions import Division
from models.registers.physicians import physician_entry
from pipeline import clock
from pipeline import review as review_rules
from pipeline.errors import Conflict, Forbidden, NotFound, TransitionRefused, ValidationFailed
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS
from pipeline.numbers import is_count
from pipeline.persons import mask_mobile
from portal.errors import REFUSALS, Refused
from portal.labels import DATA_LABELS, field_names, kind_data_labels
from portal.pages.kind_forms import scopes_by_category
from portal.services.accounts import mobile_of

ROLE_LABELS = {"person": "个人", "institution": "医疗机构", "commission": "卫生健康委"}
ROLE_HOMES = {"person": "me", "institution": "institution", "commission": "commission"}

@dataclass
class FormError:
    """A refused form: one message on top and one per field, shown next to the field."""

    message: str
    fields: dict[str, str] = field(default_factory=dict)
    status: int = 400


def mistyped_password(request: Request, field: str) -> FormError | None:
    """A page's new password is typed twice (`field` and `field`_confirm): the refusal when they differ, before any
    service sees the request (so nothing changes and no attempt is counted); the API takes the password once."""
    if request.POST.get(field, "") == request.POST.get(f"{field}_confirm", ""):
        return None
    request.response.status = 400
    return FormError("提交的内容有误，请按提示修改", {f"{field}_confirm": "两次输入的新密码不一致"}, 400)


def form_error(request: Request, error: Exception, keep: bool = False) -> FormError:
    """Turn a service's refusal into what the form shows; nothing the request wrote is kept unless `keep`."""
    if not keep:
        request.tm.doom()
    if isinstance(error, Refused):
        return FormError(error.message, error.fields, error.status)
    if isinstance(error, ValidationFailed):
        # The summary names every reason (in Chinese), so one for a field the form does not show — a forged choice, a
        # value only the request carried — is read too, not only "please fix as shown" with nothing shown.
        return FormError("提交的内容有误，请按提示修改。" + error.message_naming(field_names()).removeprefix("提交的内容有误："),
                         error.fields, 400)
    if isinstance(error, (TransitionRefused, Conflict)):
        return FormError(error.message, {}, 409)
    if isinstance(error, Forbidden):
        return FormError(error.message, {}, 403)
    if isinstance(error, NotFound):
        return FormError(error.message, {}, 404)
    raise error


FORM_ERRORS = REFUSALS


def form_refused(request: Request, error: Exception, keep: bool = False) -> FormError:
    """`form_error`, and the answer's status its: the form shown again with the reasons, as 400 (or 403, 404, 409)."""
    shown = form_error(request, error, keep)
    request.response.status = shown.status
    return shown


def home_of(request: Request, account: Account | None) -> str:
    if account is None:
        return request.route_url("home")
    return request.route_url(ROLE_HOMES.get(account.role, "home"))


def safe_next(request: Request, target: str | None) -> str | None:
    """Only a path on this site: a `next` pointing elsewhere would make the login page an open redirect. No
    whitespace, control character or backslash either: a CR or LF in a Location header made the login a 500 (WebOb
    refuses to send it) after the password was right, and browsers read `\\` as `/`."""
    if not target or any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return request.application_url + target


def page_number(raw: str | None) -> int:
    """A page number from a pager's link (macros.jinja2 `pager`); anything else is the first page: the cursor is
    what pages such a list, the number only labels it."""
    raw = (raw or "").strip()
    return int(raw) if is_count(raw, 10**6) and int(raw) >= 1 else 1


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def kind_label(kind: str) -> str:
    return KINDS[kind].label if kind in KINDS else kind


def data_rows(application, institution_names: dict | None = None) -> list[tuple[str, str]]:
    """(Chinese title, value as text) of each field of an application's data: no field name or code reaches a page."""
    return review_rules.data_rows(KINDS.get(application.kind), application.data or {}, institution_names or {})


def entry_status(profession: str | None, status: str | None) -> str:
    """A register entry's status in Chinese (the physician, nurse or institution register's own labels)."""
    labels = review_rules.ENTRY_STATUS_LABELS.get(profession or "", {})
    return labels.get(status or "", "—" if not status else "其他状态")


def commission_label(request: Request, code: str | None) -> str:
    """A commission as a page names it: its name (the division code only if it is not on record)."""
    if not code:
        return ""
    commission = request.dbsession.get(Commission, code)
    return commission.name if commission else f"行政区划{code}卫生健康委"


def division_label(request: Request, code: str | None) -> str:
    """A division as a page names it: 秀英区（460105）, as the statistics do; the bare code only if not on record."""
    if not code:
        return ""
    division = request.dbsession.get(Division, code)
    return f"{division.name}（{code}）" if division else code


def profession_of(request: Request) -> str | None:
    """A person's profession (physician or nurse), for the menu that offers only their own business."""
    account = request.account
    if account is None or account.role != "person":
        return None
    person = request.dbsession.get(Person, account.person_id)
    return person.profession if person else None


def first_registration_offered(request: Request) -> bool:
    """Whether a person's menu and page offer 首次注册申请: a physician not yet on the register (the others do their
    business on their business page). Read it as `request.first_registration_offered`: worked out once a request
    (the menu and the page both ask), not once per asker."""
    account = request.account
    if account is None or account.role != "person" or profession_of(request) != "physician":
        return False
    return physician_entry(request.dbsession, account.person_id) is None


def finalize(value: object) -> object:
    """What every `{{ … }}` of a page prints (the jinja2.finalize of portal/__init__.py): nothing for a missing value,
    never Python's "None" (a date not known, as a status's start of an entry imported without one)."""
    return "" if value is None else value


def add_template_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is None or not str(event.get("renderer_name", "")).endswith(".jinja2"):
        return
    event.setdefault("get_csrf_token", lambda: get_csrf_token(request))
    event.setdefault("account", request.account)
    event.setdefault("status_label", status_label)
    event.setdefault("kind_label", kind_label)
    event.setdefault("role_labels", ROLE_LABELS)
    event.setdefault("data_labels", DATA_LABELS)
    event.setdefault("kind_data_labels", kind_data_labels)
    event.setdefault("field_label", lambda name: field_names().get(name, name))
    event.setdefault("data_rows", data_rows)
    event.setdefault("entry_status", entry_status)
    event.setdefault("commission_label", lambda code: commission_label(request, code))
    event.setdefault("division_label", lambda code: division_label(request, code))
    event.setdefault("scopes_by_category", scopes_by_category())
    event.setdefault("masked_mobile", mask_mobile)  # the one way a page shows a mobile (pipeline/persons.py)
    event.setdefault("mobile_of", mobile_of)  # where a person's account is reached (a sign-up's waiting mobile)
    event.setdefault("when", clock.shown)  # every moment a page shows is Beijing time
    event.setdefault("profession", lambda: profession_of(request))
    event.setdefault("first_registration_offered", lambda: request.first_registration_offered)
    event.setdefault("form", {})
    event.setdefault("error", None)


def decision_page(request: Request, decide, page, done: str, home_route: str):
    """POST of an approve/confirm/return/reject form on an item page: decide, then go home with a message;
    a refusal shows the item page again with the reason and the comment kept."""
    application_id = int(request.matchdict["id"])
    decision, comment = request.POST.get("decision", ""), request.POST.get("comment", "")
    try:
        decide(request.dbsession, request.account, application_id, decision, comment)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return page(request, application_id, error=error, form={"comment": comment})
    request.session.flash(done)
    return HTTPFound(location=request.route_url(home_route))
