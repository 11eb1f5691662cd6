"""workers.batches: a stage batch claims the applications waiting in its stage; one that cannot be handled fails
its batch once per process, is then left out of the others batches claim for a while, and still runs when a
message names it."""
from __future__ import annotations

import uuid

import pytest

from models import Application
from tests import factories
from tests.journeys import person_account
from workers import batches


@pytest.fixture
def waiting(db, settings, monkeypatch):
    """Four applications in a stage of this test's own (no running worker claims them); the first one fails."""
    monkeypatch.setattr(batches, "_failed", {})
    stage = f"t_{uuid.uuid4().hex[:10]}"
    institution = factories.institution(db, name=factories.unique_name("批处理医院"), division="110105")
    person = person_account(db, settings, institution.id)
    items = [factories.application(db, person["person_id"], person["account_id"], institution.id, f"2011{n:011d}", stage)
             for n in range(4)]
    db.commit()
    return stage, [item.id for item in items]


def test_an_application_that_cannot_be_handled_stops_holding_up_the_batches_of_its_stage(settings, waiting):
    stage, (poison, *good) = waiting
    handled: list[int] = []

    def handle(session, application):
        handled.append(application.id)
        if application.id == poison:
            raise ValueError("数据不完整")
        application.status = "t_done"

    def run(named: int) -> int:
        handled.clear()
        return batches.for_each_application(settings, [{"application_id": named}], {stage}, handle,
                                            claim=Application.status == stage)

    # A message for another application claims the poison one too: the batch fails, and is redone one by one.
    assert run(good[0]) == 3 and handled.count(poison) == 2
    # Reset the others so the next batches have something to claim.
    from models.db import session_scope
    with session_scope(settings.database_url) as session:
        session.query(Application).filter(Application.id.in_(good)).update({"status": stage})
    # From now on this process leaves it out of what batches claim: they go through at once.
    assert run(good[1]) == 3 and poison not in handled and handled.count(good[1]) == 1
    # A message that names it still runs it.
    assert run(poison) == 0 and handled == [poison, poison]  # fails again, alone
    # After the cool-off it is claimed again.
    batches._failed[poison] -= batches.FAILED_COOL_OFF
    with session_scope(settings.database_url) as session:
        session.query(Application).filter(Application.id.in_(good)).update({"status": stage})
    assert run(good[2]) == 3 and handled.count(poison) == 2
