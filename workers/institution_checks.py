"""Periodic check of verification 校验 due dates: flag institutions whose verification is due or overdue
and tell them in their inbox (celery beat runs it every six hours; `flag_verification_due_once` is the function)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import Institution, InstitutionEvent, Notification
from models.audit import audit
from models.db import session_scope
from models.settings import Settings
from pipeline import clock
from pipeline.registers.institutions import verification_state
from workers.app import app, settings_of

TEXTS = {
    "due": "本机构校验将于 {day} 到期，请及时提交校验申请",
    "overdue": "本机构校验已于 {day} 逾期，请尽快提交校验申请",
}


def flag_verification_due_once(settings: Settings, today: date | None = None) -> dict[str, int]:
    """Set each operating institution's verification_state; a change to due/overdue is told once."""
    today = today or clock.today()
    counts = {"due": 0, "overdue": 0, "cleared": 0}
    with session_scope(settings.database_url) as session:
        institutions = session.scalars(
            select(Institution)
            .where(Institution.status == "operating", Institution.next_verification_on.is_not(None))
            .order_by(Institution.id)
            .with_for_update()
        )
        for entry in institutions:
            state = verification_state(entry.next_verification_on, today)
            if state == entry.verification_state:
                continue
            audit(session, "system:校验提醒服务", "institution_verification_state", f"institution:{entry.id}", entry.division_code,
                  state=state or "", was=entry.verification_state or "")
            entry.verification_state = state
            if not state:
                counts["cleared"] += 1
                continue
            counts[state] += 1
            text = TEXTS[state].format(day=entry.next_verification_on.isoformat() if entry.next_verification_on else "")
            session.add(Notification(institution_id=entry.id, event=f"verification.{state}", text=text))
            session.add(InstitutionEvent(institution_id=entry.id, actor="校验提醒服务", action=f"verification_{state}", text=text))
    return counts


@app.task(name="workers.institution_checks.flag_verification_due", bind=True)
def flag_verification_due(self, items: list[dict] | None = None) -> dict[str, int]:
    return flag_verification_due_once(settings_of(self.app))
