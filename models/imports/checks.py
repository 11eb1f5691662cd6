"""The checks of staged rows that need the whole file or the database, each one statement over the stage:
what it refuses goes into `import_refused` (row, column, Chinese reason)."""
from __future__ import annotations

from sqlalchemy import Connection, text

REFUSE = "INSERT INTO import_refused (rn, field, reason) "

# The key of each kind within a file: (stage columns, the column reported, its label).
KEYS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "divisions": (("code",), "code", "行政区划代码"),
    "physician-qualifications": (("certificate_no",), "certificate_no", "证书编号"),
    "nurse-exams": (("certificate_no",), "certificate_no", "证书编号"),
    "institutions": (("uscc",), "uscc", "统一社会信用代码"),
    "assessments": (("certificate_no", "period"), "period", "证书编号和考核周期"),
    "physicians": (("id_hash",), "id_number", "身份证号码"),
    "nurses": (("id_hash",), "id_number", "身份证号码"),
}
PROFESSION_LABELS = {"physician": "医师", "nurse": "护士"}


def run(connection: Connection, kind: str, postgres: bool) -> None:
    execute = connection.execute
    keys, column, label = KEYS[kind]
    on = " AND ".join(f"f.{key} = s.{key}" for key in keys)
    listed = ", ".join(keys)
    execute(text(
        REFUSE + f"SELECT s.rn, '{column}', '{label}与第' || f.first || '行重复' FROM import_stage s "
        f"JOIN (SELECT {listed}, min(rn) AS first FROM import_stage GROUP BY {listed} HAVING count(*) > 1) f ON {on} "
        "WHERE s.rn > f.first"))
    if kind == "divisions":
        execute(text(
            REFUSE + "SELECT s.rn, 'parent_code', '上级行政区划' || s.parent_code || '不存在（既不在本文件中，也未导入）' "
            "FROM import_stage s WHERE s.parent_code IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM import_stage p WHERE p.code = s.parent_code) "
            "AND NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.parent_code)"))
        refuse_orphans(connection)
    elif kind == "assessments":
        execute(text(
            REFUSE + "SELECT s.rn, 'certificate_no', '医师资格库中没有该证书编号，请先导入医师资格' FROM import_stage s "
            "WHERE NOT EXISTS (SELECT 1 FROM physician_qualifications q WHERE q.certificate_no = s.certificate_no)"))
    elif kind == "institutions":
        ancestry(connection, postgres)
        execute(text(
            REFUSE + "SELECT s.rn, 'division_code', '行政区划' || s.division_code || '不存在，请先导入行政区划' "
            "FROM import_stage s WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.division_code)"))
        commission_exists(connection)
        execute(text(
            REFUSE + "SELECT s.rn, 'registered_by', '登记机关' || s.registered_by || '的辖区不包含行政区划' || s.division_code "
            "FROM import_stage s WHERE EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.division_code) "
            "AND EXISTS (SELECT 1 FROM commissions c WHERE c.division_code = s.registered_by) "
            "AND NOT EXISTS (SELECT 1 FROM import_ancestry a WHERE a.code = s.division_code AND a.ancestor = s.registered_by)"))
    elif kind in ("physicians", "nurses"):
        profession = "physician" if kind == "physicians" else "nurse"
        ancestry(connection, postgres)
        execute(text(
            REFUSE + "SELECT s.rn, 'institution_uscc', '医疗机构' || s.institution_uscc || '不在医疗机构注册库中，请先导入医疗机构' "
            "FROM import_stage s WHERE NOT EXISTS (SELECT 1 FROM institutions i WHERE i.uscc = s.institution_uscc)"))
        commission_exists(connection)
        execute(text(
            REFUSE + "SELECT s.rn, 'registered_by', '登记机关' || s.registered_by || '的辖区不包含医疗机构所在行政区划' || "
            "i.division_code FROM import_stage s JOIN institutions i ON i.uscc = s.institution_uscc "
            "WHERE EXISTS (SELECT 1 FROM commissions c WHERE c.division_code = s.registered_by) "
            "AND NOT EXISTS (SELECT 1 FROM import_ancestry a WHERE a.code = i.division_code AND a.ancestor = s.registered_by)"))
        for other, other_label in PROFESSION_LABELS.items():
            if other != profession:
                execute(text(
                    REFUSE + f"SELECT s.rn, 'id_number', '该身份证号码已登记为{other_label}，不能导入为{PROFESSION_LABELS[profession]}' "
                    "FROM import_stage s JOIN persons p ON p.id_number_hash = s.id_hash WHERE p.profession = :other"),
                    {"other": other})


DIVISION_LEVELS = 8  # more than GB/T 2260's province, city, county (a file's own chains are as deep as its levels)


def refuse_orphans(connection: Connection) -> None:
    """A division whose parent is only in this file, on rows refused, is refused too — level by level down the
    chain: loaded with --load-good-rows it would name a parent that exists nowhere."""
    for _ in range(DIVISION_LEVELS):
        added = connection.execute(text(
            REFUSE + "SELECT s.rn, 'parent_code', '上级行政区划' || s.parent_code || '所在的行被拒绝，本行不能导入' "
            "FROM import_stage s WHERE s.parent_code IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM import_refused r WHERE r.rn = s.rn) "
            "AND NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = s.parent_code) "
            "AND EXISTS (SELECT 1 FROM import_stage p WHERE p.code = s.parent_code) "
            "AND NOT EXISTS (SELECT 1 FROM import_stage p WHERE p.code = s.parent_code "
            "AND NOT EXISTS (SELECT 1 FROM import_refused r WHERE r.rn = p.rn))")).rowcount
        if not added:
            return


def commission_exists(connection: Connection) -> None:
    connection.execute(text(
        REFUSE + "SELECT s.rn, 'registered_by', '登记机关' || s.registered_by || '不存在，请先导入行政区划' "
        "FROM import_stage s WHERE NOT EXISTS (SELECT 1 FROM commissions c WHERE c.division_code = s.registered_by)"))


def ancestry(connection: Connection, postgres: bool) -> None:
    """`import_ancestry`: every (division, division at or above it) pair, from the parent links."""
    parents: dict[str, str | None] = dict(connection.execute(text("SELECT code, parent_code FROM divisions")).all())
    pairs = []
    for code in parents:
        current: str | None = code
        seen: list[str] = []
        while current is not None and current not in seen:
            seen.append(current)
            pairs.append((code, current))
            current = parents.get(current)
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {'pg_temp.' if postgres else 'temp.'}import_ancestry")
    connection.exec_driver_sql("CREATE TEMPORARY TABLE import_ancestry (code TEXT NOT NULL, ancestor TEXT NOT NULL, "
                               "PRIMARY KEY (code, ancestor))")
    if pairs:
        mark = "%s" if postgres else "?"
        connection.exec_driver_sql(f"INSERT INTO import_ancestry (code, ancestor) VALUES ({mark}, {mark})", pairs)
