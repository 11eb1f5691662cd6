"""institution.suspension: its data, and the status the institution must be in (停业)."""

import pytest

from pipeline.kinds.institution_suspension import KIND
from tests.unit.pipeline.samples import NO_IDENTIFIER, STATUS_TEXT, STATUSES, TODAY, errors, institution

ALLOWED = {"operating"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_a_suspension_needs_a_reason_and_may_say_when_it_ends():
    assert KIND.clean({"reason": "装修改造", "until": "2026-09-01"}, today=TODAY) == {"reason": "装修改造", "until": "2026-09-01"}
    assert KIND.clean({"reason": "装修改造", "until": TODAY.isoformat()}, today=TODAY)["until"] == TODAY.isoformat()
    assert KIND.clean({"reason": "装修改造"}, today=TODAY) == {"reason": "装修改造"}
    # An expected resumption already past is a date mistyped.
    assert refused({"reason": "装修改造", "until": "2001-01-01"}) == {"until": ("预计恢复日期不能早于今天", "out_of_range")}
    assert refused({"until": "2026-13-01"}) == {"reason": ("必填", "required"), "until": ("预计恢复日期不是有效的日期", "date")}
    assert refused({"reason": "修"}) == {"reason": ("停业原因长度应为2至500个字符", "too_short")}
    assert refused({"reason": "装修改造", "until": "2026/09/01"}) == {"until": ("预计恢复日期格式应为YYYY-MM-DD", "format")}


@pytest.mark.parametrize("status", STATUSES)
def test_the_institution_must_be_in_its_status(status):
    expected = [] if status in ALLOWED else [f"医疗机构“朝阳康复医院”{STATUS_TEXT[status]}，不在执业状态，不能办理停业"]
    assert KIND.refuse(institution=institution(status)) == expected


@pytest.mark.parametrize("status", STATUSES)
def test_later_business_needs_an_identifier(status):
    reasons = KIND.refuse(institution=institution(status, identifier=None))
    assert reasons[-1] == NO_IDENTIFIER and len(reasons) == (1 if status in ALLOWED else 2)


def test_the_reasons_in_full():
    assert KIND.refuse(institution=institution("suspended")) == ["医疗机构“朝阳康复医院”已停业，不在执业状态，不能办理停业"]
