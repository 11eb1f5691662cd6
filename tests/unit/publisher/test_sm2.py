"""SM2 with SM3 (publisher/sm2.py): signatures verify, are deterministic, fail when anything changes, and agree with
OpenSSL's own SM2 in both directions (the machine's OpenSSL 3); public keys off the curve are refused."""
from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from publisher.sm2 import N, Sm2PrivateKey, Sm2PublicKey

ID = "distid:1234567812345678"
# SubjectPublicKeyInfo header of an SM2 key: id-ecPublicKey with the curve sm2p256v1 (1.2.156.10197.1.301).
SPKI_HEADER = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")


def test_the_machines_openssl_has_sm2() -> None:
    """The cross-checks below need OpenSSL 3 with SM2 (Debian's has it); fail loudly rather than skip without it."""
    assert shutil.which("openssl"), "openssl is not installed"
    listed = subprocess.run(["openssl", "list", "-public-key-algorithms"], capture_output=True, text=True)
    assert "sm2" in listed.stdout.lower()


def pem(public: Sm2PublicKey) -> str:
    body = base64.encodebytes(SPKI_HEADER + public.public_bytes_raw()).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n"


def test_a_signature_verifies_is_deterministic_and_fails_on_any_change():
    key = Sm2PrivateKey.generate()
    signature = key.sign(b"MEDREG1 body")
    assert len(signature) == 64 and signature == key.sign(b"MEDREG1 body")
    key.public_key().verify(signature, b"MEDREG1 body")
    again = Sm2PrivateKey.from_private_bytes(key.private_bytes_raw())
    assert again.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    other = Sm2PrivateKey.generate().public_key()
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    zero_r = bytes(32) + signature[32:]
    big_s = signature[:32] + N.to_bytes(32, "big")
    for public, sig, data in ((key.public_key(), signature, b"MEDREG1 bodY"), (other, signature, b"MEDREG1 body"),
                              (key.public_key(), flipped, b"MEDREG1 body"), (key.public_key(), signature[:63], b"MEDREG1 body"),
                              (key.public_key(), zero_r, b"MEDREG1 body"), (key.public_key(), big_s, b"MEDREG1 body")):
        with pytest.raises(InvalidSignature):
            public.verify(sig, data)


def test_keys_out_of_range_or_off_the_curve_are_refused():
    raw = bytearray(Sm2PrivateKey.generate().public_key().public_bytes_raw())
    raw[-1] ^= 1
    for bad in (bytes(raw), bytes(65), b"\x04" + bytes(63)):
        with pytest.raises(ValueError):
            Sm2PublicKey(bad)
    for scalar in (0, N - 1):
        with pytest.raises(ValueError):
            Sm2PrivateKey(scalar)


def test_openssl_verifies_our_signature(tmp_path: Path):
    key = Sm2PrivateKey.generate()
    (tmp_path / "pub.pem").write_text(pem(key.public_key()))
    (tmp_path / "msg").write_bytes("证照内容".encode())
    signature = key.sign("证照内容".encode())
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    (tmp_path / "sig").write_bytes(der)
    verified = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg",
                               "-sigfile", "sig", "-digest", "sm3", "-pkeyopt", ID], cwd=tmp_path, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_we_verify_a_signature_openssl_made(tmp_path: Path):
    def run(*args: str) -> bytes:
        return subprocess.run(["openssl", *args], cwd=tmp_path, capture_output=True, check=True).stdout

    run("genpkey", "-algorithm", "SM2", "-out", "key.pem")
    spki = run("pkey", "-in", "key.pem", "-pubout", "-outform", "DER")
    assert spki.startswith(SPKI_HEADER)
    (tmp_path / "msg").write_bytes(b"licence")
    run("pkeyutl", "-sign", "-inkey", "key.pem", "-rawin", "-in", "msg", "-out", "sig", "-digest", "sm3", "-pkeyopt", ID)
    r, s = decode_dss_signature((tmp_path / "sig").read_bytes())
    public = Sm2PublicKey(spki[len(SPKI_HEADER):])
    public.verify(r.to_bytes(32, "big") + s.to_bytes(32, "big"), b"licence")
    with pytest.raises(InvalidSignature):
        public.verify(r.to_bytes(32, "big") + s.to_bytes(32, "big"), b"licencE")
