"""The `notify` stage: inbox entries for applicants and institutions, and SMS messages."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Application, Notification
from models.db import session_scope
from pipeline.kinds import get_kind
from workers.app import app, settings_of
from workers.sms import send_sms

TEXTS = {
    "verification_failed": "您的{kind}申请未通过核验：{findings}",
    "awaiting_institution": "{kind}申请（编号 {id}）已通过核验，请机构确认",
    "returned": "您的{kind}申请已被退回，请修改后重新提交",
    "rejected": "您的{kind}申请未获批准",
    "published": "您的{kind}申请已办结并公示，电子化注册识别码 {identifier}",
}


def notification_for(application: Application, event: str) -> Notification:
    text = TEXTS[event].format(
        kind=get_kind(application.kind).label,
        id=application.id,
        findings="；".join(application.findings or []),
        identifier=application.identifier or "",
    )
    # An institution's own licence business is answered to the institution's inbox, like its tasks.
    to_institution = event == "awaiting_institution" or get_kind(application.kind).profession == "institution"
    return Notification(
        account_id=None if to_institution else application.applicant_account_id,
        institution_id=application.institution_id if to_institution else None,
        application_id=application.id,
        event=event,
        text=text,
    )


def already_written(session: Session, outbox_id: int | None) -> bool:
    if outbox_id is None:
        return False
    return bool(session.scalar(select(exists().where(Notification.outbox_id == outbox_id))))


@app.task(name="workers.notifications.notify", bind=True)
def notify(self, items: list[dict]) -> int:
    """Write one inbox entry per outbox message; a message delivered twice is recognised by its outbox id."""
    written = 0
    with session_scope(settings_of(self.app).database_url) as session:
        for item in items:
            application = session.get(Application, int(item["application_id"]))
            if application is None or item["event"] not in TEXTS or already_written(session, item.get("outbox_id")):
                continue
            entry = notification_for(application, item["event"])
            entry.outbox_id = item.get("outbox_id")
            session.add(entry)
            written += 1
    return written


@app.task(name="workers.notifications.send_sms", bind=True)
def send(self, items: list[dict]) -> int:
    backend = settings_of(self.app).sms_backend
    for item in items:
        send_sms(backend, item["to"], item["text"])  # at least once: a redelivered message may send twice
    return len(items)
