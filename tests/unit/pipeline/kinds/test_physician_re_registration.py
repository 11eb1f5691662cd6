"""physician.re_registration: its data, every reason it is refused, and the waits after a penalty."""

from dataclasses import replace
from datetime import date

import pytest

from pipeline.kinds.physician_re_registration import KIND, cause_reasons
from pipeline.registers.physicians import SHORT_TERM_EXPIRED
from tests.unit.pipeline.samples import OTHER, PHYSICIAN, PHYSICIAN_ENTRY, TODAY, errors

CHANGE = {"institution_id": 13, "practice_category": "临床", "practice_scope": ["内科专业"]}
FILED = replace(PHYSICIAN_ENTRY, status="filed", status_reason="transfer", status_since=date(2025, 1, 1))


def test_the_data_needs_a_statement():
    assert errors(KIND.clean, CHANGE, today=TODAY) == {"statement": ("必填", "required")}
    assert errors(KIND.clean, {**CHANGE, "statement": "短"}, today=TODAY) == {
        "statement": ("情况说明长度应为2至500个字符", "too_short")}
    assert errors(KIND.clean, {**CHANGE, "statement": "说" * 501}, today=TODAY) == {
        "statement": ("情况说明长度应为2至500个字符", "too_long")}
    assert KIND.clean({**CHANGE, "statement": " 已满两年 "})["statement"] == "已满两年"


def re_registration(physician, today=TODAY, data=CHANGE, institution=OTHER, person=PHYSICIAN):
    return KIND.refuse(data={**data, "statement": "已满足条件"}, person=person, physician=physician,
                       institution=institution, today=today)


def test_a_filed_physician_re_registers():
    assert re_registration(FILED) == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"physician": PHYSICIAN_ENTRY}, ["医师注册状态为“注册”，无需重新注册；如需更换执业机构请申请变更注册"]),
    ({"physician": None}, ["尚无医师注册记录，请先办理医师首次注册"]),
    ({"physician": replace(FILED, identifier=None)}, ["医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]),
    ({"physician": replace(FILED, status="cancelled", status_reason="death")}, ["医师已因死亡注销注册，不能重新注册"]),
    ({"physician": replace(FILED, status="cancelled", status_reason=SHORT_TERM_EXPIRED)},
     ["短期行医注册期满后，请到卫生健康委窗口重新办理短期行医"]),
    ({"physician": FILED, "data": {**CHANGE, "practice_category": "中医", "practice_scope": ["中医专业"]}},
     ["执业类别“中医”与医师资格类别“临床”不一致", "执业范围“中医专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"]),
    ({"physician": FILED, "institution": replace(OTHER, status="suspended")}, ["执业机构“海淀医院”已停业，不能办理注册"]),
    ({"physician": FILED, "institution": None}, ["未找到所填执业机构"]),
    ({"physician": FILED, "data": {**CHANGE, "practice_scope": ["儿科专业"]}},
     ["执业范围“儿科专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"]),
    ({"physician": FILED, "person": replace(PHYSICIAN, profession="nurse")}, ["申请人不是医师，不能办理医师注册业务"]),
])
def test_each_reason_a_re_registration_is_refused(kwargs, expected):
    assert re_registration(**kwargs) == expected


@pytest.mark.parametrize(("reason", "label"), [
    ("criminal_penalty", "受刑事处罚"), ("licence_revoked", "受吊销医师执业证书行政处罚")])
def test_re_registration_waits_two_years_after_a_penalty(reason, label):
    entry = replace(FILED, status="cancelled", status_reason=reason, status_since=date(2024, 3, 10))
    assert re_registration(entry, today=date(2026, 3, 9)) == [f"因“{label}”注销注册未满2年，2026-03-10起方可申请重新注册"]
    assert re_registration(entry, today=date(2026, 3, 10)) == []


def test_the_waiting_period_from_29_february_ends_on_28_february():
    entry = replace(FILED, status="cancelled", status_reason="criminal_penalty", status_since=date(2024, 2, 29))
    assert cause_reasons(entry, date(2026, 2, 27)) == ["因“受刑事处罚”注销注册未满2年，2026-02-28起方可申请重新注册"]
    assert cause_reasons(entry, date(2026, 2, 28)) == []


@pytest.mark.parametrize("reason", ["declared_missing", "assessment_failed", "suspended_two_years", "incapacity",
                                    "other", "retirement", "transfer"])
def test_other_causes_do_not_wait(reason):
    entry = replace(FILED, status="cancelled", status_reason=reason, status_since=TODAY)
    assert cause_reasons(entry, TODAY) == []


def test_a_penalty_without_a_date_does_not_block():
    entry = replace(FILED, status="cancelled", status_reason="criminal_penalty", status_since=None)
    assert cause_reasons(entry, TODAY) == []
