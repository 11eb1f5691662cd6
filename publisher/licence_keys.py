"""The Ed25519 keys that sign electronic licences, and their rotation.

A keyring is JSON: `{"signing": KID, "keys": [{"kid": KID, "private": B64}, {"kid": OLD, "public": B64}]}`.
The `signing` key signs new licences; every key listed verifies (a retired key may be kept as its public
half only). Rotation: add a new key, make it `signing`, keep the old ones — every licence already issued
names its key id in its payload, so it still verifies. `medreg licence rotate-key` does exactly that.

An entry may also carry `created` and `retired` (ISO dates): the first day the key signed and the day it
stopped signing (it still verifies after). They are what `GET /api/v1/public/licence-keys` publishes as the
key's validity; new keys are stamped `created`, rotation stamps the outgoing key `retired`. Files written
before these existed stay valid (their dates are simply unknown, published as null).

Where it comes from (Settings.licence_keys, i.e. MEDREG_LICENCE_KEYS): the JSON itself, or `file:PATH`
to a file holding it. Without one, licences are not available (the endpoints answer 503 saying so): no key is
ever made on the spot. `medreg demo` makes a development keyring once into var/licence-keys.json (`dev_document`)
and points its settings at it.
"""
from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from pipeline import clock

ALGORITHM = "Ed25519"
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
    signing_key: Ed25519PrivateKey
    public_keys: dict[str, Ed25519PublicKey]
    listed: tuple[KeyInfo, ...] = ()  # every key in the file's order, for publishing


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def new_key_entry(kid: str) -> dict[str, str]:
    return {"kid": kid, "private": b64(private_bytes(Ed25519PrivateKey.generate())), "created": clock.today().isoformat()}


def new_keyring_document(kid: str | None = None) -> dict:
    kid = kid or f"{clock.today():%Y%m%d}-1"
    return {"signing": kid, "keys": [new_key_entry(kid)]}


def rotate(document: dict, kid: str) -> dict:
    """A new signing key `kid`; every key already there stays, so licences it signed still verify."""
    if any(entry["kid"] == kid for entry in document.get("keys", [])):
        raise KeyringError(f"密钥编号 {kid} 已存在")
    today = clock.today().isoformat()
    kept = [{**entry, "retired": today} if entry["kid"] == document.get("signing") and not entry.get("retired") else entry
            for entry in document.get("keys", [])]
    return {"signing": kid, "keys": [new_key_entry(kid), *kept]}


def retire_private_halves(document: dict) -> dict:
    """Keep only the public half of every key but the signing one (what a verifying-only site needs)."""
    kept = []
    for entry in document["keys"]:
        if entry["kid"] != document["signing"] and "private" in entry:
            key = Ed25519PrivateKey.from_private_bytes(unb64(entry["private"]))
            dates = {name: entry[name] for name in ("created", "retired") if name in entry}
            entry = {"kid": entry["kid"], "public": b64(public_bytes(key.public_key())), **dates}
        kept.append(entry)
    return {**document, "keys": kept}


def optional_date(entry: dict, name: str) -> date | None:
    value = entry.get(name)
    return None if value is None else date.fromisoformat(value)


def parse_keyring(document: dict) -> Keyring:
    try:
        signing_kid = document["signing"]
        public_keys: dict[str, Ed25519PublicKey] = {}
        listed = []
        signing_key = None
        for entry in document["keys"]:
            if entry.get("algorithm", ALGORITHM) != ALGORITHM:
                raise ValueError(f"密钥 {entry['kid']} 的算法 {entry['algorithm']} 不受支持（只支持 {ALGORITHM}）")
            if "private" in entry:
                private = Ed25519PrivateKey.from_private_bytes(unb64(entry["private"]))
                public_keys[entry["kid"]] = private.public_key()
                if entry["kid"] == signing_kid:
                    signing_key = private
            else:
                public_keys[entry["kid"]] = Ed25519PublicKey.from_public_bytes(unb64(entry["public"]))
            listed.append(KeyInfo(entry["kid"], ALGORITHM, public_bytes(public_keys[entry["kid"]]),
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


_cache: dict[tuple[str, str], Keyring] = {}


def keyring_for(raw: str, var_dir: Path) -> Keyring:
    key = (raw, str(var_dir))
    if key not in _cache:
        _cache[key] = parse_keyring(read_document(raw, var_dir))
    return _cache[key]
