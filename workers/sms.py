"""SMS backends. `file:PATH` appends one JSON line {"to", "text", "at"} per message (development and tests)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from models.base import utcnow


def send_sms(backend: str, to: str, text: str) -> None:
    scheme, _, target = backend.partition(":")
    if scheme != "file":
        raise ValueError(f"unknown SMS backend {backend!r}")
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"to": to, "text": text, "at": utcnow().isoformat()}, ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
