"""Sending a message: an SMS through the outbox, from one of the templates in pipeline/messages.py.

The outbox row names the template and its variables; the values of secret variables (codes, passwords) are
encrypted with the deployment's secret, so a one-time password never sits in clear in the database while it
waits for the relay. The notify worker decrypts, renders and hands it to the SMS backend.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.crypto import decrypt, encrypt
from models.outbox import enqueue
from models.settings import Settings
from pipeline.messages import message

SEND_SMS = "workers.notifications.send_sms"


def send_sms(session: Session, settings: Settings, to: str, name: str, **params: object) -> None:
    """Queue an SMS in the caller's transaction (nothing is sent if it rolls back)."""
    template = message(name)
    template.render(params)  # refuses missing or unknown variables now, not in the worker
    if not to:
        return  # nobody to tell: a person on a legacy register has no mobile until they sign up
    sealed = {key: encrypt(settings.secret, str(value)) if key in template.secret else str(value) for key, value in params.items()}
    enqueue(session, SEND_SMS, to=to, message=name, params=sealed, sealed=sorted(template.secret & set(params)))


def opened(settings: Settings, params: dict[str, str], sealed: list[str]) -> dict[str, str]:
    """The variables of a queued message with its secret ones decrypted."""
    return {key: decrypt(settings.secrets, value) if key in sealed else value for key, value in params.items()}
