"""GET /api/v1/docs: the OpenAPI document (/api/v1/openapi.json) browsable in Swagger UI.

Swagger UI's files come from the swagger_ui_bundle package (the `swagger-ui-bundle-v2` distribution,
Swagger UI 5: the 4.x of `swagger-ui-bundle` cannot show an OpenAPI 3.1 document) and are served by the
portal under /api/v1/docs/static/; the page loads nothing from any other address. The start-up script is
our own static file (portal/static/api-docs.js), not inline, so that `script-src 'self'` allows it.
"""
from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.view import view_config
from swagger_ui_bundle import swagger_ui_path

SWAGGER_UI = str(swagger_ui_path)
STATIC = "api/v1/docs/static"


@view_config(route_name="api.docs", request_method="GET", permission="public", renderer="api_docs.jinja2")
def docs(request: Request):
    def swagger_ui(name: str) -> str:
        return request.static_path(f"{SWAGGER_UI}/{name}")

    return {"swagger_ui": swagger_ui}


def includeme(config: Configurator) -> None:
    config.add_static_view(STATIC, SWAGGER_UI, cache_max_age=86400)
