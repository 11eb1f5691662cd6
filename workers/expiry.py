"""Registrations that run out (celery beat): a nurse registration whose five years have run out becomes
`expired`, and the nurse and the institution hear ahead of expiry, once per threshold; a short-term practice
registration (港澳台/外国医师短期行医) is cancelled the day after its end date. The public sees each change.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, Institution, Notification, NurseRegistration, Person, PhysicianRegistration
from models.audit import audit
from models.db import must_get, session_scope
from models.messages import send_sms
from models.registers import nurses, physicians
from models.settings import Settings
from pipeline import clock
from pipeline.messages import message
from pipeline.registers.nurses import EXPIRY_NOTICE_DAYS, due_notice
from publisher.disclosure import publish_entry
from workers.alerts import alert_institution
from workers.app import app, settings_of

EXPIRY_SERVICE = "有效期服务"
BATCH = 1000


def notify_nurse_and_institution(session: Session, settings: Settings, entry: NurseRegistration, event: str,
                                 to_institution: str, **params: object) -> None:
    """An inbox entry for the nurse and for the institution, and an SMS to the nurse (template `event`)."""
    person = must_get(session, Person, entry.person_id)
    to_nurse = message(event).render(params)
    for account in session.scalars(select(Account).where(Account.person_id == entry.person_id)):
        session.add(Notification(account_id=account.id, event=event, text=to_nurse))
    session.add(Notification(institution_id=entry.institution_id, event=event, text=to_institution))
    if person.mobile:
        send_sms(session, settings, person.mobile, event, **params)


def expire_lapsed(session: Session, settings: Settings, today: date) -> int:
    lapsed = session.scalars(
        select(NurseRegistration)
        .where(NurseRegistration.status == "registered", NurseRegistration.valid_until < today)
        .order_by(NurseRegistration.id).limit(BATCH).with_for_update(skip_locked=True)
    ).all()
    for entry in lapsed:
        nurses.expire(entry, EXPIRY_SERVICE)
        audit(session, "system:expiry", "nurse_registration_expired", f"nurse:{entry.identifier or entry.id}",
              entry.commission_code, until=entry.valid_until.isoformat())
        if entry.identifier:  # an entry still waiting for its identifier is published when it gets one
            publish_entry(session, settings, "nurse", entry)
        name = must_get(session, Person, entry.person_id).name
        notify_nurse_and_institution(
            session, settings, entry, "nurse_expired",
            f"护士{name}（{entry.identifier or '待赋码'}）的执业注册已于{entry.valid_until.isoformat()}有效期届满。",
            until=entry.valid_until.isoformat(),
        )
        alert_institution(session, entry, "expired")  # the institution's staff-status alert (and its webhook)
    return len(lapsed)


def notify_expiring(session: Session, settings: Settings, today: date) -> int:
    horizon = today + timedelta(days=max(EXPIRY_NOTICE_DAYS))
    expiring = session.scalars(
        select(NurseRegistration)
        .where(NurseRegistration.status == "registered", NurseRegistration.valid_until >= today,
               NurseRegistration.valid_until <= horizon)
        .order_by(NurseRegistration.id).limit(BATCH).with_for_update(skip_locked=True)
    ).all()
    sent = 0
    for entry in expiring:
        threshold = due_notice(entry.valid_until, today, entry.expiry_notices or [])
        if threshold is None:
            continue
        entry.expiry_notices = sorted({*(entry.expiry_notices or []), threshold})
        name = must_get(session, Person, entry.person_id).name
        institution = must_get(session, Institution, entry.institution_id).name
        until = entry.valid_until.isoformat()
        notify_nurse_and_institution(
            session, settings, entry, "nurse_expiring",
            f"护士{name}（{entry.identifier or '待赋码'}）的执业注册将于{until}有效期届满（不足{threshold}天）。",
            institution=institution, until=until, days=threshold,
        )
        alert_institution(session, entry, "expiring")
        sent += 1
    return sent


def expire_once(settings: Settings, today: date | None = None) -> dict[str, int]:
    """One pass: expire what has lapsed, then send the notices that are due. Safe to run at any time, any number of times."""
    today = today or clock.today()
    with session_scope(settings.database_url) as session:
        return {"expired": expire_lapsed(session, settings, today), "notified": notify_expiring(session, settings, today)}


@app.task(name="workers.expiry.nurse_registrations", bind=True)
def nurse_registrations(self, items: list[dict] | None = None) -> dict[str, int]:
    return expire_once(settings_of(self.app))


def lapse_short_term_once(settings: Settings, today: date | None = None) -> int:
    """Cancel every short-term practice registration whose end date has passed, and publish its new status."""
    today = today or clock.today()
    lapsed = 0
    with session_scope(settings.database_url) as session:
        due = session.scalars(
            select(PhysicianRegistration)
            .where(PhysicianRegistration.status == "registered", PhysicianRegistration.valid_until < today)
            .order_by(PhysicianRegistration.id).limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        for entry in due:
            if physicians.lapse(session, entry, today):
                audit(session, "system:expiry", "short_term_practice_lapsed", f"physician:{entry.identifier or entry.id}",
                      entry.commission_code)
                if entry.identifier:
                    publish_entry(session, settings, "physician", entry)
                lapsed += 1
    return lapsed


@app.task(name="workers.expiry.short_term_practice", bind=True)
def short_term_practice(self, items: list[dict] | None = None) -> int:
    return lapse_short_term_once(settings_of(self.app))
