"""A legacy register file imported again (`medreg import` re-run, as docs/operations.md advises after an interruption)
must not undo business done online since it was loaded: an entry changed by an approval or at the counter after
its import is the record, and the file's row for it is kept, not applied — no update of the entry, its person or
its practices, no history row, no new public version, no delivery — and counted apart in the summary. A row for an
entry not changed online since its import still updates it, with one new version, as before."""
from __future__ import annotations

import csv
import itertools
import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc as uscc_number

import portal.cli.imports
from models import (
    Delivery,
    Institution,
    NurseRegistration,
    Person,
    PhysicianPractice,
    PhysicianRegistration,
    PhysicianRegistrationEvent,
    PublicRecord,
    PublicVersion,
)
from models.crypto import lookup_hash
from models.registers.institutions import InstitutionEvent
from models.registers.nurses import NurseRegistrationEvent
from pipeline import clock
from pipeline.imports import COLUMNS
from portal.cli import main
from tests import factories
from tests.journeys import commission_desk, login, staff_account, wait_for

pytestmark = pytest.mark.usefixtures("workers")

COUNTER = "/api/v1/commission/counter"
KEPT = "1 行对应的登记在导入后已办理其他业务，保留现有登记，未按文件修改"
_serial = itertools.count(1)


def fresh_uscc(division: str = "110105") -> str:
    body = f"12{division}{secrets.randbelow(10**8):08d}{next(_serial) % 10}"
    return body + uscc_number.calc_check_digit(body + "0")


