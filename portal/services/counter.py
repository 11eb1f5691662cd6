"""Counter business 窗口业务: commission staff enter an application at the counter; it is approved on entry and
then takes the usual identifier and publication steps. Whom each counter kind is about: models/counter.py."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import Account, Application
from models.audit import audit
from models.counter import HANDLERS
from models.outbox import enqueue
from models.settings import Settings
from models.submission import actor_label, refuse_open_duplicate
from pipeline.errors import Forbidden, ValidationFailed
from pipeline.kinds import get_kind
from pipeline.lifecycle import initial_status

ISSUE = "workers.identifiers.issue"


def counter_submit(session: Session, settings: Settings, account: Account, kind_name: object, data: object) -> Application:
    """Enter counter business as approved and queue its identifier; refused with a reason, changing nothing."""
    if not isinstance(kind_name, str) or not kind_name:
        raise ValidationFailed.one("kind", "required", "必填")
    kind = get_kind(kind_name)
    if account.role != "commission":
        raise Forbidden("窗口业务只能由卫健委工作人员录入")
    handler = HANDLERS.get(kind.name)
    if not kind.counter or handler is None:
        raise ValidationFailed.one("kind", "choice", f"“{kind.label}”不是可在窗口录入的业务")
    entry = handler(session, settings, account, kind.clean(data))
    application = Application(
        kind=kind.name, status=initial_status(kind.name), applicant_account_id=account.id, person_id=entry.person_id,
        institution_id=entry.institution_id, commission_code=account.division_code, data=entry.data,
    )
    refuse_open_duplicate(session, application)
    session.add(application)
    application.record(actor_label(session, account), None, application.status, "窗口录入，录入即批准")
    session.flush()
    enqueue(session, ISSUE, application_id=application.id)
    audit(session, f"account:{account.id}", "counter", f"application:{application.id}", account.division_code, kind=kind.name)
    return application
