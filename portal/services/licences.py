"""The electronic licence 电子证照 at the public end: issue it for an active record, check a scanned one."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy.orm import Session

from models import PublicRecord
from models.public import licence_key_days, record_licence_key_day
from models.settings import DEFAULT_VAR, Settings
from pipeline import clock
from portal.errors import Refused, conflict, invalid, not_found
from portal.services import public
from publisher import licence
from publisher.fhir import ACTIVE_STATUSES
from publisher.licence_keys import KeyInfo, Keyring, KeyringError, b64, keyring_for

MAX_PAYLOAD = 4000
FORMATS = {"pdf": "application/pdf", "png": "image/png", "ofd": "application/ofd"}  # OFD: GB/T 33190 版式文档


def keyring(settings: Settings) -> Keyring:
    try:
        return keyring_for(settings.licence_keys, DEFAULT_VAR.resolve(), tuple(s for s in settings.secrets if s))
    except KeyringError as error:
        raise Refused(503, "licence_keys", str(error)) from None


def payload_for(session: Session, settings: Settings, identifier: str, today: date | None = None) -> tuple[dict, str]:
    """The record and its signed payload; only an active record (registered, operating) gets a licence. Without a
    keyring, 503 before anything else."""
    ring = keyring(settings)
    row = session.get(PublicRecord, public.record_key(identifier))
    if row is None:
        raise not_found("公示记录")
    if row.status not in ACTIVE_STATUSES:
        label = row.body.get("status_label") or row.status
        raise conflict(f"该记录当前状态为“{label}”，不签发电子证照")
    signing_day(session, ring)
    return row.body, licence.sign(ring, row.body, today or clock.today())


def file_format(raw: str | None) -> str:
    chosen = (raw or "pdf").lower()
    if chosen not in FORMATS:
        raise invalid({"format": "只能是 pdf、png 或 ofd"})
    return chosen


@lru_cache(maxsize=512)
def rendered(payload: str, chosen: str) -> bytes:
    """The PDF, PNG or OFD of a signed payload. Ed25519 and our SM2 (derived nonce) sign deterministically, so a
    record's payload is the same all day: drawing it is CPU work done once per record, day and format in each process
    (a public endpoint must not let anyone make the server draw the same licence a thousand times a second)."""
    return {"pdf": licence.pdf, "png": licence.png, "ofd": licence.ofd}[chosen](payload)


# The first days of undated keys this process has read committed (they never change once recorded): after that, no
# statement at all.
_known: dict[tuple[str, str], date] = {}


def _recorded_days(session: Session, kids: list[str]) -> dict[str, date]:
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    days = {kid: _known[(database, kid)] for kid in kids if (database, kid) in _known}
    read = licence_key_days(session, [kid for kid in kids if kid not in days])
    _known.update({(database, kid): day for kid, day in read.items()})
    return {**days, **read}


def signing_day(session: Session, ring: Keyring) -> date | None:
    """The day the signing key began signing: its keyring's `created` where it dates the key, else the first day this
    deployment signed with it or listed it as its signing key, recorded then (the key derived from MEDREG_SECRET has
    no file to date it). Recorded in the request's transaction and cached only once read back committed, so a request
    that fails after the write leaves no process believing in a day that was rolled back."""
    signing = next((key for key in ring.listed if key.kid == ring.signing_kid), None)
    if signing is None or signing.created:
        return signing.created if signing else None
    day = _recorded_days(session, [signing.kid]).get(signing.kid)
    if day is None:
        day = clock.today()
        record_licence_key_day(session, signing.kid, day)
    return day


def first_days(session: Session, ring: Keyring) -> dict[str, date | None]:
    """The day each key began signing (`signing_day`); unknown (None) for a key that no keyring dates and that never
    signed here."""
    others = _recorded_days(session, [key.kid for key in ring.listed if key.created is None and key.kid != ring.signing_kid])
    began = signing_day(session, ring)
    return {key.kid: began if key.kid == ring.signing_kid else key.created or others.get(key.kid) for key in ring.listed}


def public_keys(session: Session, settings: Settings) -> dict:
    """The keys that verify licences, as a verifier needs them: never a private half. 503 without a keyring. A key
    that stopped signing without its keyring dating that (a secret rotated, an undated file) stopped on the day the
    signing key began, if both days are known."""
    ring = keyring(settings)
    since = first_days(session, ring)
    signing_since = since[ring.signing_kid]

    def until(key: KeyInfo) -> date | None:
        if key.kid == ring.signing_kid:
            return None
        began = since[key.kid]
        return key.retired or (signing_since if began and signing_since and signing_since >= began else None)

    return {"keys": [{
        "kid": key.kid,
        "algorithm": key.algorithm,
        "public_key": b64(key.public),
        "status": "signing" if key.kid == ring.signing_kid else "verify_only",
        "valid_from": day.isoformat() if (day := since[key.kid]) else None,
        "valid_until": day.isoformat() if (day := until(key)) else None,
    } for key in ring.listed]}


def verify(session: Session, settings: Settings, payload: str | None) -> dict:
    """Check a scanned payload: is the signature ours, and is the record still valid now?"""
    payload = (payload or "").strip()
    if not payload:
        raise invalid({"payload": "请填写或扫描电子证照二维码内容"})
    if len(payload) > MAX_PAYLOAD:
        raise invalid({"payload": f"内容过长（超过 {MAX_PAYLOAD} 个字符），不是电子证照二维码"})
    try:
        checked = licence.check(keyring(settings), payload)
    except licence.PayloadError as error:
        raise invalid({"payload": str(error)}) from None
    row = session.get(PublicRecord, checked.fields["identifier"].strip().upper()) if checked.authentic else None
    current = row.body if row is not None else None
    valid_now, message = licence.still_valid(checked, current)
    return {
        "authentic": checked.authentic,
        "valid_now": valid_now,
        "message": message,
        "key_id": checked.fields.get("kid"),
        "licence": checked.fields if checked.authentic else None,
        "record": None if current is None else {
            "identifier": current["identifier"], "kind": current["kind"], "name": current["name"],
            "status": current["status"], "status_label": current.get("status_label") or current["status"],
            "status_since": current.get("status_since"), "version": current["version"],
        },
    }
