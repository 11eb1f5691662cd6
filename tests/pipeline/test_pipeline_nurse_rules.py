"""Pure rules and schemas of the nurse register: validity and its 29 February edge, the renewal window edges,
expiry notices, every reason a nurse kind is refused, every field error (photo bytes, size, exam year)."""
from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date

import pytest
from stdnum.cn import ric

from pipeline import nurse_rules as rules
from pipeline import nurse_schemas as schemas
from pipeline.errors import ValidationFailed
from pipeline.fields import FieldError
from pipeline.nurse_rules import ExamFacts, NurseEntryFacts
from pipeline.verification import InstitutionFacts, PersonFacts

TODAY = date(2026, 6, 15)
PERSON = PersonFacts("李四", "hash-a", "nurse")
EXAM = ExamFacts("N2015000000001", "李四", "hash-a", 2015)
INST = InstitutionFacts(12, "朝阳医院", "H11010520260000001X", "operating", "110105", "110105", frozenset({"内科"}))
ENTRY = NurseEntryFacts("N11010520260000001X", "registered", 12, date(2026, 7, 1))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def errors_of(clean, data, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        clean(data, **kwargs)
    return refused.value.fields


# --- validity, renewal window, notices ----------------------------------------------------------


def test_a_registration_is_valid_five_years_to_the_day_before_the_anniversary():
    assert rules.first_valid_until(date(2026, 6, 15)) == date(2031, 6, 14)
    assert rules.first_valid_until(date(2024, 2, 29)) == date(2029, 2, 27)
    assert rules.renewed_until(date(2031, 6, 14)) == date(2036, 6, 14)
    assert rules.years_later(date(2028, 2, 29), 2) == date(2030, 2, 28)


def test_the_renewal_window_spans_window_days_up_to_the_last_valid_day():
    assert rules.renewal_window(date(2026, 7, 1), 30) == (date(2026, 6, 1), date(2026, 7, 1))


def renewal(today, entry=ENTRY, window_days=30, person=PERSON, institution=INST, open_duplicate=False):
    return rules.verify_nurse_renewal(person, entry, institution, open_duplicate, today, window_days)


@pytest.mark.parametrize("today", [date(2026, 6, 1), date(2026, 6, 20), date(2026, 7, 1)])
def test_renewal_inside_the_window_passes_on_both_edges(today):
    assert renewal(today) == []


def test_renewal_the_day_before_the_window_opens_is_refused():
    assert renewal(date(2026, 5, 31)) == [
        "延续注册应在有效期届满前30日内申请：有效期至2026-07-01，可于2026-06-01起申请"]


def test_renewal_the_day_after_expiry_is_refused():
    assert renewal(date(2026, 7, 2)) == ["护士注册已于2026-07-01届满，不能延续注册，请办理重新注册"]


def test_the_window_follows_its_setting():
    assert renewal(date(2026, 4, 2), window_days=90) == []
    assert renewal(date(2026, 4, 1), window_days=90)[0].startswith("延续注册应在有效期届满前90日内申请")


@pytest.mark.parametrize("kwargs,expected", [
    ({"person": replace(PERSON, profession="physician")}, "申请人不是护士，不能办理护士注册业务"),
    ({"entry": None}, "尚无取得电子化注册识别码的护士注册，不能办理延续注册"),
    ({"entry": replace(ENTRY, identifier=None)}, "尚无取得电子化注册识别码的护士注册，不能办理延续注册"),
    ({"entry": replace(ENTRY, status="expired")}, "护士注册已过期（有效期至2026-07-01），不能办理延续注册，请办理重新注册"),
    ({"entry": replace(ENTRY, status="cancelled")}, "护士注册状态为“注销”，不能办理延续注册"),
    ({"institution": None}, "未找到所填执业机构"),
    ({"institution": replace(INST, status="suspended")}, "执业机构“朝阳医院”已停业，不能办理注册"),
    ({"open_duplicate": True}, "已有一件未办结的护士延续注册申请，不能重复申请"),
])
def test_each_reason_a_renewal_is_refused(kwargs, expected):
    assert expected in renewal(TODAY, **kwargs)


def test_a_registration_lapses_the_day_after_its_last_valid_day():
    assert rules.is_lapsed(ENTRY, date(2026, 7, 2)) is True
    assert rules.is_lapsed(ENTRY, date(2026, 7, 1)) is False
    assert rules.is_lapsed(replace(ENTRY, status="cancelled"), date(2027, 1, 1)) is False


@pytest.mark.parametrize("today,sent,expected", [
    (date(2026, 3, 1), [], None),            # 122 days left: nothing yet
    (date(2026, 4, 2), [], 90),              # exactly 90 days left
    (date(2026, 4, 2), [90], None),
    (date(2026, 6, 1), [90], 30),            # exactly 30 days left
    (date(2026, 6, 1), [], 30),              # only the nearest, never a stale 90
    (date(2026, 6, 20), [90, 30], None),
    (date(2026, 7, 1), [], 30),              # the last valid day
    (date(2026, 7, 2), [], None),            # expired: no notice
])
def test_expiry_notices(today, sent, expected):
    assert rules.due_notice(ENTRY.valid_until, today, sent) == expected


# --- first registration -------------------------------------------------------------------------


def first(person=PERSON, exam=EXAM, institution=INST, entry=None, open_duplicate=False):
    return rules.verify_nurse_first_registration({"certificate_no": "N2015000000001"}, person, exam, institution,
                                                 entry, open_duplicate)


def test_a_first_registration_passes():
    assert first() == []


@pytest.mark.parametrize("kwargs,expected", [
    ({"person": replace(PERSON, profession="physician")}, "申请人不是护士，不能办理护士注册业务"),
    ({"exam": None}, "未找到编号为N2015000000001的护士执业资格考试合格记录"),
    ({"exam": replace(EXAM, name="王五")}, "护士执业资格考试记录中的姓名与申请人姓名不一致"),
    ({"exam": replace(EXAM, id_number_hash="hash-b")}, "护士执业资格考试记录中的身份证件号码与申请人不一致"),
    ({"exam": replace(EXAM, passed_year=2007)}, "2008年之前考试合格的护士，首次注册请到卫生健康行政部门窗口办理"),
    ({"institution": None}, "未找到所填执业机构"),
    ({"institution": replace(INST, identifier=None)}, "执业机构“朝阳医院”尚未取得电子化注册识别码"),
    ({"entry": ENTRY}, "申请人已有护士注册记录，不能再次办理首次注册（过期或注销后请办理重新注册）"),
    ({"open_duplicate": True}, "已有一件未办结的护士首次注册申请，不能重复申请"),
])
def test_each_reason_a_first_registration_is_refused(kwargs, expected):
    assert expected in first(**kwargs)


def test_a_nurse_who_passed_in_2008_registers_online():
    assert first(exam=replace(EXAM, passed_year=2008)) == []


# --- change, re-registration, cancellation, info change -------------------------------------------


@pytest.mark.parametrize("kwargs,expected", [
    ({}, []),
    ({"entry": replace(ENTRY, status="expired")}, ["护士注册已过期（有效期至2026-07-01），不能办理变更注册，请办理重新注册"]),
    ({"entry": None}, ["尚无取得电子化注册识别码的护士注册，不能办理变更注册"]),
    ({"institution": replace(INST, status="cancelled")}, ["执业机构“朝阳医院”已注销，不能办理注册"]),
    ({"open_duplicate": True}, ["已有一件未办结的护士变更注册申请，不能重复申请"]),
])
def test_change_reasons(kwargs, expected):
    args = {"person": PERSON, "entry": ENTRY, "institution": INST, "open_duplicate": False, **kwargs}
    assert rules.verify_nurse_change(**args) == expected


@pytest.mark.parametrize("kwargs,expected", [
    ({"entry": replace(ENTRY, status="expired")}, []),
    ({"entry": replace(ENTRY, status="cancelled")}, []),
    ({"entry": ENTRY}, ["护士注册仍在有效期内，无需重新注册（可办理延续或变更注册）"]),
    ({"entry": None}, ["尚无护士注册记录，请办理首次注册"]),
    ({"entry": replace(ENTRY, identifier=None, status="expired")}, ["尚无护士注册记录，请办理首次注册"]),
    ({"entry": replace(ENTRY, status="expired"), "institution": None}, ["未找到所填执业机构"]),
    ({"entry": replace(ENTRY, status="expired"), "person": replace(PERSON, profession="physician")},
     ["申请人不是护士，不能办理护士注册业务"]),
    ({"entry": replace(ENTRY, status="expired"), "open_duplicate": True}, ["已有一件未办结的护士重新注册申请，不能重复申请"]),
])
def test_re_registration_reasons(kwargs, expected):
    args = {"person": PERSON, "institution": INST, "open_duplicate": False, **kwargs}
    assert rules.verify_nurse_re_registration(**args) == expected


@pytest.mark.parametrize("kwargs,expected", [
    ({}, []),
    ({"entry": replace(ENTRY, status="expired")}, []),
    ({"entry": None}, ["尚无取得电子化注册识别码的护士注册，无需注销"]),
    ({"entry": replace(ENTRY, status="cancelled")}, ["护士注册已注销"]),
    ({"institution_id": 13}, ["只能由护士注册所在的执业机构确认或申请注销"]),
    ({"institution_id": None}, ["只能由护士注册所在的执业机构确认或申请注销"]),
    ({"open_duplicate": True}, ["已有一件未办结的护士注销注册申请，不能重复申请"]),
])
def test_cancellation_reasons(kwargs, expected):
    args = {"person": PERSON, "entry": ENTRY, "institution_id": 12, "open_duplicate": False, **kwargs}
    assert rules.verify_nurse_cancellation(**args) == expected


@pytest.mark.parametrize("kwargs,expected", [
    ({}, []),
    ({"entry": replace(ENTRY, status="expired")}, []),
    ({"entry": None}, ["尚无取得电子化注册识别码的护士注册，不能变更个人信息"]),
    ({"entry": replace(ENTRY, status="cancelled")}, ["护士注册已注销，不能变更个人信息"]),
    ({"open_duplicate": True}, ["已有一件未办结的护士个人信息变更申请，不能重复申请"]),
])
def test_info_change_reasons(kwargs, expected):
    args = {"person": PERSON, "entry": ENTRY, "open_duplicate": False, **kwargs}
    assert rules.verify_nurse_info_change(**args) == expected


# --- photo --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,mime", [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_a_photo_is_recognised_by_its_first_bytes(raw, mime):
    assert schemas.photo(b64(raw)) == {"content_type": mime, "base64": b64(raw), "bytes": len(raw)}
    assert schemas.photo(f"data:{mime};base64," + b64(raw))["content_type"] == mime


@pytest.mark.parametrize("value,reason", [
    (b64(b"GIF89a" + b"\x00" * 16), "照片只能是JPEG或PNG格式"),
    (b64(b"\xff\xd8" + b"\x00" * 16), "照片只能是JPEG或PNG格式"),  # a truncated JPEG signature
    ("not base64!", "照片应为base64编码的JPEG或PNG图片"),
    (123, "照片应为base64编码的JPEG或PNG图片"),
])
def test_a_bad_photo_is_refused(value, reason):
    with pytest.raises(FieldError, match=reason):
        schemas.photo(value)


def test_a_photo_may_be_exactly_the_size_limit_and_not_a_byte_more():
    limit = schemas.MAX_PHOTO_BYTES
    at_limit = JPEG + b"\x00" * (limit - len(JPEG))
    assert schemas.photo(b64(at_limit))["bytes"] == limit
    with pytest.raises(FieldError, match="照片不能超过2MB"):
        schemas.photo(b64(at_limit + b"\x00"))
    with pytest.raises(FieldError, match="照片不能超过2MB"):
        schemas.photo("A" * (limit * 2))  # refused by its length before it is decoded


# --- schemas ------------------------------------------------------------------------------------


def test_first_registration_schema():
    assert schemas.clean_nurse_first_registration({"certificate_no": "n2015000000001", "institution_id": "12",
                                                   "department": "内科"}) == {
        "certificate_no": "N2015000000001", "institution_id": 12, "department": "内科"}
    assert errors_of(schemas.clean_nurse_first_registration, {}) == {
        "certificate_no": "必填", "institution_id": "必填", "department": "必填"}
    assert errors_of(schemas.clean_nurse_first_registration, {
        "certificate_no": "N1", "institution_id": -1, "department": "科" * 51, "x": 1}) == {
        "certificate_no": "护士执业资格考试合格证明编号长度应为5至30个字符", "institution_id": "执业机构编号应为正整数",
        "department": "工作科室长度应为1至50个字符", "x": "不支持的字段"}


def test_practice_and_renewal_schemas():
    assert schemas.clean_nurse_practice({"institution_id": 3, "department": "儿科"}) == {"institution_id": 3,
                                                                                       "department": "儿科"}
    assert errors_of(schemas.clean_nurse_practice, {"institution_id": "三"}) == {
        "institution_id": "执业机构编号应为正整数", "department": "必填"}
    assert schemas.clean_nurse_renewal({}) == {}
    assert errors_of(schemas.clean_nurse_renewal, {"valid_until": "2030-01-01"}) == {"valid_until": "不支持的字段"}


def test_cancellation_schema_takes_an_identifier_only_from_the_institution():
    assert schemas.clean_nurse_cancellation({"reason": "离职"}) == {"reason": "离职"}
    assert schemas.clean_nurse_cancellation({"reason": "离职", "identifier": "n11010520260000001x"}) == {
        "reason": "离职", "identifier": "N11010520260000001X"}
    assert errors_of(schemas.clean_nurse_cancellation, {"reason": "离"}) == {"reason": "注销原因长度应为2至200个字符"}
    assert errors_of(schemas.clean_nurse_cancellation, {"identifier": "D11010520260000001X"}) == {
        "reason": "必填", "identifier": "应为护士的电子化注册识别码（以N开头）"}
    assert errors_of(schemas.clean_nurse_cancellation, {"reason": "离职", "identifier": "N1"}) == {
        "identifier": "电子化注册识别码长度应为19至19个字符"}


def test_info_change_schema():
    assert errors_of(schemas.clean_nurse_info_change, {}) == {
        "data": "请至少填写一项要变更的信息：照片、学历、毕业学校、职称或工作科室"}
    clean = schemas.clean_nurse_info_change({"photo": b64(PNG), "education": "本科", "school": "北京护理学院",
                                             "title": "护师", "department": "急诊科"})
    assert clean["photo"]["content_type"] == "image/png" and clean["title"] == "护师"
    assert errors_of(schemas.clean_nurse_info_change, {
        "photo": b64(b"BM" + b"\x00" * 8), "education": "小学", "school": "校", "title": "主治医师"}) == {
        "photo": "照片只能是JPEG或PNG格式", "education": "学历应为以下之一：中专、大专、本科、硕士研究生、博士研究生",
        "school": "毕业学校长度应为2至100个字符", "title": "职称应为以下之一：护士、护师、主管护师、副主任护师、主任护师"}


def resident_id(birth: date, serial: str = "002") -> str:
    first17 = f"110105{birth:%Y%m%d}{serial}"
    return first17 + ric.calc_check_digit(first17 + "0")


BIRTH = date(1975, 2, 3)
PRE2008 = {"name": "王芳", "sex": "女", "birth_date": BIRTH.isoformat(), "id_type": "resident_id",
           "id_number": resident_id(BIRTH), "mobile": "13912345678", "certificate_no": "n1998000123",
           "passed_year": "1998", "institution_id": 12, "department": "内科"}


def test_pre2008_counter_schema_cleans_the_person_and_the_exam():
    clean = schemas.clean_nurse_pre2008_first_registration(PRE2008, today=TODAY)
    assert clean == {**PRE2008, "certificate_no": "N1998000123", "passed_year": 1998}


@pytest.mark.parametrize("year,ok", [(1949, False), (1950, True), (2007, True), (2008, False)])
def test_pre2008_exam_year_edges(year, ok):
    if ok:
        assert schemas.clean_nurse_pre2008_first_registration({**PRE2008, "passed_year": year}, today=TODAY)[
            "passed_year"] == year
    else:
        assert errors_of(schemas.clean_nurse_pre2008_first_registration, {**PRE2008, "passed_year": year},
                         today=TODAY) == {"passed_year": "窗口办理的首次注册限2008年之前考试合格的护士（1950至2007年）"}


def test_pre2008_counter_schema_names_every_bad_field():
    assert errors_of(schemas.clean_nurse_pre2008_first_registration, {}, today=TODAY) == {
        field: "必填" for field in PRE2008}
    errors = errors_of(schemas.clean_nurse_pre2008_first_registration, {
        **PRE2008, "name": "王", "sex": "x", "birth_date": "2015-01-01", "mobile": "123", "passed_year": "一九九八",
        "institution_id": 0, "department": " "}, today=TODAY)
    assert errors.pop("sex").startswith("性别应为以下之一")
    assert errors == {"name": "姓名长度应为2至30个字符", "birth_date": "年龄应在16至100岁之间",
                      "mobile": "手机号码应为11位中国大陆手机号", "passed_year": "考试合格年份应为正整数",
                      "institution_id": "执业机构编号应为正整数", "department": "必填"}
    assert errors_of(schemas.clean_nurse_pre2008_first_registration,
                     {**PRE2008, "birth_date": "1975-02-04"}, today=TODAY) == {
        "id_number": "身份证号码中的出生日期与所填出生日期不一致"}
    assert errors_of(schemas.clean_nurse_pre2008_first_registration,
                     {**PRE2008, "id_type": "身份证"}, today=TODAY).keys() == {"id_type"}
