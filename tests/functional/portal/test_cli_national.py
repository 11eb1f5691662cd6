"""`medreg generate` and `medreg import` of every kind, the two registers included, on a generated country at
scale 0.001 in a database of this module's own: loaded entries are identified, published, searchable and in the
staff lists and commission query like online ones; a second run changes nothing; a bad file changes nothing."""
from __future__ import annotations

import csv
import io
import uuid
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import (
    Account,
    IdentifierSerial,
    Institution,
    IssuedIdentifier,
    NurseRegistration,
    Person,
    PhysicianPractice,
    PhysicianRegistration,
    PhysicianRegistrationEvent,
    PublicRecord,
    PublicVersion,
)
from models.crypto import decrypt, lookup_hash
from models.db import session_factory
from pipeline.identifiers import is_valid_identifier
from pipeline.imports import ORDER
from pipeline.review import mask_id_number
from portal.cli import main
from portal.services import commission_search, public
from portal.services.institution_desk import roll
from publisher.allowlist import public_only
from publisher.records import nurse_record, physician_record
from tests.conftest import migrated_database

SECRET = "national-test-secret"
PRIVATE = ("id_number", "id_type", "birth_date", "mobile", "address_of_person")


@pytest.fixture(scope="module")
def country_url():
    with migrated_database(f"medreg_country_{uuid.uuid4().hex[:10]}") as url:
        yield url


