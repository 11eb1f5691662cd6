"""The `medreg` commands, run in-process through `portal.cli.main(argv)` against the test database."""
from __future__ import annotations

import csv
import itertools
import re
import secrets
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from stdnum.cn import uscc as uscc_number

from models import Account, AuditEntry, Commission, Division, Institution, PhysicianQualification, PublicRecord
from models.crypto import decrypt, lookup_hash, verify_password
from models.migrate import head
from models.settings import load_settings
from pipeline.codes import default_scope_map
from portal.cli import main
from tests import factories

_serial = itertools.count(1)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def fresh_uscc(division: str = "110105") -> str:
    body = f"12{division}{secrets.randbelow(10**8):08d}{next(_serial) % 10}"
    return body + uscc_number.calc_check_digit(body + "0")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- import divisions --------------------------------------------------------------------

DIVISION_HEADER = ["code", "name", "parent_code"]


def test_import_divisions_loads_good_rows_reports_bad_ones_and_is_idempotent(env, db, tmp_path, capsys):
    rows = [
        ["520000", "贵州省", ""],
        ["520100", "贵阳市", "520000"],
        ["520102", "南明区", "520100"],
        ["52010", "缺位区", "520100"],
        ["520203", "遵义新区", "520200"],
        ["520111", "", "520100"],
        ["520112", "乌当区", "530100"],
    ]
    path = write_csv(tmp_path / "divisions.csv", DIVISION_HEADER, rows)
    code, out, err = run(capsys, "import", "divisions", str(path))
    assert code == 1 and "已导入 0 行，拒绝 4 行" in out and "整个文件未导入" in out
    assert "第5行 code：行政区划代码应为6位数字" in err
    assert db.get(Division, "520000") is None  # a file with a refused row loads nothing

    code, out, err = run(capsys, "import", "divisions", "--load-good-rows", str(path))
    assert code == 1
    assert "已导入 3 行，拒绝 4 行" in out
    assert "第5行 code：行政区划代码应为6位数字" in err
    assert "第6行 parent_code：上级行政区划520200不存在" in err
    assert "第7行 name：必填" in err
    assert "第8行 parent_code：530100不是520112的上级行政区划" in err
    assert db.get(Division, "520102").parent_code == "520100"
    assert db.get(Commission, "520102").name == "南明区卫生健康委员会"
    assert db.get(Division, "520203") is None

    rows[2][1] = "南明新区"
    code, out, _ = run(capsys, "import", "divisions", str(write_csv(tmp_path / "again.csv", DIVISION_HEADER, rows[:3])))
    assert code == 0 and "已导入 3 行，拒绝 0 行" in out
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Division).where(Division.code.like("5201%"))) == 2
    assert db.get(Commission, "520102").name == "南明新区卫生健康委员会"


def test_a_division_under_a_refused_one_is_refused_too_down_the_chain(env, db, tmp_path, capsys):
    """With --load-good-rows, a county under a city refused (its province exists nowhere) would name a parent that
    exists nowhere: it is refused with it, naming the parent it lost."""
    rows = [["990100", "孤儿市", "990000"], ["990101", "孤儿县", "990100"], ["970000", "孤儿测试省", ""]]
    code, out, err = run(capsys, "import", "divisions", "--load-good-rows", str(write_csv(tmp_path / "orphans.csv", DIVISION_HEADER, rows)))
    assert code == 1 and "已导入 1 行，拒绝 2 行" in out
    assert "第2行 parent_code：上级行政区划990000不存在" in err
    assert "第3行 parent_code：上级行政区划990100所在的行被拒绝，本行不能导入" in err
    assert [db.get(Division, code) for code in ("990100", "990101")] == [None, None]
    assert db.get(Division, "970000") is not None


