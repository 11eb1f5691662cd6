"""nurse.first_registration: its data, and every reason it is refused (exams before 2008 go to the counter)."""

from dataclasses import replace

import pytest

from pipeline.kinds.nurse_first_registration import KIND
from tests.unit.pipeline.samples import EXAM, INST, NURSE, NURSE_ENTRY, TODAY, errors


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_is_cleaned():
    assert KIND.clean({"certificate_no": "n2015000000001", "institution_id": "12", "department": "内科"}) == {
        "certificate_no": "N2015000000001", "institution_id": 12, "department": "内科"}


def test_bad_data():
    assert refused({}) == dict.fromkeys(("certificate_no", "institution_id", "department"), ("必填", "required"))
    assert refused({"certificate_no": "N1", "institution_id": -1, "department": "科" * 51, "x": 1}) == {
        "certificate_no": ("护士执业资格考试合格证明编号长度应为5至30个字符", "too_short"),
        "institution_id": ("执业机构编号应为正整数", "type"),
        "department": ("工作科室长度应为1至50个字符", "too_long"),
        "x": ("不支持的字段", "unknown_field")}


def first(person=NURSE, exam=EXAM, institution=INST, nurse=None):
    return KIND.refuse(data={"certificate_no": "N2015000000001"}, person=person, exam=exam, institution=institution,
                       nurse=nurse)


def test_a_first_registration_passes():
    assert first() == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"person": replace(NURSE, profession="physician")}, ["申请人不是护士，不能办理护士注册业务"]),
    ({"exam": None}, ["未找到编号为N2015000000001的护士执业资格考试合格记录"]),
    ({"exam": replace(EXAM, name="王五")}, ["护士执业资格考试记录中的姓名与申请人姓名不一致"]),
    ({"exam": replace(EXAM, id_number_hash="hash-b")}, ["护士执业资格考试记录中的身份证件号码与申请人不一致"]),
    ({"exam": replace(EXAM, passed_year=2007)}, ["2008年之前考试合格的护士，首次注册请到卫生健康行政部门窗口办理"]),
    ({"institution": None}, ["未找到所填执业机构"]),
    ({"institution": replace(INST, identifier=None)}, ["执业机构“朝阳医院”尚未取得电子化注册识别码"]),
    ({"nurse": NURSE_ENTRY}, ["申请人已有护士注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）"]),
    ({"nurse": replace(NURSE_ENTRY, status="cancelled")},
     ["申请人已有护士注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）"]),
])
def test_each_reason_a_first_registration_is_refused(kwargs, expected):
    assert first(**kwargs) == expected


def test_a_nurse_who_passed_in_2008_registers_online():
    assert first(exam=replace(EXAM, passed_year=2008)) == []
