"""A physician's or nurse's own business: every kind a person of their profession submits, one form each
(derived from the kind), the first registration included. Physicians use /me/business, nurses /me/nurse;
/me/apply is the first registration of a physician."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.request import Request
from pyramid.view import view_config

from models import Person
from models.registers.nurses import nurse_entry
from pipeline.kinds import KINDS, PERSON, Kind, kinds_where, physician_first_registration
from portal.pages.common import FORM_ERRORS, form_refused
from portal.pages.kind_forms import confirmed, form_of, looking_up, read_form, shown
from portal.services import applications
from portal.services.practice_records import nurse_registration_json

# The page of each profession, and the id its form has always had (journeys and scripts find it by it).
PAGES = {"physician": ("me.business", "business-form"), "nurse": ("me.nurse", "nurse-form")}
FIRST_REGISTRATION = physician_first_registration.KIND


def offered(profession: str) -> list[Kind]:
    return kinds_where(profession=profession, submitted_by=PERSON, counter=False)


def page(request: Request, person: Person, kind: Kind | None, form: dict | None = None, **extra: object) -> dict:
    """The page of `kind` showing `form` (what was posted), or the form as it starts."""
    route, form_id = PAGES[person.profession]
    entry = nurse_registration_json(request.dbsession, person.id) if person.profession == "nurse" else None
    values = prefilled(request, person, kind) if form is None else form
    return {
        "kinds": offered(person.profession), "kind": kind, "route": route, "form_id": form_id, "entry": entry,
        "kf": form_of(request, kind, values=values) if kind else None, "form": values, **extra,
    }


def prefilled(request: Request, person: Person, kind: Kind | None) -> dict:
    """A nurse's forms, and a physician's first registration, start at the institution the account was opened with."""
    if kind is not None and (person.profession == "nurse" or kind is FIRST_REGISTRATION):
        return {"institution_id": str(request.account.institution_id or "")}
    return {}


def business_of(request: Request, profession: str, default: Kind | None, route_kind: Kind | None = None) -> object:
    person = request.dbsession.get(Person, request.account.person_id)
    if person is None or person.profession != profession:
        if profession == "nurse":
            return HTTPFound(location=request.route_url("me"))
        raise HTTPNotFound()
    wanted = route_kind or KINDS.get(request.params.get("kind", ""))
    kind = wanted if wanted in offered(profession) else default
    if request.method != "POST" or kind is None:
        return page(request, person, kind)
    data = read_form(request, kind)
    if looking_up(request):
        return page(request, person, kind, form=shown(data))
    try:
        confirmed(request, kind, data)
        application = applications.submit(request.dbsession, request.account, kind.name, data)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return page(request, person, kind, error=error, form=shown(data))
    request.session.flash(f"{kind.label}申请已提交，系统正在核验，请留意办理进度。")
    return HTTPFound(location=request.route_url("me.application", id=application.id))


@view_config(route_name="me.business", renderer="person_business.jinja2", permission="person")
def physician_business(request: Request) -> object:
    return business_of(request, "physician", None)


@view_config(route_name="me.nurse", renderer="person_business.jinja2", permission="person")
def nurse_business(request: Request) -> object:
    # The first registration opens by itself only for a nurse not yet on the register; a registered nurse chooses.
    registered = nurse_entry(request.dbsession, request.account.person_id or 0) is not None
    return business_of(request, "nurse", None if registered else offered("nurse")[0])


@view_config(route_name="me.apply", renderer="apply.jinja2", permission="person")
def apply(request: Request) -> object:
    return business_of(request, "physician", FIRST_REGISTRATION, route_kind=FIRST_REGISTRATION)
