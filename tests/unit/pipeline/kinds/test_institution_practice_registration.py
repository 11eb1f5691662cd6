"""institution.practice_registration: the credit code and register fields (pre-filled from the set-up approval),
and the reasons it is refused."""

import pytest
from stdnum.cn import uscc as stdnum_uscc

from pipeline.kinds.institution_practice_registration import KIND
from pipeline.registers.institutions import REGISTER_FIELDS, prefilled_registration
from tests.unit.pipeline.samples import STATUS_TEXT, STATUSES, TODAY, errors, institution


def credit_code(body: str = "91110105MA01ABCDE") -> str:
    """A valid unified social credit code: 17 characters, then the GB 32100 check digit."""
    return body + stdnum_uscc.calc_check_digit(body)


def wrong_check_digit(code: str) -> str:
    return code[:-1] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[-1])


def registration(**changes):
    data = {
        "name": "  朝阳康复医院  ", "type": "专科医院", "address": "北京市朝阳区康复路1号", "departments": ["内科", "外科"],
        "beds": 120, "legal_rep": "王五", "principal": "赵六", "uscc": credit_code(), "phone": "010-6500 1234",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_a_complete_registration_is_cleaned():
    assert KIND.clean(registration(uscc=" " + credit_code().lower() + " ")) == {
        "name": "朝阳康复医院", "type": "专科医院", "address": "北京市朝阳区康复路1号", "departments": sorted(["内科", "外科"]),
        "beds": 120, "legal_rep": "王五", "principal": "赵六", "uscc": credit_code(), "phone": "010-6500 1234"}


def test_only_the_credit_code_is_required_the_rest_comes_from_the_setup_approval():
    assert refused({}) == {"uscc": ("必填", "required")}
    assert KIND.clean({"uscc": credit_code()}) == {"uscc": credit_code()}
    assert KIND.prefill is prefilled_registration
    assert set(KIND.page.hidden) == set(REGISTER_FIELDS)
    assert [spec.name for spec in KIND.fields()] == ["uscc", "phone", "fax"]


def test_the_prefilled_registration_is_cleaned():
    setup = {"name": "望京社区卫生服务中心", "type": "社区卫生服务中心", "division_code": "110105",
             "address": "北京市朝阳区望京街2号", "departments": "全科医疗科；预防保健科", "beds": "0", "legal_rep": "李四",
             "principal": "钱七", "mobile": "13800138000", "phone": "010-1234567", "fax": "",
             "approval_no": "京朝卫设〔2026〕12号"}
    assert KIND.clean(KIND.prefill(setup, {"uscc": credit_code(), "beds": 20})) == {
        "uscc": credit_code(), "phone": "010-1234567", "name": "望京社区卫生服务中心", "type": "社区卫生服务中心",
        "address": "北京市朝阳区望京街2号", "departments": ["全科医疗科", "预防保健科"], "beds": 20, "legal_rep": "李四",
        "principal": "钱七"}


def test_an_unknown_field_is_refused():
    assert refused(registration(website="x")) == {"website": ("不支持的字段", "unknown_field")}
    assert refused(registration(mobile="13800138000")) == {"mobile": ("不支持的字段", "unknown_field")}


@pytest.mark.parametrize(("value", "reason", "code"), [
    (wrong_check_digit(credit_code()), "统一社会信用代码校验位错误", "checksum"),
    (credit_code()[:-1], "统一社会信用代码应为18位", "format"),
    (credit_code() + "1", "统一社会信用代码应为18位", "format"),
    ("A" + credit_code()[1:], "统一社会信用代码格式错误", "format"),  # the first eight are digits
    (credit_code()[:9] + "I" + credit_code()[10:], "统一社会信用代码格式错误", "format"),  # I is not in the GB 32100 alphabet
    (911101051234567890, "统一社会信用代码应为文本", "type"),
])
def test_a_bad_credit_code_names_the_field(value, reason, code):
    assert refused(registration(uscc=value)) == {"uscc": (reason, code)}


def test_departments_may_be_written_as_separated_text():
    assert KIND.clean(registration(departments="外科；内科、外科, 妇产科"))["departments"] == sorted(["内科", "外科", "妇产科"])


@pytest.mark.parametrize(("value", "reason", "code"), [
    (["内科", "占星科"], "不在《医疗机构诊疗科目名录》中的科目：占星科", "choice"),
    ("；、", "必填", "required"),
    ([" "], "必填", "required"),
    (["内科", 3], "诊疗科目应为科目名称的列表", "type"),
    ({"内科": True}, "诊疗科目应为科目名称的列表", "type"),
])
def test_bad_departments_name_the_field(value, reason, code):
    assert refused(registration(departments=value)) == {"departments": (reason, code)}


@pytest.mark.parametrize(("value", "clean"), [(0, 0), ("  35 ", 35), (99999, 99999)])
def test_beds_accept_whole_numbers_and_numeric_text(value, clean):
    assert KIND.clean(registration(beds=value))["beds"] == clean


@pytest.mark.parametrize(("value", "code"), [(-1, "out_of_range"), (100000, "out_of_range"), (12.5, "type"), (True, "type"),
                                             ("十张", "type"), ("1e3", "type")])
def test_bad_beds_name_the_field(value, code):
    assert refused(registration(beds=value)) == {"beds": ("床位数应为0至99999的整数", code)}


@pytest.mark.parametrize("value", ["+86 (010) 6500-1234", "12345", "1" * 30])
def test_phone_numbers_with_punctuation_are_accepted(value):
    assert KIND.clean(registration(phone=value))["phone"] == value
    assert KIND.clean(registration(fax=value))["fax"] == value


@pytest.mark.parametrize("value", ["010-abc", "1234", "1" * 31, "010_65001234"])
def test_bad_phone_and_fax_name_their_field(value):
    assert refused(registration(phone=value)) == {"phone": ("电话只能包含数字、空格和 + - ( )，长度5至30", "format")}
    assert refused(registration(fax=value)) == {"fax": ("传真只能包含数字、空格和 + - ( )，长度5至30", "format")}


def test_a_phone_that_is_not_text_is_refused():
    assert refused(registration(phone=65001234)) == {"phone": ("电话应为文本", "type")}


def test_a_blank_phone_is_left_out():
    assert "phone" not in KIND.clean(registration(phone="  "))


@pytest.mark.parametrize(("field", "value", "reason", "code"), [
    ("name", "院", "机构名称长度应为2至100个字符", "too_short"),
    ("legal_rep", 5, "法定代表人应为文本", "type"),
    ("principal", "赵" * 31, "主要负责人长度应为2至30个字符", "too_long"),
    ("address", "路", "地址长度应为2至200个字符", "too_short"),
])
def test_bad_register_text_names_the_field(field, value, reason, code):
    assert refused(registration(**{field: value})) == {field: (reason, code)}


def test_a_bad_type_lists_the_types():
    (reason, code), = refused(registration(type="美容院")).values()
    assert reason.startswith("机构类别应为以下之一：") and "专科医院" in reason and code == "choice"


# --- refusal ------------------------------------------------------------------------------------------------


def refuse(status="setup", identifier=None, holder=None):
    return KIND.refuse(data={"uscc": credit_code()}, institution=institution(status, identifier), uscc_holder=holder)


@pytest.mark.parametrize("status", STATUSES)
def test_only_an_institution_with_a_setup_approval_registers(status):
    expected = [] if status == "setup" else [f"医疗机构“朝阳康复医院”{STATUS_TEXT[status]}，已办理执业登记，不能重复登记"]
    assert refuse(status) == expected


def test_no_identifier_is_needed_before_registration():
    assert refuse("setup", None) == [] == refuse("setup", "H11010520260000002X")


def test_a_credit_code_held_elsewhere_is_a_reason():
    assert refuse(holder="望京医院") == [f"统一社会信用代码{credit_code()}已由“望京医院”登记"]
    assert refuse("operating", holder="望京医院") == [
        "医疗机构“朝阳康复医院”执业中，已办理执业登记，不能重复登记", f"统一社会信用代码{credit_code()}已由“望京医院”登记"]
