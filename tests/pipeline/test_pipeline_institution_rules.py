from datetime import date, timedelta

import pytest
from stdnum.cn import uscc as stdnum_uscc

from pipeline.errors import ValidationFailed
from pipeline.institution_rules import (
    INSTITUTION_SCHEMAS,
    REQUIRED_STATUS,
    InstitutionState,
    clean_cancellation,
    clean_change,
    clean_practice_registration,
    clean_resumption,
    clean_setup_approval,
    clean_suspension,
    clean_verification,
    institution_business_reasons,
    next_verification,
    prefilled_registration,
    verification_interval_years,
    verification_state,
)


def credit_code(body: str = "91110105MA01ABCDE") -> str:
    """A valid unified social credit code: 17 characters, then the GB 32100 check digit."""
    return body + stdnum_uscc.calc_check_digit(body)


def wrong_check_digit(code: str) -> str:
    other = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[-1])
    return code[:-1] + other


def registration(**changes):
    data = {
        "name": "  朝阳康复医院  ", "type": "专科医院", "address": "北京市朝阳区康复路1号", "departments": ["内科", "外科"],
        "beds": 120, "legal_rep": "王五", "principal": "赵六", "uscc": credit_code(), "phone": "010-6500 1234",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def setup_approval(**changes):
    data = {
        "name": "望京社区卫生服务中心", "type": "社区卫生服务中心", "division_code": "110105", "address": "北京市朝阳区望京街2号",
        "departments": "全科医疗科；预防保健科", "beds": "0", "legal_rep": "李四", "principal": "钱七", "mobile": "13800138000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def errors(clean, data):
    with pytest.raises(ValidationFailed) as info:
        clean(data)
    return info.value.fields


# --- the practice registration and its fields -----------------------------------------------------


def test_a_complete_registration_is_cleaned():
    clean = clean_practice_registration(registration(uscc=" " + credit_code().lower() + " "))
    assert clean["name"] == "朝阳康复医院"
    assert clean["uscc"] == credit_code()
    assert clean["departments"] == sorted(["内科", "外科"])
    assert clean["beds"] == 120
    assert clean["phone"] == "010-6500 1234"


def test_every_missing_required_field_is_named():
    fields = errors(clean_practice_registration, {})
    assert fields == {field: "必填" for field in
                      ("name", "type", "address", "departments", "beds", "legal_rep", "principal", "uscc")}


def test_an_unknown_field_is_refused():
    assert errors(clean_practice_registration, registration(website="x")) == {"website": "不支持的字段"}


@pytest.mark.parametrize(("value", "reason"), [
    (wrong_check_digit(credit_code()), "统一社会信用代码校验位错误"),
    (credit_code()[:-1], "统一社会信用代码应为18位"),
    (credit_code() + "1", "统一社会信用代码应为18位"),
    ("A" + credit_code()[1:], "统一社会信用代码格式错误"),  # the first eight are digits
    (credit_code()[:9] + "I" + credit_code()[10:], "统一社会信用代码格式错误"),  # I is not in the GB 32100 alphabet
    (911101051234567890, "统一社会信用代码应为文本"),
])
def test_a_bad_credit_code_names_the_field(value, reason):
    assert errors(clean_practice_registration, registration(uscc=value)) == {"uscc": reason}


def test_departments_may_be_written_as_separated_text():
    clean = clean_practice_registration(registration(departments="外科；内科、外科, 妇产科"))
    assert clean["departments"] == sorted(["内科", "外科", "妇产科"])


@pytest.mark.parametrize(("value", "reason"), [
    (["内科", "占星科"], "不在《医疗机构诊疗科目名录》中的科目：占星科"),
    ("；、", "必填"),
    ([" "], "必填"),
    (["内科", 3], "诊疗科目应为科目名称的列表"),
    ({"内科": True}, "诊疗科目应为科目名称的列表"),
])
def test_bad_departments_name_the_field(value, reason):
    assert errors(clean_practice_registration, registration(departments=value)) == {"departments": reason}


@pytest.mark.parametrize(("value", "clean"), [(0, 0), ("  35 ", 35), (99999, 99999)])
def test_beds_accept_whole_numbers_and_numeric_text(value, clean):
    assert clean_practice_registration(registration(beds=value))["beds"] == clean


@pytest.mark.parametrize("value", [-1, 100000, 12.5, True, "十张", "1e3"])
def test_bad_beds_name_the_field(value):
    assert errors(clean_practice_registration, registration(beds=value)) == {"beds": "床位数应为0至99999的整数"}


@pytest.mark.parametrize("value", ["+86 (010) 6500-1234", "12345", "1" * 30])
def test_phone_numbers_with_punctuation_are_accepted(value):
    assert clean_practice_registration(registration(phone=value))["phone"] == value


@pytest.mark.parametrize("value", ["010-abc", "1234", "1" * 31, "010_65001234"])
def test_bad_phone_and_fax_name_their_field(value):
    assert errors(clean_practice_registration, registration(phone=value)) == {
        "phone": "电话只能包含数字、空格和 + - ( )，长度5至30"}
    assert errors(clean_practice_registration, registration(fax=value)) == {
        "fax": "传真只能包含数字、空格和 + - ( )，长度5至30"}


def test_a_phone_that_is_not_text_is_refused():
    assert errors(clean_practice_registration, registration(phone=65001234)) == {"phone": "电话应为文本"}


def test_a_blank_phone_is_left_out():
    assert "phone" not in clean_practice_registration(registration(phone="  "))


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("type", "美容院", "机构类别应为以下之一："),
    ("name", "院", "机构名称长度应为2至100个字符"),
    ("legal_rep", 5, "法定代表人应为文本"),
])
def test_bad_register_text_names_the_field(field, value, reason):
    assert errors(clean_practice_registration, registration(**{field: value}))[field].startswith(reason)


