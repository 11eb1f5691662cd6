"""Rule 3: only the filer withdraws or resubmits an application. Whoever can read it but did not file it (its
institution, its commission) is refused with 403, as docs/api.md says; whoever cannot read it at all still gets 404,
so the answer says nothing about applications out of sight. A refusal changes nothing."""
from __future__ import annotations

import pytest

from models import Application
from tests import factories
from tests.journeys import commission_desk, institution_desk, login, person_account


@pytest.fixture
def filed(api, db, settings):
    """A physician's application their institution confirmed, returned to them by the commission of 110105."""
    desk = institution_desk(api, db, name=factories.unique_name("撤回医院"))
    person = person_account(db, settings, desk.id)
    item = factories.application(db, person["person_id"], person["account_id"], desk.id, person["certificate_no"],
                                 "returned", "110105")
    db.commit()
    return {"desk": desk, "person": person, "application": item}


def unchanged(db, item: Application) -> None:
    db.expire_all()
    again = db.get(Application, item.id)
    assert (again.status, len(again.history)) == ("returned", 1)


@pytest.mark.parametrize("action", ["withdraw", "resubmit"])
def test_those_who_can_read_it_but_did_not_file_it_are_refused_with_403(api, db, filed, action):
    item, desk = filed["application"], filed["desk"]
    _, commission = commission_desk(api, db, "110105")
    body = {"data": item.data} if action == "resubmit" else {}
    for headers in (desk.headers, commission):
        api.get(f"/api/v1/applications/{item.id}", headers=headers, status=200)
        refused = api.post_json(f"/api/v1/applications/{item.id}/{action}", body, headers=headers, status=403).json
        assert refused["error"]["code"] == "forbidden"
        assert "只有提交该申请的一方" in refused["error"]["message"]
    unchanged(db, item)


@pytest.mark.parametrize("action", ["withdraw", "resubmit"])
def test_those_who_cannot_read_it_still_get_404(api, db, settings, filed, action):
    item = filed["application"]
    other = institution_desk(api, db, name=factories.unique_name("别家医院"))
    stranger = person_account(db, settings, other.id)
    db.commit()
    _, far_commission = commission_desk(api, db, "310104")
    body = {"data": item.data} if action == "resubmit" else {}
    for headers in (other.headers, login(api, stranger["mobile"]), far_commission):
        api.get(f"/api/v1/applications/{item.id}", headers=headers, status=404)
        assert api.post_json(f"/api/v1/applications/{item.id}/{action}", body, headers=headers,
                             status=404).json["error"]["code"] == "not_found"
    unchanged(db, item)


def test_the_filer_still_withdraws(api, db, filed):
    item = filed["application"]
    answer = api.post_json(f"/api/v1/applications/{item.id}/withdraw", {}, headers=login(api, filed["person"]["mobile"])).json
    assert answer["status"] == "withdrawn"
