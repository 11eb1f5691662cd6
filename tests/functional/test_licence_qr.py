"""The QR code drawn on the electronic licence 电子证照 is what a verifier scans: decoded from the PNG
itself, its payload verifies offline with nothing but the public key, and a payload with one field
changed does not."""
from __future__ import annotations

import io
import json

import pytest
import zxingcpp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from PIL import Image
from webtest import TestApp

from publisher import licence
from publisher.licence_keys import b64, new_keyring_document, unb64
from tests import public_records
from tests.journeys import portal_with

DIVISION = "650602"
KEYS = new_keyring_document("qr-2026")


@pytest.fixture(scope="module")
def portal(settings) -> TestApp:
    return portal_with(settings, licence_keys=json.dumps(KEYS))


@pytest.fixture(scope="module")
def records(settings) -> list[dict]:
    return public_records.licence_holders(settings, DIVISION, "伊宁扫码测试医院", 21, ("physician", "institution"))


def published_public_key() -> Ed25519PublicKey:
    """The public half of the signing key: all a verifying site is given."""
    private = Ed25519PrivateKey.from_private_bytes(unb64(KEYS["keys"][0]["private"]))
    return Ed25519PublicKey.from_public_bytes(private.public_key().public_bytes_raw())


def scanned(png: bytes) -> str:
    """The text of the one QR code on the licence picture."""
    codes = [code for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) if code.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(codes) == 1
    return codes[0].text


def verified_offline(public_key: Ed25519PublicKey, payload: str) -> dict:
    """The licence's fields if the Ed25519 signature holds over exactly the signed bytes; InvalidSignature if not."""
    prefix, body, signature = payload.split(".")
    assert prefix == licence.PREFIX
    public_key.verify(unb64(signature), unb64(body))
    return json.loads(unb64(body))


def licence_png(portal: TestApp, identifier: str) -> bytes:
    response = portal.get(f"/api/v1/public/records/{identifier}/licence", params={"format": "png"})
    assert response.content_type == "image/png"
    return response.body


def test_the_qr_on_the_png_licence_verifies_offline_with_the_public_key(portal, records):
    for record in records:
        payload = scanned(licence_png(portal, record["identifier"]))
        fields = verified_offline(published_public_key(), payload)
        assert (fields["identifier"], fields["kind"], fields["name"], fields["kid"]) == (
            record["identifier"], record["kind"], record["name"], "qr-2026")
    assert fields["uscc"] == records[1]["uscc"]  # the institution's licence attests its credit code


def test_a_scanned_payload_with_one_field_changed_fails_verification(portal, records):
    payload = scanned(licence_png(portal, records[0]["identifier"]))
    prefix, body, signature = payload.split(".")
    fields = json.loads(unb64(body))
    for field, forged_value in (("name", "冒名顶替"), ("practice_scopes", ["外科专业"]), ("version", fields["version"] + 1)):
        forged = f"{prefix}.{b64(licence.canonical({**fields, field: forged_value}))}.{signature}"
        # Drawn onto a licence of its own, the forged payload still scans — and still fails.
        assert scanned(licence.png(forged)) == forged
        with pytest.raises(InvalidSignature):
            verified_offline(published_public_key(), forged)
        verdict = portal.get("/api/v1/public/verify-licence", params={"payload": forged}).json
        assert (verdict["authentic"], verdict["message"]) == (False, "签名无效：证照内容被篡改或伪造")
