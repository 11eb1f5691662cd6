"""The JSON API under /api/v1 (the outside contract; docs/api.md). Views are thin: parse, call a service, shape the answer."""
from __future__ import annotations

from pyramid.config import Configurator

ROUTES = [
    ("api.login", "/api/v1/login"),
    ("api.signup", "/api/v1/signup"),
    ("api.activate", "/api/v1/activate"),
    ("api.applications", "/api/v1/applications"),
    ("api.application", "/api/v1/applications/{id:\\d+}"),
    ("api.application.withdraw", "/api/v1/applications/{id:\\d+}/withdraw"),
    ("api.application.resubmit", "/api/v1/applications/{id:\\d+}/resubmit"),
    ("api.me.registration", "/api/v1/me/registration"),
    ("api.me.notifications", "/api/v1/me/notifications"),
    ("api.institution.accounts", "/api/v1/institution/accounts"),
    ("api.institution.activation_code", "/api/v1/institution/accounts/{id:\\d+}/activation-code"),
    ("api.institution.tasks", "/api/v1/institution/tasks"),
    ("api.institution.task", "/api/v1/institution/tasks/{id:\\d+}"),
    ("api.commission.queue", "/api/v1/commission/queue"),
    ("api.commission.institutions", "/api/v1/commission/institutions"),
    ("api.commission.follow_ups", "/api/v1/commission/follow-ups"),
    ("api.password", "/api/v1/password"),
    ("api.institution.profile", "/api/v1/institution/profile"),
    ("api.institution.history", "/api/v1/institution/history"),
    ("api.institution.staff", "/api/v1/institution/staff"),
    ("api.institution.staff_member", "/api/v1/institution/staff/{id:\\d+}"),
    ("api.institution.scope_map", "/api/v1/institution/scope-map"),
    ("api.institution.webhook", "/api/v1/institution/webhook"),
    ("api.institution.batches", "/api/v1/institution/batches"),
    ("api.institution.batch", "/api/v1/institution/batches/{id:\\d+}"),
    ("api.verify.physician_qualification", "/api/v1/verify/physician-qualification"),
    ("api.verify.registration", "/api/v1/verify/registration"),
    ("api.verify.institutions", "/api/v1/verify/institutions"),
    ("api.commission.item", "/api/v1/commission/queue/{id:\\d+}"),
    ("api.commission.counter", "/api/v1/commission/counter"),
    ("api.institution.assessments", "/api/v1/institution/assessments"),
    ("api.password_reset.request", "/api/v1/password-reset/request"),
    ("api.password_reset.confirm", "/api/v1/password-reset/confirm"),
    ("api.commission.decisions", "/api/v1/commission/queue/decisions"),
    ("api.commission.accounts", "/api/v1/commission/accounts"),
    ("api.commission.account.disable", "/api/v1/commission/accounts/{id:\\d+}/disable"),
    ("api.commission.account.enable", "/api/v1/commission/accounts/{id:\\d+}/enable"),
    ("api.commission.account.password_reset", "/api/v1/commission/accounts/{id:\\d+}/password-reset"),
    ("api.commission.search", "/api/v1/commission/search"),
    ("api.commission.stats", "/api/v1/commission/stats"),
    ("api.commission.stats.registers", "/api/v1/commission/stats/registers"),
    ("api.commission.stats.processing", "/api/v1/commission/stats/processing"),
    ("api.commission.stats.backlog", "/api/v1/commission/stats/backlog"),
    ("api.commission.export", "/api/v1/commission/export"),
    ("api.commission.audit", "/api/v1/commission/audit"),
    ("api.public.search", "/api/v1/public/{kind:physicians|nurses|institutions}"),
    ("api.public.record", "/api/v1/public/records/{identifier}"),
    ("api.public.feed", "/api/v1/public/feed"),
    ("api.public.history", "/api/v1/public/records/{identifier}/history"),
    ("api.public.licence", "/api/v1/public/records/{identifier}/licence"),
    ("api.public.verify_licence", "/api/v1/public/verify-licence"),
    ("api.public.bulk", "/api/v1/public/bulk"),
    ("api.public.bulk_file", "/api/v1/public/bulk/{name}"),
    ("api.commission.deliveries", "/api/v1/commission/deliveries"),
    ("api.openapi", "/api/v1/openapi.json"),
    ("api.docs", "/api/v1/docs"),
]


def includeme(config: Configurator) -> None:
    for name, pattern in ROUTES:
        config.add_route(name, pattern)
    config.include("portal.api.docs")
