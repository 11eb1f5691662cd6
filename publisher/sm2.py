"""SM2 signatures with SM3 (GB/T 32918.2, GB/T 35276), for licence keys of algorithm `SM2`.

The curve arithmetic and SM3 come from the pure-Python `gmssl` package; what is here makes it safe to use and gives
the keys the interface of the Ed25519 keys of `cryptography` (`sign`, `verify` raising InvalidSignature,
`public_key`), so the keyring and the licence code treat both alike:

- the digest is SM3(Z ‖ message) with Z over the default signer ID `1234567812345678` (GM/T 0009), as
  `openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678` computes it;
- the nonce k is derived from the private key and the digest (HMAC-SHA-512, as RFC 6979 does for ECDSA), never
  from gmssl's `random`-module nonce: so a licence's payload is the same all day, like an Ed25519 one, and the
  private key cannot leak through a weak random number;
- a signature is r ‖ s, 32 bytes each (64 bytes; not DER); r and s out of [1, n−1] never verify;
- a public key is the uncompressed point 04 ‖ x ‖ y (65 bytes) and must lie on the curve; a private key is the
  32-byte big-endian scalar d, 1 ≤ d ≤ n−2.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidSignature
from gmssl import sm2 as gm  # type: ignore[import-untyped]

ALGORITHM = "SM2"
TABLE = gm.default_ecc_table
N = int(TABLE["n"], 16)
P = int(TABLE["p"], 16)
A = int(TABLE["a"], 16)
B = int(TABLE["b"], 16)
DIGITS = len(TABLE["n"])  # hex digits of a coordinate


def _engine(private_hex: str, public_hex: str) -> gm.CryptSM2:
    engine = gm.CryptSM2(private_key=private_hex, public_key="")
    engine.public_key = public_hex  # set directly: gmssl's constructor strips leading "0" and "4" digits off it
    return engine


class Sm2PublicKey:
    def __init__(self, raw: bytes) -> None:
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("SM2 公钥应为 65 字节的非压缩点（04 ‖ x ‖ y）")
        x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")
        if not (x < P and y < P and (y * y - (x * x * x + A * x + B)) % P == 0):
            raise ValueError("SM2 公钥不在曲线上")
        self._raw = raw

    def public_bytes_raw(self) -> bytes:
        return self._raw

    def verify(self, signature: bytes, data: bytes) -> None:
        if len(signature) != 64:
            raise InvalidSignature
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        if not (0 < r < N and 0 < s < N):
            raise InvalidSignature
        if not _engine("", self._raw[1:].hex()).verify_with_sm3(signature.hex(), data):
            raise InvalidSignature


class Sm2PrivateKey:
    def __init__(self, scalar: int) -> None:
        if not 1 <= scalar <= N - 2:
            raise ValueError("SM2 私钥超出范围")
        self._d = scalar
        point = _engine(f"{scalar:064x}", "")._kg(scalar, TABLE["g"])
        self._public = Sm2PublicKey(b"\x04" + bytes.fromhex(point))

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        return cls(secrets.randbelow(N - 2) + 1)

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> Sm2PrivateKey:
        if len(raw) != 32:
            raise ValueError("SM2 私钥应为 32 字节")
        return cls(int.from_bytes(raw, "big"))

    def private_bytes_raw(self) -> bytes:
        return self._d.to_bytes(32, "big")

    def public_key(self) -> Sm2PublicKey:
        return self._public

    def sign(self, data: bytes) -> bytes:
        engine = _engine(f"{self._d:064x}", self._public.public_bytes_raw()[1:].hex())
        digest = bytes.fromhex(engine._sm3_z(data))
        for counter in range(1, 100):
            mac = hmac.new(self.private_bytes_raw(), digest + counter.to_bytes(4, "big"), hashlib.sha512).digest()
            nonce = int.from_bytes(mac, "big") % (N - 1) + 1
            signed = engine.sign(digest, f"{nonce:064x}")
            if signed is not None:  # None: r = 0, r + k = n or s = 0, vanishingly rare; take the next nonce
                return bytes.fromhex(signed)
        raise RuntimeError("SM2 签名失败")  # pragma: no cover
