"""Disclosure channels: a site that is down gets everything once it is back (nothing lost, the newest
version kept); after N failures a delivery is parked, shown to the commissions over the record's
division and sent again by `medreg publish replay`; the reference receiver refuses forged, stale and
replayed pushes.

Deliveries are driven by calling the publisher's own functions (`deliver_one`), against a receiver and
channels of this module, so the test decides when the site is down without touching other tests' sites.
"""
from __future__ import annotations

import dataclasses
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from webtest import TestApp

from models import Delivery
from models.base import utcnow
from models.crypto import sign_push
from models.settings import Channel
from portal.cli import main as medreg
from publisher.channels import encode, push
from publisher.disclosure import deliver_one, publish_version
from publisher.receiver import Receiver
from tests import factories, public_records
from tests.journeys import PASSWORD, commission_desk, institution_desk, staff_account

DIVISION = "650301"
TAG = uuid.uuid4().hex[:6]
JSON_CHANNEL, FHIR_CHANNEL = f"site-{TAG}", f"site-fhir-{TAG}"


@pytest.fixture(scope="module")
def site():
    with Receiver({JSON_CHANNEL: "json-secret", FHIR_CHANNEL: "fhir-secret"}) as running:
        yield running


@pytest.fixture(scope="module")
def channel_settings(settings, site):
    # As a deployment configured only as the contract says: no MEDREG_ALLOWED_PUSH_NETWORKS, the receiver on
    # 127.0.0.1 (a channel is the operator's own configuration, so its address is not held to the webhooks' check).
    return dataclasses.replace(settings, park_after_attempts=3, allowed_push_networks=(), channels=(
        Channel(JSON_CHANNEL, site.url(JSON_CHANNEL), "6503", "json-secret", "json"),
        Channel(FHIR_CHANNEL, site.url(FHIR_CHANNEL), "65", "fhir-secret", "fhir"),
        Channel(f"elsewhere-{TAG}", site.url("elsewhere"), "11", "x", "json"),  # takes no 65 record
    ))


def publish_versions(db, settings, records: list[dict], versions: range) -> list[int]:
    """Publish each version of each record in turn; the ids of the deliveries queued, in order."""
    ids = []
    for version in versions:
        for record in records:
            stored = publish_version(db, settings, {**record, "version": version})
            db.flush()
            ids += [d.id for d in db.scalars(select(Delivery).where(Delivery.version_id == stored.id).order_by(Delivery.id))]
    db.commit()
    return ids


def deliveries(db, ids: list[int]) -> list[Delivery]:
    db.expire_all()
    return list(db.scalars(select(Delivery).where(Delivery.id.in_(ids)).order_by(Delivery.id)))


def test_a_site_down_for_a_while_gets_every_record_at_its_newest_version(db, channel_settings, site):
    place = [{"id": 1, "name": "测试医院", "identifier": None}]
    records = [public_records.person_record("physician", DIVISION, n, place, status="registered") for n in range(3)]
    ids = publish_versions(db, channel_settings, records, range(1, 4))
    assert len(ids) == 3 * 3 * 2  # every version to both 65 channels, none to the Beijing one

    site.fail_with = 503
    for round_number in (1, 2):
        before = utcnow()
        assert not any(deliver_one(channel_settings, i) for i in ids)
        for delivery in deliveries(db, ids):
            assert (delivery.status, delivery.attempts, delivery.last_error) == ("retrying", round_number, "HTTP 503")
            ceiling = 2 ** round_number  # exponential back-off with jitter: in [ceiling/2, ceiling] seconds
            assert timedelta(seconds=ceiling / 2) <= delivery.next_attempt_at - before <= timedelta(seconds=ceiling + 1)
    assert site.held(JSON_CHANNEL) == {}

    site.fail_with = None
    assert all(deliver_one(channel_settings, i) for i in reversed(ids))  # the worst order: newest first
    assert {d.status for d in deliveries(db, ids)} == {"delivered"}
    for channel in (JSON_CHANNEL, FHIR_CHANNEL):
        held = site.held(channel)
        assert {identifier: body["_version"] for identifier, body in held.items()} == {r["identifier"]: 3 for r in records}
        for record in records:
            kept = site.store.kept[(channel, record["identifier"])]
            assert kept == sorted(kept) and kept[-1] == 3  # never went back to an older version
    for body in site.held(FHIR_CHANNEL).values():
        Bundle.model_validate({k: v for k, v in body.items() if k != "_version"})
    assert site.held(JSON_CHANNEL)[records[0]["identifier"]]["version"] == 3