def test_a_placeholder_division_names_its_commission_with_its_parent(env, db, tmp_path, capsys):
    """GB/T 2260's 重庆市 has a division called only 县 (500200): its commission must say which 县 it is."""
    rows = [["500000", "重庆市", ""], ["500200", "县", "500000"], ["500229", "城口县", "500200"]]
    code, out, _ = run(capsys, "import", "divisions", str(write_csv(tmp_path / "chongqing.csv", DIVISION_HEADER, rows)))
    assert code == 0 and "已导入 3 行" in out
    assert db.get(Commission, "500200").name == "重庆市县卫生健康委员会"
    assert db.get(Commission, "500229").name == "城口县卫生健康委员会"
    assert db.get(Division, "500200").name == "县"  # the division keeps its standard name
    # A child before its parent, one row a batch: named the same, and a second run changes nothing.
    rows = [["980100", "市辖区", "980000"], ["980000", "测试直辖市", ""]]
    for _ in range(2):
        code, out, _ = run(capsys, "import", "divisions", "--batch-rows", "1",
                           str(write_csv(tmp_path / "first-child.csv", DIVISION_HEADER, rows)))
        assert code == 0
        db.expire_all()
        assert db.get(Commission, "980100").name == "测试直辖市市辖区卫生健康委员会"


# --- import physician qualifications -----------------------------------------------------

QUALIFICATION_HEADER = ["certificate_no", "name", "id_number", "level", "category", "issued_on"]


def test_import_physician_qualifications_keeps_only_a_keyed_hash_of_the_id_number(env, db, tmp_path, capsys):
    good_id, other_id = factories.resident_id(), factories.resident_id()
    certificate = f"2015{next(_serial) + 31_000_000:011d}"
    rows = [
        [certificate, "赵一", good_id, "执业医师", "临床", "2015-12-01"],
        [f"{certificate[:-1]}9", "钱二", other_id, "执业助理医师", "口腔", ""],
        ["2015000000000X1", "孙三", good_id[:-1] + ("0" if good_id[-1] != "0" else "1"), "执业医师", "临床", ""],
        ["2015000000000X2", "李四", other_id, "主任医师", "临床", ""],
        ["2015000000000X3", "周五", other_id, "执业医师", "护理", "2099-01-01"],
    ]
    path = write_csv(tmp_path / "qualifications.csv", QUALIFICATION_HEADER, rows)
    code, out, err = run(capsys, "import", "physician-qualifications", str(path))
    assert code == 1 and "已导入 0 行，拒绝 3 行" in out and db.get(PhysicianQualification, certificate) is None
    code, out, err = run(capsys, "import", "physician-qualifications", "--load-good-rows", str(path))
    assert code == 1
    assert "已导入 2 行，拒绝 3 行" in out
    assert "第4行 id_number：身份证号码校验位错误" in err
    assert "第5行 level：医师级别应为以下之一：执业医师、执业助理医师" in err
    assert "第6行 category：医师类别应为以下之一" in err
    assert "第6行 issued_on：发证日期不能晚于今天" in err
    record = db.get(PhysicianQualification, certificate)
    assert record.name == "赵一" and record.level == "执业医师" and record.category == "临床"
    assert record.id_number_hash == lookup_hash(env.secret, good_id)
    assert good_id not in str([getattr(record, c.key) for c in inspect(PhysicianQualification).columns])

    rows[0][1] = "赵一一"
    code, out, _ = run(capsys, "import", "physician-qualifications", "--load-good-rows",
                       str(write_csv(path, QUALIFICATION_HEADER, rows)))
    assert code == 1 and "已导入 2 行，拒绝 3 行" in out
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(PhysicianQualification).where(
        PhysicianQualification.certificate_no == certificate)) == 1
    assert db.get(PhysicianQualification, certificate).name == "赵一一"


# --- import institutions -----------------------------------------------------------------

INSTITUTION_HEADER = ["uscc", "name", "type", "division_code", "registered_by", "address", "beds", "departments",
                      "legal_rep", "principal", "phone"]


def institution_row(uscc: str, name: str, departments: str = "内科;外科", division: str = "110105",
                    registered_by: str = "110105") -> list[str]:
    return [uscc, name, "综合医院", division, registered_by, "北京市朝阳区某路1号", "120", departments, "法人甲", "院长乙",
            "010-88886666"]