def quietly(*argv: str) -> tuple[int, str, str]:
    """main(argv) with what it prints: (exit status, output, errors)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def country_dir(tmp_path_factory):
    """A 0.1 % country from `medreg generate`."""
    directory = tmp_path_factory.mktemp("country")
    code, _, err = quietly("generate", "--out", str(directory), "--scale", "0.001", "--seed", "7")
    assert code == 0, err
    return directory


@pytest.fixture(scope="module")
def loaded(country_url, country_dir):
    """The generated country imported kind by kind, so that every test here can start from it: what each import
    said, {kind: (exit status, output, errors)}."""
    said = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDREG_DATABASE_URL", country_url)
        patch.setenv("MEDREG_SECRET", SECRET)
        patch.delenv("MEDREG_CHANNELS", raising=False)
        for kind in ORDER:
            said[kind] = quietly("import", kind, str(country_dir / f"{kind}.csv"), "--batch-rows", "1500")
    return said


@pytest.fixture
def country(monkeypatch, country_url, loaded):
    monkeypatch.setenv("MEDREG_DATABASE_URL", country_url)
    monkeypatch.setenv("MEDREG_SECRET", SECRET)
    monkeypatch.delenv("MEDREG_CHANNELS", raising=False)
    session = session_factory(country_url)()
    yield session
    session.rollback()
    session.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def counts(session) -> dict[str, int]:
    session.rollback()
    tables = {"persons": Person, "physicians": PhysicianRegistration, "nurses": NurseRegistration,
              "versions": PublicVersion, "records": PublicRecord, "issued": IssuedIdentifier, "events": PhysicianRegistrationEvent,
              "institutions": Institution}
    found = {name: session.scalar(select(func.count()).select_from(model)) for name, model in tables.items()}
    found["serials"] = session.scalar(select(func.coalesce(func.sum(IdentifierSerial.last), 0)))
    return found


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_generated_country_loads_and_its_registers_are_public_like_online_entries(
        country, country_dir, loaded, tmp_path, capsys):
    code, out, _ = run(capsys, "generate", "--out", str(tmp_path), "--scale", "0.001", "--seed", "7")
    assert code == 0 and "physicians.csv：4800 行" in out and "nurses.csv：5600 行" in out
    for kind in ORDER:  # deterministic for a seed
        assert (tmp_path / f"{kind}.csv").read_bytes() == (country_dir / f"{kind}.csv").read_bytes(), kind

    for kind in ORDER:
        code, out, err = loaded[kind]
        assert code == 0, (kind, out, err[:2000])
        assert "拒绝 0 行" in out
    physicians = rows_of(country_dir / "physicians.csv")
    nurses = rows_of(country_dir / "nurses.csv")
    loaded = counts(country)
    assert loaded["physicians"] == len(physicians) and loaded["nurses"] == len(nurses)
    assert loaded["persons"] == len(physicians) + len(nurses)
    assert loaded["records"] == len(physicians) + len(nurses) + loaded["institutions"]
    assert loaded["issued"] == loaded["records"] == loaded["versions"]

    # One physician, looked at every way an online registration is seen.
    row = physicians[17]
    person = country.scalar(select(Person).where(Person.id_number_hash == lookup_hash(SECRET, row["id_number"])))
    assert person.name == row["name"] and person.profession == "physician" and person.birth_date.isoformat() == row["birth_date"]
    assert decrypt(SECRET, person.id_number_encrypted) == row["id_number"] and row["id_number"] not in person.id_number_encrypted
    assert country.scalar(select(Account).where(Account.person_id == person.id)) is None  # no account: can sign up later
    entry = country.scalar(select(PhysicianRegistration).where(PhysicianRegistration.person_id == person.id))
    institution = country.get(Institution, entry.institution_id)
    assert institution.uscc == row["institution_uscc"] and person.institution_id == institution.id
    assert entry.status == "registered" and entry.commission_code == row["registered_by"]
    assert entry.practice_scopes == sorted(row["practice_scopes"].split(";"))
    assert is_valid_identifier(entry.identifier) and entry.identifier.startswith("D" + row["registered_by"])
    practices = country.scalars(select(PhysicianPractice).where(PhysicianPractice.registration_id == entry.id)).all()
    assert [(p.institution_id, p.main, p.until) for p in practices] == [(institution.id, True, None)]
    stored = country.get(PublicRecord, entry.identifier)
    assert stored.version == 1 and stored.institution_id == institution.id and entry.public_version == 1
    assert stored.body == public_only(stored.body) and not set(PRIVATE) & set(stored.body)
    rebuilt = physician_record(country, entry, 1)  # what the publish stage would build for the same entry
    assert {k: v for k, v in stored.body.items() if k != "status_since"} == public_only(rebuilt)
    assert stored.body["status_since"] == row["registered_on"]

    found = public.search(country, "physicians", {"name": row["name"], "institution": str(institution.id)})
    assert entry.identifier in [item["identifier"] for item in found["items"]]
    assert public.record(country, entry.identifier.lower())["name"] == row["name"]
    assert (entry.identifier, row["name"]) in (roll(country, institution.id, "physician") or [])
    settings = type("S", (), {"secret": SECRET, "secrets": (SECRET,)})()
    seen, _ = commission_search.persons(country, settings, row["registered_by"][:2], row["id_number"])
    assert [item["id_number"] for item in seen] == [mask_id_number(row["id_number"])]

    nurse_row = nurses[3]
    nurse_person = country.scalar(select(Person).where(Person.id_number_hash == lookup_hash(SECRET, nurse_row["id_number"])))
    nurse = country.scalar(select(NurseRegistration).where(NurseRegistration.person_id == nurse_person.id))
    assert nurse.valid_until.isoformat() == nurse_row["valid_until"] and nurse.department == nurse_row["department"]
    body = country.get(PublicRecord, nurse.identifier).body
    assert {k: v for k, v in body.items() if k != "status_since"} == public_only(nurse_record(country, nurse, 1))

    # Loading the same files again changes nothing and issues nothing.
    for kind in ("institutions", "physicians", "nurses"):
        code, out, _ = run(capsys, "import", kind, str(country_dir / f"{kind}.csv"))
        assert code == 0 and "公示" not in out
    assert counts(country) == loaded

    # A changed row makes one new version of that entry only, and a history row.
    physicians[17] = {**row, "practice_scopes": "急救医学专业" if row["practice_category"] == "临床" else row["practice_scopes"],
                      "name": row["name"] + "新"}
    code, out, _ = run(capsys, "import", "physicians", str(write_rows(tmp_path / "changed.csv", physicians)))
    assert code == 0 and "公示 1 条" in out
    country.expire_all()
    assert country.get(PublicRecord, entry.identifier).version == 2
    assert country.get(PublicRecord, entry.identifier).body["name"] == row["name"] + "新"
    assert country.get(PhysicianRegistration, entry.id).public_version == 2
    after = counts(country)
    assert after["versions"] == loaded["versions"] + 1 and after["events"] == loaded["events"] + 1
    assert after["serials"] == loaded["serials"]


def new_nurses(nurses: list[dict[str, str]], count: int) -> list[dict[str, str]]:
    """`count` nurses not in the file: rows of it with another ID number (same birth date) and name."""
    from pipeline.persons import resident_id_check_character

    made = []
    for i, row in enumerate(nurses[10:10 + count]):
        body = row["id_number"][:14] + f"{880 + i:03d}"
        number = body + resident_id_check_character(body)
        made.append({**row, "id_number": number, "name": f"续导护士{i}", "sex": "男" if int(number[16]) % 2 else "女"})
    return made


def test_an_interrupted_register_import_keeps_whole_batches_and_a_second_run_completes_it(
        country, country_url, country_dir, tmp_path, capsys, monkeypatch):
    import publisher.new_entries

    path = write_rows(tmp_path / "more.csv", new_nurses(rows_of(country_dir / "nurses.csv"), 3))
    before = counts(country)
    publish = publisher.new_entries._publish  # new persons are written and published in SQL
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second batch is being published
        return publish(*args, **kwargs)

    monkeypatch.setattr(publisher.new_entries, "_publish", interrupted)
    code, _, _ = run(capsys, "import", "nurses", str(path), "--batch-rows", "1", "--workers", "0")
    assert code == 130
    after = counts(country)
    assert after["nurses"] == before["nurses"] + 1 and after["persons"] == before["persons"] + 1  # the first batch only
    assert after["records"] == before["records"] + 1 and after["versions"] == before["versions"] + 1
    assert after["issued"] == before["issued"] + 1 and after["serials"] == before["serials"] + 1

    monkeypatch.setattr(publisher.new_entries, "_publish", publish)
    code, out, _ = run(capsys, "import", "nurses", str(path), "--batch-rows", "1")
    assert code == 0 and "公示 2 条" in out
    done = counts(country)
    assert done["nurses"] == before["nurses"] + 3 and done["records"] == before["records"] + 3
    assert done["issued"] == before["issued"] + 3 == before["issued"] + (done["serials"] - before["serials"])
    from models.db import engine_for

    with engine_for(country_url).connect() as connection:  # the command's pooled connection: the batches' setting ended with them
        assert connection.exec_driver_sql("SHOW session_replication_role").scalar() == "origin"


def test_an_import_stopped_while_two_connections_write_keeps_what_they_committed_and_a_second_run_completes_it(
        country, country_dir, tmp_path, capsys, monkeypatch):
    import publisher.new_entries

    path = write_rows(tmp_path / "parallel.csv", new_nurses(rows_of(country_dir / "nurses.csv"), 40)[20:])
    before = counts(country)
    publish = publisher.new_entries._publish
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while one of the two connections publishes its batch
        return publish(*args, **kwargs)

    monkeypatch.setattr(publisher.new_entries, "_publish", interrupted)
    code, _, _ = run(capsys, "import", "nurses", str(path), "--batch-rows", "4", "--workers", "2")
    assert code == 130
    after = counts(country)
    kept = after["nurses"] - before["nurses"]
    assert 1 <= kept < 20 and kept % 4 == 0  # whole batches only, not the interrupted one
    assert after["persons"] - before["persons"] == after["records"] - before["records"] == kept
    assert after["issued"] - before["issued"] == kept

    monkeypatch.setattr(publisher.new_entries, "_publish", publish)
    code, out, _ = run(capsys, "import", "nurses", str(path), "--batch-rows", "4", "--workers", "2")
    assert code == 0 and f"公示 {20 - kept} 条" in out
    done = counts(country)
    assert done["nurses"] - before["nurses"] == done["records"] - before["records"] == done["issued"] - before["issued"] == 20
    # The interrupted batch's serials were committed before it was written: skipped, never handed out twice.
    assert done["serials"] - before["serials"] >= 20
    with country.bind.connect() as connection:
        values = connection.execute(select(IssuedIdentifier.value)).scalars().all()
    assert len(values) == len(set(values))


def changed_nurses(nurses: list[dict[str, str]]) -> list[dict[str, str]]:
    """Ten nurses on record, each moved to another department."""
    return [{**row, "department": "内科" if row["department"] != "内科" else "外科"} for row in nurses[70:80]]


@pytest.mark.parametrize("rows", [lambda nurses: new_nurses(nurses, 60)[50:], changed_nurses],
                         ids=["new entries (written in SQL)", "changed entries (the general path)"])
def test_imported_versions_take_their_feed_positions_under_the_feed_lock(country, country_url, country_dir, tmp_path, rows):
    """The feed reads versions by id: a batch must take its version ids only once it holds the feed lock, or a
    version the publish stage commits meanwhile would get a larger id than the batch's and be read before them.
    And the batch waits for that lock only once its current records are written, so that a registration's publish
    stage, which needs the lock, never waits for the bulk of an import batch."""
    import threading
    import time

    from sqlalchemy import text

    from models.db import engine_for
    from publisher.disclosure import FEED_LOCK

    path = write_rows(tmp_path / "locked.csv", rows(rows_of(country_dir / "nurses.csv")))
    with engine_for(country_url).connect() as publisher:
        publisher.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})  # as the publish stage does
        importing = threading.Thread(target=main, args=(["import", "nurses", str(path), "--workers", "0"],))
        importing.start()
        for _ in range(300):  # until the import waits for the lock
            waiting = publisher.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).scalar()
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the import never waited for the feed lock"
        held = set(publisher.execute(text(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.granted AND l.mode = 'RowExclusiveLock' "
            "AND l.pid = (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)")).scalars())
        assert "public_records" in held and "nurse_registrations" in held  # written before the lock
        assert "public_versions" not in held  # written under it
        published_meanwhile = publisher.execute(text("SELECT nextval(pg_get_serial_sequence('public_versions', 'id'))")).scalar()
        publisher.commit()
    importing.join(timeout=120)
    country.rollback()
    identifiers = [row["id_number"] for row in rows_of(path)]
    hashes = [lookup_hash(SECRET, number) for number in identifiers]
    imported = country.scalars(
        select(PublicVersion.id).join(PublicRecord, (PublicRecord.identifier == PublicVersion.identifier)
                                      & (PublicRecord.version == PublicVersion.version))
        .join(NurseRegistration, NurseRegistration.identifier == PublicRecord.identifier)
        .join(Person, Person.id == NurseRegistration.person_id).where(Person.id_number_hash.in_(hashes))).all()
    assert len(imported) == 10  # the current version of each
    assert min(imported) > published_meanwhile
    departments = {row["department"] for row in rows_of(path)}
    assert {record.body["department"] for record in country.scalars(select(PublicRecord).where(
        PublicRecord.identifier.in_(select(NurseRegistration.identifier).join(Person).where(Person.id_number_hash.in_(hashes)))))
            } == departments


def test_a_bad_register_file_is_refused_whole_and_changes_nothing(country, country_dir, tmp_path, capsys):
    nurses = rows_of(country_dir / "nurses.csv")
    institutions = rows_of(country_dir / "institutions.csv")
    before = counts(country)
    first = nurses[0]
    good = {**first, "id_number": first["id_number"][:14] + "999" + "X", "name": "新护士"}
    from pipeline.persons import resident_id_check_character

    good["id_number"] = good["id_number"][:17] + resident_id_check_character(good["id_number"][:17])
    good["sex"] = "男" if int(good["id_number"][16]) % 2 else "女"
    bad_check = {**good, "id_number": good["id_number"][:17] + ("0" if good["id_number"][17] != "0" else "1")}
    wrong_sex = {**nurses[1], "sex": "男" if nurses[1]["sex"] == "女" else "女"}
    unknown = {**nurses[2], "institution_uscc": "12110105000000000Y"}
    from stdnum.cn import uscc as uscc_number

    unknown["institution_uscc"] = unknown["institution_uscc"][:17] + uscc_number.calc_check_digit(unknown["institution_uscc"][:17])
    outside = {**nurses[4], "registered_by": "650000" if not institutions[0]["division_code"].startswith("65") else "110000"}
    outside["institution_uscc"] = institutions[0]["uscc"]
    if institutions[0]["division_code"].startswith(outside["registered_by"][:2]):
        outside["registered_by"] = "310000"
    duplicate = dict(good)
    path = write_rows(tmp_path / "bad.csv", [good, bad_check, wrong_sex, unknown, outside, duplicate])
    code, out, err = run(capsys, "import", "nurses", str(path))
    assert code == 1 and "已导入 0 行，拒绝 5 行" in out and "整个文件未导入" in out
    assert "第3行 id_number：身份证号码校验位错误" in err
    assert "第4行 sex：性别与身份证号码不一致" in err
    assert "第5行 institution_uscc：医疗机构" in err and "不在医疗机构注册库中" in err
    assert "第6行 registered_by：登记机关" in err and "的辖区不包含医疗机构所在行政区划" in err
    assert "第7行 id_number：身份证号码与第2行重复" in err
    assert counts(country) == before

    code, out, _ = run(capsys, "import", "nurses", "--load-good-rows", str(path))
    assert code == 1 and "已导入 1 行，拒绝 5 行" in out
    assert counts(country)["nurses"] == before["nurses"] + 1


@pytest.mark.parametrize(("content", "message"), [
    (b"id_number,name\n1,2\n", "缺少列：sex"),
    ("id_number,name,sex,birth_date,certificate_no,passed_year,institution_uscc,department,registered_on,valid_until,"
     "registered_by\n1,王芳,女".encode("gb18030"), "不是UTF-8编码"),
    (None, "超过1 MB"),
    (b"id_number,name,sex,birth_date,certificate_no,passed_year,institution_uscc,department,registered_on,valid_until,"
     b"registered_by,name\n", "出现了不止一次：name"),
])
def test_an_unreadable_register_file_exits_2_without_a_traceback(country, tmp_path, capsys, content, message):
    path = tmp_path / "nurses.csv"
    if content is None:
        header = b"id_number,name,sex,birth_date,certificate_no,passed_year,institution_uscc,department,registered_on,valid_until,registered_by\n"
        path.write_bytes(header + b"1," + b"x" * (3 << 20) + b"\n")
    else:
        path.write_bytes(content)
    before = counts(country)
    code, _, err = run(capsys, "import", "nurses", str(path))
    assert code == 2 and message in err and "Traceback" not in err
    assert counts(country) == before


def test_a_nul_character_or_cells_beyond_the_header_refuse_the_row_with_its_reason(country, country_dir, tmp_path, capsys):
    nurses = rows_of(country_dir / "nurses.csv")
    header = list(nurses[0])
    lines = [",".join(header)]
    lines.append(",".join(nurses[0].values()) + ",,")  # blank cells after the last column (a spreadsheet's export): fine
    with_nul = dict(nurses[1], name=nurses[1]["name"][:1] + "\x00" + nurses[1]["name"][1:])
    lines.append(",".join(with_nul.values()))
    lines.append(",".join(nurses[2].values()) + ",多出的内容")  # an unquoted comma shifts the cells after it
    path = tmp_path / "nurses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = counts(country)
    code, out, err = run(capsys, "import", "nurses", str(path))
    assert code == 1 and "拒绝 2 行" in out and "Traceback" not in err
    assert "第3行 name：不能含有空字符" in err
    assert f"第4行：该行有{len(header) + 1}个单元格，多于表头的{len(header)}列" in err
    assert "第2行" not in err
    assert counts(country) == before
