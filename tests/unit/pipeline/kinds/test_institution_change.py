"""institution.change: its data, and the status the institution must be in (变更登记)."""

import pytest

from pipeline.kinds.institution_change import KIND
from tests.unit.pipeline.samples import NO_IDENTIFIER, STATUS_TEXT, STATUSES, TODAY, errors, institution

ALLOWED = {"operating", "suspended"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_a_change_names_its_fields_and_checks_their_values():
    assert KIND.clean({"beds": "150", "departments": ["儿科"]}) == {"beds": 150, "departments": ["儿科"]}
    assert KIND.clean({"name": " 朝阳康复医院（新） ", "type": "综合医院"}) == {"name": "朝阳康复医院（新）", "type": "综合医院"}
    assert refused({"beds": -3}) == {"beds": ("床位数应为0至99999的整数", "out_of_range")}
    assert refused({"departments": ["内科", "占星科"]}) == {
        "departments": ("不在《医疗机构诊疗科目名录》中的科目：占星科", "choice")}
    assert refused({"uscc": "91110105MA01ABCDEB"}) == {"uscc": ("不支持的字段", "unknown_field")}
    assert refused({"phone": "010-1234567"}) == {"phone": ("不支持的字段", "unknown_field")}


def test_an_empty_change_is_refused():
    what = "机构名称、机构类别、地址、诊疗科目、床位数、法定代表人、主要负责人"
    assert refused({}) == {"data": (f"请至少填写一项要变更的信息：{what}", "required_one")}
    assert refused({"beds": None, "name": " "})["data"][1] == "required_one"


@pytest.mark.parametrize("status", STATUSES)
def test_the_institution_must_be_in_its_status(status):
    expected = [] if status in ALLOWED else [f"医疗机构“朝阳康复医院”{STATUS_TEXT[status]}，不在执业或停业状态，不能办理变更"]
    assert KIND.refuse(institution=institution(status)) == expected


@pytest.mark.parametrize("status", STATUSES)
def test_later_business_needs_an_identifier(status):
    reasons = KIND.refuse(institution=institution(status, identifier=None))
    assert reasons[-1] == NO_IDENTIFIER and len(reasons) == (1 if status in ALLOWED else 2)


def test_the_reasons_in_full():
    assert KIND.refuse(institution=institution("cancelled")) == ["医疗机构“朝阳康复医院”已注销，不在执业或停业状态，不能办理变更"]
    assert KIND.refuse(institution=institution("operating", identifier=None)) == [
        "医疗机构“朝阳康复医院”尚未取得电子化注册识别码，不能办理后续业务"]