def test_repeated_failures_park_a_delivery_for_the_commission_and_replay_sends_it(api, db, settings, channel_settings, site, monkeypatch):
    record = public_records.person_record("physician", DIVISION, 7, [{"id": 1, "name": "测试医院", "identifier": None}], status="registered")
    ids = publish_versions(db, dataclasses.replace(channel_settings, channels=channel_settings.channels[:1]), [record], range(1, 2))
    site.fail_with = 500
    for _ in range(3):
        deliver_one(channel_settings, ids[0])
    (parked,) = deliveries(db, ids)
    assert (parked.status, parked.attempts) == ("parked", 3)

    factories.division(db, "650000", "新疆测试区", None)
    factories.division(db, "650300", "测试市", "650000")
    factories.division(db, DIVISION, "测试县", "650300")
    db.commit()
    for division in ("650000", "650300", DIVISION):
        _, headers = commission_desk(api, db, division)
        shown = api.get("/api/v1/commission/deliveries", params={"status": "parked"}, headers=headers).json["items"]
        assert parked.id in {item["id"] for item in shown}
        item = next(item for item in shown if item["id"] == parked.id)
        assert (item["identifier"], item["version"], item["attempts"], item["last_error"]) == (record["identifier"], 1, 3, "HTTP 500")
    _, beijing = commission_desk(api, db, "110105")
    assert parked.id not in {i["id"] for i in api.get("/api/v1/commission/deliveries", headers=beijing).json["items"]}
    bad = api.get("/api/v1/commission/deliveries", params={"status": "lost"}, headers=beijing, status=400).json
    assert list(bad["error"]["fields"]) == ["status"]
    desk = institution_desk(api, db)
    api.get("/api/v1/commission/deliveries", headers=desk.headers, status=403)
    api.get("/api/v1/commission/deliveries", status=401)

    # The commission's page lists it too.
    username = f"dlv-{TAG}"
    staff_account(db, "commission", username, division="650000")
    db.commit()
    page = TestApp(api.app)
    form = page.get("/login").forms[0]
    form["username"], form["password"] = username, PASSWORD
    form.submit()
    listed = page.get("/commission/deliveries")
    assert record["identifier"] in listed.html.select_one("#deliveries").text
    # The clerk reads what they can do and why the push failed, in Chinese; an operator's command is for docs/operations.md.
    assert not re.search(r"medreg|celery|--parked|<code>", listed.text)
    assert "告知系统运维人员" in listed.html.select_one("#parked-note").text
    row = next(tr for tr in listed.html.select("#deliveries tbody tr") if record["identifier"] in tr.text)
    assert row.select_one('td[data-label="最近错误"]').text == "接收方答复 HTTP 500（接收方未接收）"
    refused = page.get("/commission/deliveries", params={"status": "lost"}, status=400)
    assert refused.html.select_one("#status-error").text == "推送状态：只能是待推送、重试中、已暂停（需人工处理）、已送达之一"

    monkeypatch.setenv("MEDREG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDREG_SECRET", settings.secret)
    assert medreg(["publish", "replay"]) == 2
    assert medreg(["publish", "replay", "--id", "999999999"]) == 1
    assert deliveries(db, ids)[0].status == "parked"  # an unknown id replays nothing
    assert medreg(["publish", "replay", "--parked", "--id", str(parked.id)]) == 0
    (replayed,) = deliveries(db, ids)
    assert (replayed.status, replayed.attempts) == ("pending", 0)
    site.fail_with = None
    assert deliver_one(channel_settings, parked.id)
    assert deliveries(db, ids)[0].status == "delivered"
    assert site.held(JSON_CHANNEL)[record["identifier"]]["_version"] == 1


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def signed(secret: str, body: bytes, identifier: str, version: int, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp or int(time.time()))
    return {"X-Medreg-Signature": sign_push(secret, stamp, body), "X-Medreg-Timestamp": stamp,
            "X-Medreg-Record": identifier, "X-Medreg-Version": str(version)}


