"""Counter business 窗口业务: commission staff enter an application at the counter — a counter-only kind, or any
other kind for someone who comes in person. It is approved on entry (after the kind's own verification) and
then takes the usual identifier and publication steps. Whom each entry is about: models/counter.py."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Account, Application
from models.audit import audit
from models.counter import HANDLERS, on_behalf
from models.outbox import enqueue
from models.settings import Settings
from models.submission import actor_label, refuse_open_duplicate
from pipeline.counter import counter_data
from pipeline.errors import Forbidden, ValidationFailed
from pipeline.fields import clean as clean_data
from pipeline.kinds import get_kind
from pipeline.lifecycle import Status

ISSUE = "workers.identifiers.issue"


def counter_submit(session: Session, settings: Settings, account: Account, kind_name: object, data: object) -> Application:
    """Enter counter business as approved and queue its identifier; refused with a reason, changing nothing."""
    if not isinstance(kind_name, str) or not kind_name:
        raise ValidationFailed.one("kind", "required", "必填")
    kind = get_kind(kind_name)
    if account.role != "commission":
        raise Forbidden("窗口业务只能由卫健委工作人员录入")
    clean = clean_data(counter_data(kind), data)
    if kind.counter:
        entry = HANDLERS[kind.name](session, settings, account, clean)
    else:
        entry = on_behalf(session, settings, account, kind, clean)
    application = Application(
        kind=kind.name, status=Status.approved, applicant_account_id=account.id, person_id=entry.person_id,
        institution_id=entry.institution_id, commission_code=account.division_code, data=entry.data,
    )
    refuse_open_duplicate(session, application)
    session.add(application)
    application.record(actor_label(session, account), None, application.status, "窗口录入，录入即批准")
    session.flush()
    enqueue(session, ISSUE, application_id=application.id)
    audit(session, f"account:{account.id}", "counter", f"application:{application.id}", account.division_code, kind=kind.name)
    return application
