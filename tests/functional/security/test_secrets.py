"""Rule 1: no default secrets outside the demo; licence keys are never made on the spot; secrets rotate."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from models import Account, Person
from models.crypto import encrypt, issue_token, lookup_hash
from models.settings import MissingSecret, Settings, load_settings
from pipeline.review import mask_id_number
from publisher import licence_keys
from tests import factories
from tests.journeys import commission_desk, person_account

OLD_PUBLIC_DEFAULT = "medreg-development-secret-change-me"


def environment_without_secret() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "MEDREG_SECRET"}


def test_settings_refuse_without_a_secret(monkeypatch):
    monkeypatch.delenv("MEDREG_SECRET", raising=False)
    with pytest.raises(MissingSecret) as refused:
        load_settings()
    assert "MEDREG_SECRET" in refused.value.message and "拒绝启动" in refused.value.message
    monkeypatch.setenv("MEDREG_SECRET", "short")
    with pytest.raises(MissingSecret) as refused:
        load_settings()
    # A short secret is said to be too short, not missing.
    assert "至少 16 个字符" in refused.value.message and "未设置" not in refused.value.message
    assert load_settings(require=False).secret == "short"  # only what never uses it (migrations, importing the app)


def test_the_portal_refuses_to_start_without_a_secret(settings):
    from portal import make_config

    with pytest.raises(MissingSecret):
        make_config({}, dataclasses.replace(settings, secret=""))


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "portal.cli", "serve", "--port", "0"],
    [sys.executable, "-m", "workers", "relay"],
    [sys.executable, "-m", "portal.cli", "audit", "verify"],
])
def test_processes_and_commands_refuse_to_start_without_a_secret(command, settings):
    env = {**environment_without_secret(), "MEDREG_DATABASE_URL": settings.database_url, "MEDREG_BROKER_URL": settings.broker_url}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "未设置 MEDREG_SECRET" in done.stderr


def test_a_worker_refuses_to_start_without_a_secret(settings):
    from celery import Celery

    from workers.app import configure, refuse_without_secret

    bare = Celery("bare")
    configure(bare, dataclasses.replace(settings, secret=""))
    with pytest.raises(MissingSecret):
        refuse_without_secret(sender=type("Worker", (), {"app": bare})())


def test_a_token_forged_with_the_old_public_default_reads_nothing(api, db):
    _, commission = commission_desk(api, db)
    api.get("/api/v1/commission/accounts", headers=commission)
    for account_id in range(1, 30):
        forged = issue_token(OLD_PUBLIC_DEFAULT, account_id)
        api.get("/api/v1/commission/accounts", headers={"Authorization": f"Bearer {forged}"}, status=401)


def test_without_a_keyring_licences_use_a_key_derived_from_the_secret_and_none_is_made(app_with, db, tmp_path, monkeypatch):
    """No random key on the spot (it would differ per process and die with it): the derived key is the same in every
    process, written nowhere, and a keyring that is set but unusable answers 503."""
    monkeypatch.chdir(tmp_path)
    first, second = app_with(licence_keys=""), app_with(licence_keys="")
    listed = first.get("/api/v1/public/licence-keys").json
    monkeypatch.setattr(licence_keys, "_cache", {})  # as another process starts: the key is derived again, not remembered
    assert listed == second.get("/api/v1/public/licence-keys").json and listed["keys"][0]["kid"].startswith("s-")
    assert not list(tmp_path.rglob("licence-keys*"))
    broken = app_with(licence_keys="{not json")
    refused = broken.get("/api/v1/public/records/D110105202600000011/licence", status=503).json["error"]
    assert refused["code"] == "licence_keys" and "电子证照密钥" in refused["message"]


def test_a_rotated_secret_still_finds_and_reads_what_the_old_one_protected(app_with, api, db, settings):
    """MEDREG_SECRET=new,old: the person stored under the old secret is found by ID number, shown, and logs in with
    a token the old secret signed; everything new is under the new one."""
    institution = factories.institution(db, name=factories.unique_name("轮换医院"), division="110105")
    person = person_account(db, settings, institution.id)
    db.commit()
    _, commission = commission_desk(api, db)
    old_token = issue_token(settings.secret, person["account_id"])
    rotated = app_with(secret=f"new-secret-{settings.secret},{settings.secret}")
    current = rotated.app.registry.settings["medreg"]
    assert isinstance(current, Settings) and current.old_secrets == (settings.secret,)
    # The commission's token and the person's were signed with the old secret: still good during the rotation.
    found = rotated.get("/api/v1/commission/search", params={"q": person["id_number"]}, headers=commission).json["persons"]
    assert [p["id_number"] for p in found] == [mask_id_number(person["id_number"])]  # decrypted, shown masked
    rotated.get("/api/v1/me/registration", headers={"Authorization": f"Bearer {old_token}"})
    # A login through the rotated portal finds the person by the old look-up hash, and signs with the new secret.
    token = rotated.post_json("/api/v1/login", {"username": person["id_number"], "password": "Passw0rd-2026"}).json["token"]
    api.get("/api/v1/me/registration", headers={"Authorization": f"Bearer {token}"}, status=401)  # the old-only portal
    stored = db.scalar(select(Person).where(Person.id_number_hash == lookup_hash(settings.secret, person["id_number"])))
    assert stored is not None


@pytest.fixture
def scratch_database(settings):
    """A database of its own: rotating the suite's database would pull the secret from under every other test."""
    import uuid

    from tests.conftest import migrated_database

    with migrated_database(f"medreg_rotation_{uuid.uuid4().hex[:8]}") as url:
        yield url


