"""Reference data and accounts for a run, inserted in bulk: one institution, its commission, and activated physicians.

Every account has the same password, so its argon2 hash is computed once and reused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert
from stdnum.cn import ric

from models import Account, Person, PhysicianQualification
from models.crypto import encrypt, hash_password, lookup_hash
from models.db import session_scope
from models.settings import Settings
from tests import factories

PASSWORD = "Bench-Passw0rd-2026"
INSTITUTION_USER = "bench-institution"
COMMISSION_USER = "bench-commission"
DIVISION = "110105"  # 朝阳区: the institution's division and its registering commission


@dataclass(frozen=True)
class Applicant:
    account_id: int
    certificate_no: str
    id_number: str


@dataclass(frozen=True)
class Seeded:
    institution_id: int
    applicants: list[Applicant]
    institution_user: str
    commission_user: str


def resident_id(index: int) -> str:
    """A valid, unique 18-digit resident ID: the birth date walks by day, the sequence by index."""
    birth = date(1970, 1, 1) + timedelta(days=index // 900)
    body = f"{DIVISION}{birth:%Y%m%d}{index % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def seed(settings: Settings, count: int, run: int = 0) -> Seeded:
    """`run`: a number of this run in a database that earlier runs seeded too (bench/pipeline.py --database): its
    accounts, ID numbers and certificates are then apart from theirs."""
    password_hash = hash_password(PASSWORD)
    suffix = f"-{run}" if run else ""
    first = run * 2000  # runs of up to 2,000 applicants
    with session_scope(settings.database_url) as session:
        institution = factories.institution(session, name=f"朝阳基准测试医院{suffix}", division=DIVISION)
        session.add_all([
            Account(username=INSTITUTION_USER + suffix, role="institution", status="active", password_hash=password_hash,
                    institution_id=institution.id),
            Account(username=COMMISSION_USER + suffix, role="commission", status="active", password_hash=password_hash,
                    division_code=DIVISION),
        ])
        session.flush()
        id_numbers = [resident_id(first + i) for i in range(count)]
        names = [f"基准医师{i:05d}" for i in range(count)]
        person_ids = list(session.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [
                {
                    "profession": "physician", "name": names[i], "sex": "男" if int(id_numbers[i][16]) % 2 else "女",
                    "birth_date": date(int(id_numbers[i][6:10]), int(id_numbers[i][10:12]), int(id_numbers[i][12:14])),
                    "id_type": "resident_id", "id_number_encrypted": encrypt(settings.secret, id_numbers[i]),
                    "id_number_hash": lookup_hash(settings.secret, id_numbers[i]), "mobile": f"1380{i:07d}",
                    "institution_id": institution.id,
                }
                for i in range(count)
            ],
        ))
        account_ids = list(session.scalars(
            insert(Account).returning(Account.id, sort_by_parameter_order=True),
            [
                {"role": "person", "status": "active", "person_id": person_id, "institution_id": institution.id,
                 "password_hash": password_hash}
                for person_id in person_ids
            ],
        ))
        certificates = [f"2011{first + i:011d}" for i in range(count)]
        session.execute(insert(PhysicianQualification), [
            {"certificate_no": certificates[i], "name": names[i], "id_number_hash": lookup_hash(settings.secret, id_numbers[i]),
             "level": "执业医师", "category": "临床", "issued_on": date(2011, 12, 1)}
            for i in range(count)
        ])
        applicants = [Applicant(account_ids[i], certificates[i], id_numbers[i]) for i in range(count)]
        return Seeded(institution.id, applicants, INSTITUTION_USER + suffix, COMMISSION_USER + suffix)