def test_the_reference_receiver_refuses_forged_stale_and_replayed_pushes(site):
    site.fail_with = None
    record = public_records.person_record("physician", DIVISION, 11, [{"id": 1, "name": "测试医院", "identifier": None}])
    url, identifier = site.url(JSON_CHANNEL), record["identifier"]
    newer = encode({**record, "version": 2})
    channel = Channel(JSON_CHANNEL, url, "", "json-secret")
    assert push(channel, identifier, 2, newer).ok
    assert site.held(JSON_CHANNEL)[identifier]["version"] == 2

    older = encode({**record, "version": 1})
    assert post(url, older, signed("json-secret", older, identifier, 1)) == (200, {"kept": False})  # genuine but older
    assert post(url, older, signed("wrong-secret", older, identifier, 1)) == (401, {"error": "bad signature"})
    stale = signed("json-secret", newer, identifier, 2, timestamp=int(time.time()) - 3600)
    assert post(url, newer, stale) == (401, {"error": "stale timestamp"})
    # A captured genuine push of version 1, its (unsigned) headers bumped to claim version 9.
    assert post(url, older, signed("json-secret", older, identifier, 1) | {"X-Medreg-Version": "9"})[0] == 401
    tampered = older.replace("测试医院".encode(), "冒名医院".encode())
    assert post(url, tampered, {**signed("json-secret", older, identifier, 1), "X-Medreg-Version": "1"})[0] == 401
    third = encode({**record, "version": 3})
    headers = signed("json-secret", third, identifier, 3)
    assert post(url, third, headers) == (200, {"kept": True})
    assert post(url, third, headers) == (409, {"error": "replayed"})  # the very same push again
    assert site.held(JSON_CHANNEL)[identifier]["version"] == 3
    with urllib.request.urlopen(f"{url}/{identifier}", timeout=10) as response:
        assert json.loads(response.read())["version"] == 3
    assert {reason for name, reason in site.store.refused if name == JSON_CHANNEL} >= {
        "bad signature", "stale timestamp", "headers do not match body", "replayed"}


def test_the_commission_pages_through_every_delivery_of_its_jurisdiction(api, db, channel_settings, monkeypatch):
    """Three deliveries waiting in one county: one at a time by cursor, by the API and by the page's 下一页."""
    records = [public_records.person_record("physician", DIVISION, 70 + n, [{"id": 1, "name": "测试医院", "identifier": None}],
                                            status="registered") for n in range(3)]
    publish_versions(db, dataclasses.replace(channel_settings, channels=channel_settings.channels[:1]), records, range(1, 2))
    factories.division(db, "650000", "新疆测试区", None)
    factories.division(db, "650300", "测试市", "650000")
    factories.division(db, DIVISION, "测试县", "650300")
    db.commit()
    _, headers = commission_desk(api, db, DIVISION)
    whole = [item["id"] for item in api.get("/api/v1/commission/deliveries", params={"status": "pending"}, headers=headers).json["items"]]
    seen, cursor = [], None
    while True:
        answer = api.get("/api/v1/commission/deliveries", headers=headers,
                         params={"status": "pending", "limit": "1", **({"cursor": cursor} if cursor else {})}).json
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            break
    assert seen == whole and len(whole) >= 3
    bad = api.get("/api/v1/commission/deliveries", params={"cursor": "-1"}, headers=headers, status=400).json
    assert list(bad["error"]["fields"]) == ["cursor"]

    from portal.pages import deliveries as delivery_pages

    monkeypatch.setattr(delivery_pages, "A_PAGE", 1)
    username = f"dlp-{TAG}"
    staff_account(db, "commission", username, division=DIVISION)
    db.commit()
    page = TestApp(api.app)
    form = page.get("/login").forms[0]
    form["username"], form["password"] = username, PASSWORD
    form.submit()
    listed, shown = page.get("/commission/deliveries", params={"status": "pending"}), []
    while True:
        shown += [int(row.td.text) for row in listed.html.select("#deliveries tbody tr")]
        following = listed.html.select_one("p.pager") and listed.html.select_one("p.pager").find("a", string="下一页")
        if not following:
            break
        assert "status=pending" in following["href"] and "cursor=" in following["href"]
        listed = page.get(following["href"])
    assert shown == whole
    # 上一页 carries no cursor: it is that page by its number, not the first page under another label.
    before = listed.click(description="上一页")
    assert f"第 {len(whole) - 1} 页" in before.text
    assert [int(row.td.text) for row in before.html.select("#deliveries tbody tr")] == [whole[-2]]
