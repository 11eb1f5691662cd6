"""An institution's confirmation puts an application in `pending_approval` at once; the route stage then sets the
approving commission in the background. An approver who acts in between (the applicant already sees "待审批") must
not meet a 404: the commission's view and decision route the application on the spot, exactly as the stage would,
and the stage later finds nothing left to do. Commissions it will not be routed to still see nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Application, AuditEntry
from models.routing import route_application
from tests import commission_world as cw


@pytest.fixture(scope="module")
def world(wsgi_app, settings):
    from webtest import TestApp

    from models.db import session_factory

    session = session_factory(settings.database_url)()
    world = cw.build(TestApp(wsgi_app), session, settings, "22")
    session.close()
    return world


def unrouted(db, world) -> int:
    """A physician's first registration its institution has just confirmed, not yet routed."""
    item = cw.pending_since(db, world.person["account_id"], world.institutions["county"].id, "physician.first_registration",
                            None, cw.working_days_ago(0), person_id=world.person["person_id"])
    db.commit()
    return item.id


def test_the_commission_it_will_be_routed_to_sees_and_approves_it_at_once(api, db, world):
    item_id = unrouted(db, world)
    county = world.desks["county"].headers
    assert db.get(Application, item_id).commission_code is None
    seen = api.get(f"/api/v1/commission/queue/{item_id}", headers=county).json
    assert seen["status"] == "pending_approval"
    decided = api.post_json(f"/api/v1/commission/queue/{item_id}", {"decision": "approve", "comment": "同意"}, headers=county).json
    assert decided["status"] in ("approved", "issued", "published") and decided["commission"] == world.codes["county"]
    db.expire_all()
    item = db.get(Application, item_id)
    assert item.commission_code == world.codes["county"]
    assert [e.comment for e in item.history if e.actor == "分派服务"] == ["已分派至测试区卫生健康委员会审批"]
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "system_routed",
                                              AuditEntry.target == f"application:{item_id}")) is not None
    # The route stage, arriving late, changes nothing.
    events = len(item.history)
    route_application(db, item)
    db.flush()
    assert len(item.history) == events and item.commission_code == world.codes["county"]


@pytest.mark.parametrize("level", ["sibling", "national"])
def test_a_commission_it_will_not_be_routed_to_cannot_decide_it(api, db, world, level):
    item_id = unrouted(db, world)
    desk = world.desks[level].headers
    if level == "sibling":  # beside it: nothing to see
        api.get(f"/api/v1/commission/queue/{item_id}", headers=desk, status=404)
        api.post_json(f"/api/v1/commission/queue/{item_id}", {"decision": "approve"}, headers=desk, status=404)
    else:  # above it: may look, never decide
        api.get(f"/api/v1/commission/queue/{item_id}", headers=desk)
        api.post_json(f"/api/v1/commission/queue/{item_id}", {"decision": "approve"}, headers=desk, status=403)
    db.expire_all()
    assert db.get(Application, item_id).status == "pending_approval"
