"""The keys that sign electronic licences (Ed25519, or SM2 with SM3), and their rotation.

A keyring is JSON: `{"signing": KID, "keys": [{"kid": KID, "private": B64}, {"kid": OLD, "public": B64}]}`.
The `signing` key signs new licences; every key listed verifies (a retired key may be kept as its public
half only). Rotation: add a new key, make it `signing`, keep the old ones — every licence already issued
names its key id in its payload, so it still verifies. `medreg licence rotate-key` does exactly that.

An entry may also carry `created` and `retired` (ISO dates): the first day the key signed and the day it
stopped signing (it still verifies after). They are what `GET /api/v1/public/licence-keys` publishes as the
key's validity; new keys are stamped `created`, rotation stamps the outgoing key `retired`. Files written
before these existed stay valid (their dates are simply unknown, published as null).

An entry may name its `algorithm`: `Ed25519` (the default: entries without one are Ed25519) or `SM2` (the
national standard GB/T 32918, signing over SM3; publisher/sm2.py). Raw key bytes in base64url either way:
Ed25519 32-byte private seed and public key; SM2 32-byte private scalar, 65-byte uncompressed public point.
Keys of both algorithms may sit in one keyring, e.g. rotating from Ed25519 to SM2 keeps Ed25519 licences valid.

Where it comes from (Settings.licence_keys, i.e. MEDREG_LICENCE_KEYS): the JSON itself, or `file:PATH`
to a file holding it. Without one, the keyring is derived from MEDREG_SECRET (`derived_document`): an Ed25519 key
per secret listed, the first signing, the others (an old secret during a rotation) still verifying — the same keys
in every process and after every restart, so a deployment configured as the outside contract lists it has working
licences. No key is ever made at random on the spot. A dedicated keyring (its own rotation, SM2, a key that
outlives the secret) is what a production deployment should configure. A keyring that is set but unusable answers
503 saying why. `medreg demo` makes a development keyring once into var/licence-keys.json (`dev_document`) and
points its settings at it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from pipeline import clock
from publisher.sm2 import Sm2PrivateKey, Sm2PublicKey

ALGORITHM = "Ed25519"  # the default
ALGORITHMS = ("Ed25519", "SM2")
PrivateKey = Ed25519PrivateKey | Sm2PrivateKey
PublicKey = Ed25519PublicKey | Sm2PublicKey
DEV_KEY_FILE = "licence-keys.json"
NOT_CONFIGURED = ("未配置电子证照签名密钥（MEDREG_LICENCE_KEYS），电子证照暂不可用；"
                  "请运营方用 medreg licence new-keys --file PATH 生成密钥并配置后重启")


class KeyringError(ValueError):
    """The configured keyring is unusable; the message says why (in Chinese, for the operator)."""


@dataclass(frozen=True)
class KeyInfo:
    """What may be published of one key: never its private half."""

    kid: str
    algorithm: str
    public: bytes
    created: date | None
    retired: date | None


@dataclass(frozen=True)
class Keyring:
    signing_kid: str
    signing_key: PrivateKey
    public_keys: dict[str, PublicKey]
    listed: tuple[KeyInfo, ...] = ()  # every key in the file's order, for publishing

    @property
    def signing_algorithm(self) -> str:
        return algorithm_of(self.signing_key)

    def algorithm(self, kid: str) -> str:
        return algorithm_of(self.public_keys[kid])


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    return "SM2" if isinstance(key, Sm2PrivateKey | Sm2PublicKey) else ALGORITHM


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_bytes(key: PrivateKey) -> bytes:
    if isinstance(key, Sm2PrivateKey):
        return key.private_bytes_raw()
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_bytes(key: PublicKey) -> bytes:
    if isinstance(key, Sm2PublicKey):
        return key.public_bytes_raw()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def check_algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise KeyringError(f"签名算法 {algorithm} 不受支持（只支持 {'、'.join(ALGORITHMS)}）")
    return algorithm


def private_key(entry: dict) -> PrivateKey:
    raw = unb64(entry["private"])
    if entry.get("algorithm", ALGORITHM) == "SM2":
        return Sm2PrivateKey.from_private_bytes(raw)
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key(entry: dict) -> PublicKey:
    raw = unb64(entry["public"])
    if entry.get("algorithm", ALGORITHM) == "SM2":
        return Sm2PublicKey(raw)
    return Ed25519PublicKey.from_public_bytes(raw)


def new_key_entry(kid: str, algorithm: str = ALGORITHM) -> dict[str, str]:
    key = Sm2PrivateKey.generate() if check_algorithm(algorithm) == "SM2" else Ed25519PrivateKey.generate()
    return {"kid": kid, "algorithm": algorithm, "private": b64(private_bytes(key)), "created": clock.today().isoformat()}


def new_keyring_document(kid: str | None = None, algorithm: str = ALGORITHM) -> dict:
    kid = kid or f"{clock.today():%Y%m%d}-1"
    return {"signing": kid, "keys": [new_key_entry(kid, algorithm)]}


def rotate(document: dict, kid: str, algorithm: str = ALGORITHM) -> dict:
    """A new signing key `kid`; every key already there stays, so licences it signed still verify."""
    if any(entry["kid"] == kid for entry in document.get("keys", [])):
        raise KeyringError(f"密钥编号 {kid} 已存在")
    today = clock.today().isoformat()
    kept = [{**entry, "retired": today} if entry["kid"] == document.get("signing") and not entry.get("retired") else entry
            for entry in document.get("keys", [])]
    return {"signing": kid, "keys": [new_key_entry(kid, algorithm), *kept]}


def retire_private_halves(document: dict) -> dict:
    """Keep only the public half of every key but the signing one (what a verifying-only site needs)."""
    kept = []
    for entry in document["keys"]:
        if entry["kid"] != document["signing"] and "private" in entry:
            key = private_key(entry)
            kept_fields = {name: entry[name] for name in ("algorithm", "created", "retired") if name in entry}
            entry = {"kid": entry["kid"], "public": b64(public_bytes(key.public_key())), **kept_fields}
        kept.append(entry)
    return {**document, "keys": kept}


def optional_date(entry: dict, name: str) -> date | None:
    value = entry.get(name)
    return None if value is None else date.fromisoformat(value)


def parse_keyring(document: dict) -> Keyring:
    try:
        signing_kid = document["signing"]
        public_keys: dict[str, PublicKey] = {}
        listed = []
        signing_key = None
        for entry in document["keys"]:
            algorithm = check_algorithm(entry.get("algorithm", ALGORITHM))
            if "private" in entry:
                private = private_key(entry)
                public_keys[entry["kid"]] = private.public_key()
                if entry["kid"] == signing_kid:
                    signing_key = private
            else:
                public_keys[entry["kid"]] = public_key(entry)
            listed.append(KeyInfo(entry["kid"], algorithm, public_bytes(public_keys[entry["kid"]]),
                                  optional_date(entry, "created"), optional_date(entry, "retired")))
    except (KeyError, TypeError, ValueError) as error:
        raise KeyringError(f"电子证照密钥配置格式有误：{error}") from None
    if signing_key is None:
        raise KeyringError(f"电子证照密钥配置中没有签名密钥 {signing_kid} 的私钥")
    return Keyring(signing_kid, signing_key, public_keys, tuple(listed))


def read_document(raw: str, var_dir: Path) -> dict:
    raw = raw.strip()
    try:
        if not raw:
            raise KeyringError(NOT_CONFIGURED)
        if raw.startswith("file:"):
            return json.loads(Path(raw.removeprefix("file:")).read_text(encoding="utf-8"))
        return json.loads(raw)
    except (OSError, json.JSONDecodeError) as error:
        raise KeyringError(f"无法读取电子证照密钥配置：{error}") from None


DERIVED_INFO = b"medreg licence signing key, Ed25519, v1"


def derived_document(secrets: tuple[str, ...]) -> dict:
    """The keyring derived from the deployment's secrets: HMAC-SHA256(secret, DERIVED_INFO) is an Ed25519 seed. Key
    ids name the public key (`s-` + 8 hex of its SHA-256), never the secret."""
    keys = []
    for secret in secrets:
        seed = hmac.new(secret.encode(), DERIVED_INFO, hashlib.sha256).digest()
        public = public_bytes(Ed25519PrivateKey.from_private_bytes(seed).public_key())
        keys.append({"kid": "s-" + hashlib.sha256(public).hexdigest()[:8], "algorithm": ALGORITHM, "private": b64(seed)})
    if not keys:
        raise KeyringError(NOT_CONFIGURED)
    return {"signing": keys[0]["kid"], "keys": keys}


def dev_document(var_dir: Path) -> dict:
    """The development keyring, generated once; processes racing to create it all end with the same file."""
    path = var_dir / DEV_KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=var_dir, prefix=".licence-keys-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(new_keyring_document("dev-1"), out)
        try:
            os.link(temporary, path)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return json.loads(path.read_text(encoding="utf-8"))


_cache: dict[tuple[str, str, tuple[str, ...]], Keyring] = {}


def keyring_for(raw: str, var_dir: Path, secrets: tuple[str, ...] = ()) -> Keyring:
    """The configured keyring; without one (`raw` empty), the one derived from `secrets` (MEDREG_SECRET)."""
    key = (raw, str(var_dir), secrets if not raw.strip() else ())
    if key not in _cache:
        document = read_document(raw, var_dir) if raw.strip() or not secrets else derived_document(secrets)
        _cache[key] = parse_keyring(document)
    return _cache[key]
