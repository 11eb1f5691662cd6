"""JSON as the portal answers it: UTF-8 with Chinese as is (no \\uXXXX escapes), declared as
`application/json; charset=utf-8`. The `json` renderer of every API view and `errors.error_response`
both serialize with `dumps`."""
from __future__ import annotations

import json

from pyramid.config import Configurator
from pyramid.renderers import JSON

CHARSET = "utf-8"
CONTENT_TYPE = f"application/json; charset={CHARSET}"


def dumps(value, **kw) -> str:
    return json.dumps(value, ensure_ascii=False, **kw)


class Utf8JSON(JSON):
    """Pyramid's JSON renderer with `dumps`, and a charset on whatever JSON type the view set
    (application/json by default, application/fhir+json for a FHIR record)."""

    def __init__(self, **kw) -> None:
        super().__init__(serializer=dumps, **kw)

    def __call__(self, info):
        render = super().__call__(info)

        def _render(value, system):
            text = render(value, system)
            request = system.get("request")
            if request is not None and request.response.content_type.endswith("json"):
                request.response.charset = CHARSET
            return text

        return _render


def includeme(config: Configurator) -> None:
    config.add_renderer("json", Utf8JSON())
