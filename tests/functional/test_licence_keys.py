"""The public keys that verify electronic licences 电子证照: `GET /api/v1/public/licence-keys` lists every key of
the keyring with its algorithm, status and validity, never a private half; the listed key verifies a licence
offline; after `medreg licence rotate-key` both keys are listed, the old one verify-only with the day it stopped
signing; keyring files from before the dates existed still load; an SM2 key signs licences listed as SM2."""
from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from webtest import TestApp

from pipeline import clock
from portal.cli import main as medreg
from portal.services import licences
from publisher import licence_keys
from publisher.licence_keys import KeyringError, new_keyring_document, parse_keyring, retire_private_halves, rotate, unb64
from tests import journeys, public_records

DIVISION = "650603"


def portal_with(settings, keys: str) -> TestApp:
    return journeys.portal_with(settings, licence_keys=keys)


@pytest.fixture(scope="module")
def record(settings) -> dict:
    place = [{"id": 1, "name": "伊宁公钥测试医院", "identifier": None}]
    stored = public_records.store_in(settings, [public_records.person_record("physician", DIVISION, 31, place, status="registered")])
    return stored[0]


def payload_of(portal: TestApp, identifier: str) -> str:
    return portal.get(f"/api/v1/public/records/{identifier}/licence", params={"format": "png"}).headers["X-Medreg-Licence-Payload"]


def verify_with(listed: dict, payload: str) -> dict:
    """What an offline verifier does with the published key: Ed25519 over the payload's second part."""
    _, body, signature = payload.split(".")
    assert listed["algorithm"] == "Ed25519"
    Ed25519PublicKey.from_public_bytes(unb64(listed["public_key"])).verify(unb64(signature), unb64(body))
    return json.loads(unb64(body))


def test_the_signing_key_is_listed_with_its_algorithm_and_verifies_a_licence(settings, record):
    document = new_keyring_document("keys-2026")
    portal = portal_with(settings, json.dumps(document))
    answer = portal.get("/api/v1/public/licence-keys")
    assert answer.headers["Cache-Control"].startswith("public")
    assert answer.json == {"keys": [{
        "kid": "keys-2026", "algorithm": "Ed25519", "public_key": answer.json["keys"][0]["public_key"],
        "status": "signing", "valid_from": clock.today().isoformat(), "valid_until": None}]}
    assert len(unb64(answer.json["keys"][0]["public_key"])) == 32
    assert "private" not in answer.text and document["keys"][0]["private"] not in answer.text
    fields = verify_with(answer.json["keys"][0], payload_of(portal, record["identifier"]))
    assert (fields["identifier"], fields["kid"]) == (record["identifier"], "keys-2026")


def test_after_rotation_both_keys_are_listed_with_their_statuses(settings, record, tmp_path):
    key_file = tmp_path / "licence-keys.json"
    assert medreg(["licence", "new-keys", "--file", str(key_file), "--kid", "old-a"]) == 0
    old_payload = payload_of(portal_with(settings, "file:" + str(key_file)), record["identifier"])
    assert medreg(["licence", "rotate-key", "--file", str(key_file), "--kid", "new-b"]) == 0
    portal = portal_with(settings, key_file.read_text())  # a process reads its keyring once: as if restarted
    answer = portal.get("/api/v1/public/licence-keys")
    keys = {key["kid"]: key for key in answer.json["keys"]}
    today = clock.today().isoformat()
    assert [key["kid"] for key in answer.json["keys"]] == ["new-b", "old-a"]
    assert (keys["new-b"]["status"], keys["new-b"]["valid_from"], keys["new-b"]["valid_until"]) == ("signing", today, None)
    assert (keys["old-a"]["status"], keys["old-a"]["valid_from"], keys["old-a"]["valid_until"]) == ("verify_only", today, today)
    assert "private" not in answer.text
    assert verify_with(keys["old-a"], old_payload)["kid"] == "old-a"
    assert verify_with(keys["new-b"], payload_of(portal, record["identifier"]))["kid"] == "new-b"
    # Reduced to its public half, the old key is listed the same.
    retired = json.dumps(retire_private_halves(json.loads(key_file.read_text())))
    assert portal_with(settings, retired).get("/api/v1/public/licence-keys").json == answer.json


