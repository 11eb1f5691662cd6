"""nurse.pre2008_first_registration (counter): the person, the exam before 2008 and the practice."""

from datetime import date

import pytest

from pipeline.kinds.nurse_pre2008_first_registration import KIND
from tests.unit.pipeline.samples import TODAY, errors, resident_id

BIRTH = date(1975, 2, 3)
PRE2008 = {"name": "王芳", "sex": "女", "birth_date": BIRTH.isoformat(), "id_type": "resident_id",
           "id_number": resident_id(BIRTH, serial="002"), "mobile": "13912345678", "certificate_no": "n1998000123",
           "passed_year": "1998", "institution_id": 12, "department": "内科"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_counter_cleans_the_person_and_the_exam():
    assert KIND.clean(PRE2008, today=TODAY) == {**PRE2008, "certificate_no": "N1998000123", "passed_year": 1998}


@pytest.mark.parametrize(("year", "ok"), [(1949, False), (1950, True), (2007, True), (2008, False)])
def test_pre2008_exam_year_edges(year, ok):
    if ok:
        assert KIND.clean({**PRE2008, "passed_year": year}, today=TODAY)["passed_year"] == year
    else:
        assert refused({**PRE2008, "passed_year": year}) == {
            "passed_year": ("窗口办理的首次注册限2008年之前考试合格的护士（1950至2007年）", "out_of_range")}


def test_every_bad_field_is_named():
    assert refused({}) == dict.fromkeys(PRE2008, ("必填", "required"))
    assert refused({**PRE2008, "name": "王", "sex": "x", "birth_date": "2015-01-01", "mobile": "123",
                    "passed_year": "一九九八", "institution_id": 0, "department": " "}) == {
        "name": ("姓名长度应为2至30个字符", "too_short"),
        "sex": ("性别应为以下之一：男、女", "choice"),
        "birth_date": ("年龄应在16至100岁之间", "out_of_range"),
        "mobile": ("手机号码应为11位中国大陆手机号", "format"),
        "passed_year": ("考试合格年份应为正整数", "type"),
        "institution_id": ("执业机构编号应为正整数", "type"),
        "department": ("必填", "required")}


def test_the_resident_id_must_match_the_birth_date():
    assert refused({**PRE2008, "birth_date": "1975-02-04"}) == {
        "id_number": ("身份证号码中的出生日期与所填出生日期不一致", "mismatch")}


def test_the_id_type_by_code_or_label():
    assert set(refused({**PRE2008, "id_type": "身份证"})) == {"id_type"}
    assert KIND.clean({**PRE2008, "id_type": "居民身份证"}, today=TODAY)["id_type"] == "resident_id"
