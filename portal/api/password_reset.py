"""Password reset by SMS code: request a code, then set a new password with it. No login needed."""
from __future__ import annotations

from pyramid.request import Request

from pipeline.accounts import PasswordReset, PasswordResetRequest
from portal.api.common import api_view, body_of
from portal.errors import REFUSALS, refusal_response
from portal.services import password_reset
from portal.services.attempts import client_of


@api_view(route_name="api.password_reset.request", request_method="POST", permission="public")
def request_code(request: Request):
    body = body_of(request, PasswordResetRequest)
    password_reset.request_reset(request.dbsession, request.medreg, body.username, client_of(request))
    return {"status": "sent_if_exists", "message": password_reset.SENT_MESSAGE}


@api_view(route_name="api.password_reset.confirm", request_method="POST", permission="public")
def confirm(request: Request):
    body = body_of(request, PasswordReset)
    try:
        account = password_reset.confirm_reset(request.dbsession, request.medreg, body.username, body.code, body.password,
                                               client_of(request))
    except REFUSALS as refusal:
        # Returned, not raised: the transaction commits, so a wrong code is counted.
        return refusal_response(refusal)
    return {"account_id": account.id, "status": "password_changed"}
