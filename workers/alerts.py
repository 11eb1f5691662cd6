"""Staff status alerts (like Nursys e-Notify): when a registration of an institution's staff changes status,
the institution gets an inbox entry and, if it registered a webhook, a signed POST.

`alert_institution(session, entry, event)` is the one call: it writes the inbox entry and, for a webhook,
a delivery row plus its outbox message, all in the caller's transaction. The issue stage (`workers/identifiers.py`) calls it for
every approval it applies, so new kinds get it for free; expiry and nearing-expiry checks call it themselves.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import InstitutionWebhook, Notification, NurseRegistration, Person, PhysicianRegistration, WebhookDelivery
from models.base import utcnow
from models.crypto import decrypt, sign_push
from models.db import must_get, session_scope
from models.outbox import enqueue
from models.settings import Settings
from publisher import egress
from workers.app import app, retried, settings_of

log = logging.getLogger(__name__)

EVENTS: dict[str, str] = {
    "approved": "已获准注册",
    "filed": "已备案（非在册）",
    "cancelled": "已注销注册",
    "expired": "注册已过期",
    "expiring": "注册即将到期",
}
# The event an entry's new status means, for callers that only know the status.
EVENT_OF_STATUS: dict[str, str] = {"registered": "approved", "filed": "filed", "cancelled": "cancelled", "expired": "expired"}
PROFESSION_LABELS = {"physician": "医师", "nurse": "护士"}
MAX_BACKOFF_SECONDS = 3600
DELIVERY_LEASE = timedelta(minutes=5)


StaffEntry = PhysicianRegistration | NurseRegistration


def profession_of(entry: StaffEntry) -> str:
    return "nurse" if isinstance(entry, NurseRegistration) else "physician"


def alert_body(session: Session, entry: StaffEntry, event: str) -> dict:
    """What the institution is told: who, which registration, what happened. No ID number, no mobile."""
    person = must_get(session, Person, entry.person_id)
    profession = profession_of(entry)
    body = {
        "event": event,
        "profession": profession,
        "name": person.name,
        "identifier": entry.identifier,
        "status": entry.status,
        "institution_id": entry.institution_id,
        "at": utcnow().isoformat(),
    }
    if entry.valid_until is not None:
        body["valid_until"] = entry.valid_until.isoformat()
    return body


def alert_text(body: dict) -> str:
    who = f"{PROFESSION_LABELS.get(body['profession'], '')}{body['name']}"
    text = f"本机构{who}{EVENTS.get(body['event'], body['event'])}"
    if body.get("identifier"):
        text += f"（电子化注册识别码 {body['identifier']}）"
    if body["event"] == "expiring" and body.get("valid_until"):
        text += f"，有效期至 {body['valid_until']}"
    return text


def alert_institution(session: Session, entry: StaffEntry, event: str) -> None:
    """Tell the entry's institution that the registration's status changed (`event`: one of EVENTS)."""
    if event not in EVENTS:
        raise ValueError(f"unknown staff alert event {event!r}")
    body = alert_body(session, entry, event)
    session.add(Notification(institution_id=entry.institution_id, event=f"staff.{event}", text=alert_text(body)))
    hook = session.get(InstitutionWebhook, entry.institution_id)
    if hook is None:
        return
    delivery = WebhookDelivery(institution_id=entry.institution_id, event=event, body=body,
                               next_attempt_at=utcnow() + DELIVERY_LEASE)
    session.add(delivery)
    session.flush()
    enqueue(session, "workers.alerts.deliver", delivery_id=delivery.id)


def alert_for_status(session: Session, entry: object) -> None:
    """Alert for a staff entry's current status, if that status is one an institution is told about (an institution's
    own register entry alerts nobody)."""
    if isinstance(entry, (PhysicianRegistration, NurseRegistration)) and (event := EVENT_OF_STATUS.get(entry.status)):
        alert_institution(session, entry, event)


# --- delivery -------------------------------------------------------------------------------------


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def post_signed(url: str, secret: str, event: str, body: bytes, allowed: tuple[str, ...] = ()) -> tuple[bool, str]:
    """The signed POST, through publisher.egress: the address is checked again now (it resolves to a public address,
    or one of `allowed`), no redirect is followed, short time-out."""
    timestamp = str(int(time.time()))
    return egress.post(url, body, {
        "Content-Type": "application/json",
        "X-Medreg-Signature": sign_push(secret, timestamp, body),
        "X-Medreg-Timestamp": timestamp,
        "X-Medreg-Event": event,
    }, allowed)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 12)))


def deliver_webhook(settings: Settings, delivery_id: int) -> bool:
    """POST one alert. The HTTP call happens outside any transaction; the result is recorded after it."""
    with session_scope(settings.database_url) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status == "delivered":
            return True
        hook = session.get(InstitutionWebhook, delivery.institution_id)
        if hook is None:
            delivery.status, delivery.last_error = "dropped", "webhook removed"
            return True
        url, secret, event, body = hook.url, decrypt(settings.secrets, hook.secret_encrypted), delivery.event, delivery.body
    ok, outcome = post_signed(url, secret, event, encode(body), settings.allowed_push_networks)
    with session_scope(settings.database_url) as session:
        delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status == "delivered":
            return True
        delivery.attempts += 1
        if ok:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", utcnow(), ""
        else:
            delivery.status, delivery.last_error = "retrying", outcome
            delivery.next_attempt_at = utcnow() + backoff(delivery.attempts)
    return ok


def retry_due_webhooks_once(settings: Settings) -> int:
    """Offer every alert whose next attempt is due again (beat runs this; tests call it directly)."""
    with session_scope(settings.database_url) as session:
        now = utcnow()
        due = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.status.in_(["pending", "retrying"]), WebhookDelivery.next_attempt_at <= now)
            .limit(1000)
        ).all()
        for delivery in due:
            delivery.next_attempt_at = now + DELIVERY_LEASE
            enqueue(session, "workers.alerts.deliver", delivery_id=delivery.id)
        return len(due)


@app.task(name="workers.alerts.deliver", bind=True)
@retried
def deliver(self, items: list[dict]) -> int:
    settings = settings_of(self.app)
    return sum(deliver_webhook(settings, int(item["delivery_id"])) for item in items)


@app.task(name="workers.alerts.retry_due", bind=True)
def retry_due(self, items: list[dict] | None = None) -> int:
    return retry_due_webhooks_once(settings_of(self.app))
