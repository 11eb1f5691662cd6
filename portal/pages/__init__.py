"""Server-rendered Chinese pages for every end; views call the same services as the JSON API."""
from __future__ import annotations

from pyramid.config import Configurator
from pyramid.events import BeforeRender

ROUTES = [
    ("home", "/"),
    ("login_page", "/login"),
    ("logout", "/logout"),
    ("signup_page", "/signup"),
    ("activate_page", "/activate"),
    ("me", "/me"),
    ("me.apply", "/me/apply"),
    ("me.registration", "/me/registration"),
    ("me.nurse", "/me/nurse"),
    ("password_reset_page", "/password-reset"),
    ("institution.assessments", "/institution/assessments"),
    ("me.application", "/me/applications/{id:\\d+}"),
    ("me.application.withdraw", "/me/applications/{id:\\d+}/withdraw"),
    ("me.application.resubmit", "/me/applications/{id:\\d+}/resubmit"),
    ("me.business", "/me/business"),
    ("me.notifications", "/me/notifications"),
    ("institution", "/institution"),
    ("password_page", "/password"),
    ("totp_page", "/account/totp"),
    ("commission.institution_new", "/commission/institutions/new"),
    ("commission.institution", "/commission/institutions/{id:\\d+}"),
    ("commission.institution.account", "/commission/institutions/{id:\\d+}/account"),
    ("institution.business", "/institution/business"),
    ("institution.profile", "/institution/profile"),
    ("institution.staff", "/institution/staff"),
    ("institution.scope_map", "/institution/scope-map"),
    ("institution.verify", "/institution/verify"),
    ("institution.batches", "/institution/batches"),
    ("institution.batch", "/institution/batches/{id:\\d+}"),
    ("institution.notifications", "/institution/notifications"),
    ("institution.activation_code", "/institution/accounts/{id:\\d+}/activation-code"),
    ("institution.reject_signup", "/institution/accounts/{id:\\d+}/reject"),
    ("institution.task", "/institution/tasks/{id:\\d+}"),
    ("institution.staff_business", "/institution/staff-business/{kind}"),
    ("institution.nurse_cancellation", "/institution/nurse-cancellation"),
    ("commission", "/commission"),
    ("commission.item", "/commission/queue/{id:\\d+}"),
    ("commission.counter", "/commission/counter"),
    ("commission.assessments", "/commission/assessments"),
    ("commission.decisions", "/commission/decisions"),
    ("commission.accounts", "/commission/accounts"),
    ("commission.account.action", "/commission/accounts/{id:\\d+}/{action:disable|enable|password-reset}"),
    ("commission.account_request.approve", "/commission/account-requests/{id:\\d+}/approve"),
    ("commission.search", "/commission/search"),
    ("commission.stats", "/commission/stats"),
    ("commission.export", "/commission/export"),
    ("commission.register_export", "/commission/registers/export"),
    ("commission.audit", "/commission/audit"),
    ("public", "/public"),
    ("public.record", "/public/records/{identifier}"),
    ("public.verify_licence", "/public/verify-licence"),
    ("public.bulk", "/public/bulk"),
    ("commission.deliveries", "/commission/deliveries"),
    ("commission.item.reveal", "/commission/queue/{id:\\d+}/reveal"),
    ("commission.person.reveal", "/commission/persons/{id:\\d+}/reveal"),
    ("institution.task.reveal", "/institution/tasks/{id:\\d+}/reveal"),
    ("application.attachments", "/applications/{id:\\d+}/attachments"),
    ("application.attachment", "/applications/{id:\\d+}/attachments/{attachment_id:\\d+}"),
    ("application.receipt", "/applications/{id:\\d+}/receipt.pdf"),
    ("application.decision", "/applications/{id:\\d+}/decision.pdf"),
]


def includeme(config: Configurator) -> None:
    for name, pattern in ROUTES:
        config.add_route(name, pattern)
    from portal.pages.common import add_template_globals, first_registration_offered

    config.add_subscriber(add_template_globals, BeforeRender)
    config.add_request_method(first_registration_offered, "first_registration_offered", reify=True)
