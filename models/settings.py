"""Configuration from the environment, shared by the portal, the workers and the commands.

Every setting has a default that works for the embedded default (`medreg demo`):
SQLite and kombu's SQLAlchemy transport under ./var/.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_VAR = Path(os.environ.get("MEDREG_VAR", "var"))


@dataclass(frozen=True)
class Channel:
    name: str
    url: str
    prefix: str
    secret: str
    format: str = "json"


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str
    secret: str
    sms_backend: str
    channels: tuple[Channel, ...] = field(default_factory=tuple)
    # The public end (issue 6): licence signing keys (JSON, see publisher/licence_keys.py; "" = key file or
    # the development key under var/), the directory the bulk files are served from, when a failing
    # delivery is parked, and the per-client rate limit of the public endpoints.
    licence_keys: str = ""
    bulk_dir: str = ""
    park_after_attempts: int = 16
    public_rate_per_second: float = 0.0  # 0: no limit (what tests build); load_settings gives deployments 20/s
    public_burst: int = 200
    # A nurse renewal 延续注册 may be applied for from this many days before expiry until expiry.
    renewal_window_days: int = 30

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def parse_channels(raw: str | None) -> tuple[Channel, ...]:
    if not raw:
        return ()
    items = json.loads(raw)
    return tuple(
        Channel(
            name=item["name"],
            url=item["url"],
            prefix=item.get("prefix", ""),
            secret=item["secret"],
            format=item.get("format", "json"),
        )
        for item in items
    )


def load_settings(overrides: dict[str, str] | None = None) -> Settings:
    """Read MEDREG_* variables; `overrides` (e.g. from an .ini) win over defaults, the environment wins over both."""
    values = dict(overrides or {})

    def pick(env: str, key: str, default: str) -> str:
        return os.environ.get(env) or values.get(key) or default

    var = DEFAULT_VAR.resolve()
    return Settings(
        database_url=pick("MEDREG_DATABASE_URL", "medreg.database_url", f"sqlite:///{var}/medreg.sqlite"),
        broker_url=pick("MEDREG_BROKER_URL", "medreg.broker_url", f"sqla+sqlite:///{var}/broker.sqlite"),
        secret=pick("MEDREG_SECRET", "medreg.secret", "medreg-development-secret-change-me"),
        sms_backend=pick("MEDREG_SMS_BACKEND", "medreg.sms_backend", f"file:{var}/sms.jsonl"),
        channels=parse_channels(pick("MEDREG_CHANNELS", "medreg.channels", "")),
        renewal_window_days=int(pick("MEDREG_RENEWAL_WINDOW_DAYS", "medreg.renewal_window_days", "30")),
        licence_keys=pick("MEDREG_LICENCE_KEYS", "medreg.licence_keys", ""),
        bulk_dir=pick("MEDREG_BULK_DIR", "medreg.bulk_dir", f"{var}/bulk"),
        park_after_attempts=int(pick("MEDREG_PARK_AFTER_ATTEMPTS", "medreg.park_after_attempts", "16")),
        public_rate_per_second=float(pick("MEDREG_PUBLIC_RATE", "medreg.public_rate", "20")),
        public_burst=int(pick("MEDREG_PUBLIC_BURST", "medreg.public_burst", "200")),
    )