def test_import_institutions_issues_identifiers_and_copies_the_default_scope_map(env, db, tmp_path, capsys):
    factories.divisions(db)
    db.commit()
    first, second = fresh_uscc(), fresh_uscc("110000")
    bad_checksum = first[:-1] + ("0" if first[-1] != "0" else "1")
    rows = [
        institution_row(first, "导入测试第一医院"),
        institution_row(second, "导入测试第二医院", "儿科；口腔科", division="110108", registered_by="110000"),
        institution_row(bad_checksum, "校验错误医院"),
        institution_row(fresh_uscc(), "科目错误医院", "内科;魔法科"),
        institution_row(fresh_uscc(), "越权登记医院", registered_by="310104"),
        [*institution_row(fresh_uscc(), "无类别医院")[:2], "星际医院", *institution_row(fresh_uscc(), "x")[3:]],
    ]
    path = write_csv(tmp_path / "institutions.csv", INSTITUTION_HEADER, rows)
    code, out, err = run(capsys, "import", "institutions", str(path))
    assert code == 1 and "已导入 0 行，拒绝 4 行" in out
    assert db.scalar(select(Institution).where(Institution.uscc == first)) is None
    code, out, err = run(capsys, "import", "institutions", "--load-good-rows", str(path))
    assert code == 1
    assert "已导入 2 行，拒绝 4 行" in out
    assert "第4行 uscc：统一社会信用代码校验位错误" in err
    assert "第5行 departments：诊疗科目不在《医疗机构诊疗科目名录》中：魔法科" in err
    assert "第6行 registered_by：登记机关310104的辖区不包含行政区划110105" in err
    assert "第7行 type：机构类别应为以下之一" in err

    imported = db.scalar(select(Institution).where(Institution.uscc == first))
    assert imported.status == "operating" and imported.registered_by == "110105"
    assert imported.identifier.startswith("H110105") and len(imported.identifier) == 19
    assert sorted(imported.department_names) == ["内科", "外科"]
    defaults = default_scope_map()
    assert {(row.department, row.scope) for row in imported.scope_map} == {
        (department, scope) for department in ("内科", "外科") for scope in defaults[department]}
    other = db.scalar(select(Institution).where(Institution.uscc == second))
    assert other.identifier.startswith("H110000") and sorted(other.department_names) == ["儿科", "口腔科"]
    public = db.get(PublicRecord, imported.identifier)
    assert public.kind == "institution" and public.institution_id == imported.id and public.version == 1

    rows[0] = institution_row(first, "导入测试第一医院", "内科;妇产科")
    code, out, _ = run(capsys, "import", "institutions", str(write_csv(tmp_path / "again.csv", INSTITUTION_HEADER, rows[:2])))
    assert code == 0 and "已导入 2 行，拒绝 0 行" in out
    db.expire_all()
    again = db.scalars(select(Institution).where(Institution.uscc == first)).all()
    assert len(again) == 1 and again[0].identifier == imported.identifier
    assert sorted(again[0].department_names) == ["内科", "妇产科"]
    assert {row.department for row in again[0].scope_map} == {"内科", "妇产科"}
    assert db.get(PublicRecord, imported.identifier).version == 2
    assert db.get(PublicRecord, other.identifier).version == 1  # unchanged, so not published again


def test_text_from_the_file_or_the_command_line_is_printed_as_it_is_never_as_markup_or_terminal_control(env, db, tmp_path, capsys):
    """A cell holding "[/x]" crashed the import with a traceback after its good rows were written (rich read it as
    markup), "[bold]" vanished, and an escape sequence in a cell reached the operator's terminal."""
    factories.divisions(db)
    db.commit()
    good = fresh_uscc()
    rows = [institution_row(good, "原样输出医院"), institution_row(fresh_uscc(), "标记医院", "内科;[/x]"),
            institution_row(fresh_uscc(), "控制符医院", "内科;\x1b[31m红[bold]魔法科")]
    path = write_csv(tmp_path / "[bold]institutions.csv", INSTITUTION_HEADER, rows)
    code, out, err = run(capsys, "import", "institutions", "--load-good-rows", str(path))
    assert code == 1 and "已导入 1 行，拒绝 2 行" in out
    assert "第3行 departments：诊疗科目不在《医疗机构诊疗科目名录》中：[/x]" in err
    assert "第4行 departments：诊疗科目不在《医疗机构诊疗科目名录》中：\\x1b[31m红[bold]魔法科" in err
    assert "\x1b" not in out + err
    assert db.scalar(select(Institution).where(Institution.uscc == good)) is not None
    code, _, err = run(capsys, "import", "divisions", str(tmp_path / "[/x]missing.csv"))
    assert code == 2 and "[/x]missing.csv" in err