def sealed_values(database_url: str, person_id: int) -> list:
    """Every encrypted value the rotation tests seed, as stored."""
    from models import InstitutionWebhook, OutboxMessage
    from models.db import session_scope

    with session_scope(database_url) as session:
        return [session.get(Person, person_id).id_number_encrypted,
                *session.scalars(select(InstitutionWebhook.secret_encrypted)),
                *session.scalars(select(Account.totp_secret_encrypted).where(Account.totp_secret_encrypted.is_not(None))),
                *[message.payload["params"] for message in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.task == "workers.notifications.send_sms"))]]


def test_one_secret_re_encrypts_in_sm4_what_was_encrypted_before(scratch_database, settings, monkeypatch):
    """Data written before medreg used SM4 is Fernet: still read, and moved to SM4 by rotate-secret with the same
    secret, its look-up hashes unchanged."""
    from models import InstitutionWebhook
    from models.crypto import _fernet, decrypt
    from models.db import session_scope
    from portal.cli import main

    secret = "the-only-secret-0123456789"
    here = dataclasses.replace(settings, database_url=scratch_database, secret=secret)
    with session_scope(scratch_database) as session:
        factories.divisions(session)
        institution = factories.institution(session, name="SM4机构", division="110105")
        person = person_account(session, here, institution.id)
        stored = session.get(Person, person["person_id"])
        stored.id_number_encrypted = _fernet(secret).encrypt(person["id_number"].encode()).decode()  # as before SM4
        session.add(InstitutionWebhook(institution_id=institution.id, url="https://hooks.example.cn/y",
                                       secret_encrypted=_fernet(secret).encrypt(b"hook-secret-9876543210").decode()))
        hash_before = stored.id_number_hash
    assert decrypt(secret, sealed_values(scratch_database, person["person_id"])[0]) == person["id_number"]  # Fernet still opens
    monkeypatch.setenv("MEDREG_DATABASE_URL", scratch_database)
    monkeypatch.setenv("MEDREG_SECRET", secret)
    assert main(["rotate-secret"]) == 0
    number, hook = sealed_values(scratch_database, person["person_id"])[:2]
    assert number.startswith("sm4:") and hook.startswith("sm4:")
    assert decrypt(secret, number) == person["id_number"] and decrypt(secret, hook) == "hook-secret-9876543210"
    with session_scope(scratch_database) as session:
        assert session.get(Person, person["person_id"]).id_number_hash == hash_before
    assert main(["rotate-secret"]) == 0
    assert sealed_values(scratch_database, person["person_id"])[:2] == [number, hook]  # twice changes nothing


def test_rotate_secret_moves_everything_to_the_new_secret(scratch_database, settings, monkeypatch, capsys):
    from models import InstitutionWebhook, PhysicianQualification
    from models.crypto import decrypt
    from models.db import session_scope
    from models.messages import opened, send_sms
    from portal.cli import main

    old, new = "the-old-secret-0123456789", "the-new-secret-0123456789"
    before = dataclasses.replace(settings, database_url=scratch_database, secret=old)
    with session_scope(scratch_database) as session:
        factories.divisions(session)
        institution = factories.institution(session, name="轮换机构", division="110105")
        person = person_account(session, before, institution.id)
        session.add(InstitutionWebhook(institution_id=institution.id, url="https://hooks.example.cn/x",
                                       secret_encrypted=encrypt(old, "hook-secret-0123456789")))
        send_sms(session, before, person["mobile"], "password_reset_code", code="123456", minutes=10)
        staff = Account(username="rotation-staff", role="commission", division_code="110105", password_hash="x",
                        totp_secret_encrypted=encrypt(old, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"))
        session.add(staff)
    monkeypatch.setenv("MEDREG_DATABASE_URL", scratch_database)
    monkeypatch.setenv("MEDREG_SECRET", f"{new},{old}")
    assert main(["rotate-secret"]) == 0
    moved = sealed_values(scratch_database, person["person_id"])
    assert main(["rotate-secret"]) == 0
    assert sealed_values(scratch_database, person["person_id"]) == moved  # twice changes nothing
    after = dataclasses.replace(settings, database_url=scratch_database, secret=new)  # the old secret dropped
    with session_scope(scratch_database) as session:
        stored = session.get(Person, person["person_id"])
        assert decrypt(new, stored.id_number_encrypted) == person["id_number"]
        assert stored.id_number_hash == lookup_hash(new, person["id_number"])
        qualification = session.get(PhysicianQualification, person["certificate_no"])
        assert qualification.id_number_hash == stored.id_number_hash
        assert decrypt(new, session.get(InstitutionWebhook, institution.id).secret_encrypted) == "hook-secret-0123456789"
        enrolled = session.scalar(select(Account).where(Account.username == "rotation-staff"))
        assert decrypt(new, enrolled.totp_secret_encrypted) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the second factor
        from models import OutboxMessage

        queued = session.scalars(select(OutboxMessage).where(OutboxMessage.task == "workers.notifications.send_sms")).all()
        assert opened(after, queued[-1].payload["params"], queued[-1].payload["sealed"])["code"] == "123456"
    with pytest.raises(ValueError):
        decrypt(old, stored.id_number_encrypted)
