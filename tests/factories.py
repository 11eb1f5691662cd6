"""Arranging reference data for tests: divisions, commissions, institutions, qualification records, people."""
from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session
from stdnum.cn import ric

from models import (
    Application,
    Commission,
    DepartmentScope,
    Division,
    Institution,
    InstitutionDepartment,
    PhysicianQualification,
)
from models.crypto import lookup_hash
from models.identifiers import identifier_for
from models.settings import Settings
from pipeline.codes import default_scope_map

DIVISIONS = [
    ("110000", "北京市", None),
    ("110100", "北京市市辖区", "110000"),
    ("110101", "东城区", "110100"),
    ("110105", "朝阳区", "110100"),
    ("110108", "海淀区", "110100"),
    ("310000", "上海市", None),
    ("310100", "上海市市辖区", "310000"),
    ("310104", "徐汇区", "310100"),
]

_serial = itertools.count(1)


# Real county codes: after 500 people of one birth date the sequence runs out, so the next 500 move
# to the next county and IDs stay unique however many a test run makes.
AREAS = ("110105", "110101", "110102", "110106", "110107", "110108", "110109", "110111", "310101", "310104")


def resident_id(birth: date = date(1990, 5, 17), area: str | None = None, sex: str = "男") -> str:
    """A valid 18-digit resident ID (GB 11643) with a fresh sequence number."""
    serial = next(_serial)
    sequence = serial % 500 * 2 + (1 if sex == "男" else 0)
    area = area or AREAS[serial // 500 % len(AREAS)]
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def unique_mobile() -> str:
    return f"139{next(_serial) + 10_000_000:08d}"[-11:]


def divisions(session: Session) -> None:
    for code, name, parent in DIVISIONS:
        if session.get(Division, code) is None:
            session.add(Division(code=code, name=name, parent_code=parent))
    session.flush()
    for code, name, _ in DIVISIONS:
        if session.get(Commission, code) is None:
            session.add(Commission(division_code=code, name=f"{name}卫生健康委员会"))
    session.flush()


def institution(
    session: Session,
    name: str = "朝阳测试医院",
    division: str = "110105",
    departments: tuple[str, ...] = ("内科", "外科", "儿科"),
    status: str = "operating",
    with_identifier: bool = True,
) -> Institution:
    divisions(session)
    item = Institution(
        uscc=None, name=name, type="综合医院", division_code=division, registered_by=division, address="北京市",
        beds=200, legal_rep="王法人", principal="李院长", phone="010-12345678", status=status,
    )
    session.add(item)
    session.flush()
    scope_map = default_scope_map()
    for department in departments:
        item.departments.append(InstitutionDepartment(department=department))
        for scope in sorted(scope_map.get(department, ())):
            item.scope_map.append(DepartmentScope(department=department, scope=scope))
    if with_identifier:
        item.identifier = identifier_for(session, "institution", item.id, division)
    session.flush()
    return item


def qualification(session: Session, settings: Settings, name: str, id_number: str, category: str = "临床", level: str = "执业医师") -> str:
    certificate_no = f"2011{next(_serial):011d}"
    session.add(
        PhysicianQualification(
            certificate_no=certificate_no, name=name, id_number_hash=lookup_hash(settings.secret, id_number),
            level=level, category=category, issued_on=date(2011, 12, 1),
        )
    )
    session.flush()
    return certificate_no


_CHINESE_DIGITS = "〇一二三四五六七八九"


def unique_name(surname: str = "张") -> str:
    """A person's name no other test uses; fixed width, so one never contains another (public search is by substring)."""
    return surname + "测" + "".join(_CHINESE_DIGITS[int(d)] for d in f"{next(_serial):05d}")


def division(session: Session, code: str, name: str, parent: str) -> Commission:
    """A division and its commission beyond DIVISIONS, for a test that needs identifier serials to itself."""
    divisions(session)
    if session.get(Division, code) is None:
        session.add(Division(code=code, name=name, parent_code=parent))
        session.flush()
    commission = session.get(Commission, code)
    if commission is None:
        commission = Commission(division_code=code, name=f"{name}卫生健康委员会")
        session.add(commission)
        session.flush()
    return commission


def application(
    session: Session,
    person_id: int,
    account_id: int,
    institution_id: int,
    certificate_no: str,
    status: str,
    commission_code: str | None = None,
    scope: str = "内科专业",
) -> Application:
    """A physician first registration already at `status`, written directly: no outbox row, so no worker moves it."""
    item = Application(
        kind="physician.first_registration", status=status, applicant_account_id=account_id, person_id=person_id,
        institution_id=institution_id, commission_code=commission_code,
        data={"certificate_no": certificate_no, "practice_category": "临床", "practice_scope": [scope],
              "institution_id": institution_id},
    )
    session.add(item)
    item.record("测试数据", None, status, "测试直接写入")
    session.flush()
    return item


def issued(session: Session, item: Application) -> Application:
    """Move an approved application to `issued` as the issue stage would, but without queueing the publish step."""
    from models.registers import apply_to_register

    entry = apply_to_register(session, item)
    entry.identifier = identifier_for(session, "physician", entry.id, item.commission_code)
    item.identifier = entry.identifier
    item.record("测试数据", item.status, "issued", f"电子化注册识别码 {entry.identifier}")
    item.status = "issued"
    session.flush()
    return item
