"""The electronic licence 电子证照: PDF and PNG in Chinese with a signed QR payload that verifies offline,
tampering and forgery detected, the check says whether the record is still valid now, and key rotation
keeps old licences verifiable."""
from __future__ import annotations

import base64
import dataclasses
import io
import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image
from webtest import TestApp

from pipeline import clock
from portal.cli import main as medreg
from publisher import licence
from publisher.licence_keys import b64, new_keyring_document, parse_keyring, retire_private_halves, rotate, unb64
from tests import journeys, public_records

DIVISION = "650601"
FIRST_KEYS = new_keyring_document("2025-a")


def portal_with(settings, document: dict) -> TestApp:
    return journeys.portal_with(settings, licence_keys=json.dumps(document))


@pytest.fixture(scope="module")
def records(settings):
    place = [{"id": 1, "name": "伊犁测试医院", "identifier": None}]
    return public_records.store_in(settings, [
        public_records.person_record("physician", DIVISION, 1, place, status="registered"),
        public_records.person_record("physician", DIVISION, 2, place, status="registered"),
        public_records.person_record("nurse", DIVISION, 3, place, status="registered"),
        public_records.institution_record(DIVISION, 4, 990_004, status="operating"),
        public_records.person_record("physician", DIVISION, 5, place, status="cancelled"),
    ])


@pytest.fixture(scope="module")
def portal(settings):
    return portal_with(settings, FIRST_KEYS)


def fields_of(payload: str) -> dict:
    return json.loads(unb64(payload.split(".")[1]))


def test_every_active_record_has_a_licence_as_png_and_pdf_with_its_signed_payload(portal, records):
    for record in records[:4]:
        image = portal.get(f"/api/v1/public/records/{record['identifier']}/licence", params={"format": "png"})
        assert image.content_type == "image/png"
        assert Image.open(io.BytesIO(image.body)).size == (1400, 960)
        payload = image.headers["X-Medreg-Licence-Payload"]
        fields = fields_of(payload)
        assert (fields["identifier"], fields["name"], fields["kind"], fields["kid"]) == (
            record["identifier"], record["name"], record["kind"], "2025-a")
        assert fields["issued_on"] == clock.today().isoformat()
        document = portal.get(f"/api/v1/public/records/{record['identifier']}/licence")
        assert document.content_type == "application/pdf" and document.body.startswith(b"%PDF-")
        assert b"/Subtype /Image" in document.body and b"STSong-Light" in document.body and document.body.rstrip().endswith(b"%%EOF")
    physician = fields_of(portal.get(f"/api/v1/public/records/{records[0]['identifier']}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"])
    assert physician["practice_scopes"] == ["内科专业"] and physician["institution"] == "伊犁测试医院"
    institution = fields_of(portal.get(f"/api/v1/public/records/{records[3]['identifier']}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"])
    assert institution["uscc"] == records[3]["uscc"] and institution["type"] == "综合医院"


def test_no_licence_for_a_record_no_longer_active_or_unknown_and_bad_format_named(portal, records):
    refused = portal.get(f"/api/v1/public/records/{records[4]['identifier']}/licence", status=409).json
    assert "注销" in refused["error"]["message"]
    portal.get("/api/v1/public/records/D65060120990999999X/licence", status=404)
    bad = portal.get(f"/api/v1/public/records/{records[0]['identifier']}/licence", params={"format": "docx"}, status=400).json
    assert list(bad["error"]["fields"]) == ["format"]


def test_the_payload_verifies_offline_with_nothing_but_the_public_key(records):
    keyring = parse_keyring(FIRST_KEYS)
    payload = licence.sign(keyring, records[0], date(2026, 5, 1))
    _, body, signature = payload.split(".")
    public = retire_private_halves(rotate(FIRST_KEYS, "later"))["keys"][1]  # what a verifying site is given
    assert public["kid"] == "2025-a" and "private" not in public
    Ed25519PublicKey.from_public_bytes(unb64(public["public"])).verify(unb64(signature), unb64(body))
    assert json.loads(unb64(body)) == licence.licence_fields(records[0], "2025-a", date(2026, 5, 1))
    assert unb64(body) == licence.canonical(json.loads(unb64(body)))  # canonical: sorted keys, no spaces, UTF-8


