"""Arranging reference data for tests: divisions, commissions, institutions, qualification records, people."""
from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session
from stdnum.cn import ric

from models import Commission, DepartmentScope, Division, Institution, InstitutionDepartment, PhysicianQualification
from models.crypto import lookup_hash
from models.settings import Settings
from pipeline.codes import default_scope_map
from workers.identifiers import identifier_for

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


def resident_id(birth: date = date(1990, 5, 17), area: str = "110105", sex: str = "男") -> str:
    """A valid 18-digit resident ID (GB 11643) with a fresh sequence number."""
    sequence = next(_serial) % 500 * 2 + (1 if sex == "男" else 0)
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
