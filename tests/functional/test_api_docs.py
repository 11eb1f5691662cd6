"""GET /api/v1/docs: the OpenAPI document browsable in Swagger UI, public, from files the portal serves
itself — no outside address, no inline script (portal/api/docs.py)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

JS_TYPES = {"application/javascript", "text/javascript"}


class Page(HTMLParser):
    """What a page loads: its scripts (and whether any is inline) and its stylesheets."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.inline_script = ""
        self.swagger_root: dict[str, str | None] | None = None
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            self.scripts.append(attributes.get("src") or "")
        elif tag == "link" and attributes.get("rel") == "stylesheet":
            self.stylesheets.append(attributes["href"])
        elif attributes.get("id") == "swagger-ui":
            self.swagger_root = attributes

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline_script += data.strip()


@pytest.fixture
def docs(api):
    answer = api.get("/api/v1/docs")  # no login: WebTest's app carries no token or session here
    page = Page()
    page.feed(answer.text)
    return answer, page


def test_the_page_is_public_html_in_chinese(docs):
    answer, _ = docs
    assert answer.content_type == "text/html" and answer.charset.lower() == "utf-8"
    assert '<html lang="zh-CN">' in answer.text
    assert "<title>medreg 接口文档</title>" in answer.text


def test_the_page_names_no_outside_address_and_has_no_inline_script(docs):
    answer, page = docs
    assert "http://" not in answer.text and "https://" not in answer.text
    assert "//" not in "".join(page.scripts + page.stylesheets)  # no protocol-relative address either
    assert all(page.scripts) and page.inline_script == "", "every script is a file the portal serves (CSP script-src 'self')"
    assert page.swagger_root is not None and page.swagger_root["data-openapi"] == "/api/v1/openapi.json"


def test_what_the_page_loads_is_served_with_the_right_types(api, docs):
    _, page = docs
    assert [src.rsplit("/", 1)[1] for src in page.scripts] == ["swagger-ui-bundle.js", "api-docs.js"]
    assert [href.rsplit("/", 1)[1] for href in page.stylesheets] == ["swagger-ui.css"]
    assert all(url.startswith("/api/v1/docs/static/") for url in page.scripts[:1] + page.stylesheets)
    for src in page.scripts:
        assert api.get(src).content_type in JS_TYPES, src
    for href in page.stylesheets:
        assert api.get(href).content_type == "text/css", href
    bootstrap = api.get(page.scripts[-1]).text
    assert "http://" not in bootstrap and "https://" not in bootstrap
    assert api.get("/api/v1/openapi.json").json["openapi"].startswith("3.1")


def test_the_document_lists_the_page_as_html(api):
    operation = api.get("/api/v1/openapi.json").json["paths"]["/api/v1/docs"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/html"} and operation["security"] == []


def test_the_document_describes_every_kind_by_its_chinese_name_not_a_python_object(api):
    """The kinds' descriptions listed each kind's Python object (with its memory address), not its label."""
    import json

    from pipeline.kinds import KINDS

    document = json.dumps(api.get("/api/v1/openapi.json").json, ensure_ascii=False)
    assert "Kind(" not in document and " at 0x" not in document
    assert all(f"`{name}` {kind.label}" in document for name, kind in KINDS.items())