def test_check_says_valid_now_and_refuses_tampered_and_forged_payloads(portal, records):
    payload = portal.get(f"/api/v1/public/records/{records[1]['identifier']}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"]
    good = portal.get("/api/v1/public/verify-licence", params={"payload": payload}).json
    assert (good["authentic"], good["valid_now"], good["key_id"]) == (True, True, "2025-a")
    assert good["record"]["identifier"] == records[1]["identifier"] and good["message"] == "签名有效，记录当前有效"

    prefix, body, signature = payload.split(".")
    fields = fields_of(payload)
    renamed = f"{prefix}.{b64(licence.canonical({**fields, 'name': '冒名顶替'}))}.{signature}"
    extended = f"{prefix}.{b64(licence.canonical({**fields, 'practice_scopes': ['外科专业']}))}.{signature}"
    flipped = f"{prefix}.{body}.{b64(bytes([unb64(signature)[0] ^ 1]) + unb64(signature)[1:])}"
    stranger = licence.sign(parse_keyring(new_keyring_document("2025-a")), records[1], clock.today())  # same kid, other key
    for forged in (renamed, extended, flipped, stranger):
        verdict = portal.get("/api/v1/public/verify-licence", params={"payload": forged}).json
        assert (verdict["authentic"], verdict["valid_now"], verdict["licence"]) == (False, False, None)
        assert verdict["message"] == "签名无效：证照内容被篡改或伪造"
    unknown = licence.sign(parse_keyring(new_keyring_document("elsewhere")), records[1], clock.today())
    assert "不是本系统的密钥" in portal.get("/api/v1/public/verify-licence", params={"payload": unknown}).json["message"]

    for garbage in ("", "hello", "MEDREG1.!!!.???", "MEDREG1." + base64.urlsafe_b64encode(b"[1]").decode() + ".AA"):
        refused = portal.get("/api/v1/public/verify-licence", params={"payload": garbage}, status=400).json
        assert list(refused["error"]["fields"]) == ["payload"]


def test_a_licence_of_a_record_cancelled_since_is_authentic_but_no_longer_valid(portal, db, settings, records):
    from publisher.disclosure import publish_version

    record = records[2]
    payload = portal.get(f"/api/v1/public/records/{record['identifier']}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"]
    publish_version(db, dataclasses.replace(settings, channels=()), {**record, "version": 2, "status": "cancelled", "status_label": "注销"})
    db.commit()
    verdict = portal.get("/api/v1/public/verify-licence", params={"payload": payload}).json
    assert (verdict["authentic"], verdict["valid_now"]) == (True, False)
    assert "注销" in verdict["message"] and verdict["record"]["version"] == 2
    page = portal.get("/public/verify-licence", params={"payload": payload})
    assert "已失效" in page.html.select_one("#verdict").text


def test_key_rotation_keeps_old_licences_verifiable(settings, records, tmp_path):
    key_file = tmp_path / "licence-keys.json"
    assert medreg(["licence", "new-keys", "--file", str(key_file), "--kid", "2025-a"]) == 0
    assert medreg(["licence", "new-keys", "--file", str(key_file)]) == 1  # never overwrites keys
    before = portal_with(settings, json.loads(key_file.read_text()))
    old = before.get(f"/api/v1/public/records/{records[0]['identifier']}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"]

    assert medreg(["licence", "rotate-key", "--file", str(key_file), "--kid", "2026-a"]) == 0
    assert medreg(["licence", "rotate-key", "--file", str(key_file), "--kid", "2026-a"]) == 1  # kid taken
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    rotated = json.loads(key_file.read_text())
    assert rotated["signing"] == "2026-a" and [k["kid"] for k in rotated["keys"]] == ["2026-a", "2025-a"]
    after = portal_with(settings, rotated)
    new = after.get(f"/api/v1/public/records/{records[0]['identifier']}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"]
    assert fields_of(new)["kid"] == "2026-a"
    for payload, kid in ((old, "2025-a"), (new, "2026-a")):
        verdict = after.get("/api/v1/public/verify-licence", params={"payload": payload}).json
        assert (verdict["authentic"], verdict["valid_now"], verdict["key_id"]) == (True, True, kid)
    # The old key may be kept as its public half only; old licences still verify.
    retired = journeys.portal_with(settings, licence_keys="file:" + str(key_file))
    key_file.write_text(json.dumps(retire_private_halves(rotated)))
    assert retired.get("/api/v1/public/verify-licence", params={"payload": old}).json["authentic"] is True
    # A portal that only knows the old key cannot vouch for the new one.
    assert before.get("/api/v1/public/verify-licence", params={"payload": new}).json["authentic"] is False