# --- refusals of the whole file ----------------------------------------------------------


def test_import_refuses_unknown_kinds_and_unreadable_files_with_exit_2(env, tmp_path, capsys):
    good = write_csv(tmp_path / "d.csv", DIVISION_HEADER, [["520000", "贵州省", ""]])
    code, _, err = run(capsys, "import", "hospitals", str(good))
    assert code == 2 and "未知的导入类型 hospitals" in err
    code, _, err = run(capsys, "import", "nurses", str(good))
    assert code == 2 and "缺少列：id_number" in err
    code, _, err = run(capsys, "import", "divisions", str(tmp_path / "missing.csv"))
    assert code == 2 and "文件不存在" in err
    wrong = write_csv(tmp_path / "wrong.csv", ["code", "title"], [["520000", "贵州省"]])
    code, _, err = run(capsys, "import", "divisions", str(wrong))
    assert code == 2 and "缺少列：name、parent_code" in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes("code,name,parent_code\n520000,贵州省,\n".encode("gb18030"))
    code, _, err = run(capsys, "import", "divisions", str(latin))
    assert code == 2 and "不是UTF-8编码" in err


# --- create-user -------------------------------------------------------------------------


def test_create_user_makes_a_commission_account_with_an_argon2_hash_and_an_audit_entry(env, db, monkeypatch, capsys):
    factories.divisions(db)
    db.commit()
    username = f"approver{next(_serial)}{secrets.token_hex(2)}"
    monkeypatch.setenv("MEDREG_PASSWORD", "Approve2026ok")
    code, out, _ = run(capsys, "create-user", "--role", "commission", "--division", "110105", "--username", username)
    assert code == 0 and username in out
    secret = re.search(r"^TOTP: ([A-Z2-7]{32})$", out, re.MULTILINE).group(1)
    account = db.scalar(select(Account).where(Account.username == username))
    assert account.role == "commission" and account.division_code == "110105" and account.status == "active"
    assert decrypt(load_settings().secrets, account.totp_secret_encrypted) == secret
    assert account.password_hash.startswith("$argon2id$") and verify_password(account.password_hash, "Approve2026ok")
    assert db.scalar(select(AuditEntry).where(AuditEntry.target == f"account:{account.id}", AuditEntry.action == "create_account"))


def test_create_user_admin_flag_makes_a_commission_administrator_who_can_create_staff(env, db, api, monkeypatch, capsys):
    factories.divisions(db)
    db.commit()
    username = f"admin{next(_serial)}{secrets.token_hex(2)}"
    monkeypatch.setenv("MEDREG_PASSWORD", "Approve2026ok")
    code, out, _ = run(capsys, "create-user", "--role", "commission", "--division", "110000", "--username", username, "--admin")
    assert code == 0
    db.expire_all()
    assert db.scalar(select(Account).where(Account.username == username)).admin is True
    otp = pyotp.TOTP(re.search(r"^TOTP: ([A-Z2-7]+)$", out, re.MULTILINE).group(1)).now()
    token = api.post_json("/api/v1/login", {"username": username, "password": "Approve2026ok", "otp": otp}).json["token"]
    staff = f"staff{next(_serial)}{secrets.token_hex(2)}"
    api.post_json(
        "/api/v1/commission/accounts",
        {"username": staff, "division": "110105", "password": "Staff2026okay"},
        headers={"Authorization": f"Bearer {token}"},
        status=201,
    )
    code, _, error = run(capsys, "create-user", "--role", "institution", "--institution", "X", "--username", "inst" + staff, "--admin")
    assert code == 2 and "--admin" in error


