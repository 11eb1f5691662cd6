"""pipeline.totp: RFC 6238 codes, the ±1 step window, no reuse of an accepted step; the login's otp field."""
from __future__ import annotations

import base64

import pyotp
import pytest

from pipeline import totp
from pipeline.accounts import Login
from pipeline.errors import ValidationFailed
from pipeline.fields import validate

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890"; at T=59 s the 8-digit code is 94287082.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
MOMENT = 1_800_000_000.0


def test_codes_are_rfc_6238_sha1_six_digits_thirty_seconds():
    assert totp.code_at(RFC_SECRET, totp.step_of(59)) == "287082"
    assert totp.code_at(RFC_SECRET, totp.step_of(1111111109)) == "081804"
    secret = totp.new_secret()
    assert totp.is_secret(secret) and len(secret) == 32
    assert totp.code_at(secret, totp.step_of(MOMENT)) == pyotp.TOTP(secret).at(MOMENT)


def test_a_code_is_accepted_in_its_step_and_one_either_side():
    secret = totp.new_secret()
    now = totp.step_of(MOMENT)
    for offset in (-1, 0, 1):
        assert totp.accepted_step(secret, totp.code_at(secret, now + offset), MOMENT) == now + offset
    for offset in (-2, 2):
        assert totp.accepted_step(secret, totp.code_at(secret, now + offset), MOMENT) is None


def test_a_step_already_accepted_or_earlier_is_refused():
    secret = totp.new_secret()
    now = totp.step_of(MOMENT)
    code = totp.code_at(secret, now)
    assert totp.accepted_step(secret, code, MOMENT, last_step=now - 1) == now
    assert totp.accepted_step(secret, code, MOMENT, last_step=now) is None
    assert totp.accepted_step(secret, totp.code_at(secret, now - 1), MOMENT, last_step=now) is None
    assert totp.accepted_step(secret, totp.code_at(secret, now + 1), MOMENT, last_step=now) == now + 1


def test_the_client_that_used_a_step_may_use_it_again_but_not_an_earlier_one():
    secret = totp.new_secret()
    now = totp.step_of(MOMENT)
    assert totp.accepted_step(secret, totp.code_at(secret, now), MOMENT, last_step=now, same_step=True) == now
    assert totp.accepted_step(secret, totp.code_at(secret, now - 1), MOMENT, last_step=now, same_step=True) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 345", None, 123456])
def test_anything_but_six_digits_is_refused(code):
    assert totp.accepted_step(totp.new_secret(), code, MOMENT) is None


def test_the_provisioning_uri_names_the_account_and_the_issuer():
    uri = totp.provisioning_uri(RFC_SECRET, "cy-admin")
    assert uri.startswith("otpauth://totp/medreg:cy-admin?") and f"secret={RFC_SECRET}" in uri and "issuer=medreg" in uri


def test_login_takes_an_optional_otp_as_text():
    assert validate(Login, {"username": "cy-admin", "password": "x"}).otp is None
    assert validate(Login, {"username": "cy-admin", "password": "x", "otp": ""}).otp is None
    assert validate(Login, {"username": "cy-admin", "password": "x", "otp": " 012345 "}).otp == "012345"
    assert validate(Login, {"username": "cy-admin", "password": "x", "otp": 12345}).otp == "012345"
    with pytest.raises(ValidationFailed) as refused:
        validate(Login, {"username": "cy-admin", "password": "x", "otp": ["1"]})
    assert refused.value.codes == {"otp": "type"}


def test_the_login_schema_documents_the_otp():
    schema = Login.model_json_schema()
    assert "otp" not in schema.get("required", [])
    assert "otp" in schema["properties"] and "6" in str(schema["properties"]["otp"])
