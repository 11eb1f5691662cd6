"""The institution end beyond confirmation tasks: profile and history, staff, scope map, webhook, batches,
verification tools; and the commission's account hand-out, follow-ups, and everyone's password change."""
from __future__ import annotations

from pyramid.request import Request

from models import batches
from models.crypto import TOKEN_TTL_SECONDS, issue_token
from pipeline.accounts import InstitutionHandout, PasswordChange
from pipeline.institutions import ProfileChange, ScopeMapChange, StaffMember, StaffMemberChange, Webhook
from pipeline.persons import mask_mobile
from pipeline.registers.institutions import SetupApproval
from portal.api.common import api_view, body_of, uploaded
from portal.errors import REFUSALS, refusal_response
from portal.headers import last_values
from portal.services import follow_ups, handout, institution_desk, paging, verify_tools
from portal.services.attempts import client_of


def matched_id(request: Request) -> int:
    return int(request.matchdict["id"])


# --- commission: set-up approval and account hand-out --------------------------------------------


@api_view(route_name="api.commission.institutions", request_method="POST", permission="commission")
def create_institution(request: Request):
    body = body_of(request, SetupApproval).model_dump(mode="json", exclude_none=True)
    institution, login = handout.create_institution(request.dbsession, request.medreg, request.account, body)
    request.response.status = 201
    return {"institution_id": institution.id, "account_id": login.id, "status": institution.status,
            "sms_sent_to": mask_mobile(institution.mobile)}


@api_view(route_name="api.commission.institution.account", request_method="POST", permission="commission")
def hand_out_account(request: Request):
    """An institution already in the register (imported, registered at the counter) gets its account."""
    body = body_of(request, InstitutionHandout).model_dump(exclude_none=True)
    institution, login = handout.hand_out(request.dbsession, request.medreg, request.account, matched_id(request), body)
    request.response.status = 201
    return {"institution_id": institution.id, "account_id": login.id, "must_change_password": True,
            "sms_sent_to": mask_mobile(institution.mobile)}


@api_view(route_name="api.commission.follow_ups", request_method="GET", permission="commission")
def commission_follow_ups(request: Request):
    params = request.params
    items, following = follow_ups.follow_ups(request.dbsession, request.account, *paging.requested(params, follow_ups.A_PAGE))
    return {"items": items, "next": following}


# --- every account: password ----------------------------------------------------------------------


@api_view(route_name="api.password", request_method="POST", permission="password")
def change_password(request: Request):
    body = body_of(request, PasswordChange)
    try:
        account = handout.change_password(request.dbsession, request.medreg, request.account, body.old_password,
                                          body.new_password, client_of(request))
    except REFUSALS as refusal:
        return refusal_response(refusal)  # returned, not raised: a wrong old password is counted
    # Every token of the account ended with the change, this one too; the answer carries its successor.
    return {"changed": True, "must_change_password": False,
            "token": issue_token(request.medreg.secret, account.id, account.session_epoch),
            "expires_in": TOKEN_TTL_SECONDS}


# --- profile and history --------------------------------------------------------------------------


@api_view(route_name="api.institution.profile", request_method="GET", permission="institution")
def profile(request: Request):
    return institution_desk.profile(request.dbsession, request.account)


@api_view(route_name="api.institution.profile", request_method="PATCH", permission="institution")
def update_profile(request: Request):
    body = body_of(request, ProfileChange).model_dump(exclude_unset=True)
    institution_desk.update_profile(request.dbsession, request.account, body)
    return institution_desk.profile(request.dbsession, request.account)


@api_view(route_name="api.institution.history", request_method="GET", permission="institution")
def history(request: Request):
    return institution_desk.history(request.dbsession, request.account,
                                    *paging.requested(request.params, institution_desk.HISTORY_MOST))


# --- staff and scope map --------------------------------------------------------------------------


@api_view(route_name="api.institution.staff", request_method="GET", permission="institution")
def staff(request: Request):
    params = request.params
    return institution_desk.staff(request.dbsession, request.account, params.get("profession") or "physician",
                                  *paging.requested(params, institution_desk.STAFF_A_PAGE))


@api_view(route_name="api.institution.staff", request_method="POST", permission="institution")
def add_staff(request: Request):
    body = body_of(request, StaffMember).model_dump(exclude_unset=True)
    row = institution_desk.add_other_staff(request.dbsession, request.account, body)
    request.response.status = 201
    return institution_desk.other_staff_json(row)


@api_view(route_name="api.institution.staff_member", request_method="PATCH", permission="institution")
def edit_staff(request: Request):
    body = body_of(request, StaffMemberChange).model_dump(exclude_unset=True)
    row = institution_desk.edit_other_staff(request.dbsession, request.account, matched_id(request), body)
    return institution_desk.other_staff_json(row)


@api_view(route_name="api.institution.staff_member", request_method="DELETE", permission="institution")
def remove_staff(request: Request):
    institution_desk.remove_other_staff(request.dbsession, request.account, matched_id(request))
    return {"removed": True}


@api_view(route_name="api.institution.scope_map", request_method="GET", permission="institution")
def scope_map(request: Request):
    return institution_desk.scope_map(request.dbsession, request.account)


@api_view(route_name="api.institution.scope_map", request_method="PUT", permission="institution")
def replace_scope_map(request: Request):
    return institution_desk.replace_scope_map(request.dbsession, request.account, body_of(request, ScopeMapChange).model_dump())


# --- staff status alerts: webhook ------------------------------------------------------------------


@api_view(route_name="api.institution.webhook", request_method="PUT", permission="institution")
def set_webhook(request: Request):
    body = body_of(request, Webhook).model_dump()
    hook = institution_desk.set_webhook(request.dbsession, request.medreg, request.account, body)
    return institution_desk.webhook_json(hook)


@api_view(route_name="api.institution.webhook", request_method="DELETE", permission="institution")
def remove_webhook(request: Request):
    institution_desk.remove_webhook(request.dbsession, request.account)
    return {"removed": True}


# --- batch submission ---------------------------------------------------------------------------------


@api_view(route_name="api.institution.batches", request_method="POST", permission="institution")
def upload_batch(request: Request):
    content, filename = uploaded(request, batches.MAX_BYTES)
    batch = batches.create_batch(request.dbsession, request.account, content, filename)
    request.response.status = 202
    return batches.batch_json(batch)


@api_view(route_name="api.institution.batches", request_method="GET", permission="institution")
def list_batches(request: Request):
    rows, following = institution_desk.batch_list(request.dbsession, request.account,
                                                  *paging.requested(request.params, institution_desk.BATCHES_MOST))
    return {"items": [batches.batch_json(b, with_rows=False) for b in rows], "next": following}


@api_view(route_name="api.institution.batch", request_method="GET", permission="institution")
def read_batch(request: Request):
    return batches.batch_json(batches.own_batch(request.dbsession, request.account, matched_id(request)))


# --- verification tools 信息验证 -------------------------------------------------------------------


@api_view(route_name="api.verify.physician_qualification", request_method="GET", permission="institution")
def verify_physician_qualification(request: Request):
    return verify_tools.physician_qualification(request.dbsession, request.params.get("certificate_no"), request.params.get("name"))


@api_view(route_name="api.verify.registration", request_method="GET", permission="institution")
def verify_registration(request: Request):
    return verify_tools.registration(request.dbsession, request.params.get("identifier"))


@api_view(route_name="api.verify.institutions", request_method="GET", permission="institution")
def verify_institutions(request: Request):
    return verify_tools.institutions(request.dbsession, last_values(request.params))
