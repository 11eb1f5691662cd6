"""The audit log: its hash chain sealed after commit (also for entries that commit out of id order), a changed
or deleted entry found by `medreg audit verify`, and the jurisdiction's log filtered by actor, action and time."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from models import AuditEntry
from models.audit import audit
from models.audit_chain import seal_once
from models.db import session_factory
from portal.cli import main
from tests import commission_world as cw


@pytest.fixture
def env(monkeypatch, settings):
    monkeypatch.setenv("MEDREG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDREG_SECRET", settings.secret)
    monkeypatch.setenv("MEDREG_AUDIT_CHECKPOINTS", settings.audit_checkpoints)
    return settings


def tamper(db, statement: str, **params) -> None:
    """What only someone past the database's own guard can do (a superuser skipping the append-only trigger):
    the chain must still tell."""
    db.execute(text("SET LOCAL session_replication_role = replica"))
    db.execute(text(statement), params)
    db.commit()


def verify(capsys) -> tuple[int, str]:
    code = main(["audit", "verify"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_entries_committed_out_of_id_order_are_all_sealed_and_the_chain_verifies(env, capsys):
    factory = session_factory(env.database_url)
    slow, fast = factory(), factory()
    audit(slow, "test:slow", "test_slow", "x")
    slow.flush()  # takes the lower id, commits later
    audit(fast, "test:fast", "test_fast", "y")
    fast.commit()
    seal_once(env)
    slow.commit()
    seal_once(env)
    entries = {e.action: e for e in fast.scalars(select(AuditEntry).where(AuditEntry.action.in_(["test_slow", "test_fast"])))}
    assert entries["test_slow"].id < entries["test_fast"].id
    assert entries["test_slow"].seq > entries["test_fast"].seq  # chained in the order it became visible
    assert fast.scalar(select(AuditEntry.id).where(AuditEntry.seq.is_(None))) is None
    slow.close()
    fast.close()
    assert verify(capsys)[0] == 0


def test_a_changed_entry_is_named_and_exit_1(env, capsys, db):
    audit(db, "test:tamper", "test_tamper", "application:1", "110105", note="原文")
    db.commit()
    seal_once(env)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "test_tamper"))
    assert verify(capsys)[0] == 0
    tamper(db, "UPDATE audit_log SET target = 'application:2' WHERE id = :id", id=entry.id)
    try:
        code, output = verify(capsys)
        assert code == 1
        assert f"#{entry.id}" in output and "内容与哈希不符" in output
    finally:
        tamper(db, "UPDATE audit_log SET target = 'application:1' WHERE id = :id", id=entry.id)
    assert verify(capsys)[0] == 0


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(env, capsys, db):
    for n in range(2):
        audit(db, "test:delete", f"test_delete_{n}", "x")
    db.commit()
    seal_once(env)
    first, second = db.scalars(select(AuditEntry).where(AuditEntry.actor == "test:delete").order_by(AuditEntry.seq)).all()
    saved = {c.name: getattr(first, c.name) for c in AuditEntry.__table__.columns}
    tamper(db, "DELETE FROM audit_log WHERE id = :id", id=first.id)
    try:
        code, output = verify(capsys)
        assert code == 1 and f"#{second.id}" in output
    finally:
        db.execute(AuditEntry.__table__.insert().values(**saved))  # the row put back as it was, id and all
        db.commit()
    assert verify(capsys)[0] == 0


def test_deleting_the_newest_entries_is_found_by_the_signed_checkpoints(env, capsys, db):
    audit(db, "test:newest", "commission_approve", "application:999")  # e.g. an approval someone wants gone
    db.commit()
    seal_once(env)
    newest = db.scalar(select(AuditEntry).where(AuditEntry.actor == "test:newest"))
    saved = {c.name: getattr(newest, c.name) for c in AuditEntry.__table__.columns}
    tamper(db, "DELETE FROM audit_log WHERE id = :id", id=newest.id)
    try:
        code, output = verify(capsys)
        assert code == 1 and "最新的条目被删除" in output
    finally:
        db.execute(AuditEntry.__table__.insert().values(**saved))
        db.commit()
    assert verify(capsys)[0] == 0


def test_an_edited_checkpoint_file_is_found(env, capsys, db):
    from pathlib import Path

    audit(db, "test:checkpoint", "test_checkpoint", "x")
    db.commit()
    seal_once(env)
    path = Path(env.audit_checkpoints)
    kept = path.read_text(encoding="utf-8")
    lines = kept.splitlines()
    path.write_text("\n".join([*lines[:-1], lines[-1].replace('"seq": ', '"seq": 1')]) + "\n", encoding="utf-8")
    try:
        code, output = verify(capsys)
        assert code == 1 and "检查点" in output
    finally:
        path.write_text(kept, encoding="utf-8")
    assert verify(capsys)[0] == 0


def test_a_chain_sealed_with_sha256_before_the_move_to_sm3_verifies_and_goes_on_in_sm3(monkeypatch, settings, tmp_path, capsys):
    """A database whose chain and checkpoints were signed HMAC-SHA256 (medreg before the move to SM3): it still
    verifies, and what is sealed from now on is HMAC-SM3."""
    import dataclasses
    import uuid

    from models import audit_chain
    from pipeline.audit_chain import chain_key, seal
    from tests.conftest import migrated_database

    with migrated_database(f"medreg_chain_{uuid.uuid4().hex[:8]}") as url:
        here = dataclasses.replace(settings, database_url=url, audit_checkpoints=str(tmp_path / "checkpoints.jsonl"))
        for name, value in (("MEDREG_DATABASE_URL", url), ("MEDREG_SECRET", here.secret),
                            ("MEDREG_AUDIT_CHECKPOINTS", here.audit_checkpoints)):
            monkeypatch.setenv(name, value)
        factory = session_factory(url)
        with monkeypatch.context() as before:  # medreg as it was
            before.setattr(audit_chain, "chain_key", lambda secret: chain_key(secret, "sha256"))
            before.setattr(audit_chain, "SEALING", "sha256")
            with factory() as session:
                audit(session, "test:before", "test_before", "x")
                session.commit()
            assert seal_once(here) == 1
        with factory() as session:
            audit(session, "test:after", "test_after", "y")
            session.commit()
        assert seal_once(here) == 1
        assert verify(capsys)[0] == 0
        with factory() as session:
            old, new = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
            assert old.hash == seal(chain_key(here.secret, "sha256"), old.prev_hash, audit_chain.content_of(old, 1))
            assert new.hash == seal(chain_key(here.secret), new.prev_hash, audit_chain.content_of(new, 2))
            assert new.prev_hash == old.hash and chain_key(here.secret).digest == "sm3"


def test_the_database_user_cannot_change_or_delete_an_entry(env, db):
    from sqlalchemy.exc import DBAPIError

    audit(db, "test:guard", "test_guard", "x")
    db.commit()
    seal_once(env)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.actor == "test:guard"))
    for statement in ("UPDATE audit_log SET target = 'y' WHERE id = :id", "UPDATE audit_log SET seq = seq WHERE id = :id",
                      "DELETE FROM audit_log WHERE id = :id", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement), {"id": entry.id})
        db.rollback()
    audit(db, "test:guard", "test_guard_unsealed", "x")
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE action = 'test_guard_unsealed'"))
    db.rollback()
    assert seal_once(env) >= 1  # sealing, the one change allowed, still works


# --- the jurisdiction's log --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from webtest import TestApp

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "54")
    codes = world.codes
    audit(session, "account:audit-a", "audit_test_one", "x", codes["county"])
    audit(session, "account:audit-b", "audit_test_two", "y", codes["county"])
    audit(session, "account:audit-c", "audit_test_one", "z", codes["sibling"])
    session.commit()
    yield world
    session.close()


def log(api, world, level: str, **params):
    return api.get("/api/v1/commission/audit", params=params, headers=world.desks[level].headers).json


def actors(answer) -> set[str]:
    return {e["actor"] for e in answer["items"] if e["actor"].startswith("account:audit-")}


def test_the_audit_log_of_the_jurisdiction_filtered_by_actor_action_and_time(api, world):
    assert actors(log(api, world, "county")) == {"account:audit-a", "account:audit-b"}
    assert actors(log(api, world, "city")) == {"account:audit-a", "account:audit-b", "account:audit-c"}
    assert actors(log(api, world, "sibling")) == {"account:audit-c"}
    assert actors(log(api, world, "city", action="audit_test_one")) == {"account:audit-a", "account:audit-c"}
    assert actors(log(api, world, "city", actor="audit-b")) == {"account:audit-b"}
    assert actors(log(api, world, "city", since="2000-01-01", until="2000-12-31")) == set()
    assert actors(log(api, world, "city", since=cw.local_today().isoformat())) == {"account:audit-a", "account:audit-b", "account:audit-c"}


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"until": "2026-01-01T00:00:00"}, {"page": "0"}])
def test_bad_audit_filters_are_refused(api, world, params):
    api.get("/api/v1/commission/audit", params=params, headers=world.desks["city"].headers, status=400)


def test_the_audit_log_pages_by_cursor_to_its_end_and_counts_up_to_the_cap(api, world, monkeypatch):
    from portal.services import audit_log, paging

    whole = [e["id"] for e in log(api, world, "city")["items"]]
    monkeypatch.setattr(audit_log, "PER_PAGE", 2)
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    seen, cursor = [], None
    while True:
        answer = log(api, world, "city", **({"cursor": cursor} if cursor else {}))
        assert (answer["total"], answer["total_capped"]) == (2, len(whole) > 2)
        seen += [e["id"] for e in answer["items"]]
        cursor = answer["next"]
        if cursor is None:
            break
    assert seen == whole and len(whole) >= 3
    assert [e["id"] for e in log(api, world, "city", page="2")["items"]] == whole[2:4]
    refused = api.get("/api/v1/commission/audit", params={"cursor": "x"}, headers=world.desks["city"].headers, status=400)
    assert "cursor" in refused.json["error"]["fields"]


def test_a_bad_page_and_a_bad_cursor_are_both_named(api, world):
    answer = api.get("/api/v1/commission/audit", params={"page": "0", "cursor": "x"}, headers=world.desks["city"].headers,
                     status=400).json
    assert set(answer["error"]["fields"]) == {"page", "cursor"}