def test_a_keyring_without_dates_still_loads_and_its_signing_key_is_dated_by_its_first_day_here(settings, monkeypatch):
    document = new_keyring_document("undated")
    undated = {"signing": "undated", "keys": [{"kid": "undated", "private": document["keys"][0]["private"]}]}
    monkeypatch.setattr(clock, "today", lambda: date(2026, 3, 9))
    first = portal_with(settings, json.dumps(undated)).get("/api/v1/public/licence-keys").json
    assert first["keys"][0]["valid_from"] == "2026-03-09" and first["keys"][0]["valid_until"] is None
    assert first["keys"][0]["status"] == "signing"
    # Listed again on a later day, by a process that starts afresh: still the day it was first listed.
    monkeypatch.setattr(clock, "today", lambda: date(2026, 3, 10))
    monkeypatch.setattr(licences, "_known", {})
    assert portal_with(settings, json.dumps(undated)).get("/api/v1/public/licence-keys").json == first


def test_without_a_keyring_the_key_derived_from_the_secret_signs_the_same_in_every_process(settings, record, monkeypatch):
    """A deployment configured as the outside contract lists it (no MEDREG_LICENCE_KEYS) has working licences: every
    portal process derives the same Ed25519 key from MEDREG_SECRET, so a licence one signed verifies at another. The
    key has no file to date it: its validity starts on the first day the deployment signed with it."""
    first, second = portal_with(settings, ""), portal_with(settings, "")
    payload = payload_of(first, record["identifier"])
    answer = first.get("/api/v1/public/licence-keys").json
    monkeypatch.setattr(licence_keys, "_cache", {})  # the second portal starts as another process would: nothing cached
    monkeypatch.setattr(licences, "_known", {})
    assert answer == second.get("/api/v1/public/licence-keys").json
    [key] = answer["keys"]
    assert key["kid"].startswith("s-") and key["algorithm"] == "Ed25519" and key["status"] == "signing"
    # (Another test may have signed with this key first, an earlier day if the run crossed midnight in Beijing.)
    assert date.fromisoformat(key["valid_from"]) <= clock.today() and key["valid_until"] is None
    assert settings.secret not in json.dumps(answer)
    assert verify_with(key, payload)["kid"] == key["kid"]
    assert second.get("/api/v1/public/verify-licence", params={"payload": payload}).json["authentic"] is True


def test_a_rotated_secret_signs_with_its_new_key_and_old_licences_still_verify(settings, record, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 2, 2))
    old_secret = f"rotated-away-{settings.secret}"
    old = dataclasses.replace(settings, secret=old_secret)
    old_payload = payload_of(portal_with(old, ""), record["identifier"])
    monkeypatch.setattr(clock, "today", lambda: date(2026, 8, 18))
    rotated = portal_with(dataclasses.replace(settings, secret=f"new-{settings.secret}", old_secrets=(old_secret,)), "")
    keys = rotated.get("/api/v1/public/licence-keys").json["keys"]
    assert [key["status"] for key in keys] == ["signing", "verify_only"]
    # The old key signed from its first day here until the day the new one began.
    assert [(key["valid_from"], key["valid_until"]) for key in keys] == [("2026-08-18", None), ("2026-02-02", "2026-08-18")]
    assert verify_with(keys[0], payload_of(rotated, record["identifier"]))["kid"] == keys[0]["kid"]
    assert rotated.get("/api/v1/public/verify-licence", params={"payload": old_payload}).json["authentic"] is True


