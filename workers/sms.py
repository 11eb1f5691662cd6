"""SMS backends, chosen by the scheme of MEDREG_SMS_BACKEND:

- `file:PATH` appends one JSON line {"to", "text", "at", "template"} per message (development and tests);
- `http://…` or `https://…` POSTs {"to", "text", "template", "params"} as JSON to that gateway URL — the
  template's registered code and its variables, which Chinese carriers require, beside the rendered text (a 2xx
  is sent; anything else raises, so the task fails loudly); `MEDREG_SMS_TOKEN`, if set, goes as
  `Authorization: Bearer TOKEN`.

A real gateway with another protocol plugs in with `register_backend("scheme", function)`; the function gets
the whole backend string, the mobile, the text and the `Sms` (template code and variables).
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from models.base import utcnow

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Sms:
    """A message as a gateway needs it: the template's registered code and the values of its variables."""

    template: str
    params: dict[str, str] = field(default_factory=dict)


Backend = Callable[[str, str, str, Sms], None]


def send_to_file(backend: str, to: str, text: str, sms: Sms) -> None:
    path = Path(backend.partition(":")[2])
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"to": to, "text": text, "at": utcnow().isoformat(), "template": sms.template}, ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def post_to_gateway(backend: str, to: str, text: str, sms: Sms) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if token := os.environ.get("MEDREG_SMS_TOKEN"):
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"to": to, "text": text, "template": sms.template, "params": sms.params}, ensure_ascii=False).encode()
    request = urllib.request.Request(backend, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"SMS gateway answered HTTP {exc.code}") from None


BACKENDS: dict[str, Backend] = {"file": send_to_file, "http": post_to_gateway, "https": post_to_gateway}


def register_backend(scheme: str, backend: Backend) -> None:
    BACKENDS[scheme] = backend


def send_sms(backend: str, to: str, text: str, sms: Sms | None = None) -> None:
    scheme = backend.partition(":")[0]
    if scheme not in BACKENDS:
        raise ValueError(f"unknown SMS backend {backend!r}")
    BACKENDS[scheme](backend, to, text, sms or Sms("MEDREG_TEXT", {"text": text}))
