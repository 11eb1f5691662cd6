"""Disclosure channels: which channels take a record, and the signed HTTP push to one of them."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from models.crypto import sign_push
from models.settings import Channel


def channels_for(channels: tuple[Channel, ...], division: str) -> list[Channel]:
    """The national channel (prefix "") takes everything; a local one the divisions under its prefix."""
    return [channel for channel in channels if division.startswith(channel.prefix)]


@dataclass(frozen=True)
class PushResult:
    ok: bool
    error: str = ""


def encode(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def push(channel: Channel, identifier: str, version: int, body: bytes, timeout: float = 10.0) -> PushResult:
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        channel.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/fhir+json" if channel.format == "fhir" else "application/json",
            "X-Medreg-Signature": sign_push(channel.secret, timestamp, body),
            "X-Medreg-Timestamp": timestamp,
            "X-Medreg-Record": identifier,
            "X-Medreg-Version": str(version),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return PushResult(200 <= response.status < 300, f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        return PushResult(False, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        return PushResult(False, str(getattr(exc, "reason", exc)))
