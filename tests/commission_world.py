"""A division tree of its own (a province PP0000 > city PP0100 > counties PP0102, PP0103, and the national 000000) with
institutions, commission accounts at every level and applications written directly with chosen history
times, so the commission end's figures can be asserted exactly."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from models import Application, ApplicationEvent
from pipeline.clock import CHINA as LOCAL
from pipeline.clock import today as local_today
from pipeline.working_days import mainland_calendar
from tests import factories
from tests.journeys import login, person_account, staff_account

PROVINCES = {"54": "西藏自治区", "62": "甘肃省", "64": "宁夏回族自治区", "63": "青海省", "23": "黑龙江省", "22": "吉林省",
             "45": "广西壮族自治区", "43": "湖南省"}


def levels(province: str) -> dict[str, str]:
    """national, province, city, county and its sibling county of a test province: level → division code."""
    return {"national": "000000", "province": f"{province}0000", "city": f"{province}0100",
            "county": f"{province}0102", "sibling": f"{province}0103"}


def tree(session: Session, province: str) -> None:
    codes = levels(province)
    factories.division(session, codes["national"], "全国", None)
    factories.division(session, codes["province"], PROVINCES[province], None)
    factories.division(session, codes["city"], "测试市", codes["province"])
    factories.division(session, codes["county"], "测试区", codes["city"])
    factories.division(session, codes["sibling"], "邻区", codes["city"])


def working_days_ago(days: int, hour: int = 10) -> datetime:
    """A moment on the day that lies exactly `days` working days before today (China time)."""
    day = mainland_calendar().subtract_working_days(local_today(), days) if days else local_today()
    return datetime.combine(day, time(hour), tzinfo=LOCAL)


def application(session: Session, applicant_id: int, institution_id: int | None, kind: str, commission: str | None,
                events: list[tuple[datetime, str]], person_id: int | None = None, data: dict | None = None) -> Application:
    """An application whose history is `events` [(at, status)…]; it ends in the last status. No outbox row."""
    item = Application(kind=kind, status=events[-1][1], applicant_account_id=applicant_id, person_id=person_id,
                       institution_id=institution_id, commission_code=commission, data=data or {"note": "测试"},
                       submitted_at=events[0][0], updated_at=events[-1][0])
    session.add(item)
    previous = None
    for at, status in events:
        item.history.append(ApplicationEvent(at=at, actor="测试数据", from_status=previous, to_status=status, comment="测试安排"))
        previous = status
    session.flush()
    return item


def pending_since(session: Session, applicant_id: int, institution_id: int, kind: str, commission: str, since: datetime,
                  **kwargs) -> Application:
    return application(session, applicant_id, institution_id, kind, commission,
                       [(since - timedelta(hours=2), "submitted"), (since - timedelta(hours=1), "verifying"),
                        (since, "pending_approval")], **kwargs)


@dataclass
class Desk:
    username: str
    headers: dict[str, str]
    account_id: int


@dataclass
class World:
    tag: str
    codes: dict[str, str]
    institutions: dict[str, object] = field(default_factory=dict)
    desks: dict[str, Desk] = field(default_factory=dict)
    institution_desk: Desk | None = None
    person: dict | None = None
    person_headers: dict[str, str] | None = None


def commission(api, session: Session, division: str, admin: bool = False) -> Desk:
    username = f"c{division}-{uuid.uuid4().hex[:8]}"
    account = staff_account(session, "commission", username, division=division)
    account.admin = admin
    session.commit()
    return Desk(username, login(api, username), account.id)


def build(api, session: Session, settings, province: str) -> World:
    """Institutions in both counties, a commission desk per level (keys as in `levels`, plus "admin" at the
    city), an institution desk of the county's institution and a physician there."""
    tree(session, province)
    codes = levels(province)
    world = World(tag=uuid.uuid4().hex[:6], codes=codes)
    for level in ("county", "sibling"):
        world.institutions[level] = factories.institution(session, name=f"{level}测试医院{world.tag}", division=codes[level])
    session.commit()
    for level, division in codes.items():
        world.desks[level] = commission(api, session, division)
    world.desks["admin"] = commission(api, session, codes["city"], admin=True)
    username = f"inst-{uuid.uuid4().hex[:8]}"
    account = staff_account(session, "institution", username, institution_id=world.institutions["county"].id)
    session.commit()
    world.institution_desk = Desk(username, login(api, username), account.id)
    world.person = person_account(session, settings, world.institutions["county"].id)
    session.commit()
    world.person_headers = login(api, world.person["mobile"])
    return world
