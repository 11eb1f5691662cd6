"""护士延续注册: within the renewal window before expiry, a registered nurse renews for five more years."""

from __future__ import annotations

from datetime import date

from pipeline.fields import DataModel
from pipeline.kinds import PERSON, Kind, PageHints, TimeLimit
from pipeline.materials import HEALTH_CERTIFICATE
from pipeline.persons import PersonFacts, is_profession
from pipeline.previews import renewed
from pipeline.registers.institutions import InstitutionFacts, institution_reasons
from pipeline.registers.nurses import NurseEntryFacts, registered_reasons, renewal_window


class Data(DataModel):
    """Nothing to fill in: the registration itself is renewed."""


def refuse(person: PersonFacts, nurse: NurseEntryFacts | None, institution: InstitutionFacts | None, today: date,
           renewal_window_days: int) -> list[str]:
    reasons = is_profession(person, "nurse") + registered_reasons(nurse, "延续注册")
    if not reasons and nurse is not None:
        opens, closes = renewal_window(nurse.valid_until, renewal_window_days)
        if today < opens:
            reasons.append(f"延续注册应在有效期届满前{renewal_window_days}日内申请：有效期至{nurse.valid_until.isoformat()}，"
                           f"可于{opens.isoformat()}起申请")
        elif today > closes:
            reasons.append(f"护士注册已于{nurse.valid_until.isoformat()}届满，不能延续注册，请办理重新注册")
    return reasons + institution_reasons(institution)


KIND = Kind(
    name="nurse.renewal", label="护士延续注册", profession="nurse", submitted_by=PERSON,
    data=Data, refuse=refuse, institution_confirms=True,
    time_limit=TimeLimit(20, "《护士执业注册管理办法》：受理之日起20个工作日内作出决定"),
    page=PageHints(intro="延续注册无需填写内容：请在有效期届满前30日内提交，经所在机构确认、卫生健康委批准后有效期延长五年。"),
    materials=(HEALTH_CERTIFICATE,),
    preview=renewed,
)
