"""institution.verification: its data, and the status the institution must be in (校验)."""

import pytest

from pipeline.kinds.institution_verification import KIND
from tests.unit.pipeline.samples import NO_IDENTIFIER, STATUS_TEXT, STATUSES, TODAY, errors, institution

ALLOWED = {"operating"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_an_optional_note():
    assert KIND.clean({}) == {}
    assert KIND.clean({"note": "  正常执业  "}) == {"note": "正常执业"}
    assert refused({"note": "说" * 501}) == {"note": ("说明长度应为1至500个字符", "too_long")}
    assert refused({"reason": "x"}) == {"reason": ("不支持的字段", "unknown_field")}


@pytest.mark.parametrize("status", STATUSES)
def test_the_institution_must_be_in_its_status(status):
    expected = [] if status in ALLOWED else [f"医疗机构“朝阳康复医院”{STATUS_TEXT[status]}，不在执业状态，不能办理校验"]
    assert KIND.refuse(institution=institution(status)) == expected


@pytest.mark.parametrize("status", STATUSES)
def test_later_business_needs_an_identifier(status):
    reasons = KIND.refuse(institution=institution(status, identifier=None))
    assert reasons[-1] == NO_IDENTIFIER and len(reasons) == (1 if status in ALLOWED else 2)


def test_the_reasons_in_full():
    assert KIND.refuse(institution=institution("suspended")) == ["医疗机构“朝阳康复医院”已停业，不在执业状态，不能办理校验"]
