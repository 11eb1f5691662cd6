"""Who is asking: a bearer token for the JSON API, a signed session cookie for pages.

Permissions are the roles (`person`, `institution`, `commission`); whose data a caller may see is
checked by the services, which answer 404 for anything outside the caller's scope.

A cancelled institution (注销) keeps its accounts for reading only: they log in and read (its history, staff lists,
applications), but every state-changing request (any method but GET, HEAD, OPTIONS) under any permission but the
account's own security — its password, logging out, its second factor — is denied here, once for every view, and
answered 403 `institution_cancelled` (portal/errors.py, portal/pages/errors.py; docs/security.md).

Both carry the account's session epoch (`Account.session_epoch`); a request counts as the account's only while
the account is active and its epoch is still the one the token or session was issued under, so a password change,
a reset, a logout or disabling the account ends every token and session at once (docs/security.md).
"""
from __future__ import annotations

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from pyramid.session import SignedCookieSessionFactory
from sqlalchemy import select

from models import Account, Institution
from models.crypto import read_token
from portal.errors import INSTITUTION_CANCELLED_DENIAL

ROLES = ("person", "institution", "commission")
# Permissions of the account's own security, which a cancelled institution's account keeps: changing its password,
# logging out (both also before a one-time password is changed), binding its second factor.
OWN_SECURITY = ("password", "account", "second_factor")
READING = frozenset({"GET", "HEAD", "OPTIONS"})


class MedregSecurityPolicy:
    def identity(self, request: Request) -> Account | None:
        return request.account

    def authenticated_userid(self, request: Request) -> int | None:
        account = request.account
        return account.id if account else None

    def permits(self, request: Request, context, permission: str):
        account = request.account
        if permission == "public":
            return Allowed("public")
        if account is None:
            return Denied("not logged in")
        if permission in ("password", "account"):
            # Changing one's own password, logging out: allowed even with a one-time password not yet changed.
            return Allowed(permission)
        if account.must_change_password:
            # A handed-out account with its one-time password may do nothing but set its own.
            return Denied("password_change_required")
        if permission not in ("authenticated", "second_factor") and permission != account.role:
            return Denied(f"role {account.role} lacks {permission}")
        if permission not in OWN_SECURITY and request.method not in READING and request.institution_closed:
            return Denied(INSTITUTION_CANCELLED_DENIAL)
        return Allowed(permission)

    def remember(self, request: Request, userid: int, **kw) -> list:
        request.session["account_id"] = userid
        request.session["epoch"] = int(kw.get("epoch", 0))
        return []

    def forget(self, request: Request, **kw) -> list:
        request.session.invalidate()
        return []


def current_account(request: Request) -> Account | None:
    claim = _claim_from_request(request)
    if claim is None:
        return None
    account_id, epoch = claim
    account = request.dbsession.get(Account, account_id)
    if account is None or account.status != "active" or (account.session_epoch or 0) != epoch:
        return None
    return account


def institution_closed(request: Request) -> bool:
    """Whether the caller is an account of a cancelled institution, which may read but change nothing."""
    account = request.account
    if account is None or account.role != "institution" or account.institution_id is None:
        return False
    return request.dbsession.scalar(select(Institution.status).where(Institution.id == account.institution_id)) == "cancelled"


def _claim_from_request(request: Request) -> tuple[int, int] | None:
    """(account id, session epoch) the request presents: from the bearer token under /api/, else the page session."""
    if request.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return read_token(request.medreg.secrets, header.removeprefix("Bearer ").strip())
    account_id, epoch = request.session.get("account_id"), request.session.get("epoch", 0)
    if not isinstance(account_id, int) or not isinstance(epoch, int):
        return None
    return account_id, epoch


# Idle page sessions end after this many seconds (the cookie is re-signed on every request that changes it).
SESSION_TIMEOUT_SECONDS = 30 * 60


def includeme(config: Configurator) -> None:
    settings = config.registry.settings["medreg"]
    config.set_session_factory(SignedCookieSessionFactory(
        settings.secret + ":session", httponly=True, samesite="Lax", secure=settings.tls,
        timeout=SESSION_TIMEOUT_SECONDS, reissue_time=60))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    # Pages are protected against CSRF; the JSON API authenticates with bearer tokens, which a
    # browser never sends by itself, so API views opt out (api_config sets require_csrf=False).
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(MedregSecurityPolicy())
    config.add_request_method(current_account, "account", reify=True)
    config.add_request_method(institution_closed, "institution_closed", reify=True)
