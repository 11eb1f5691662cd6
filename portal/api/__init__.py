"""The JSON API under /api/v1 (api.md). Views are thin: parse, call a service, shape the answer."""
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
    ("api.commission.item", "/api/v1/commission/queue/{id:\\d+}"),
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
    ("api.openapi", "/api/v1/openapi.json"),
]


def includeme(config: Configurator) -> None:
    for name, pattern in ROUTES:
        config.add_route(name, pattern)
