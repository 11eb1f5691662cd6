"""The OpenAPI document is true: every JSON answer the functional suite gets from /api/v1/ must be listed under
its operation (path template and method) with its status and media type, and match that schema (JSON Schema
2020-12, formats checked, `$ref`s into the document resolved by a referencing registry).

`OpenApiCheck` wraps the portal's WSGI app (tests/conftest.py, fixture `wsgi_app`), so every WebTest app built
over it is checked; what does not match is collected, and the hooks in tests/conftest.py fail the test phase
(set-up, call or tear-down) that caused it.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from webob import Request

DOCUMENT_URI = "urn:medreg:openapi"
PLACEHOLDER = re.compile(r"\\\{\w+\\\}")


def pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


class OpenApiCheck:
    """WSGI middleware: answers pass through unchanged; each JSON answer under /api/v1/ is checked."""

    def __init__(self, app: Callable, document: dict) -> None:
        self.app, self.document = app, document
        self.refs = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
        # Literal paths before templated ones, so /commission/queue/decisions is not taken for /commission/queue/{id}.
        self.templates = sorted(
            ((re.compile(PLACEHOLDER.sub("[^/]+", re.escape(path)) + "$"), path) for path in document["paths"]),
            key=lambda item: item[1].count("{"),
        )
        self.violations: list[str] = []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)  # the registry and the rest of the Pyramid router

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        method = request.method
        try:
            path = request.path  # read before the app consumes the request
        except UnicodeDecodeError:  # a path that is not UTF-8 (the portal answers it 400): as the server gave it
            path = environ.get("PATH_INFO", "")
        response = request.get_response(self.app)
        media = (response.content_type or "").lower()
        if path.startswith("/api/v1/") and (media == "application/json" or media.endswith("+json")):
            found = self.problems(method, path, response.status_int, media, response.body)
            if found:
                with self.lock:
                    self.violations.append(f"{method} {path} → {response.status_int} {media}:\n    " + "\n    ".join(found))
        return response(environ, start_response)

    def take(self) -> list[str]:
        with self.lock:
            found, self.violations = self.violations, []
        return found

    def operation(self, method: str, path: str) -> tuple[str, dict] | None:
        for regex, template in self.templates:
            if regex.match(path) and method.lower() in self.document["paths"][template]:
                return template, self.document["paths"][template][method.lower()]
        return None

    def problems(self, method: str, path: str, status: int, media: str, body: bytes) -> list[str]:
        try:
            import json

            answer = json.loads(body)
        except ValueError as error:
            return [f"not JSON: {error}"]
        found = self.operation(method, path)
        if found is None:
            # No operation: only the not-found answer of an unknown path or method, in the error shape.
            return self.mismatches(answer, pointer("components", "schemas", "Error"))
        template, operation = found
        response = operation["responses"].get(str(status))
        if response is None:
            return [f"{method} {template} does not list status {status} (it lists {sorted(operation['responses'])})"]
        where = ("paths", template, method.lower(), "responses", str(status))
        if "$ref" in response:
            where = tuple(response["$ref"].removeprefix("#/").split("/"))
            response = self.document["components"]["responses"][where[-1]]
        if media not in response.get("content", {}):
            return [f"{method} {template} → {status} is not documented as {media} (only {sorted(response.get('content', {}))})"]
        return self.mismatches(answer, pointer(*where, "content", media, "schema"))

    def mismatches(self, answer: Any, at: str) -> list[str]:
        validator = Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{at}"}, registry=self.refs,
                                         format_checker=Draft202012Validator.FORMAT_CHECKER)
        return [f"{'/'.join(map(str, error.absolute_path)) or '(answer)'}: {error.message[:300]}"
                for error in sorted(validator.iter_errors(answer), key=lambda e: list(map(str, e.absolute_path)))][:20]
