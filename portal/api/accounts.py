"""Sign-up, activation, login; the institution's activation of its staff accounts."""
from __future__ import annotations

from pyramid.request import Request

from models import Institution, Person
from models.audit import audit
from models.crypto import TOKEN_TTL_SECONDS, issue_token
from pipeline import clock, totp
from pipeline.accounts import Activation, Login, SignUp, TotpConfirm, TotpEnrol
from pipeline.persons import mask_mobile
from portal.api.common import api_view, body_of
from portal.errors import REFUSALS, refusal_code, refusal_response
from portal.services import accounts, institution_desk, paging, second_factor
from portal.services.attempts import client_of


@api_view(route_name="api.signup", request_method="POST", permission="public")
def signup(request: Request):
    # The same answer whether or not the ID number or mobile already has an account (docs/security.md).
    account = accounts.signup(request.dbsession, request.medreg, body_of(request, SignUp).model_dump())
    request.response.status = 201
    account_id = account.id if account is not None else accounts.unused_account_id(request.dbsession)
    return {"account_id": account_id, "status": "pending_activation", "message": accounts.SIGNED_UP}


@api_view(route_name="api.activate", request_method="POST", permission="public")
def activate(request: Request):
    body = body_of(request, Activation)
    try:
        account = accounts.activate(request.dbsession, request.medreg, body.username, body.code, client_of(request))
    except REFUSALS as refusal:
        return refusal_response(refusal)  # returned, not raised: the failed attempt is committed
    return {"account_id": account.id, "status": account.status}


@api_view(route_name="api.login", request_method="POST", permission="public")
def login(request: Request):
    body = body_of(request, Login)
    try:
        account = accounts.login(request.dbsession, request.medreg, body.username, body.password, client_of(request), otp=body.otp)
    except REFUSALS as refusal:
        # Returned, not raised: the transaction commits, so a wrong password is counted.
        audit(request.dbsession, f"client:{client_of(request)}", "login_failed", "login", reason=refusal_code(refusal))
        return refusal_response(refusal)
    audit(request.dbsession, f"account:{account.id}", "login", f"account:{account.id}", account.division_code, via="api")
    answer = {
        "token": issue_token(request.medreg.secret, account.id, account.session_epoch),
        "expires_in": TOKEN_TTL_SECONDS,
        "role": account.role,
        "account_id": account.id,
        "institution_id": account.institution_id,
        "division": account.division_code,
        "must_change_password": bool(account.must_change_password),
    }
    if account.role == "person":
        person = request.dbsession.get(Person, account.person_id)
        answer.update(name=person.name, profession=person.profession)
    elif account.role == "institution":
        answer["name"] = request.dbsession.get(Institution, account.institution_id).name
    return answer


@api_view(route_name="api.institution.accounts", request_method="GET", permission="institution")
def staff_accounts(request: Request):
    params = request.params
    cursor, limit = paging.requested(params, institution_desk.MAX_LIST)
    status = params.get("status", "pending_activation")
    rows, counts, following = institution_desk.staff_accounts(request.dbsession, request.account, status, params.get("profession"),
                                                              cursor, limit)
    return {
        "counts": counts,
        "next": following,
        "items": [
            {
                "id": account.id,
                "status": account.status,
                "name": person.name,
                "profession": person.profession,
                "sex": person.sex,
                "mobile": mask_mobile(accounts.mobile_of(account, person)),
                "created_at": clock.iso(account.created_at),
            }
            for account, person in rows
        ]
    }


@api_view(route_name="api.institution.activation_code", request_method="POST", permission="institution")
def activation_code(request: Request):
    code = accounts.issue_activation_code(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return {"code": code, "expires_in_hours": int(accounts.ACTIVATION_CODE_TTL.total_seconds() // 3600)}


@api_view(route_name="api.institution.reject_signup", request_method="POST", permission="institution")
def reject_signup(request: Request):
    account = accounts.reject_signup(request.dbsession, request.medreg, request.account, int(request.matchdict["id"]))
    return {"id": account.id, "status": account.status}


@api_view(route_name="api.logout", request_method="POST", permission="account")
def logout(request: Request):
    """End every token and page session of the account (every device), this one included."""
    request.account.end_sessions()
    audit(request.dbsession, f"account:{request.account.id}", "logout", f"account:{request.account.id}",
          request.account.division_code, via="api")
    return {"status": "logged_out"}


@api_view(route_name="api.totp.enrol", request_method="POST", permission="second_factor")
def totp_enrol(request: Request):
    """A staff account's second factor, bound by itself: the secret, shown once (docs/security.md)."""
    second_factor.check_staff(request.account)
    body = body_of(request, TotpEnrol)
    try:
        secret = second_factor.start(request.dbsession, request.medreg, request.account, body.password, client_of(request))
    except REFUSALS as refusal:
        return refusal_response(refusal)  # returned, not raised: a wrong password is counted
    name = request.account.username or f"account-{request.account.id}"
    return {"status": "pending", "secret": secret, "otpauth_uri": totp.provisioning_uri(secret, name)}


@api_view(route_name="api.totp.confirm", request_method="POST", permission="second_factor")
def totp_confirm(request: Request):
    second_factor.check_staff(request.account)
    body = body_of(request, TotpConfirm)
    try:
        second_factor.confirm(request.dbsession, request.medreg, request.account, body.otp, client_of(request))
    except REFUSALS as refusal:
        return refusal_response(refusal)  # returned, not raised: a wrong code is counted
    return {"status": "enrolled"}