def test_create_user_makes_an_institution_account_for_a_registered_uscc(env, db, tmp_path, monkeypatch, capsys):
    factories.divisions(db)
    db.commit()
    uscc = fresh_uscc()
    run(capsys, "import", "institutions", str(write_csv(tmp_path / "i.csv", INSTITUTION_HEADER, [institution_row(uscc, "账号测试医院")])))
    username = f"hospital{next(_serial)}{secrets.token_hex(2)}"
    monkeypatch.setenv("MEDREG_PASSWORD", "Hospital2026ok")
    code, _, _ = run(capsys, "create-user", "--role", "institution", "--institution", uscc.lower(), "--username", username)
    assert code == 0
    account = db.scalar(select(Account).where(Account.username == username))
    assert account.role == "institution"
    assert account.institution_id == db.scalar(select(Institution.id).where(Institution.uscc == uscc))


@pytest.mark.parametrize(("argv", "password", "message"), [
    (["--role", "commission", "--division", "110105"], "short1", "密码长度应为8至128个字符"),
    (["--role", "commission", "--division", "110105"], "onlyletters", "密码应同时包含字母和数字"),
    (["--role", "commission", "--division", "990101"], "Strong2026pw", "行政区划 990101 没有卫健委"),
    (["--role", "institution", "--institution", "91110000000000000X"], "Strong2026pw", "医疗机构不存在"),
])
def test_create_user_refuses_and_writes_nothing(env, db, monkeypatch, capsys, argv, password, message):
    factories.divisions(db)
    db.commit()
    username = f"refused{next(_serial)}{secrets.token_hex(2)}"
    monkeypatch.setenv("MEDREG_PASSWORD", password)
    code, _, err = run(capsys, "create-user", *argv, "--username", username)
    assert code == 1 and message in err
    assert db.scalar(select(Account.id).where(Account.username == username)) is None


def test_create_user_refuses_an_existing_username(env, db, monkeypatch, capsys):
    factories.divisions(db)
    db.commit()
    username = f"taken{next(_serial)}{secrets.token_hex(2)}"
    monkeypatch.setenv("MEDREG_PASSWORD", "Strong2026pw")
    assert run(capsys, "create-user", "--role", "commission", "--division", "110105", "--username", username)[0] == 0
    code, _, err = run(capsys, "create-user", "--role", "commission", "--division", "110000", "--username", username)
    assert code == 1 and f"用户名 {username} 已存在" in err
    assert db.scalar(select(func.count()).select_from(Account).where(Account.username == username)) == 1


# --- init-db on SQLite -------------------------------------------------------------------

# The newest revision: the highest number in the versions folder.


def test_init_db_creates_a_fresh_sqlite_database_that_imports_load_into(monkeypatch, tmp_path, capsys):
    database = tmp_path / "nested" / "var" / "medreg.sqlite"
    url = f"sqlite:///{database}"
    monkeypatch.setenv("MEDREG_DATABASE_URL", url)
    monkeypatch.setenv("MEDREG_SECRET", "sqlite-test-secret")
    code, out, _ = run(capsys, "init-db")
    assert code == 0 and "数据库已是最新结构" in out and database.exists()
    assert run(capsys, "init-db")[0] == 0  # migrating an up-to-date database is a no-op
    engine = create_engine(url)
    with engine.connect() as connection:
        assert (connection.execute(text("select version_num from alembic_version")).scalar(),) == head()  # the newest revision
        assert "institutions" in inspect(connection).get_table_names()
    engine.dispose()
    # With --load-good-rows a refused row is left out and the others load, on SQLite as on PostgreSQL.
    path = write_csv(tmp_path / "d.csv", DIVISION_HEADER, [["110000", "北京市", ""], ["11000", "坏", ""], ["110105", "朝阳区", "110000"]])
    code, out, _ = run(capsys, "import", "divisions", "--load-good-rows", str(path))
    assert code == 1 and "已导入 2 行，拒绝 1 行" in out


