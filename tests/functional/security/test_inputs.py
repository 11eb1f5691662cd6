"""Rule 6, the inputs the issue measured one by one: each gets a 4xx naming what is wrong, never a 500."""
from __future__ import annotations

import pytest

from tests import factories
from tests.journeys import commission_desk, institution_desk, person_account, wait_for


@pytest.mark.parametrize("path", [
    "/api/v1/applications/99999999999", "/api/v1/applications/2147483648/withdraw", "/api/v1/commission/queue/4294967296",
    "/api/v1/institution/batches/18446744073709551616",
])
def test_ids_beyond_32_bits_are_not_found(api, path):
    answer = api.get(path, status=404) if "withdraw" not in path else api.post_json(path, {}, status=404)
    assert answer.json["error"]["code"] == "not_found"


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/public/feed?since=99999999999", "since"), ("/api/v1/public/feed?since=%E2%91%A0", "since"),
    ("/api/v1/public/physicians?limit=%E2%91%A0", "limit"), ("/api/v1/public/physicians?institution=99999999999", None),
    ("/api/v1/public/physicians?division=%E2%91%A0", "division"),
])
def test_numbers_out_of_range_or_not_ascii(api, path, field):
    answer = api.get(path, status=(200, 400))
    if field:
        assert answer.status_int == 400 and field in answer.json["error"]["fields"]


@pytest.mark.parametrize("body", [
    {"username": 123, "password": []}, {"username": {"a": 1}, "password": "x"}, {"username": None, "password": None},
    {"username": ["x"], "password": True},
])
def test_logins_that_are_not_text(api, body):
    error = api.post_json("/api/v1/login", body, status=400).json["error"]
    assert error["fields"]


def test_lone_surrogates_nul_and_deep_nesting_are_refused(api):
    for raw in (b'{"username": "\\ud800", "password": "x"}', b'{"username": "a\\u0000b", "password": "x"}',
                b'{"a":' * 5000 + b"1" + b"}" * 5000, b"\xff\xfe{}"):
        error = api.post("/api/v1/login", raw, content_type="application/json", status=400).json["error"]
        assert "body" in error["fields"] or error["fields"]
    assert api.get("/api/v1/public/physicians?name=%00", status=400).json["error"]["fields"]
    assert api.get("/api/v1/public/physicians?name=%ED%A0%80", status=400).json["error"]["code"] == "invalid"


def test_far_dates_are_refused_not_overflowed(api, db):
    _, commission = commission_desk(api, db)
    for path in ("/api/v1/commission/audit?until=9999-12-31", "/api/v1/commission/stats?until=9999-12-31",
                 "/api/v1/commission/stats?since=0001-01-01", "/api/v1/commission/export?report=kind&until=9999-12-31"):
        answer = api.get(path, headers=commission, status=(200, 400))
        assert answer.status_int < 500


def test_a_malformed_ipv6_webhook_is_a_400_on_url(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("格式医院"))
    for url in ("http://[::1", "http://[fe80::1%25eth0]/", "http://[zz::1]/", "http://exa mple.com/"):
        error = api.put_json("/api/v1/institution/webhook", {"url": url, "secret": "s" * 20}, headers=desk.headers,
                             status=400).json["error"]
        assert set(error["fields"]) == {"url"}


def test_a_batch_row_naming_an_institution_that_does_not_exist_is_refused_and_the_batch_finishes(api, db, settings, workers):
    desk = institution_desk(api, db, name=factories.unique_name("批量医院"))
    person = person_account(db, settings, desk.id)
    db.commit()
    header = "kind,id_number,certificate_no,practice_category,practice_scope,institution_id"
    rows = [f"physician.first_registration,{person['id_number']},{person['certificate_no']},临床,内科专业,{n}"
            for n in (999_999_999, 2_147_483_648, 99_999_999_999)]
    upload = ("\n".join((header, *rows)) + "\n").encode()
    created = api.post("/api/v1/institution/batches", upload_files=[("file", "x.csv", upload)], headers=desk.headers,
                       status=(202, 400)).json
    if "id" not in created:
        assert created["error"]["fields"]
        return
    done = wait_for(lambda: (lambda b: b if b["status"] == "done" else None)(
        api.get(f"/api/v1/institution/batches/{created['id']}", headers=desk.headers).json))
    assert done["submitted"] == 0 and all(row["status"] == "refused" and row["errors"] for row in done["rows"])


def test_an_application_naming_an_institution_that_does_not_exist_is_a_400(api, db, settings):
    desk = institution_desk(api, db, name=factories.unique_name("申请医院"))
    person = person_account(db, settings, desk.id)
    db.commit()
    from tests.journeys import login

    headers = login(api, person["mobile"])
    for institution_id in (999_999_999, 2_147_483_648):
        body = {"kind": "physician.first_registration", "data": {"certificate_no": person["certificate_no"], "practice_category": "临床",
                                                                 "practice_scope": "内科专业", "institution_id": institution_id}}
        error = api.post_json("/api/v1/applications", body, headers=headers, status=400).json["error"]
        assert "institution_id" in str(error["fields"])


def test_a_batch_file_that_is_not_csv_and_a_decision_on_huge_ids_are_400(api, db):
    desk = institution_desk(api, db, name=factories.unique_name("坏文件医院"))
    for content in (b"kind\rid\n\r\x00", b'kind,"a\rb\n', b"\x00kind\n1\n"):
        error = api.post("/api/v1/institution/batches", content, content_type="text/csv", headers=desk.headers,
                         status=400).json["error"]
        assert "file" in error["fields"]
    _, commission = commission_desk(api, db)
    error = api.post_json("/api/v1/commission/queue/decisions", {"ids": [2**31, 1], "decision": "approve"}, headers=commission,
                          status=400).json["error"]
    assert "ids" in error["fields"]


def _encoded(value: object) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", [[2, "王\u0000", "X"], [2, "王", "\u0000"], [1, "王" * 300, "X"]])
def test_a_public_cursor_holding_what_no_name_holds_is_a_400(api, key):
    """A NUL in a forged cursor's name reached the database (500)."""
    error = api.get("/api/v1/public/physicians", params={"name": "王", "cursor": _encoded(key)}, status=400).json["error"]
    assert list(error["fields"]) == ["cursor"]


@pytest.mark.parametrize("key", [["waiting", "2026-01-01T00:00:00+08:00", 10**25], ["id", 10**25], ["id", 2**31],
                                 ["-id", True]])
def test_a_workbench_cursor_with_an_id_out_of_range_is_a_400(api, db, key):
    """An id beyond PostgreSQL's bigint in a forged cursor failed in the database (500)."""
    from tests.journeys import commission_desk

    _, headers = commission_desk(api, db, "110105")
    error = api.get("/api/v1/commission/queue", params={"status": "all", "sort": key[0], "cursor": _encoded(key)},
                    headers=headers, status=400).json["error"]
    assert list(error["fields"]) == ["cursor"]
