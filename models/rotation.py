"""Moving everything the old secret protected to the new one (`medreg rotate-secret`).

With MEDREG_SECRET=new,old every process already reads what either protects; this re-encrypts and re-hashes it
under the new one, a batch per transaction, so the old secret can then be dropped from the list. With one secret it
re-encrypts in SM4 what was encrypted before medreg moved to SM4 (Fernet tokens, models/crypto.py); the hashes stay.
A value already SM4 under the (new) secret is left as it is:

- persons: the ID number re-encrypted, its look-up hash recomputed; the qualification and exam records holding the
  person's old hash get the new one in the same transaction (verification compares the two);
- institution webhook secrets, re-encrypted;
- staff accounts' TOTP secrets (the second factor, and one waiting for its first code), re-encrypted;
- secret variables of SMS still waiting in the outbox, re-encrypted.

What cannot be moved is counted: qualification or exam records of nobody in the persons table (the registers keep
only a hash, not the number: reload them from their source, or keep the old secret listed until then), and ID
numbers no configured secret opens. Attempt counters, activation and reset codes simply age out (minutes to days);
page sessions signed with the old secret end. Running it twice changes nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from models.accounts import Account
from models.alerts import InstitutionWebhook
from models.crypto import decrypt, encrypt, lookup_hash, sealed_under
from models.db import session_scope
from models.outbox import OutboxMessage
from models.persons import Person
from models.registers.qualifications import NurseExamRecord, PhysicianQualification
from models.settings import Settings

BATCH = 1000


@dataclass
class RotationReport:
    persons: int = 0
    reference_records: int = 0
    webhooks: int = 0
    totp_secrets: int = 0
    messages: int = 0
    unreadable: list[int] = field(default_factory=list)  # person ids no configured secret opens
    left_under_old: int = 0  # qualification / exam records matching no person: not movable here (may be under either)


def rotate(settings: Settings, batch: int = BATCH) -> RotationReport:
    report = RotationReport()
    new = settings.secret

    def resealed(token: str) -> str:
        """`token` under the new secret in SM4: itself when it already is (then nothing is rewritten)."""
        return token if sealed_under(new, token) else encrypt(new, decrypt(settings.secrets, token))

    after = 0
    while True:
        with session_scope(settings.database_url) as session:
            persons = session.scalars(select(Person).where(Person.id > after).order_by(Person.id).limit(batch)).all()
            if not persons:
                break
            for person in persons:
                if sealed_under(new, person.id_number_encrypted):
                    continue  # moved already: its hash moved with it (or it was written under the new secret)
                try:
                    number = decrypt(settings.secrets, person.id_number_encrypted)
                except ValueError:
                    report.unreadable.append(person.id)
                    continue
                new_hash = lookup_hash(new, number)
                if person.id_number_hash != new_hash:
                    old_hashes = [lookup_hash(old, number) for old in settings.old_secrets]
                    for model in (PhysicianQualification, NurseExamRecord):
                        moved = session.execute(update(model).where(model.id_number_hash.in_(old_hashes)).values(id_number_hash=new_hash))
                        report.reference_records += int(getattr(moved, "rowcount", 0) or 0)
                    person.id_number_hash = new_hash
                person.id_number_encrypted = encrypt(new, number)
                report.persons += 1
            after = persons[-1].id
    with session_scope(settings.database_url) as session:
        for hook in session.scalars(select(InstitutionWebhook)):
            secret = resealed(hook.secret_encrypted)
            if secret != hook.secret_encrypted:
                hook.secret_encrypted = secret
                report.webhooks += 1
        enrolled = select(Account).where(Account.totp_secret_encrypted.is_not(None) | Account.totp_pending_encrypted.is_not(None))
        for account in session.scalars(enrolled):
            held = (account.totp_secret_encrypted, account.totp_pending_encrypted)
            account.totp_secret_encrypted, account.totp_pending_encrypted = (
                resealed(token) if token else token for token in held)
            if (account.totp_secret_encrypted, account.totp_pending_encrypted) != held:
                report.totp_secrets += 1
        waiting = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.task == "workers.notifications.send_sms")
        for message in session.scalars(waiting):
            sealed = message.payload.get("sealed") or []
            if not sealed:
                continue
            params = dict(message.payload.get("params") or {})
            rewritten = {**params, **{key: resealed(params[key]) for key in sealed}}
            if rewritten != params:
                message.payload = {**message.payload, "params": rewritten}
                report.messages += 1
        current = select(Person.id_number_hash)
        report.left_under_old = sum(int(session.scalar(select(func.count()).select_from(model).where(
            model.id_number_hash.not_in(current))) or 0) for model in (PhysicianQualification, NurseExamRecord))
    return report