# --- the set-up approval ---------------------------------------------------------------------------


def test_a_setup_approval_is_cleaned():
    clean = clean_setup_approval(setup_approval(approved_on="2026-03-01", approval_no="京朝卫设〔2026〕12号"))
    assert clean["beds"] == 0
    assert clean["departments"] == sorted(["全科医疗科", "预防保健科"])
    assert clean["approved_on"] == "2026-03-01"


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("mobile", "1380013800", "手机号码应为11位中国大陆手机号"),
    ("mobile", "12800138000", "手机号码应为11位中国大陆手机号"),
    ("division_code", "11010", "行政区划代码应为6位数字"),
    ("division_code", "11010X", "行政区划代码应为6位数字"),
    ("approved_on", "2026-02-30", "批准日期不是有效的日期"),
    ("approved_on", "2026/03/01", "批准日期格式应为YYYY-MM-DD"),
    ("fax", "fax", "传真只能包含数字、空格和 + - ( )，长度5至30"),
])
def test_a_bad_setup_approval_names_the_field(field, value, reason):
    assert errors(clean_setup_approval, setup_approval(**{field: value})) == {field: reason}


def test_a_setup_approval_needs_the_mobile_and_division():
    assert errors(clean_setup_approval, setup_approval(mobile=..., division_code=...)) == {
        "mobile": "必填", "division_code": "必填"}


def test_a_setup_approval_that_is_not_an_object_is_refused():
    assert errors(clean_setup_approval, ["望京"]) == {"body": "请求内容应为JSON对象"}


def test_the_registration_is_prefilled_from_the_setup_approval():
    setup = {**setup_approval(), "phone": "010-1234567", "fax": "", "approval_no": "京朝卫设〔2026〕12号"}
    data = prefilled_registration(setup, {"uscc": credit_code(), "beds": 20})
    assert data["name"] == "望京社区卫生服务中心"
    assert data["beds"] == 20  # what was submitted wins
    assert data["phone"] == "010-1234567"
    assert "fax" not in data and "mobile" not in data and "approval_no" not in data
    assert clean_practice_registration(data)["uscc"] == credit_code()


# --- the other kinds' data -------------------------------------------------------------------------


def test_a_change_names_its_fields_and_checks_their_values():
    assert clean_change({"beds": "150", "departments": ["儿科"]}) == {"beds": 150, "departments": ["儿科"]}
    assert errors(clean_change, {"beds": -3}) == {"beds": "床位数应为0至99999的整数"}
    assert errors(clean_change, {"uscc": credit_code()}) == {"uscc": "不支持的字段"}


def test_an_empty_change_is_refused():
    reason = errors(clean_change, {})["data"]
    assert reason.startswith("请至少填写一项要变更的登记事项")
    assert "床位数" in reason and "诊疗科目" in reason


def test_a_suspension_needs_a_reason_and_may_say_when_it_ends():
    assert clean_suspension({"reason": "装修改造", "until": "2026-09-01"}) == {"reason": "装修改造", "until": "2026-09-01"}
    assert clean_suspension({"reason": "装修改造"}) == {"reason": "装修改造"}
    assert errors(clean_suspension, {"until": "2026-13-01"}) == {"reason": "必填", "until": "预计恢复日期不是有效的日期"}
    assert errors(clean_suspension, {"reason": "修"}) == {"reason": "停业原因长度应为2至500个字符"}


def test_a_cancellation_needs_a_reason():
    assert clean_cancellation({"reason": "机构撤并"}) == {"reason": "机构撤并"}
    assert errors(clean_cancellation, {"reason": " "}) == {"reason": "必填"}


