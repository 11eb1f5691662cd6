"""Disclosure channels: which channels take a record, and the signed HTTP push to one of them."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from models.crypto import sign_push
from models.settings import Channel
from publisher import egress


def channels_for(channels: tuple[Channel, ...], division: str) -> list[Channel]:
    """The national channel (prefix "") takes everything; a local one the divisions under its prefix."""
    return [channel for channel in channels if division.startswith(channel.prefix)]


@dataclass(frozen=True)
class PushResult:
    ok: bool
    error: str = ""


def encode(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def push(channel: Channel, identifier: str, version: int, body: bytes, timeout: float = egress.TIMEOUT_SECONDS,
         allowed: tuple[str, ...] = (), connections: egress.Connections | None = None) -> PushResult:
    """The signed POST to one channel, through publisher.egress: the channel's address is checked when used (no private
    or local address unless `allowed`, i.e. MEDREG_ALLOWED_PUSH_NETWORKS), no redirect is followed. On
    `connections`' kept connection to the channel's site, if given."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/fhir+json" if channel.format == "fhir" else "application/json",
        "X-Medreg-Signature": sign_push(channel.secret, timestamp, body),
        "X-Medreg-Timestamp": timestamp,
        "X-Medreg-Record": identifier,
        "X-Medreg-Version": str(version),
    }
    ok, outcome = egress.post(channel.url, body, headers, allowed, timeout, connections)
    return PushResult(ok, "" if ok else outcome)