def write(path: Path, kind: str, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS[kind]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def medreg(monkeypatch, settings, capsys):
    """`medreg import KIND FILE` against the test deployment (its database, secret and channels): (status, output,
    errors)."""
    monkeypatch.setattr(portal.cli.imports, "load_settings", lambda: settings)

    def run(kind: str, path: Path, *options: str) -> tuple[int, str, str]:
        code = main(["import", kind, str(path), *(options or ("--workers", "0"))])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def entered(api, headers, kind: str, data: dict) -> int:
    return api.post_json(COUNTER, {"kind": kind, "data": data}, headers=headers, status=201).json["id"]


def published(api, headers, application_id: int) -> dict:
    return wait_for(lambda: (lambda body: body if body["status"] == "published" else None)(
        api.get(f"/api/v1/commission/queue/{application_id}", headers=headers).json))


def institution_row(name: str, departments: str = "内科;外科", beds: str = "100") -> dict[str, str]:
    return {"uscc": fresh_uscc(), "name": name, "type": "综合医院", "division_code": "110105", "registered_by": "110105",
            "address": "北京市朝阳区", "beds": beds, "departments": departments, "legal_rep": "王法人",
            "principal": "李院长", "phone": "010-12345678"}


def person_row(sex: str = "男") -> dict[str, str]:
    birth = date(1960, 1, 1) + timedelta(days=secrets.randbelow(9000))
    return {"id_number": factories.resident_id(birth, sex=sex), "name": factories.unique_name("存"), "sex": sex,
            "birth_date": birth.isoformat(), "certificate_no": f"LEG{secrets.randbelow(10**12):012d}",
            "registered_by": "110105"}


def physician_row(uscc: str) -> dict[str, str]:
    return {**person_row(), "level": "执业医师", "category": "临床", "practice_category": "临床",
            "practice_scopes": "内科专业", "institution_uscc": uscc, "registered_on": "2015-03-01"}


def nurse_row(uscc: str, valid_until: date) -> dict[str, str]:
    return {**person_row("女"), "passed_year": "2010", "institution_uscc": uscc, "department": "内科",
            "registered_on": (valid_until - timedelta(days=5 * 365)).isoformat(), "valid_until": valid_until.isoformat()}


def state(db, identifier: str) -> dict:
    """What the public sees of an entry and what was pushed of it."""
    db.rollback()
    record = db.get(PublicRecord, identifier)
    return {"version": record.version, "body": record.body,
            "versions": db.scalar(select(func.count()).select_from(PublicVersion).where(PublicVersion.identifier == identifier)),
            "deliveries": db.scalar(select(func.count()).select_from(Delivery).join(
                PublicVersion, PublicVersion.id == Delivery.version_id).where(PublicVersion.identifier == identifier))}


@pytest.fixture
def loaded(db, tmp_path, medreg):
    """Two institutions of 朝阳 loaded from a legacy file: (file, its rows)."""
    factories.divisions(db)
    db.commit()
    rows = [institution_row(factories.unique_name("存量医院")), institution_row(factories.unique_name("存量医院"))]
    path = write(tmp_path / "institutions.csv", "institutions", rows)
    code, out, err = medreg("institutions", path)
    assert code == 0 and "已导入 2 行" in out, (out, err)
    return path, rows


def by_uscc(db, uscc: str) -> Institution:
    db.rollback()
    return db.scalars(select(Institution).where(Institution.uscc == uscc)).one()


@pytest.mark.parametrize("options", [("--workers", "0"), ("--workers", "2", "--batch-rows", "1")],
                         ids=["one connection", "batches on two connections"])
def test_a_physician_moved_at_the_counter_is_not_moved_back_by_the_same_file_again(
        api, db, settings, tmp_path, medreg, loaded, options):
    _, (home, other) = loaded
    moved_row, file_changed_row = physician_row(home["uscc"]), physician_row(home["uscc"])
    path = write(tmp_path / "physicians.csv", "physicians", [moved_row, file_changed_row])
    code, out, err = medreg("physicians", path)
    assert code == 0 and "已导入 2 行" in out, (out, err)

    def entry(row: dict) -> PhysicianRegistration:
        db.rollback()
        person = db.scalars(select(Person).where(Person.id_number_hash == lookup_hash(settings.secret, row["id_number"]))).one()
        return db.scalars(select(PhysicianRegistration).where(PhysicianRegistration.person_id == person.id)).one()

    moved, unchanged = entry(moved_row), entry(file_changed_row)
    target = by_uscc(db, other["uscc"])
    _, commission = commission_desk(api, db, "110105")
    application = entered(api, commission, "physician.change", {
        "identifier": moved.identifier, "institution_id": target.id, "practice_category": "临床",
        "practice_scope": ["外科专业"]})
    published(api, commission, application)
    moved = entry(moved_row)
    assert (moved.institution_id, moved.practice_scopes) == (target.id, ["外科专业"])
    before = state(db, moved.identifier)
    events = db.scalar(select(func.count()).select_from(PhysicianRegistrationEvent)
                       .where(PhysicianRegistrationEvent.registration_id == moved.id))
    practices = [(p.institution_id, p.main, p.since, p.until) for p in
                 db.scalars(select(PhysicianPractice).where(PhysicianPractice.registration_id == moved.id).order_by(PhysicianPractice.id))]
    unchanged_before = state(db, unchanged.identifier)

    # The same file again, but for the other physician, whose entry nothing online has touched, now at another scope.
    write(path, "physicians", [moved_row, {**file_changed_row, "practice_scopes": "内科专业;外科专业"}])
    code, out, err = medreg("physicians", path, *options)

    assert code == 0, (out, err)
    assert "已导入 1 行，拒绝 0 行，公示 1 条" in out and KEPT in out
    assert "第2行" in err and moved_row["id_number"] not in err + out  # listed by row number, never by ID number
    moved = entry(moved_row)
    assert (moved.institution_id, moved.practice_scopes, moved.status) == (target.id, ["外科专业"], "registered")
    assert state(db, moved.identifier) == before  # no new version, no delivery
    assert before["body"]["institutions"][0]["id"] == target.id and before["body"]["practice_scopes"] == ["外科专业"]
    assert db.scalar(select(func.count()).select_from(PhysicianRegistrationEvent)
                     .where(PhysicianRegistrationEvent.registration_id == moved.id)) == events
    assert [(p.institution_id, p.main, p.since, p.until) for p in db.scalars(
        select(PhysicianPractice).where(PhysicianPractice.registration_id == moved.id).order_by(PhysicianPractice.id))] == practices
    person = db.get(Person, moved.person_id)
    assert person.institution_id == target.id
    # The entry nothing online changed follows the file: one new version, pushed.
    unchanged = entry(file_changed_row)
    assert unchanged.practice_scopes == ["内科专业", "外科专业"]
    after = state(db, unchanged.identifier)
    assert after["version"] == unchanged_before["version"] + 1 and after["versions"] == unchanged_before["versions"] + 1
    assert after["deliveries"] > unchanged_before["deliveries"]


def test_a_physician_who_changed_their_information_online_keeps_their_person_as_it_is(api, db, settings, tmp_path, medreg, loaded):
    """physician.info_change approved (here entered at the counter): the entry is the online record now, so a file
    giving the person another name no longer renames them."""
    _, (home, _) = loaded
    row = physician_row(home["uscc"])
    path = write(tmp_path / "physicians.csv", "physicians", [row])
    assert medreg("physicians", path)[0] == 0
    db.rollback()
    person = db.scalars(select(Person).where(Person.id_number_hash == lookup_hash(settings.secret, row["id_number"]))).one()
    identifier = db.scalars(select(PhysicianRegistration.identifier).where(PhysicianRegistration.person_id == person.id)).one()
    _, commission = commission_desk(api, db, "110105")
    published(api, commission, entered(api, commission, "physician.info_change", {"identifier": identifier, "title": "主治医师"}))
    before = state(db, identifier)

    write(path, "physicians", [{**row, "name": factories.unique_name("改")}])
    code, out, err = medreg("physicians", path)
    assert code == 0 and "已导入 0 行" in out and "公示" not in out and KEPT in out, (out, err)
    db.rollback()
    assert db.get(Person, person.id).name == row["name"]
    assert state(db, identifier) == before and before["body"]["name"] == row["name"]


def test_a_nurse_renewed_at_the_counter_keeps_the_renewal_when_the_file_is_imported_again(api, db, settings, tmp_path, medreg, loaded):
    _, (home, _) = loaded
    due = clock.today() + timedelta(days=10)
    renewed_row, file_changed_row = nurse_row(home["uscc"], due), nurse_row(home["uscc"], due)
    path = write(tmp_path / "nurses.csv", "nurses", [renewed_row, file_changed_row])
    assert medreg("nurses", path)[0] == 0

    def entry(row: dict) -> NurseRegistration:
        db.rollback()
        person = db.scalars(select(Person).where(Person.id_number_hash == lookup_hash(settings.secret, row["id_number"]))).one()
        return db.scalars(select(NurseRegistration).where(NurseRegistration.person_id == person.id)).one()

    renewed, unchanged = entry(renewed_row), entry(file_changed_row)
    _, commission = commission_desk(api, db, "110105")
    published(api, commission, entered(api, commission, "nurse.renewal", {"identifier": renewed.identifier}))
    renewed = entry(renewed_row)
    assert renewed.valid_until > due
    renewal = renewed.valid_until
    before = state(db, renewed.identifier)
    events = db.scalar(select(func.count()).select_from(NurseRegistrationEvent).where(NurseRegistrationEvent.registration_id == renewed.id))
    unchanged_before = state(db, unchanged.identifier)

    write(path, "nurses", [renewed_row, {**file_changed_row, "department": "外科"}])
    code, out, err = medreg("nurses", path)

    assert code == 0 and "已导入 1 行，拒绝 0 行，公示 1 条" in out and KEPT in out, (out, err)
    renewed = entry(renewed_row)
    assert renewed.valid_until == renewal and renewed.status == "registered"
    assert state(db, renewed.identifier) == before and before["body"]["valid_until"] == renewal.isoformat()
    assert db.scalar(select(func.count()).select_from(NurseRegistrationEvent)
                     .where(NurseRegistrationEvent.registration_id == renewed.id)) == events
    assert entry(file_changed_row).department == "外科"
    after = state(db, unchanged.identifier)
    assert after["version"] == unchanged_before["version"] + 1 and after["versions"] == unchanged_before["versions"] + 1
    assert after["deliveries"] > unchanged_before["deliveries"]


def test_a_department_added_by_an_approved_change_is_not_removed_by_the_file_again(api, db, tmp_path, medreg, loaded):
    path, (changed_row, file_changed_row) = loaded
    changed = by_uscc(db, changed_row["uscc"])
    _, commission = commission_desk(api, db, "110105")
    published(api, commission, entered(api, commission, "institution.change", {
        "institution_id": changed.id, "departments": ["内科", "外科", "儿科"]}))
    changed = by_uscc(db, changed_row["uscc"])
    assert set(changed.department_names) == {"内科", "儿科", "外科"}
    before = state(db, changed.identifier)
    history = db.scalar(select(func.count()).select_from(InstitutionEvent).where(InstitutionEvent.institution_id == changed.id))
    other = by_uscc(db, file_changed_row["uscc"])
    other_before = state(db, other.identifier)

    write(path, "institutions", [changed_row, {**file_changed_row, "beds": "150"}])
    code, out, err = medreg("institutions", path)

    assert code == 0 and "已导入 1 行，拒绝 0 行，公示 1 条" in out and KEPT in out, (out, err)
    assert "第2行" in err
    changed = by_uscc(db, changed_row["uscc"])
    assert set(changed.department_names) == {"内科", "儿科", "外科"}
    assert state(db, changed.identifier) == before and "儿科" in before["body"]["departments"]
    assert db.scalar(select(func.count()).select_from(InstitutionEvent)
                     .where(InstitutionEvent.institution_id == changed.id)) == history
    other = by_uscc(db, file_changed_row["uscc"])
    assert other.beds == 150
    after = state(db, other.identifier)
    assert after["version"] == other_before["version"] + 1 and after["versions"] == other_before["versions"] + 1
    assert after["deliveries"] > other_before["deliveries"]
    # Nothing changed online nor in the file: a third run changes nothing and keeps the changed institution.
    code, out, _ = medreg("institutions", path)
    assert code == 0 and "已导入 1 行，拒绝 0 行" in out and "公示" not in out and KEPT in out


def test_an_institution_handed_its_account_still_follows_the_file_but_not_once_it_changed_its_phone(
        api, db, tmp_path, medreg, loaded):
    """Handing out the account changes nothing a file holds: the file still corrects the institution. Its own
    upkeep of its phone (PATCH /api/v1/institution/profile) is business done online: the file no longer applies."""
    path, (row, _) = loaded
    institution = by_uscc(db, row["uscc"])
    _, commission = commission_desk(api, db, "110105")
    api.post_json(f"/api/v1/commission/institutions/{institution.id}/account", {"mobile": factories.unique_mobile()},
                  headers=commission, status=201)
    before = state(db, institution.identifier)

    write(path, "institutions", [{**row, "beds": "180"}])
    code, out, err = medreg("institutions", path)
    assert code == 0 and "已导入 1 行，拒绝 0 行，公示 1 条" in out and "保留现有登记" not in out + err, (out, err)
    assert by_uscc(db, row["uscc"]).beds == 180
    assert state(db, institution.identifier)["version"] == before["version"] + 1

    username = f"reimport{secrets.randbelow(10**9)}"
    staff_account(db, "institution", username, institution_id=institution.id)
    db.commit()
    api.patch_json("/api/v1/institution/profile", {"phone": "010-99990000"}, headers=login(api, username), status=200)
    changed = state(db, institution.identifier)

    write(path, "institutions", [{**row, "beds": "190"}])
    code, out, err = medreg("institutions", path)
    assert code == 0 and "已导入 0 行" in out and KEPT in out, (out, err)
    institution = by_uscc(db, row["uscc"])
    assert (institution.beds, institution.phone) == (180, "010-99990000")
    assert state(db, institution.identifier) == changed
