"""The `publish` stage: a new public version of the entry an application changed, and the push of every
delivery (publisher/disclosure.py does both, publisher/backlog.py drains the deliveries that wait in the table; these
tasks load and record)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Application
from models.outbox import enqueue
from models.settings import Settings
from pipeline.kinds import KINDS
from pipeline.lifecycle import Actor, Status
from publisher import backlog
from publisher.disclosure import deliver_many, entry_with_identifier, publish_entry
from workers.app import app, retried, settings_of
from workers.batches import for_each_application

PUBLISHER = "公示服务"


def publish_application(session: Session, application: Application, settings: Settings) -> None:
    register = KINDS[application.kind].profession
    publish_entry(session, settings, register, entry_with_identifier(session, register, application.identifier or ""))
    application.move_to(Status.published, Actor.system, PUBLISHER, "已发布公示记录，各公示渠道随后推送")
    enqueue(session, "workers.notifications.notify", application_id=application.id, event="published")


@app.task(name="workers.publication.publish", bind=True)
@retried
def publish(self, items: list[dict]) -> int:
    settings = settings_of(self.app)
    return for_each_application(
        settings, items, {Status.issued}, lambda session, application: publish_application(session, application, settings),
        claim=Application.status == Status.issued,
    )


@app.task(name="workers.publication.deliver", bind=True)
@retried
def deliver(self, items: list[dict]) -> int:
    """Push the deliveries named in `items`, and drain a portion of the backlog for each lane ticket among them
    (publisher/backlog.py); the relay may put both kinds in one message."""
    settings = settings_of(self.app)
    named = sorted({int(item["delivery_id"]) for item in items if not backlog.is_ticket(item)})
    delivered = deliver_many(settings, named) if named else 0
    return delivered + sum(backlog.drain(settings, item) for item in items if backlog.is_ticket(item))
