"""Configuration from the environment, shared by the portal, the workers and the commands.

Every setting has a default that works for the embedded default (`medreg demo`): SQLite and kombu's SQLAlchemy
transport under ./var/ — except the secret. There is no default secret: the portal, the workers, the relay and
the commands that use it refuse to start without MEDREG_SECRET (`require_secret`); `medreg demo` makes its own,
and tests pass a Settings object. MEDREG_SECRET may list secrets, newest first (`new,old`): see docs/security.md.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_VAR = Path(os.environ.get("MEDREG_VAR", "var"))


@dataclass(frozen=True)
class Channel:
    name: str
    url: str
    prefix: str
    secret: str
    format: str = "json"


SECRET_ADVICE = (
    "请设置一个足够长的随机密钥（例如 `python3 -c \"import secrets; "
    "print(secrets.token_urlsafe(32))\"` 的输出），门户、工作进程、转发进程和命令须使用同一密钥；"
    "轮换密钥时写作 MEDREG_SECRET=新密钥,旧密钥 并运行 medreg rotate-secret（见 docs/security.md）。"
)
MISSING_SECRET = "未设置 MEDREG_SECRET：拒绝启动。" + SECRET_ADVICE
MIN_SECRET_LENGTH = 16


class MissingSecret(SystemExit):
    """No usable MEDREG_SECRET outside the demo: the process must not start (the message says why, in Chinese)."""

    def __init__(self, message: str = MISSING_SECRET) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str
    # The current secret. Given as "new,old,…" it is split: `secret` is the first, `old_secrets` the rest.
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
    # Secrets a rotation is moving away from: they still decrypt, find and verify, never protect anything new.
    old_secrets: tuple[str, ...] = ()
    # Networks (CIDR) a webhook or channel may be pushed to although they are private, loopback or link-local.
    allowed_push_networks: tuple[str, ...] = ()
    # Served over TLS (at a proxy or not): Secure cookies and HSTS.
    tls: bool = False
    # Failed secret attempts (passwords, codes) from one client address within 15 minutes before it gets 429.
    client_failure_limit: int = 50
    # Password-reset codes one client address may ask for per hour (each may send an SMS).
    reset_requests_per_client: int = 20
    # Seconds sign-up, activation and the password reset take at least, whatever the answer (portal/uniform.py).
    uniform_answer_seconds: float = 0.25
    # An append-only file that receives a signed checkpoint of the audit chain's head after each seal ("": none).
    audit_checkpoints: str = ""
    # The address the public reaches the portal at (scheme and host, and any path in front; no trailing slash), for
    # the absolute addresses an answer gives (the bulk files' `url`). "": answers give paths, never an address built
    # from the request's Host header, which a client chooses.
    public_url: str = ""

    def __post_init__(self) -> None:
        if "," in self.secret:
            first, *older = [part.strip() for part in self.secret.split(",") if part.strip()] or [""]
            object.__setattr__(self, "secret", first)
            object.__setattr__(self, "old_secrets", tuple(older) + tuple(self.old_secrets))

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every configured secret, newest first: what reads (decrypts, looks up, verifies) try."""
        return (self.secret, *self.old_secrets)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def require_secret(settings: Settings) -> Settings:
    """The settings, or MissingSecret if no secret (or a too short one) is configured."""
    if not settings.secret:
        raise MissingSecret()
    if any(len(secret) < MIN_SECRET_LENGTH for secret in settings.secrets):
        raise MissingSecret(f"MEDREG_SECRET 中的每个密钥至少 {MIN_SECRET_LENGTH} 个字符：拒绝启动。" + SECRET_ADVICE)
    return settings


def flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def networks(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def public_url(raw: str) -> str:
    """MEDREG_PUBLIC_URL without its trailing slash; anything but an http(s) address with a host is refused."""
    value = raw.strip().rstrip("/")
    if not value:
        return ""
    parsed = urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
        raise ValueError(f"MEDREG_PUBLIC_URL 应为 http:// 或 https:// 开头、不带查询参数的网址，如 https://medreg.example.cn：{raw!r}")
    return value


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


def load_settings(overrides: dict[str, str] | None = None, require: bool = True) -> Settings:
    """Read MEDREG_* variables; `overrides` (e.g. from an .ini) win over defaults, the environment wins over both.

    `require`: refuse (MissingSecret) without a secret; only what never touches a secret passes False (the database
    commands, and importing the Celery app, whose worker checks at start)."""
    values = dict(overrides or {})

    def pick(env: str, key: str, default: str) -> str:
        return os.environ.get(env) or values.get(key) or default

    var = DEFAULT_VAR.resolve()
    settings = Settings(
        database_url=pick("MEDREG_DATABASE_URL", "medreg.database_url", f"sqlite:///{var}/medreg.sqlite"),
        broker_url=pick("MEDREG_BROKER_URL", "medreg.broker_url", f"sqla+sqlite:///{var}/broker.sqlite"),
        secret=pick("MEDREG_SECRET", "medreg.secret", ""),
        sms_backend=pick("MEDREG_SMS_BACKEND", "medreg.sms_backend", f"file:{var}/sms.jsonl"),
        channels=parse_channels(pick("MEDREG_CHANNELS", "medreg.channels", "")),
        renewal_window_days=int(pick("MEDREG_RENEWAL_WINDOW_DAYS", "medreg.renewal_window_days", "30")),
        licence_keys=pick("MEDREG_LICENCE_KEYS", "medreg.licence_keys", ""),
        bulk_dir=pick("MEDREG_BULK_DIR", "medreg.bulk_dir", f"{var}/bulk"),
        park_after_attempts=int(pick("MEDREG_PARK_AFTER_ATTEMPTS", "medreg.park_after_attempts", "16")),
        public_rate_per_second=float(pick("MEDREG_PUBLIC_RATE", "medreg.public_rate", "20")),
        public_burst=int(pick("MEDREG_PUBLIC_BURST", "medreg.public_burst", "200")),
        allowed_push_networks=networks(pick("MEDREG_ALLOWED_PUSH_NETWORKS", "medreg.allowed_push_networks", "")),
        tls=flag(pick("MEDREG_TLS", "medreg.tls", "")),
        client_failure_limit=int(pick("MEDREG_CLIENT_FAILURE_LIMIT", "medreg.client_failure_limit", "50")),
        reset_requests_per_client=int(pick("MEDREG_RESET_REQUESTS_PER_CLIENT", "medreg.reset_requests_per_client", "20")),
        audit_checkpoints=pick("MEDREG_AUDIT_CHECKPOINTS", "medreg.audit_checkpoints", ""),
        public_url=public_url(pick("MEDREG_PUBLIC_URL", "medreg.public_url", "")),
        uniform_answer_seconds=float(pick("MEDREG_UNIFORM_ANSWER_SECONDS", "medreg.uniform_answer_seconds", "0.25")),
    )
    return require_secret(settings) if require else settings
