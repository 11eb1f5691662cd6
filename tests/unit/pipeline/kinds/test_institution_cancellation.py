"""institution.cancellation: its data, and the status the institution must be in (注销登记)."""

import pytest

from pipeline.kinds.institution_cancellation import KIND
from tests.unit.pipeline.samples import NO_IDENTIFIER, STATUS_TEXT, STATUSES, TODAY, errors, institution

ALLOWED = {"operating", "suspended"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_a_cancellation_needs_a_reason():
    assert KIND.clean({"reason": "机构撤并"}) == {"reason": "机构撤并"}
    assert refused({"reason": " "}) == {"reason": ("必填", "required")}
    assert refused({}) == {"reason": ("必填", "required")}
    assert refused({"reason": "撤"}) == {"reason": ("注销原因长度应为2至500个字符", "too_short")}


@pytest.mark.parametrize("status", STATUSES)
def test_the_institution_must_be_in_its_status(status):
    expected = [] if status in ALLOWED else [f"医疗机构“朝阳康复医院”{STATUS_TEXT[status]}，已注销或尚未执业登记，不能办理注销"]
    assert KIND.refuse(institution=institution(status)) == expected


@pytest.mark.parametrize("status", STATUSES)
def test_later_business_needs_an_identifier(status):
    reasons = KIND.refuse(institution=institution(status, identifier=None))
    assert reasons[-1] == NO_IDENTIFIER and len(reasons) == (1 if status in ALLOWED else 2)


def test_the_reasons_in_full():
    assert KIND.refuse(institution=institution("cancelled")) == [
        "医疗机构“朝阳康复医院”已注销，已注销或尚未执业登记，不能办理注销"]
    assert KIND.refuse(institution=institution("setup")) == [
        "医疗机构“朝阳康复医院”已设置审批（未执业登记），已注销或尚未执业登记，不能办理注销"]
