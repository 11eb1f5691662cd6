"""The `notify` stage: the inbox entries and SMS messages people rely on, and the SMS sender.

On every decision about an application the person it is about hears it — in their inbox and by SMS, with the
return or rejection reason — whoever applied (an institution filing a departure or a cancellation about a
physician or nurse tells them when it files, too). An institution hears of its own business and of what waits
for its confirmation. Nobody is told of what they did themselves: the event names who is told, and the actor
is never among them (the institution that returns an application tells the applicant, not itself).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Account, Application, Institution, Notification, Person
from models.db import database_unavailable, session_scope
from models.messages import opened, send_sms
from models.settings import Settings
from pipeline.kinds import INSTITUTION, KINDS
from pipeline.messages import message
from workers.app import app, retried, retry_later, settings_of
from workers.sms import Sms
from workers.sms import send_sms as deliver_sms

log = logging.getLogger(__name__)

# Events about an application, and who hears them: the person it is about, the institution (its own business, or an
# application that waits for it), or the party that applied when that was an institution.
DECISIONS = ("verification_failed", "returned", "rejected", "published")
EVENTS = (*DECISIONS, "awaiting_institution", "filed_about_you")
AWAITING = "{kind}申请（编号 {id}）已通过核验，请机构确认"


@dataclass(frozen=True)
class Told:
    accounts: list[int]
    institution_id: int | None
    mobile: str | None


def reason_of(application: Application, event: str) -> str:
    if event == "verification_failed":
        return "；".join(application.findings or []) or "未通过核验"
    last = application.history[-1] if application.history else None
    return (last.comment if last is not None and last.comment else "") or "未说明原因"


def params_for(session: Session, application: Application, event: str) -> dict[str, object]:
    kind = KINDS[application.kind]
    params: dict[str, object] = {"kind": kind.label, "id": application.id}
    if event in ("verification_failed", "returned", "rejected"):
        params["reason"] = reason_of(application, event)
    if event == "published":
        params["identifier"] = application.identifier or "（资格记录不赋码）"
    if event == "filed_about_you":
        institution = session.get(Institution, application.institution_id)
        params["institution"] = institution.name if institution else "所在执业机构"
    return params


def who_is_told(session: Session, application: Application, event: str) -> Told:
    kind = KINDS[application.kind]
    applicant = session.get(Account, application.applicant_account_id)
    if event == "awaiting_institution":
        return Told([], application.institution_id, None)
    if kind.profession == INSTITUTION:
        institution = session.get(Institution, application.institution_id)
        return Told([], application.institution_id, institution.mobile if institution and institution.mobile else None)
    person = session.get(Person, application.person_id) if application.person_id else None
    accounts = list(session.scalars(select(Account.id).where(Account.person_id == application.person_id))) if person else []
    # An institution that applied about its staff member hears the outcome of its own filing (not of the filing itself).
    institution_applied = applicant is not None and applicant.role == INSTITUTION and event in DECISIONS
    return Told(accounts, application.institution_id if institution_applied else None, person.mobile if person else None)


def tell(session: Session, settings: Settings, application: Application, event: str, outbox_id: int | None) -> int:
    """Write the inbox entries of `event` and queue its SMS; how many inbox entries were written."""
    told = who_is_told(session, application, event)
    params = params_for(session, application, event)
    text = AWAITING.format(**params) if event == "awaiting_institution" else message(event).render(params)
    entries = [Notification(account_id=account_id, application_id=application.id, event=event, text=text)
               for account_id in told.accounts]
    if told.institution_id is not None:
        entries.append(Notification(institution_id=told.institution_id, application_id=application.id, event=event, text=text))
    for number, entry in enumerate(entries):
        entry.outbox_id = outbox_id if number == 0 else None  # the first one marks the message as handled
        session.add(entry)
    if told.mobile and event != "awaiting_institution":
        send_sms(session, settings, told.mobile, event, **params)
    return len(entries)


def already_written(session: Session, outbox_id: int | None) -> bool:
    if outbox_id is None:
        return False
    return bool(session.scalar(select(exists().where(Notification.outbox_id == outbox_id))))


@app.task(name="workers.notifications.notify", bind=True)
@retried
def notify(self, items: list[dict]) -> int:
    """Tell people of an event; a message delivered twice is recognised by its outbox id."""
    settings = settings_of(self.app)
    written = 0
    with session_scope(settings.database_url) as session:
        for item in items:
            try:
                with session.begin_nested():
                    application = session.get(Application, int(item["application_id"]))
                    if application is None or item["event"] not in EVENTS or already_written(session, item.get("outbox_id")):
                        continue
                    written += tell(session, settings, application, item["event"], item.get("outbox_id"))
            except Exception as error:
                if database_unavailable(error):
                    raise  # the whole message is tried again (workers/app.py, retried)
                # One event that cannot be told (bad data, a bug) must not hold up, nor have retried, the others
                # of its message: it is logged and left out.
                log.exception("notification of application %s (%s) failed; left out", item.get("application_id"), item.get("event"))
    return written


@app.task(name="workers.notifications.send_sms", bind=True)
@retried
def send(self, items: list[dict]) -> int:
    settings = settings_of(self.app)
    failed: list[dict] = []
    error = Exception()
    for item in items:
        if "message" in item:
            params = opened(settings, item["params"], item.get("sealed", []))
            template = message(item["message"])
            sms = Sms(template.code, params)
            text = template.sms(params)
        else:  # a message queued as plain text
            text, sms = item["text"], None
        try:
            deliver_sms(settings.sms_backend, item["to"], text, sms)  # at least once: a redelivered message may send twice
        except Exception as refused:  # the gateway is down or refused this one: the others still go
            failed.append(item)
            error = refused
    if failed:
        # Only what was not sent is tried again: those sent are not sent twice over a neighbour's refusal.
        log.warning("%s of %s SMS not sent (%s); retrying them", len(failed), len(items), type(error).__name__)
        retry_later(self, error, args=[failed])
    return len(items)