def test_a_database_missing_or_never_migrated_is_said_in_chinese_not_with_a_traceback(env, monkeypatch, tmp_path, capsys):
    from sqlalchemy import create_engine, make_url, text

    from tests.conftest import PG_ADMIN_URL as PG_ADMIN

    url = make_url(env.database_url)
    path = write_csv(tmp_path / "d.csv", DIVISION_HEADER, [["520000", "贵州省", ""]])
    missing = url.set(database=f"medreg_absent_{secrets.token_hex(4)}").render_as_string(hide_password=False)
    monkeypatch.setenv("MEDREG_DATABASE_URL", missing)
    for argv in (["audit", "verify"], ["import", "divisions", str(path)], ["init-db"]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "无法连接数据库：请检查 MEDREG_DATABASE_URL" in err and "Traceback" not in err, argv

    bare = f"medreg_bare_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{bare}"'))
    try:
        monkeypatch.setenv("MEDREG_DATABASE_URL", url.set(database=bare).render_as_string(hide_password=False))
        monkeypatch.setenv("MEDREG_PASSWORD", "Bare-database-2026")
        for argv in (["audit", "verify"], ["import", "divisions", str(path)],
                     ["create-user", "--role", "commission", "--division", "110105", "--username", "bare-db"]):
            code, _, err = run(capsys, *argv)
            assert code == 1 and "请先运行 medreg init-db" in err and "Traceback" not in err, argv
    finally:
        from models.db import engine_for

        engine_for(url.set(database=bare).render_as_string(hide_password=False)).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{bare}" WITH (FORCE)'))
        admin.dispose()


def test_options_out_of_range_files_in_the_way_and_no_password_to_read_are_refused_in_chinese(env, monkeypatch, tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", DIVISION_HEADER, [["520000", "贵州省", ""]])
    for option, value in (("--batch-rows", "0"), ("--batch-rows", "99999999999999999999"), ("--workers", "200"), ("--workers", "-1")):
        with pytest.raises(SystemExit) as refused:
            main(["import", "divisions", option, value, str(path)])
        assert refused.value.code == 2 and "之间的整数" in capsys.readouterr().err
    (tmp_path / "out" / "divisions.csv").mkdir(parents=True)
    code, _, err = run(capsys, "generate", "--out", str(tmp_path / "out"), "--scale", "0.0001")
    assert code == 2 and "divisions.csv：这是一个目录" in err and "Traceback" not in err
    code, _, err = run(capsys, "generate", "--out", str(path), "--scale", "0.0001")
    assert code == 2 and "无法创建目录" in err and "已有同名的文件" in err

    import getpass

    def no_input(prompt: str = "") -> str:
        raise EOFError  # what getpass raises with no terminal and standard input at its end (</dev/null)

    monkeypatch.delenv("MEDREG_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", no_input)
    code, _, err = run(capsys, "create-user", "--role", "commission", "--division", "110105", "--username", "no-tty")
    assert code == 1 and "MEDREG_PASSWORD" in err


def test_the_register_export_streams_on_sqlite_beside_its_audit_entry(monkeypatch, tmp_path, capsys, settings):
    """The embedded default: the export's own read transaction took SQLite's write lock, so the request's audit entry
    waited for it until the database gave up (503 after a minute, the whole system's writes held meanwhile)."""
    from sqlalchemy.orm import Session

    from models import AuditEntry
    from tests.journeys import login, portal_with, staff_account

    url = f"sqlite:///{tmp_path / 'medreg.sqlite'}"
    monkeypatch.setenv("MEDREG_DATABASE_URL", url)
    monkeypatch.setenv("MEDREG_SECRET", settings.secret)
    assert run(capsys, "init-db")[0] == 0
    path = write_csv(tmp_path / "d.csv", DIVISION_HEADER, [["110000", "北京市", ""], ["110105", "朝阳区", "110000"]])
    assert run(capsys, "import", "divisions", str(path))[0] == 0
    engine = create_engine(url)
    with Session(engine) as session:
        staff_account(session, "commission", "sqlite-clerk", division="110105")
        session.commit()
    api = portal_with(settings, database_url=url)
    answer = api.get("/api/v1/commission/registers/export", {"register": "physicians", "format": "csv"},
                     headers=login(api, "sqlite-clerk"), status=200)
    assert answer.content_type == "text/csv" and answer.body.decode("utf-8-sig").startswith("姓名,性别,电子化注册识别码")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export_register")) == 1
    engine.dispose()