def test_an_unusable_keyring_answers_503_saying_why(settings):
    refused = portal_with(settings, "file:/nonexistent/licence-keys.json").get("/api/v1/public/licence-keys", status=503).json
    assert refused["error"]["code"] == "licence_keys" and "电子证照密钥" in refused["error"]["message"]


def test_rotation_stamps_dates_and_bad_dates_or_algorithms_are_refused(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 1, 5))
    first = new_keyring_document("a")
    monkeypatch.setattr(clock, "today", lambda: date(2026, 7, 1))
    rotated = rotate(first, "b")
    assert [(k["kid"], k["created"], k.get("retired")) for k in rotated["keys"]] == [
        ("b", "2026-07-01", None), ("a", "2026-01-05", "2026-07-01")]
    again = rotate(rotated, "c")  # a key retired before keeps its day
    assert [(k["kid"], k.get("retired")) for k in again["keys"]] == [("c", None), ("b", "2026-07-01"), ("a", "2026-07-01")]
    listed = parse_keyring(retire_private_halves(again)).listed
    assert [(key.kid, key.created, key.retired) for key in listed] == [
        ("c", date(2026, 7, 1), None), ("b", date(2026, 7, 1), date(2026, 7, 1)), ("a", date(2026, 1, 5), date(2026, 7, 1))]
    for broken in ({**first["keys"][0], "created": "gestern"}, {**first["keys"][0], "algorithm": "RSA"}):
        with pytest.raises(KeyringError):
            parse_keyring({"signing": "a", "keys": [broken]})


def test_an_sm2_key_signs_licences_that_verify_and_is_listed_as_sm2(settings, record, tmp_path):
    from publisher import licence
    from publisher.licence_keys import b64
    from publisher.sm2 import Sm2PublicKey

    key_file = tmp_path / "licence-keys.json"
    assert medreg(["licence", "new-keys", "--file", str(key_file), "--kid", "ed-a"]) == 0
    old_payload = payload_of(portal_with(settings, key_file.read_text()), record["identifier"])
    assert medreg(["licence", "rotate-key", "--file", str(key_file), "--kid", "sm2-b", "--algorithm", "SM2"]) == 0
    portal = portal_with(settings, key_file.read_text())
    answer = portal.get("/api/v1/public/licence-keys").json
    assert [(k["kid"], k["algorithm"], k["status"]) for k in answer["keys"]] == [
        ("sm2-b", "SM2", "signing"), ("ed-a", "Ed25519", "verify_only")]
    sm2_key = Sm2PublicKey(unb64(answer["keys"][0]["public_key"]))  # 65 bytes, 04 ‖ x ‖ y, on the curve

    payload = payload_of(portal, record["identifier"])
    assert payload == payload_of(portal, record["identifier"])  # deterministic like Ed25519: cached all day
    _, body, signature = payload.split(".")
    sm2_key.verify(unb64(signature), unb64(body))  # what an offline verifier does with the published key
    fields = json.loads(unb64(body))
    assert (fields["kid"], fields["alg"]) == ("sm2-b", "SM2")
    for good, kid in ((payload, "sm2-b"), (old_payload, "ed-a")):
        verdict = portal.get("/api/v1/public/verify-licence", params={"payload": good}).json
        assert (verdict["authentic"], verdict["valid_now"], verdict["key_id"]) == (True, True, kid)
    # The key decides the algorithm, not the payload: a payload that drops or changes "alg" does not verify.
    for forged_fields in ({k: v for k, v in fields.items() if k != "alg"}, {**fields, "alg": "Ed25519"}):
        forged = f"{licence.PREFIX}.{b64(licence.canonical(forged_fields))}.{signature}"
        assert portal.get("/api/v1/public/verify-licence", params={"payload": forged}).json["authentic"] is False
    ofd = portal.get(f"/api/v1/public/records/{record['identifier']}/licence", params={"format": "ofd"})
    assert b"SM2/SM3" in zipfile.ZipFile(io.BytesIO(ofd.body)).read("OFD.xml")