@pytest.mark.parametrize("clean", [clean_verification, clean_resumption])
def test_verification_and_resumption_take_an_optional_note(clean):
    assert clean({}) == {}
    assert clean({"note": "  正常执业  "}) == {"note": "正常执业"}
    assert errors(clean, {"note": "说" * 501}) == {"note": "说明长度应为1至500个字符"}
    assert errors(clean, {"reason": "x"}) == {"reason": "不支持的字段"}


def test_every_institution_kind_has_a_schema_and_a_required_status():
    assert set(INSTITUTION_SCHEMAS) == set(REQUIRED_STATUS)


# --- the status each kind needs ----------------------------------------------------------------------


def state(status: str, identifier: str | None = "YLJG-0001") -> InstitutionState:
    return InstitutionState(name="朝阳康复医院", identifier=identifier, status=status)


ALLOWED = {
    "institution.practice_registration": {"setup"},
    "institution.change": {"operating", "suspended"},
    "institution.verification": {"operating"},
    "institution.suspension": {"operating"},
    "institution.resumption": {"suspended"},
    "institution.cancellation": {"operating", "suspended"},
}


@pytest.mark.parametrize("kind", sorted(ALLOWED))
@pytest.mark.parametrize("status", ["setup", "operating", "suspended", "cancelled"])
def test_each_kind_needs_the_institution_in_its_status(kind, status):
    identifier = None if kind == "institution.practice_registration" else "YLJG-0001"
    reasons = institution_business_reasons(kind, {}, state(status, identifier), open_duplicate=False, uscc_holder=None)
    if status in ALLOWED[kind]:
        assert reasons == []
    else:
        assert len(reasons) == 1
        assert reasons[0].startswith("医疗机构“朝阳康复医院”")


@pytest.mark.parametrize(("kind", "status", "reason"), [
    ("institution.suspension", "suspended", "医疗机构“朝阳康复医院”已停业，不在执业状态，不能办理停业"),
    ("institution.resumption", "operating", "医疗机构“朝阳康复医院”执业中，未停业，无需解除停业"),
    ("institution.cancellation", "cancelled", "医疗机构“朝阳康复医院”已注销，已注销或尚未执业登记，不能办理注销"),
    ("institution.cancellation", "setup", "医疗机构“朝阳康复医院”已设置审批（未执业登记），已注销或尚未执业登记，不能办理注销"),
    ("institution.change", "cancelled", "医疗机构“朝阳康复医院”已注销，不在执业或停业状态，不能办理变更"),
])
def test_the_status_reason_says_what_the_institution_is_and_why(kind, status, reason):
    assert institution_business_reasons(kind, {}, state(status), False, None) == [reason]


def test_later_business_needs_an_identifier():
    reasons = institution_business_reasons("institution.change", {"beds": 10}, state("operating", None), False, None)
    assert reasons == ["医疗机构“朝阳康复医院”尚未取得电子化注册识别码，不能办理后续业务"]


def test_a_credit_code_held_elsewhere_and_an_open_duplicate_are_both_reasons():
    reasons = institution_business_reasons("institution.practice_registration", {"uscc": credit_code()},
                                           state("setup", None), open_duplicate=True, uscc_holder="望京医院")
    assert reasons == [f"统一社会信用代码{credit_code()}已由“望京医院”登记", "已有一件未办结的同类申请，不能重复申请"]


def test_a_cancelled_institution_without_identifier_gets_every_reason():
    reasons = institution_business_reasons("institution.resumption", {}, state("cancelled", None), True, None)
    assert len(reasons) == 3


# --- when verification falls due -----------------------------------------------------------------------


@pytest.mark.parametrize(("beds", "years"), [(0, 1), (99, 1), (100, 3), (500, 3)])
def test_verification_is_yearly_under_100_beds_and_three_yearly_from_100(beds, years):
    assert verification_interval_years(beds) == years
    assert next_verification(date(2026, 4, 15), beds) == date(2026 + years, 4, 15)


def test_a_verification_on_29_february_falls_due_on_28_february():
    assert next_verification(date(2028, 2, 29), 20) == date(2029, 2, 28)
    assert next_verification(date(2028, 2, 29), 100) == date(2031, 2, 28)


TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(("next_on", "expected"), [
    (None, ""),
    (TODAY - timedelta(days=1), "overdue"),
    (TODAY, "due"),
    (TODAY + timedelta(days=30), "due"),
    (TODAY + timedelta(days=31), ""),
])
def test_verification_is_due_within_30_days_and_overdue_after_the_date(next_on, expected):
    assert verification_state(next_on, TODAY) == expected
