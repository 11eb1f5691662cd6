"""Arranging the public end quickly: published records written straight into public_records and
public_versions (bulk inserts, thousands in well under a second), the way the publisher stores them."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import PublicRecord, PublicVersion
from pipeline.identifiers import format_identifier
from publisher.allowlist import public_only, with_status_since

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
PERSON_STATUSES = {"physician": ("registered", "registered", "filed", "cancelled"), "nurse": ("registered", "expired", "cancelled")}
INSTITUTION_STATUSES = ("operating", "operating", "suspended", "cancelled")
LABELS = {"registered": "注册", "filed": "备案（非在册）", "cancelled": "注销", "expired": "已过期",
          "operating": "执业", "suspended": "停业"}
YEAR = 2099  # no identifier the issuer hands out in a test run has this year

_serial = itertools.count(1)


def identifier(kind: str, division: str) -> str:
    return format_identifier(kind, division, YEAR, next(_serial))


def person_record(kind: str, division: str, number: int, places: list[dict], status: str | None = None) -> dict:
    status = status or PERSON_STATUSES[kind][number % len(PERSON_STATUSES[kind])]
    record = {
        "identifier": identifier(kind, division), "kind": kind, "version": 1,
        "name": SURNAMES[number % len(SURNAMES)] + GIVEN[(number // 7) % len(GIVEN)] + GIVEN[(number // 3) % len(GIVEN)],
        "sex": "男" if number % 2 else "女", "status": status, "status_label": LABELS[status], "division": division,
        "institutions": [dict(place, main=i == 0) for i, place in enumerate(places)],
        "registering_authority": {"division": division, "name": "测试卫生健康委员会"},
        "registered_on": (date(2020, 1, 1) + timedelta(days=number % 1500)).isoformat(),
    }
    if kind == "physician":
        record.update(level="执业医师", qualification_category="临床", practice_category="临床", practice_scopes=["内科专业"])
    else:
        record.update(department="内科", valid_until="2030-01-01")
    return record


def institution_record(division: str, number: int, institution_id: int, status: str | None = None) -> dict:
    status = status or INSTITUTION_STATUSES[number % len(INSTITUTION_STATUSES)]
    return {
        "identifier": identifier("institution", division), "kind": "institution", "version": 1,
        "institution_id": institution_id, "name": f"测试公示医院{number:05d}", "uscc": f"12{division}{number:010d}"[:18],
        "type": "综合医院", "status": status, "status_label": LABELS[status], "division": division, "address": "测试路1号",
        "departments": ["内科"], "beds": 10, "registering_authority": {"division": division, "name": "测试卫生健康委员会"},
        "registered_on": "2020-01-01",
    }


def store(session: Session, records: list[dict]) -> list[dict]:
    """Insert the records as version 1 each (bulk), as the publisher would have stored them."""
    now = datetime.now(UTC).replace(tzinfo=None)
    stored = [with_status_since(public_only(record), None, now.date()) for record in records]
    session.execute(insert(PublicVersion), [
        {"identifier": r["identifier"], "version": r["version"], "division": r["division"], "body": r, "published_at": now}
        for r in stored
    ])
    session.execute(insert(PublicRecord), [
        {"identifier": r["identifier"], "kind": r["kind"], "name": r["name"], "division": r["division"],
         "institution_id": r["institution_id"] if r["kind"] == "institution" else r["institutions"][0]["id"],
         "uscc": r.get("uscc"), "status": r["status"], "version": r["version"], "body": r, "published_at": now}
        for r in stored
    ])
    session.commit()
    return stored


def store_in(settings, records: list[dict]) -> list[dict]:
    """`store` in a session of its own on the test database (for module fixtures, which cannot use `db`)."""
    from models.db import session_factory

    session = session_factory(settings.database_url)()
    try:
        return store(session, records)
    finally:
        session.close()


def licence_holders(settings, division: str, hospital: str, first: int, kinds: tuple[str, ...]) -> list[dict]:
    """One active record of each of `kinds` (physician, nurse, institution) in `division`, numbered from `first`,
    the persons practising at `hospital`: stored in a session of their own (store_in)."""
    place = [{"id": 1, "name": hospital, "identifier": None}]
    records = [institution_record(division, number, 990_000 + number, status="operating") if kind == "institution"
               else person_record(kind, division, number, place, status="registered")
               for number, kind in enumerate(kinds, start=first)]
    return store_in(settings, records)
