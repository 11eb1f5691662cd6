"""Rule 6, every input gets 4xx: URLs an attacker types by hand — a path that is not UTF-8, a NUL in a record's
identifier, a query that is not UTF-8 on the public end's hot path — and what such a request leaves in the log:
never the path as it came (it may hold an ID number). The same requests over HTTP, against `medreg serve`, are in
test_bad_urls_served.py."""
from __future__ import annotations

import logging
import re

import pytest

from portal.errors import BAD_ENCODING, Refused, logged_route
from portal.services import public
from tests import public_records

ID_NUMBER = "110102198201071332"  # the audit's: an ID number typed where an identifier goes
NOT_UTF8_API = ("/api/v1/applications/%ff", "/api/v1/nonexist/%ff", "/api/v1/public/records/%C0%AF",
                "/api/v1/public/records/%ff/history")
NOT_UTF8_PAGES = ("/%ff", "/public/records/%ff", "/me/applications/%ff")
NUL_API = ("/api/v1/public/records/%00", "/api/v1/public/records/%00/history", "/api/v1/public/records/%00/licence",
           "/api/v1/public/records/%00?format=fhir", f"/api/v1/public/records/{ID_NUMBER}%00",
           f"/api/v1/public/records/{ID_NUMBER}%00/licence?format=png")


@pytest.fixture(scope="module")
def stored(settings):
    place = [{"id": 1, "name": "坏地址测试医院", "identifier": None}]
    return public_records.store_in(settings, [public_records.person_record("physician", "110105", 7, place, "registered")])[0]


def assert_guarded(answer) -> None:
    assert answer.headers["X-Request-Id"] and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", NOT_UTF8_API)
def test_an_api_path_that_is_not_utf8_is_a_400_in_the_contract_shape(api, path):
    answer = api.get(path, status=400)
    assert answer.json == {"error": {"code": "invalid", "message": BAD_ENCODING, "fields": {"request": BAD_ENCODING},
                                     "codes": {"request": "invalid"}}}
    assert_guarded(answer)


@pytest.mark.parametrize("path", NOT_UTF8_PAGES)
def test_a_page_path_that_is_not_utf8_is_the_styled_chinese_400(api, path):
    page = api.get(path, status=400)
    assert page.content_type == "text/html" and "portal.css" in page.text and "返回首页" in page.text
    assert page.html.select_one(".alert").text == BAD_ENCODING
    assert_guarded(page)


def test_a_path_that_is_not_utf8_is_counted_as_unmatched_and_not_logged_as_an_error(api, caplog):
    # The access logger's own level: another test may have configured logging (models.logs) at WARNING for "medreg".
    with caplog.at_level(logging.INFO, logger="medreg.access"):
        api.get("/api/v1/public/records/%ff", status=400)
    assert [record.route for record in caplog.records if record.name == "medreg.access"] == ["unmatched"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", NUL_API)
def test_a_nul_in_a_record_identifier_is_no_such_record(api, path):
    refused = api.get(path, status=404).json["error"]
    assert refused["code"] == "not_found" and "公示记录" in refused["message"]


def test_a_nul_in_a_record_identifier_on_the_page_is_the_styled_404(api):
    page = api.get("/public/records/%00", status=404)
    assert "portal.css" in page.text and "公示记录不存在" in page.html.select_one(".alert").text


def test_only_a_well_formed_identifier_is_looked_up(api, stored, monkeypatch):
    """What cannot be an identifier (format, check character) is 404 without a query; a well-formed one is looked up,
    in any case and with spaces around it, and one that names nothing is 404 as well."""
    identifier = stored["identifier"]
    assert api.get(f"/api/v1/public/records/{identifier.lower()}").json["name"] == stored["name"]
    assert api.get(f"/api/v1/public/records/%20{identifier}/history").json["identifier"] == identifier
    assert stored["name"] in api.get(f"/public/records/{identifier}").text
    api.get(f"/api/v1/public/records/{public_records.identifier('physician', '110105')}", status=404)
    wrong_check = identifier[:-1] + ("1" if identifier.endswith("0") else "0")
    for key in (ID_NUMBER, "", "D\x00", identifier + "\x00", identifier + "0", wrong_check):
        with pytest.raises(Refused) as refused:
            public.record_key(key)
        assert refused.value.status == 404
    assert public.record_key(f" {identifier.lower()} ") == identifier


@pytest.mark.parametrize("query", ("format=%FF", "foo=%FF", "format=json&%FF=1", "format=fhir&x=%C0%AF"))
def test_a_query_that_is_not_utf8_on_a_record_is_a_400_on_request(api, stored, query):
    refused = api.get(f"/api/v1/public/records/{stored['identifier']}?{query}", status=400).json["error"]
    assert refused["code"] == "invalid" and refused["fields"] == {"request": BAD_ENCODING}


def digits_of_the_id_number(text: str) -> list[str]:
    """Every run of six or more of the ID number's digits in `text` (its division, its birth date, the whole)."""
    return [run for run in re.findall(r"[0-9]{6,}", text) if run in ID_NUMBER]


def test_an_unhandled_error_logs_the_route_never_the_path(app_with, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    api = app_with()  # not checked against the document, which lists no 500
    monkeypatch.setattr(public, "record_text", broken)
    monkeypatch.setattr(public, "record", broken)
    with caplog.at_level(logging.INFO):  # the audit's request (%00: a path segment of digits only is 404 at once)
        assert api.get(f"/api/v1/public/records/{ID_NUMBER}%00", status=500).json["error"]["code"] == "server_error"
        assert "服务器内部错误" in api.get(f"/public/records/{ID_NUMBER}%00", status=500).text
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in errors] == ["unhandled error on api.public.record",
                                                         "unhandled error on public.record"]
    for record in caplog.records:
        assert not digits_of_the_id_number(record.getMessage() + str(record.__dict__.get("route", ""))), record.getMessage()


def test_a_path_without_a_route_is_logged_with_every_segment_but_the_routes_words_masked():
    from pyramid.testing import DummyRequest

    def request_for(path: str):
        request = DummyRequest()
        request.environ["PATH_INFO"] = path
        request.matched_route = None
        return request

    assert logged_route(request_for(f"/api/v1/public/records/{ID_NUMBER}\x00")) == "/api/v1/public/records/*"
    assert logged_route(request_for("/api/v1/public/records/D11010520990000001X/licence")) == "/api/v1/public/records/*/licence"
    assert logged_route(request_for("/me/applications/12/receipt.pdf")) == "/me/applications/*/receipt.pdf"
    assert logged_route(request_for("/v13800138000/张三/ÿ")) == "/*/*/*"
