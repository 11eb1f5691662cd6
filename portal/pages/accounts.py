"""Home, login, logout, real-name sign-up and activation; a staff account binding its second factor."""
from __future__ import annotations

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPFound
from pyramid.request import Request
from pyramid.security import forget, remember
from pyramid.view import view_config

from models.audit import audit
from pipeline import totp
from pipeline.persons import ID_TYPES
from portal.errors import REFUSALS, refusal_code
from portal.pages.common import FORM_ERRORS, form_error, form_refused, home_of, safe_next
from portal.pages.kind_forms import institution_field, looking_up
from portal.services import accounts, second_factor
from portal.services.attempts import client_of
from portal.services.institution_choices import Scope

SIGNUP_FIELDS = ("profession", "name", "sex", "birth_date", "id_type", "id_number", "mobile", "password", "institution_id")


@view_config(route_name="home", renderer="home.jinja2", permission="public")
def home(request: Request):
    return {}


@view_config(route_name="login_page", renderer="login.jinja2", permission="public")
def login(request: Request):
    next_url = request.params.get("next", "")
    if request.method != "POST":
        return {"next": next_url}
    username = request.POST.get("username", "").strip()
    try:
        account = accounts.login(request.dbsession, request.medreg, username, request.POST.get("password", ""),
                                 client_of(request), otp=request.POST.get("otp", "").strip() or None)
    except REFUSALS as refusal:
        # Kept, not doomed: the failed attempt the service counted must be committed.
        error = form_error(request, refusal, keep=True)
        audit(request.dbsession, f"client:{client_of(request)}", "login_failed", "login", reason=refusal_code(refusal))
        request.response.status = error.status
        return {"error": error, "form": {"username": username}, "next": next_url}
    audit(request.dbsession, f"account:{account.id}", "login", f"account:{account.id}", account.division_code, via="page")
    request.session.invalidate()  # a new session for the logged-in browser: nothing from before carries over
    new_csrf_token(request)
    headers = remember(request, account.id, epoch=account.session_epoch)
    return HTTPFound(location=safe_next(request, next_url) or home_of(request, account), headers=headers)


@view_config(route_name="logout", request_method="GET", renderer="logout.jinja2", permission="public")
def logout_confirm(request: Request):
    return {}


@view_config(route_name="logout", request_method="POST", permission="public")
def logout(request: Request):
    """Logging out ends every session and token of the account, on every device."""
    if request.account is not None:
        request.account.end_sessions()
        audit(request.dbsession, f"account:{request.account.id}", "logout", f"account:{request.account.id}",
              request.account.division_code, via="page")
    headers = forget(request)
    return HTTPFound(location=request.route_url("home"), headers=headers)


def signup_page(request: Request, form: dict, **extra: object) -> dict:
    """The sign-up form showing `form` (never the password), its institution field looked up among the institutions
    a person can sign up with."""
    form = {**form, "password": ""}
    institution = institution_field(request, "institution_id", form.get("institution_id"), Scope())
    return {"id_types": ID_TYPES, "form": form, "institution": institution, **extra}


@view_config(route_name="signup_page", renderer="signup.jinja2", permission="public")
def signup(request: Request):
    if request.method != "POST":
        # No profession chosen in advance: a nurse who does not notice the box must not become a physician.
        return signup_page(request, {"id_type": "resident_id"})
    data = {name: request.POST.get(name, "") for name in SIGNUP_FIELDS}
    if looking_up(request):
        return signup_page(request, data)
    try:
        accounts.signup(request.dbsession, request.medreg, data)
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal)
        return signup_page(request, data, error=error)
    request.session.flash(accounts.SIGNED_UP)
    return HTTPFound(location=request.route_url("activate_page"))


@view_config(route_name="activate_page", renderer="activate.jinja2", permission="public")
def activate(request: Request):
    if request.method != "POST":
        return {}
    form = {"username": request.POST.get("username", "").strip(), "code": request.POST.get("code", "").strip()}
    try:
        accounts.activate(request.dbsession, request.medreg, form["username"], form["code"], client_of(request))
    except FORM_ERRORS as refusal:
        error = form_refused(request, refusal, keep=True)  # a wrong code still counts
        return {"error": error, "form": form}
    request.session.flash("账号已激活，请登录。")
    return HTTPFound(location=request.route_url("login_page"))


def qr_data_uri(text: str) -> str:
    """`text` as a QR code, an SVG in a data: address (the page's policy allows images from data:, and the secret
    never leaves the page for another request): the clerk scans it with the authenticator app instead of typing
    32 letters."""
    import base64
    import io

    import qrcode
    import qrcode.image.svg

    picture = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = io.BytesIO()
    picture.save(svg)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")


@view_config(route_name="totp_page", renderer="totp.jinja2", permission="second_factor")
def totp_page(request: Request):
    """A staff account binds its second factor: password → the secret shown once → the app's first code."""
    account = request.account
    second_factor.check_staff(account)
    shown = {"bound": second_factor.is_bound(account), "pending": bool(account.totp_pending_encrypted)}
    if request.method != "POST":
        return shown
    client = client_of(request)
    try:
        if request.POST.get("step") == "confirm":
            second_factor.confirm(request.dbsession, request.medreg, account, request.POST.get("otp", "").strip(), client)
        else:
            secret = second_factor.start(request.dbsession, request.medreg, account, request.POST.get("password", ""), client)
            name = account.username or f"account-{account.id}"
            uri = totp.provisioning_uri(secret, name)
            return {**shown, "pending": True, "secret": secret, "uri": uri, "qr": qr_data_uri(uri)}
    except REFUSALS as refusal:
        error = form_refused(request, refusal, keep=True)  # a wrong password or code still counts
        return {**shown, "error": error}
    request.session.flash("动态口令已绑定：此后登录须同时填写认证应用显示的6位数字。")
    return HTTPFound(location=request.route_url("totp_page"))
