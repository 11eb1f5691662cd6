"""Rule 6 for the number of fields of a request: WebOb keeps a query string's or a form's fields in a MultiDict whose
look-up by name scans the list, and views that read every field by name (the public search did, `dict(request.params)`)
cost the square of their number — 20,000 fields of a 200 KB query took 6 s of CPU for one anonymous request, under
waitress's header limit. More than MAX_QUERY_FIELDS in the query, or MAX_FORM_FIELDS in a form, is a 400 before any
view parses them; below that the views read a request's fields in one pass (portal.headers.last_values)."""
from __future__ import annotations

import time

from webob.multidict import MultiDict, NestedMultiDict

from portal.headers import MAX_FORM_FIELDS, MAX_QUERY_FIELDS, last_values


def many(count: int) -> str:
    return "&".join(f"f{index}=1" for index in range(count))


def test_a_query_with_thousands_of_fields_is_a_quick_400_on_query(api):
    started = time.monotonic()
    answer = api.get(f"/api/v1/public/physicians?name=%E5%BC%A0&{many(20_000)}", expect_errors=True)
    assert time.monotonic() - started < 2
    assert answer.status_int == 400
    assert answer.json["error"]["code"] == "invalid"
    assert answer.json["error"]["fields"] == {"query": f"查询参数过多（最多 {MAX_QUERY_FIELDS} 个）"}


def test_the_institution_lookup_and_the_pages_refuse_them_too(api):
    for path in ("/api/v1/verify/institutions", "/commission", "/public", "/"):
        answer = api.get(f"{path}?{many(MAX_QUERY_FIELDS + 1)}", expect_errors=True)
        assert answer.status_int == 400, path
        if path.startswith("/api/"):
            assert "query" in answer.json["error"]["fields"]
        else:
            assert "查询参数过多" in answer.text and answer.content_type == "text/html"


def test_a_query_at_the_limit_is_answered(api):
    answer = api.get(f"/api/v1/public/physicians?name=%E5%BC%A0&{many(MAX_QUERY_FIELDS - 1)}")
    assert answer.status_int == 200 and "items" in answer.json


def test_a_form_with_too_many_fields_is_a_400_before_the_view(api):
    body = many(MAX_FORM_FIELDS + 1)
    answer = api.post("/login", body, content_type="application/x-www-form-urlencoded", expect_errors=True)
    assert answer.status_int == 400
    assert "表单字段过多" in answer.text
    answer = api.post("/api/v1/login", body, content_type="application/x-www-form-urlencoded", expect_errors=True)
    assert answer.status_int == 400 and "form" in answer.json["error"]["fields"]


def test_last_values_reads_like_a_lookup_by_name():
    get = MultiDict([("a", "1"), ("b", "x"), ("a", "2")])
    post = MultiDict([("a", "posted"), ("c", "3")])
    params = NestedMultiDict(get, post)
    assert last_values(params) == {name: params[name] for name in params}
    assert last_values(params) == {"a": "2", "b": "x", "c": "3"}
    assert last_values(get) == {"a": "2", "b": "x"}
