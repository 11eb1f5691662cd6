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
    timed_out: bool = False  # the site did not connect or answer within the time-out (a hung site, not a refusal)


def encode(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def push(channel: Channel, identifier: str, version: int, body: bytes, timeout: float = egress.TIMEOUT_SECONDS,
         connections: egress.Connections | None = None) -> PushResult:
    """The signed POST to one channel, through publisher.egress (no redirect followed, short time-out), on
    `connections`' kept connection to the channel's site, if given. A channel's address is the operator's own
    configuration (MEDREG_CHANNELS), which no user of medreg can set, so it may be anywhere the operator wrote —
    a receiver on the same machine or in the site's own network included; addresses users type (institution
    webhooks) keep egress's check for private and local addresses."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/fhir+json" if channel.format == "fhir" else "application/json",
        "X-Medreg-Signature": sign_push(channel.secret, timestamp, body),
        "X-Medreg-Timestamp": timestamp,
        "X-Medreg-Record": identifier,
        "X-Medreg-Version": str(version),
    }
    ok, outcome = egress.post(channel.url, body, headers, egress.ANYWHERE, timeout, connections)
    return PushResult(ok, "" if ok else outcome, timed_out=outcome == egress.TIMED_OUT)
