"""Who is asking: a bearer token for the JSON API, a signed session cookie for pages.

Permissions are the roles (`person`, `institution`, `commission`); whose data a caller may see is
checked by the services, which answer 404 for anything outside the caller's scope.
"""
from __future__ import annotations

from pyramid.config import Configurator
from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from pyramid.session import SignedCookieSessionFactory

from models import Account
from models.crypto import read_token

ROLES = ("person", "institution", "commission")


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
        if permission == "password":
            return Allowed(permission)
        if account.must_change_password:
            # A handed-out account with its one-time password may do nothing but set its own.
            return Denied("password_change_required")
        if permission == "authenticated" or permission == account.role:
            return Allowed(permission)
        return Denied(f"role {account.role} lacks {permission}")

    def remember(self, request: Request, userid: int, **kw) -> list:
        request.session["account_id"] = userid
        return []

    def forget(self, request: Request, **kw) -> list:
        request.session.invalidate()
        return []


def current_account(request: Request) -> Account | None:
    account_id = _account_id_from_request(request)
    if account_id is None:
        return None
    account = request.dbsession.get(Account, account_id)
    if account is None or account.status != "active":
        return None
    return account


def _account_id_from_request(request: Request) -> int | None:
    if request.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        return read_token(request.medreg.secret, header.removeprefix("Bearer ").strip())
    return request.session.get("account_id")


def includeme(config: Configurator) -> None:
    secret = config.registry.settings["medreg"].secret
    config.set_session_factory(SignedCookieSessionFactory(secret + ":session", httponly=True, samesite="Lax"))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    # Pages are protected against CSRF; the JSON API authenticates with bearer tokens, which a
    # browser never sends by itself, so API views opt out (api_config sets require_csrf=False).
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(MedregSecurityPolicy())
    config.add_request_method(current_account, "account", reify=True)
