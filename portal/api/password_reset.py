"""Password reset by SMS code: request a code, then set a new password with it. No login needed."""
from __future__ import annotations

from pyramid.request import Request

from portal.api.common import api_view, json_body
from portal.errors import REFUSALS, refusal_response
from portal.services import password_reset


@api_view(route_name="api.password_reset.request", request_method="POST", permission="public")
def request_code(request: Request):
    body = json_body(request)
    password_reset.request_reset(request.dbsession, request.medreg, body.get("username"))
    return {"status": "sent_if_exists", "message": password_reset.SENT_MESSAGE}


@api_view(route_name="api.password_reset.confirm", request_method="POST", permission="public")
def confirm(request: Request):
    body = json_body(request)
    try:
        account = password_reset.confirm_reset(
            request.dbsession, request.medreg, body.get("username"), body.get("code"), body.get("password"))
    except REFUSALS as refusal:
        # Returned, not raised: the transaction commits, so a wrong code is counted.
        return refusal_response(refusal)
    return {"account_id": account.id, "status": "password_changed"}
