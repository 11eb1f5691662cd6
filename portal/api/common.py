"""Helpers every API view uses: the JSON body and its model, the api_view decorator, and how an application is shown."""
from __future__ import annotations

from typing import TypeVar

from pyramid.request import Request
from pyramid.view import view_config

from models import Application
from pipeline import clock
from pipeline.fields import RequestModel, validate
from portal.errors import invalid

M = TypeVar("M", bound=RequestModel)


def api_view(**settings):
    """view_config for the JSON API: JSON renderer, bearer tokens (so no CSRF token)."""
    settings.setdefault("renderer", "json")
    settings["require_csrf"] = False
    return view_config(**settings)


MAX_JSON_DEPTH = 32


def json_body(request: Request) -> dict:
    """The body as a JSON object; 400 on field `body` for anything else: not JSON, not UTF-8, nested deeper than
    MAX_JSON_DEPTH, or holding text no database can store (a lone surrogate such as "\\ud800")."""
    try:
        body = request.json_body
    except (ValueError, RecursionError):
        raise invalid({"body": "请求体必须是 JSON 对象"}) from None
    if not isinstance(body, dict):
        raise invalid({"body": "请求体必须是 JSON 对象"})
    if problem := unstorable(body):
        raise invalid({"body": problem})
    return body


def unstorable(value: object, depth: int = 0) -> str | None:
    """Why a parsed JSON value cannot be taken (None if it can)."""
    if depth > MAX_JSON_DEPTH:
        return f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "文本中含有无效的 Unicode 字符（单独的代理项）"
        return "文本中不能含有空字符" if "\x00" in value else None
    if isinstance(value, dict):
        return next((p for key, item in value.items() if (p := unstorable(key, depth + 1) or unstorable(item, depth + 1))), None)
    if isinstance(value, list):
        return next((p for item in value if (p := unstorable(item, depth + 1))), None)
    return None


def body_of(request: Request, model: type[M], optional: bool = False) -> M:
    """The JSON body as `model` (a RequestModel of pipeline/: a field it does not take is refused), or 400 with a
    reason and a code per field; `optional`: no body at all is taken as {}."""
    return validate(model, json_body(request) if request.body or not optional else {}, whole="body")


def application_json(application: Application, with_history: bool = True) -> dict:
    shown = {
        "id": application.id,
        "kind": application.kind,
        "status": application.status,
        "data": application.data,
        "findings": application.findings or [],
        "identifier": application.identifier,
        "institution_id": application.institution_id,
        "commission": application.commission_code,
        "submitted_at": clock.iso(application.submitted_at),
        "updated_at": clock.iso(application.updated_at),
    }
    if with_history:
        shown["history"] = [
            {"at": clock.iso(e.at), "actor": e.actor, "from": e.from_status, "to": e.to_status, "comment": e.comment}
            for e in application.history
        ]
    return shown


def uploaded(request: Request, limit: int) -> tuple[bytes, str]:
    """A CSV upload: the multipart field `file`, or the raw body sent as text/csv (read to at most `limit` + 1 bytes,
    so the service can refuse an oversize file by its size)."""
    upload = request.POST.get("file") if request.content_type == "multipart/form-data" else None
    if upload is not None and hasattr(upload, "file"):
        return upload.file.read(limit + 1), upload.filename or ""
    if request.content_type in ("text/csv", "text/plain"):
        return request.body[: limit + 1], ""
    raise invalid({"file": "请以 multipart/form-data 的 file 字段或 text/csv 请求体上传CSV文件"})
