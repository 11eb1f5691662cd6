"""Data at rest in SM4 (GCM): what a value is stored as, that only the right secret opens it, that a changed value
fails instead of opening to something else, and that values from before SM4 (Fernet) still open."""
from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from models.crypto import decrypt, encrypt, encrypter, sealed_under

NUMBER = "110105199001011234"


def test_a_value_is_stored_in_sm4_and_opens_with_its_secret_only():
    token = encrypt("secret-a", NUMBER)
    assert token.startswith("sm4:") and NUMBER not in token
    assert token != encrypt("secret-a", NUMBER)  # a fresh nonce each time: equal numbers are not equal tokens
    assert decrypt("secret-a", token) == NUMBER == decrypt(["secret-b", "secret-a"], token)  # an older secret too
    with pytest.raises(ValueError):
        decrypt("secret-b", token)
    assert encrypter("secret-a")(NUMBER).startswith("sm4:") and decrypt("secret-a", encrypter("secret-a")(NUMBER)) == NUMBER


@pytest.mark.parametrize("change", [
    lambda raw: raw[:20] + bytes([raw[20] ^ 1]) + raw[21:],  # one bit of the ciphertext
    lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # the tag
    lambda raw: raw[:27],  # cut short
])
def test_a_changed_value_does_not_open(change):
    raw = base64.urlsafe_b64decode(encrypt("secret-a", NUMBER)[4:])
    with pytest.raises(ValueError):
        decrypt("secret-a", "sm4:" + base64.urlsafe_b64encode(change(raw)).decode())


@pytest.mark.parametrize("token", ["sm4:", "sm4:!!!", "sm4:" + "A" * 40, "", "gAAAAAnot-a-token"])
def test_garbage_is_refused_as_unreadable(token):
    with pytest.raises(ValueError):
        decrypt("secret-a", token)


def test_a_value_from_before_sm4_still_opens_and_is_not_taken_for_current():
    from models.crypto import _derive

    legacy = Fernet(base64.urlsafe_b64encode(_derive("secret-a", "encrypt"))).encrypt(NUMBER.encode()).decode()
    assert decrypt("secret-a", legacy) == NUMBER
    assert not sealed_under("secret-a", legacy)
    assert sealed_under("secret-a", encrypt("secret-a", NUMBER)) and not sealed_under("secret-b", encrypt("secret-a", NUMBER))


def test_the_bulk_look_up_hasher_finds_what_lookup_hash_stored():
    from models.crypto import lookup_hash, lookup_hasher

    assert lookup_hasher("secret-a")(" 11010519900101123x ") == lookup_hash("secret-a", "11010519900101123X")
    assert lookup_hasher("secret-a")(NUMBER) != lookup_hasher("secret-b")(NUMBER)
    # One hasher for a whole load: each value hashed from the key's states as they were, in any order, any length.
    hasher = lookup_hasher("secret-a")
    values = [f"{n:018d}" for n in range(0, 10**18, 10**16)] + ["", "x" * 200, "王芳"]
    assert [hasher(value) for value in values + values[::-1]] == [lookup_hash("secret-a", value) for value in values + values[::-1]]
